// Package syndicate links the copies of one story across publications: a
// Moscow Times op-ed "originally published by the Kennan Institute" and the
// Kennan Institute's original. It runs after articles are committed, from
// the importer and the crawler alike.
package syndicate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler/extract"
)

// Store is what linking needs from the archive.
type Store interface {
	GetByURL(ctx context.Context, url string) (*archive.Article, error)
	ReprintsOf(ctx context.Context, url string) ([]*archive.Article, error)
	ByAuthorNear(ctx context.Context, author string, t time.Time, window time.Duration) ([]*archive.Article, error)
	LinkSyndication(ctx context.Context, originalID, reprintID string) error
}

// Window is how far apart in time two copies of a story may be published.
const Window = 6 * 7 * 24 * time.Hour

// publisherSites maps a publisher named in a credit line to the site that
// publishes its originals, so an original can look for its reprints.
var publisherSites = map[string]string{
	"Kennan Institute": "Wilson Center",
	"Wilson Center":    "Wilson Center",
}

func isOriginalSite(site string) bool {
	for _, s := range publisherSites {
		if s == site {
			return true
		}
	}
	return false
}

// Link finds the partner of a just-committed article and links the two. It
// returns the partner's ID, or "" when there is none. A reprint names its
// original by URL when the credit line links it (whichever of the two is
// stored first); otherwise the two are
// matched as near-duplicates (same authors, near-identical body, dates
// within Window). Only articles that can take part in syndication are
// matched, which keeps bulk imports fast.
func Link(ctx context.Context, store Store, a *archive.Article) (string, error) {
	if a.OriginalURL != "" {
		original, err := store.GetByURL(ctx, a.OriginalURL)
		switch {
		case err == nil && original.ID != a.ID:
			return original.ID, link(ctx, store, original.ID, a.ID)
		case err != nil && !errors.Is(err, archive.ErrNotFound):
			return "", fmt.Errorf("syndication of %s: %w", a.ID, err)
		}
	}
	if a.URL != "" && a.OriginalURL == "" {
		// An original that arrives after reprints naming it by URL.
		reprints, err := store.ReprintsOf(ctx, a.URL)
		if err != nil {
			return "", fmt.Errorf("syndication of %s: %w", a.ID, err)
		}
		partner := ""
		for _, r := range reprints {
			if r.ID == a.ID {
				continue
			}
			if err := link(ctx, store, a.ID, r.ID); err != nil {
				return "", err
			}
			partner = r.ID
		}
		if partner != "" {
			return partner, nil
		}
	}
	isReprint := a.OriginalPublisher != ""
	if (!isReprint && !isOriginalSite(a.Site)) || a.Published.IsZero() || len(a.Authors) == 0 {
		return "", nil
	}
	candidates, err := store.ByAuthorNear(ctx, a.Authors[0], a.Published, Window)
	if err != nil {
		return "", fmt.Errorf("syndication of %s: %w", a.ID, err)
	}
	for _, c := range candidates {
		if c.ID == a.ID || c.Site == a.Site || !extract.SameStory(a, c) {
			continue
		}
		switch {
		case isReprint && c.OriginalPublisher == "":
			return c.ID, link(ctx, store, c.ID, a.ID)
		case !isReprint && c.OriginalPublisher != "":
			return c.ID, link(ctx, store, a.ID, c.ID)
		}
	}
	return "", nil
}

func link(ctx context.Context, store Store, originalID, reprintID string) error {
	if err := store.LinkSyndication(ctx, originalID, reprintID); err != nil {
		return fmt.Errorf("syndication: %w", err)
	}
	return nil
}

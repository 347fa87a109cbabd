package archive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// LinkSyndication records that reprint republishes original: the reprint's
// SyndicatedFrom and the original's SyndicatedAs. Links are not content, so
// no version is made, but both articles get a new change sequence number so
// the index shows the story once with its editions. Linking twice is a no-op.
func (s *Store) LinkSyndication(ctx context.Context, originalID, reprintID string) error {
	if originalID == reprintID {
		return fmt.Errorf("link syndication: %s cannot reprint itself", originalID)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM articles`).Scan(&seq); err != nil {
			return err
		}
		original, err := loadForUpdate(ctx, tx, originalID)
		if err != nil {
			return err
		}
		reprint, err := loadForUpdate(ctx, tx, reprintID)
		if err != nil {
			return err
		}
		if reprint.SyndicatedFrom == originalID && slices.Contains(original.SyndicatedAs, reprintID) {
			return nil
		}
		reprint.SyndicatedFrom = originalID
		if !slices.Contains(original.SyndicatedAs, reprintID) {
			original.SyndicatedAs = append(original.SyndicatedAs, reprintID)
			slices.Sort(original.SyndicatedAs)
		}
		for _, a := range []*Article{original, reprint} {
			seq++
			doc, err := encodeDoc(a)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE articles SET doc = ?, seq = ? WHERE id = ?`, doc, seq, a.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("link syndication %s -> %s: %w", originalID, reprintID, err)
	}
	return nil
}

func loadForUpdate(ctx context.Context, tx *sql.Tx, id string) (*Article, error) {
	var doc string
	err := tx.QueryRowContext(ctx, `SELECT doc FROM articles WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return decodeDoc(doc)
}

// ReprintsOf returns the articles whose original_url names url (under any
// of its URL variants): the reprints of an original that arrived after them.
func (s *Store) ReprintsOf(ctx context.Context, url string) ([]*Article, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc FROM articles WHERE original_key = ?`, CanonicalKey(url))
	if err != nil {
		return nil, fmt.Errorf("reprints of %s: %w", url, err)
	}
	return scanDocs(rows)
}

// ByAuthorNear returns articles by author published within window of t, for
// matching syndicated copies that lost their link. Articles without a date
// are not returned.
func (s *Store) ByAuthorNear(ctx context.Context, author string, t time.Time, window time.Duration) ([]*Article, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.doc FROM articles a JOIN article_authors au ON au.article_id = a.id
		WHERE au.author = ? AND a.published <> '' AND a.published BETWEEN ? AND ?`,
		author, formatTime(t.Add(-window)), formatTime(t.Add(window)))
	if err != nil {
		return nil, fmt.Errorf("articles by %s near %s: %w", author, t.Format(time.DateOnly), err)
	}
	return scanDocs(rows)
}

func scanDocs(rows *sql.Rows) ([]*Article, error) {
	defer rows.Close()
	var out []*Article
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		a, err := decodeDoc(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// FieldHealth is, for one site, the share of its recent articles that have
// each field: a redesign that silently breaks a selector shows up as a drop.
type FieldHealth struct {
	Site          string             `json:"site"`
	Articles      int                `json:"articles"` // recent articles considered
	Present       map[string]float64 `json:"present"`  // field -> share 0..1
	MeanBodyWords int                `json:"mean_body_words"`
}

// Health reports field presence over each site's most recent articles
// (by first_seen), at most recent per site.
func (s *Store) Health(ctx context.Context, recent int) ([]FieldHealth, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT site, doc FROM (
		SELECT site, doc, ROW_NUMBER() OVER (PARTITION BY site ORDER BY first_seen DESC) AS r FROM articles
	) WHERE r <= ? ORDER BY site`, recent)
	if err != nil {
		return nil, fmt.Errorf("archive health: %w", err)
	}
	defer rows.Close()
	var out []FieldHealth
	var words int
	for rows.Next() {
		var site, doc string
		if err := rows.Scan(&site, &doc); err != nil {
			return nil, fmt.Errorf("archive health: %w", err)
		}
		var a Article
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return nil, fmt.Errorf("archive health: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].Site != site {
			finishHealth(out, words)
			out = append(out, FieldHealth{Site: site, Present: map[string]float64{}})
			words = 0
		}
		h := &out[len(out)-1]
		h.Articles++
		words += a.WordCount
		for field, present := range map[string]bool{
			"title": a.Title != "", "authors": len(a.Authors) > 0, "published": !a.Published.IsZero(),
			"tags": len(a.Tags) > 0, "body": a.WordCount >= 100, "subtitle": a.Subtitle != "",
			"section": a.Section != "", "image_credit": a.ImageCredit != "",
		} {
			if present {
				h.Present[field]++
			} else if _, seen := h.Present[field]; !seen {
				h.Present[field] = 0
			}
		}
	}
	finishHealth(out, words)
	return out, rows.Err()
}

// finishHealth turns the last site's counts into shares.
func finishHealth(out []FieldHealth, words int) {
	if len(out) == 0 {
		return
	}
	h := &out[len(out)-1]
	for f, n := range h.Present {
		h.Present[f] = n / float64(h.Articles)
	}
	h.MeanBodyWords = words / h.Articles
}

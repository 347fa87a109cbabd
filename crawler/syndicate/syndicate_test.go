package syndicate_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler/syndicate"
)

var body = strings.Repeat("The committee met in the old building on the river and argued about grain quotas until late. ", 12)

func original() *archive.Article {
	return &archive.Article{
		URL: "https://www.wilsoncenter.org/blog-post/grain-quotas-river", Site: "Wilson Center", Section: "Kennan Institute",
		Title: "Grain Quotas on the River", Authors: []string{"Anna Petrova"},
		Published: time.Date(2017, 8, 10, 9, 0, 0, 0, time.UTC), Body: body,
	}
}

func reprint(withLink bool) *archive.Article {
	a := &archive.Article{
		URL: "https://www.themoscowtimes.com/2017/08/14/grain-quotas-a90100", Site: "The Moscow Times", Section: "Opinion",
		Title: "Grain Quotas on the River", Authors: []string{"Anna Petrova"},
		Published: time.Date(2017, 8, 14, 18, 0, 0, 0, time.UTC), Body: body, OriginalPublisher: "Kennan Institute",
	}
	if withLink {
		a.OriginalURL = "https://wilsoncenter.org/blog-post/grain-quotas-river/"
	}
	return a
}

func TestLink(t *testing.T) {
	unrelated := reprint(false)
	unrelated.URL, unrelated.Body = "https://www.themoscowtimes.com/2017/08/20/other-a90200", strings.Repeat("Entirely different words about ferries and ports and the weather. ", 12)
	rewritten := reprint(true)
	rewritten.Body = strings.Repeat("An abridged version with a new introduction for a different audience. ", 12)
	late := reprint(false)
	late.URL, late.Published = "https://www.themoscowtimes.com/2018/08/20/late-a90300", time.Date(2018, 8, 20, 0, 0, 0, 0, time.UTC)

	tests := []struct {
		name         string
		first, later *archive.Article // committed in this order; Link runs on later
		wantLinked   bool
	}{
		{"reprint names its original by URL", original(), reprint(true), true},
		{"reprint without the link, matched by content", original(), reprint(false), true},
		{"original arrives after its reprint", reprint(false), original(), true},
		{"original arrives after a reprint naming it, bodies differ", rewritten, original(), true},
		{"different body is not the same story", original(), unrelated, false},
		{"a year apart is not the same story", original(), late, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store, err := archive.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			for _, a := range []*archive.Article{tt.first, tt.later} {
				if _, err := store.Put(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			partner, err := syndicate.Link(ctx, store, tt.later)
			if err != nil {
				t.Fatal(err)
			}
			if got := partner != ""; got != tt.wantLinked {
				t.Fatalf("linked = %v (partner %q), want %v", got, partner, tt.wantLinked)
			}
			if !tt.wantLinked {
				return
			}
			orig, _ := store.GetByURL(ctx, original().URL)
			rep, _ := store.Get(ctx, partnerOf(tt.later, orig.ID, partner))
			if rep.SyndicatedFrom != orig.ID || len(orig.SyndicatedAs) != 1 || orig.SyndicatedAs[0] != rep.ID {
				t.Errorf("links: reprint from %q, original as %q", rep.SyndicatedFrom, orig.SyndicatedAs)
			}
		})
	}
}

// partnerOf returns the reprint's ID whichever side Link ran on.
func partnerOf(later *archive.Article, originalID, partner string) string {
	if later.ID == originalID {
		return partner
	}
	return later.ID
}

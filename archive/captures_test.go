package archive_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oped/oped/archive"
)

func TestCapturesRoundTripAndDiscovery(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

	fetched := &archive.Capture{
		URL: "https://example.test/done", Site: "Ex", Kind: "article", Depth: 2, Status: 200,
		ETag: `"e1"`, LastModified: "Mon, 23 Nov 2026 10:00:00 GMT", ContentType: "text/html",
		ContentHash: "abc", WARCFile: "oped-1.warc.gz", WARCOffset: 1234,
		FirstFetched: now.Add(-time.Hour), FetchedAt: now, NextVisit: now.Add(24 * time.Hour),
	}
	if err := s.PutCaptures(ctx, fetched); err != nil {
		t.Fatal(err)
	}
	got, err := s.Capture(ctx, fetched.URL)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fetched, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, err := s.Capture(ctx, "https://example.test/unknown"); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("unknown URL: %v", err)
	}

	// Discovering a known URL must not reset what was fetched there.
	n, err := s.AddDiscovered(ctx,
		&archive.Capture{URL: fetched.URL, Site: "Ex", Kind: "article"},
		&archive.Capture{URL: "https://example.test/new", Site: "Ex", Kind: "article", Depth: 3},
		&archive.Capture{URL: "https://example.test/later", Site: "Ex", Kind: "listing", NextVisit: now.Add(time.Hour)},
		&archive.Capture{URL: "https://other.test/x", Site: "Other", Kind: "article"},
	)
	if err != nil || n != 3 {
		t.Fatalf("AddDiscovered = %d, %v; want 3 new", n, err)
	}
	if again, _ := s.Capture(ctx, fetched.URL); again.WARCOffset != 1234 {
		t.Error("AddDiscovered overwrote a fetched capture")
	}

	// Due at noon: the never-fetched URL only. Two days later: all three, never-fetched first.
	due, err := s.DueCaptures(ctx, "Ex", now, 0)
	if err != nil || len(due) != 1 || due[0].URL != "https://example.test/new" {
		t.Errorf("due now = %v, %v", urlsOf(due), err)
	}
	due, _ = s.DueCaptures(ctx, "Ex", now.Add(48*time.Hour), 0)
	if diff := cmp.Diff([]string{"https://example.test/new", "https://example.test/later", "https://example.test/done"}, urlsOf(due)); diff != "" {
		t.Errorf("due later (-want +got):\n%s", diff)
	}
	if due, _ := s.DueCaptures(ctx, "Ex", now.Add(48*time.Hour), 1); len(due) != 1 {
		t.Errorf("limit 1 gave %d", len(due))
	}

	var all []string
	if err := s.ForEachCapture(ctx, "", func(c *archive.Capture) error { all = append(all, c.URL); return nil }); err != nil || len(all) != 4 {
		t.Errorf("ForEachCapture: %v %v", all, err)
	}
}

func TestPutArticleCaptureAndUncaptured(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	dumped := sample(1) // imported from a text dump: a URL, no capture
	if _, err := s.Put(ctx, dumped); err != nil {
		t.Fatal(err)
	}
	unc, err := s.UncapturedArticles(ctx)
	if err != nil || len(unc) != 1 || unc[0].URL != dumped.URL || unc[0].ID != dumped.ID {
		t.Fatalf("uncaptured = %+v, %v", unc, err)
	}

	crawled := sample(1)
	crawled.Body += "\n\nA paragraph the dump lost."
	c := &archive.Capture{URL: crawled.URL, Site: "The Moscow Times", Kind: "article", Status: 200, WARCFile: "f.warc.gz", FetchedAt: time.Now()}
	alias := &archive.Capture{URL: crawled.URL + "?from=rss", Site: "The Moscow Times", Kind: "article", Status: 200, WARCFile: "f.warc.gz", FetchedAt: time.Now()}
	res, err := s.PutArticleCapture(ctx, crawled, c, alias)
	if err != nil || res.Outcome != archive.Updated || res.Version != 2 {
		t.Fatalf("PutArticleCapture = %+v, %v; want a second version", res, err)
	}
	for _, u := range []string{c.URL, alias.URL} {
		got, err := s.Capture(ctx, u)
		if err != nil || got.ArticleID != dumped.ID {
			t.Errorf("capture %s: article %q, %v; want %s", u, got.ArticleID, err, dumped.ID)
		}
	}
	if unc, _ := s.UncapturedArticles(ctx); len(unc) != 0 {
		t.Errorf("still uncaptured: %+v", unc)
	}

	// A failing transaction leaves neither the article nor the capture.
	bad := sample(2)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.PutArticleCapture(cctx, bad, &archive.Capture{URL: bad.URL, Site: "x", Kind: "article"}); err == nil {
		t.Fatal("cancelled put succeeded")
	}
	if _, err := s.Get(ctx, bad.ID); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("article of a failed put exists: %v", err)
	}
	if _, err := s.Capture(ctx, bad.URL); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("capture of a failed put exists: %v", err)
	}
}

func urlsOf(cs []*archive.Capture) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.URL)
	}
	return out
}

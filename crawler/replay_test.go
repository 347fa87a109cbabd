package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler/extract"
	"github.com/oped/oped/crawler/fetch"
	"github.com/oped/oped/crawler/warc"
)

// A WARC import says which pages failed and why, not only how many, and
// keeps the list short when many fail.
func TestImportWARCReportsFailures(t *testing.T) {
	dir := t.TempDir()
	w, err := warc.NewWriter(dir, "oped-test")
	if err != nil {
		t.Fatal(err)
	}
	const broken = MaxReportedFailures + 5
	for i := range broken {
		u, _ := url.Parse(fmt.Sprintf("https://ledger.example/opinion/piece-%d", i))
		ex := &fetch.Exchange{
			Request: &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}},
			Proto:   "HTTP/1.1", Status: http.StatusOK, Time: time.Now(),
			// Labelled gzip, but not: the body cannot be decoded.
			Header: http.Header{"Content-Type": {"text/html"}, "Content-Encoding": {"gzip"}},
			Body:   []byte("<html><body><p>not compressed at all</p></body></html>"),
		}
		if _, err := w.Record(context.Background(), ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc.gz"))
	if len(files) != 1 {
		t.Fatalf("WARC files: %v", files)
	}
	sum, err := ImportWARC(context.Background(), openTestStore(t, t.TempDir()), nil, files[0])
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != broken || len(sum.Failures) != MaxReportedFailures {
		t.Fatalf("%d failed, %d reported; want %d and %d", sum.Failed, len(sum.Failures), broken, MaxReportedFailures)
	}
	if f := sum.Failures[0]; !strings.HasPrefix(f, "https://ledger.example/opinion/piece-0: ") || !strings.Contains(f, "gunzip") {
		t.Errorf("first failure %q: want the URL and the reason", f)
	}
}

// One capture that cannot be read back does not stop a re-extraction: the
// others are still re-extracted, and the broken one is reported.
func TestReextractGoesOnPastAnUnreadableCapture(t *testing.T) {
	ctx := context.Background()
	site, _ := slowSite(t, 4, 0)
	dir := t.TempDir()
	store := openTestStore(t, dir)
	cfg, err := ParseConfig([]byte(slowSiteYAML(site.srv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	warcDir := filepath.Join(dir, "warc")
	if sum, err := Run(ctx, store, cfg, Options{WARCDir: warcDir}); err != nil || sum.New != 4 {
		t.Fatalf("crawl: %s, %v", sum, err)
	}
	var broken *archive.Capture
	err = store.ForEachCapture(ctx, "", func(c *archive.Capture) error {
		if c.Kind == KindArticle && broken == nil {
			broken = c
		}
		return nil
	})
	if err != nil || broken == nil {
		t.Fatalf("no article capture: %v", err)
	}
	broken.WARCOffset++ // no record starts there
	if err := store.PutCaptures(ctx, broken); err != nil {
		t.Fatal(err)
	}
	sum, err := Reextract(ctx, store, cfg, warcDir, "")
	if err != nil {
		t.Fatalf("reextract stopped at the unreadable capture: %v", err)
	}
	if sum.Unchanged != 3 || sum.Failed != 1 || len(sum.Failures) != 1 || !strings.HasPrefix(sum.Failures[0], broken.URL+": ") {
		t.Errorf("reextract: %s, failures %q; want 3 unchanged and %s reported", sum, sum.Failures, broken.URL)
	}
	// Replay itself still stops there, for callers that need every page.
	if err := Replay(ctx, store, warcDir, cfg, "", func(*archive.Capture, *extract.Page) error { return nil }); err == nil {
		t.Error("Replay passed over an unreadable capture silently")
	}
}

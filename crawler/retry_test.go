package crawler

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// A page that failed after a full response (here a soft 404: status 200,
// no article) is retried in full on a later run. Revalidating it would
// have the server answer 304 and the crawl record the failure as cured.
func TestFailedPageIsRetriedUnconditionally(t *testing.T) {
	ctx := context.Background()
	s := newSite()
	t.Cleanup(s.Close)
	const soft404 = "/2020/01/01/gone-a4040"
	s.static("/robots.txt", "text/plain", "")
	s.static(soft404, "text/html; charset=utf-8", `<!DOCTYPE html><html><head><title>Oops!</title></head><body><h1>Oops!</h1><p>This page does not exist.</p></body></html>`)
	cfg, err := ParseConfig(fmt.Appendf(nil, "allow_private_addresses: true\nsites:\n  - name: Soft\n    extractor: moscowtimes\n    article: '^%s/'\n    rate: -1\n", s.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store := openTestStore(t, dir)
	clock := time.Now()
	opts := Options{WARCDir: filepath.Join(dir, "warc"), Tune: fastHTTP, Seeds: []string{s.srv.URL + soft404}, Now: func() time.Time { return clock }}

	for run := 1; run <= 2; run++ {
		sum, err := Run(ctx, store, cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Failed != 1 || sum.NotModified != 0 {
			t.Errorf("run %d: %s; want the soft 404 failed again, not 304", run, sum)
		}
		for _, r := range s.takeLog() {
			if r.Path == soft404 && r.Conditional {
				t.Errorf("run %d: the failed page was revalidated instead of retried", run)
			}
		}
		c, err := store.Capture(ctx, s.srv.URL+soft404)
		if err != nil || c.Error == "" || c.Failures != run {
			t.Errorf("run %d: capture error %q, %d failures (%v); want the failure recorded %d times", run, c.Error, c.Failures, err, run)
		}
		clock = clock.Add(2 * time.Hour)
	}
}

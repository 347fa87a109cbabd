package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// A listing whose every page links one level deeper (an endless calendar
// built from relative links) is walked only until a path segment would
// occur a third time, however generous max_depth and max_pages are.
func TestCrawlStopsAtRepeatingPaths(t *testing.T) {
	var mu sync.Mutex
	fetched := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		fetched[r.URL.Path]++
		mu.Unlock()
		// Two ways deeper from every page: /next and /cal.
		fmt.Fprintf(w, `<html><body><a href="%[1]s/next">next</a> <a href="%[1]s/cal">calendar</a></body></html>`, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	host := regexp.QuoteMeta(strings.TrimPrefix(srv.URL, "http://"))
	cfg, err := ParseConfig(fmt.Appendf(nil, `allow_private_addresses: true
sites:
  - name: Trap
    start: [%s/opinion]
    follow: '^http://%s/opinion(/.*)?$'
    rate: -1
    max_depth: 100
    max_pages: 1000
`, srv.URL, host))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := Run(context.Background(), openTestStore(t, dir), cfg, Options{WARCDir: filepath.Join(dir, "warc"), Tune: fastHTTP})
	if err != nil {
		t.Fatal(err)
	}
	for path, n := range fetched {
		if n != 1 {
			t.Errorf("%s fetched %d times", path, n)
		}
		for _, seg := range []string{"next", "cal"} {
			if strings.Count(path, "/"+seg) > 2 {
				t.Errorf("fetched %s, which repeats %q", path, seg)
			}
		}
	}
	// /opinion followed by every arrangement of at most two "next" and at
	// most two "cal", by length 0 to 4: 1 + 2 + 4 + 6 + 6 = 19 pages.
	if len(fetched) != 19 || sum.Fetched != 19 {
		t.Errorf("fetched %d distinct pages (%d requests), want the 19 that repeat no segment more than twice", len(fetched), sum.Fetched)
	}
}

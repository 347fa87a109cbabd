package crawler

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler/extract"
	"github.com/oped/oped/crawler/fetch"
)

// siteConfig is a crawl config for a fixture site at base.
func siteConfig(t testing.TB, base string, extra string) *Config {
	t.Helper()
	host := regexp.QuoteMeta(strings.TrimPrefix(base, "http://"))
	yml := fmt.Sprintf(`user_agent: "oped-test/1.0 (+http://example.org/contact)"
allow_private_addresses: true
sites:
  - name: Fixture Times
    extractor: moscowtimes
    start: [%[1]s/opinion]
    feeds: [%[1]s/rss/opinion]
    sitemaps: [%[1]s/sitemap/sitemap.xml]
    follow: '^http://%[2]s/opinion(/\d+)?$'
    article: '^http://%[2]s/\d{4}/\d{2}/\d{2}/[^/]+-a\d+$'
    paginate: {url: '%[1]s/opinion/{offset}', first: 5, step: 5}
    rate: -1
%[3]s`, base, host, extra)
	cfg, err := ParseConfig([]byte(yml))
	if err != nil {
		t.Fatalf("fixture config: %v\n%s", err, yml)
	}
	return cfg
}

func fastHTTP(c *fetch.Config) {
	c.Timeout = 400 * time.Millisecond
	c.HeaderTimeout = 400 * time.Millisecond
	c.RetryInitial = 10 * time.Millisecond
	c.MaxRetries = 1
	c.MaxRetryAfter = 2 * time.Second
}

func openTestStore(t testing.TB, dir string) *archive.Store {
	t.Helper()
	s, err := archive.Open(context.Background(), filepath.Join(dir, "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mtSite builds the fixture Moscow Times: section pages with script-loaded
// pagination, a feed, a sitemap index with a gzipped child, robots.txt, and
// articles that redirect, loop, rate-limit, stall, explode, use
// windows-1251, name another canonical URL, or change between crawls.
type mtSite struct {
	*site
	articles map[int]*fixtureArticle
	phase    atomic.Int32 // 1: first crawl, 2: second crawl
}

func newMTSite(t *testing.T, now time.Time) *mtSite {
	t.Helper()
	s := &mtSite{site: newSite(), articles: map[int]*fixtureArticle{}}
	s.phase.Store(1)
	t.Cleanup(s.Close)
	base := s.srv.URL
	old := time.Date(2017, 8, 14, 18, 30, 0, 0, time.FixedZone("MSK", 3*3600))
	add := func(id int, slug string, published time.Time) *fixtureArticle {
		a := &fixtureArticle{ID: id, Slug: slug, Title: fmt.Sprintf("Fixture Piece %d (Op-ed)", id), Author: "Vera Lantern", Published: published, Paras: paragraphs(id, 4)}
		s.articles[id] = a
		return a
	}
	serveArticle := func(a *fixtureArticle, canonicalPath string) {
		s.static(a.path(), "text/html; charset=utf-8", articleHTML(base+canonicalPath, a))
	}
	for id := 101; id <= 110; id++ {
		a := add(id, fmt.Sprintf("piece-number-%d", id), old.AddDate(0, 0, id-101))
		serveArticle(a, a.path())
	}
	// 111: windows-1251, declared only in the header.
	a111 := add(111, "zima", old)
	a111.Title = "Зима в провинции (Op-ed)"
	a111.Author = "Анна Фонарёва"
	a111.Paras = []string{"Первый абзац о зиме и о реке, которая замерзает каждый год.", "Второй абзац о бюджете провинции и о трамваях."}
	s.handle(a111.path(), func(w http.ResponseWriter, r *http.Request) {
		serveWithETag(w, r, "text/html; charset=windows-1251", windows1251(articleHTML(base+a111.path(), a111)))
	})
	// 112: linked under an old slug that redirects to the canonical one.
	a112 := add(112, "new-slug", old)
	serveArticle(a112, a112.path())
	s.handle("/2017/08/14/old-slug-a112", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, a112.path(), http.StatusMovedPermanently)
	})
	// 114: only in the sitemap.
	a114 := add(114, "only-in-the-sitemap", old)
	serveArticle(a114, a114.path())
	// 115: linked as a print view that names the article view as canonical.
	a115 := add(115, "view", old)
	s.static("/2017/08/14/print-a115", "text/html; charset=utf-8", articleHTML(base+a115.path(), a115))
	s.static(a115.path(), "text/html; charset=utf-8", articleHTML(base+a115.path(), a115))
	// 116: rate-limited on first contact.
	a116 := add(116, "patience", old)
	var limited atomic.Bool
	s.handle(a116.path(), func(w http.ResponseWriter, r *http.Request) {
		if !limited.Swap(true) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		serveWithETag(w, r, "text/html; charset=utf-8", []byte(articleHTML(base+a116.path(), a116)))
	})
	// 117: never answers in time.
	s.handle("/2017/08/14/stalled-a117", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	})
	// 118: a gzip bomb (20 MiB of zeros).
	bomb := gzipBytes(make([]byte, 20<<20))
	s.handle("/2017/08/14/bomb-a118", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/html")
		w.Write(bomb)
	})
	// 119: robots.txt forbids it.
	a119 := add(119, "forbidden", time.Date(2017, 1, 5, 12, 0, 0, 0, time.UTC))
	serveArticle(a119, a119.path())
	// 120: young, and edited before the second crawl.
	a120 := add(120, "fresh", now.Add(-24*time.Hour))
	s.handle(a120.path(), func(w http.ResponseWriter, r *http.Request) {
		b := *a120
		if s.phase.Load() == 2 {
			b.Paras = append([]string{"Correction: an earlier version of this piece misnamed the ferry."}, b.Paras...)
		}
		serveWithETag(w, r, "text/html; charset=utf-8", []byte(articleHTML(base+a120.path(), &b)))
	})
	// 121: a redirect loop.
	s.handle("/2017/08/14/loop-a121", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/2017/08/14/loop-back-a121", http.StatusFound)
	})
	s.handle("/2017/08/14/loop-back-a121", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/2017/08/14/loop-a121", http.StatusFound)
	})

	p := func(id int) string { return s.articles[id].path() }
	s.static("/robots.txt", "text/plain", "User-agent: *\nDisallow: /2017/01/\n")
	s.static("/opinion", "text/html; charset=utf-8", listingHTML([]string{
		p(101), p(102), p(103), p(104), p(105),
		"/2017/08/14/print-a115", p(119), "/2017/08/14/old-slug-a112",
		p(101) + "#comments", // a duplicate
	}, false))
	s.static("/opinion/5", "text/html; charset=utf-8", listingHTML([]string{p(106), p(107), p(108), p(109), p(110)}, true))
	s.static("/opinion/10", "text/html; charset=utf-8", listingHTML([]string{p(111), "/2017/08/14/loop-a121"}, true))
	s.static("/opinion/15", "text/html; charset=utf-8", "")
	s.static("/rss/opinion", "application/rss+xml", rssXML(base, []string{
		base + p(101) + "?utm_source=rss&utm_medium=feed", // a duplicate with tracking parameters
		base + p(120),
	}))
	s.static("/sitemap/sitemap.xml", "application/xml", sitemapIndexXML(base+"/sitemap/2017-8.xml.gz"))
	s.handle("/sitemap/2017-8.xml.gz", func(w http.ResponseWriter, r *http.Request) {
		locs := []string{base + p(114), base + p(116), base + "/2017/08/14/stalled-a117", base + "/2017/08/14/bomb-a118"}
		if s.phase.Load() == 2 {
			locs = append(locs, base+a115.path()) // the canonical of a page already fetched
		}
		serveWithETag(w, r, "application/octet-stream", gzipBytes([]byte(urlsetXML(locs...))))
	})
	return s
}

func TestCrawlFixtureSite(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := now
	site := newMTSite(t, now)
	dir := t.TempDir()
	store := openTestStore(t, dir)
	cfg := siteConfig(t, site.srv.URL, "")
	opts := Options{WARCDir: filepath.Join(dir, "warc"), Tune: fastHTTP, Now: func() time.Time { return clock }}

	sum, err := Run(ctx, store, cfg, opts)
	if err != nil {
		t.Fatalf("first crawl: %v", err)
	}
	t.Logf("first crawl: %s", sum)
	want := Summary{New: 16, Failed: 3, SkippedRobots: 1}
	if sum.New != want.New || sum.Changed != 0 || sum.Unchanged != 0 || sum.Failed != want.Failed || sum.SkippedRobots != want.SkippedRobots || sum.NotModified != 0 {
		t.Errorf("first crawl %+v, want %+v", sum, want)
	}
	log1 := site.takeLog()
	counts := countPaths(log1)
	for path, n := range counts {
		wantN := 1
		switch path {
		case site.articles[116].path(): // 429, then the retry
			wantN = 2
		case "/2017/08/14/stalled-a117": // first attempt and one retry
			wantN = 2
		}
		if n != wantN {
			t.Errorf("first crawl requested %s %d times, want %d", path, n, wantN)
		}
	}
	for _, path := range []string{site.articles[119].path(), site.articles[115].path()} {
		if counts[path] != 0 {
			t.Errorf("first crawl requested %s", path)
		}
	}
	if counts["/opinion/15"] != 1 || counts["/opinion/20"] != 0 {
		t.Errorf("pagination: /opinion/15 %d, /opinion/20 %d requests; want the empty page to end it", counts["/opinion/15"], counts["/opinion/20"])
	}

	// What the archive holds.
	get := func(id int, path string) *archive.Article {
		t.Helper()
		a, err := store.GetByURL(ctx, site.srv.URL+path)
		if err != nil {
			t.Fatalf("article %d: %v", id, err)
		}
		return a
	}
	if a := get(111, site.articles[111].path()); a.Title != "Зима в провинции" || !strings.Contains(a.Body, "замерзает") || len(a.Authors) != 1 || a.Authors[0] != "Анна Фонарёва" {
		t.Errorf("windows-1251 article: title %q authors %q body %.60q", a.Title, a.Authors, a.Body)
	}
	if a := get(112, site.articles[112].path()); a.URL != site.srv.URL+site.articles[112].path() {
		t.Errorf("redirected article stored under %s", a.URL)
	}
	if a := get(115, site.articles[115].path()); a.URL != site.srv.URL+site.articles[115].path() {
		t.Errorf("print view stored under %s, want its canonical", a.URL)
	}
	for _, path := range []string{"/2017/08/14/stalled-a117", "/2017/08/14/bomb-a118", "/2017/08/14/loop-a121"} {
		c, err := store.Capture(ctx, site.srv.URL+path)
		if err != nil || c.Error == "" || c.Failures != 1 || !c.NextVisit.After(clock) {
			t.Errorf("failed page %s: capture %+v, %v", path, c, err)
		}
	}
	if c, _ := store.Capture(ctx, site.srv.URL+"/2017/08/14/bomb-a118"); c != nil && !strings.Contains(c.Error, "too large") {
		t.Errorf("bomb recorded as %q", c.Error)
	}

	// Second crawl a day later: the young article is due and was edited,
	// the sitemap now also names the canonical URL of the print view.
	site.phase.Store(2)
	clock = now.Add(25 * time.Hour)
	sum, err = Run(ctx, store, cfg, opts)
	if err != nil {
		t.Fatalf("second crawl: %v", err)
	}
	t.Logf("second crawl: %s", sum)
	if sum.New != 0 || sum.Changed != 1 || sum.Failed != 3 || sum.NotModified != 6 || sum.Unchanged != 0 {
		t.Errorf("second crawl %+v: want 1 changed, 3 failed again, 6 not modified", sum)
	}
	log2 := site.takeLog()
	for _, r := range log2 {
		switch {
		case strings.Contains(r.Path, "-a10"), strings.Contains(r.Path, "a111"), strings.Contains(r.Path, "a112"),
			strings.Contains(r.Path, "a114"), strings.Contains(r.Path, "a115"), strings.Contains(r.Path, "a116"):
			t.Errorf("second crawl fetched %s, which is not due", r.Path)
		case r.Path == "/robots.txt", strings.Contains(r.Path, "a117"), strings.Contains(r.Path, "a118"), strings.Contains(r.Path, "a121"):
		default:
			if !r.Conditional {
				t.Errorf("second crawl fetched %s unconditionally", r.Path)
			}
		}
	}
	a120, err := store.GetByURL(ctx, site.srv.URL+site.articles[120].path())
	if err != nil || len(a120.Versions) != 2 || !strings.HasPrefix(a120.Body, "Correction:") {
		t.Errorf("edited article: %d versions, %v", len(a120.Versions), err)
	}

	// Every stored article page replays from the WARC files as fetched.
	replayed := 0
	err = Replay(ctx, store, opts.WARCDir, cfg, "", func(c *archive.Capture, p *extract.Page) error {
		replayed++
		res, err := extract.MoscowTimes(p)
		if err != nil {
			return fmt.Errorf("%s: %w", c.URL, err)
		}
		if c.ArticleID != "" && res.Article.Title == "" {
			return fmt.Errorf("%s: no title", c.URL)
		}
		return nil
	})
	// 16 articles, each once: aliases (redirect targets, canonicals) share
	// their page's record, and the edited one points at its latest capture.
	if err != nil || replayed != 16 {
		t.Errorf("replayed %d pages (want 16), %v", replayed, err)
	}
}

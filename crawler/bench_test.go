package crawler

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oped/oped/archive"
)

var benchArticles = flag.Int("crawl.articles", 10000, "articles on the generated site of BenchmarkCrawl")

// generatedSite serves n articles in The Moscow Times' markup, made up on
// request, listed by a sitemap and (the newest 20) a section page. Every
// page carries a stable ETag and answers 304 to it.
func generatedSite(n int) *httptest.Server {
	article := regexp.MustCompile(`^/2018/(\d{2})/(\d{2})/generated-piece-a(\d+)$`)
	path := func(id int) string {
		return fmt.Sprintf("/2018/%02d/%02d/generated-piece-a%d", 1+id%12, 1+id%28, id)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		conditional := func(etag string) bool {
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return true
			}
			return false
		}
		switch {
		case r.URL.Path == "/sitemap.xml":
			if conditional(`"sitemap-1"`) {
				return
			}
			locs := make([]string, n)
			for i := range locs {
				locs[i] = base + path(i)
			}
			w.Write([]byte(urlsetXML(locs...)))
		case r.URL.Path == "/opinion":
			if conditional(`"opinion-1"`) {
				return
			}
			var paths []string
			for i := n - 1; i >= 0 && i >= n-20; i-- {
				paths = append(paths, path(i))
			}
			w.Write([]byte(listingHTML(paths, false)))
		case article.MatchString(r.URL.Path):
			m := article.FindStringSubmatch(r.URL.Path)
			id, _ := strconv.Atoi(m[3])
			if id >= n || r.URL.Path != path(id) {
				http.NotFound(w, r)
				return
			}
			if conditional(`"a` + m[3] + `-1"`) {
				return
			}
			a := &fixtureArticle{ID: id, Slug: "generated-piece", Title: fmt.Sprintf("Generated piece %d", id), Author: "Bench Writer",
				Published: time.Date(2018, time.Month(1+id%12), 1+id%28, 9, 0, 0, 0, time.UTC), Paras: paragraphs(id, 8)}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(articleHTML(base+r.URL.Path, a)))
		default:
			http.NotFound(w, r)
		}
	}))
}

// BenchmarkCrawl measures the crawler's own cost on a local generated site
// with rate limits off: a first crawl of every article (fetch, extract,
// WARC, commit), then a second crawl with nothing changed, which should
// only send conditional requests for its entry pages.
//
//	go test ./crawler -run '^$' -bench BenchmarkCrawl -benchtime 1x [-crawl.articles 10000]
func BenchmarkCrawl(b *testing.B) {
	n := *benchArticles
	srv := generatedSite(n)
	defer srv.Close()
	host := strings.ReplaceAll(strings.TrimPrefix(srv.URL, "http://"), ".", `\.`)
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`allow_private_addresses: true
sites:
  - name: Generated Times
    extractor: moscowtimes
    start: [%[1]s/opinion]
    sitemaps: [%[1]s/sitemap.xml]
    article: '^http://%[2]s/\d{4}/\d{2}/\d{2}/[^/]+-a\d+$'
    rate: -1
    max_pages: %[3]d
`, srv.URL, host, n+10)))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var first, second, allDue, reextract time.Duration
	for b.Loop() {
		dir := b.TempDir()
		store, err := archive.Open(ctx, filepath.Join(dir, "archive.db"))
		if err != nil {
			b.Fatal(err)
		}
		opts := Options{WARCDir: filepath.Join(dir, "warc")}
		s1, err := Run(ctx, store, cfg, opts)
		if err != nil || s1.New != n {
			b.Fatalf("first crawl: %s, %v", s1, err)
		}
		later := time.Now().Add(time.Hour)
		opts.Now = func() time.Time { return later }
		s2, err := Run(ctx, store, cfg, opts)
		if err != nil || s2.New+s2.Changed+s2.Unchanged != 0 || s2.NotModified != 2 {
			b.Fatalf("second crawl: %s, %v", s2, err)
		}
		// A month later every article (the site's are years old, so
		// revisited monthly) is due: all n are asked for conditionally,
		// and the unchanged site answers 304 to each.
		monthLater := time.Now().Add(32 * 24 * time.Hour)
		opts.Now = func() time.Time { return monthLater }
		s3, err := Run(ctx, store, cfg, opts)
		if err != nil || s3.New+s3.Changed+s3.Unchanged != 0 || s3.NotModified < n {
			b.Fatalf("month-later crawl: %s, %v", s3, err)
		}
		b.Logf("month later: %s", s3)
		allDue = s3.Duration
		// oped reextract over the same captures: nothing changed, so every
		// article must come back unchanged, read from WARC, not fetched.
		re, err := Reextract(ctx, store, cfg, opts.WARCDir, "")
		if err != nil || re.Unchanged != n {
			b.Fatalf("reextract: %s, %v", re, err)
		}
		store.Close()
		first, second, reextract = s1.Duration, s2.Duration, re.Duration
		b.Logf("reextract: %s", re)
		b.Logf("first: %s", s1)
		b.Logf("second: %s", s2)
	}
	b.ReportMetric(float64(n)/first.Seconds(), "articles/s")
	b.ReportMetric(first.Seconds(), "first-s")
	b.ReportMetric(float64(second.Microseconds())/1000, "second-ms")
	b.ReportMetric(first.Seconds()/second.Seconds(), "speedup")
	b.ReportMetric(reextract.Seconds(), "reextract-s")
	b.ReportMetric(first.Seconds()/allDue.Seconds(), "all-due-speedup")
}

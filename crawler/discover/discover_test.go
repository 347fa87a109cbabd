package discover

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestParseSitemap(t *testing.T) {
	msk := time.FixedZone("", 3*3600)
	index := &Sitemap{Index: true, Entries: []SitemapEntry{
		{URL: "https://static.example-times.test/sitemap/2017-9.xml", LastMod: time.Date(2017, 9, 30, 23, 10, 0, 0, msk)},
		{URL: "https://static.example-times.test/sitemap/2017-8.xml", LastMod: time.Date(2017, 8, 31, 0, 0, 0, 0, time.UTC)},
	}}
	urlset := &Sitemap{Entries: []SitemapEntry{
		{URL: "https://www.example-times.test/2017/08/14/a-lighthouse-keeper-writes-a58651"},
		{URL: "https://www.example-times.test/2017/08/15/on-tea-and-trains-a58700", LastMod: time.Date(2017, 8, 15, 10, 0, 0, 0, time.UTC)},
		{URL: "https://www.example-times.test/2017/08/16/ampersands-&-more-a58702"},
	}}
	news := &Sitemap{Entries: []SitemapEntry{
		{URL: "https://www.example-times.test/2026/11/20/the-river-freezes-a90001", LastMod: time.Date(2026, 11, 20, 9, 15, 0, 0, msk)},
	}}
	tests := []struct {
		name string
		body []byte
		want *Sitemap
	}{
		{"index", readFixture(t, "sitemapindex.xml"), index},
		{"urlset", readFixture(t, "urlset.xml"), urlset},
		{"gzipped urlset", gz(readFixture(t, "urlset.xml")), urlset},
		{"news sitemap", readFixture(t, "news.xml"), news},
	}
	for _, tt := range tests {
		got, err := ParseSitemap(tt.body)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestParseSitemapRejects(t *testing.T) {
	for name, body := range map[string]string{
		"html":      "<html><body>not a sitemap</body></html>",
		"empty":     "",
		"truncated": `<?xml version="1.0"?><urlset><url><loc>https://a.test/x</loc>`,
		"bad gzip":  "\x1f\x8b\x08garbage",
	} {
		if _, err := ParseSitemap([]byte(body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseSitemapLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for i := 0; i <= MaxSitemapURLs; i++ {
		b.WriteString("<url><loc>https://a.test/p</loc></url>")
	}
	b.WriteString("</urlset>")
	sm, err := ParseSitemap(gz([]byte(b.String())))
	if err == nil || len(sm.Entries) != MaxSitemapURLs {
		t.Errorf("over the URL limit: %d entries, err %v", len(sm.Entries), err)
	}
}

func TestParseFeed(t *testing.T) {
	items, err := ParseFeed(readFixture(t, "opinion.rss"))
	if err != nil {
		t.Fatal(err)
	}
	want := []FeedItem{
		{URL: "https://www.example-times.test/2026/11/20/the-river-freezes-a90001", Title: "The River Freezes", Published: time.Date(2026, 11, 20, 6, 15, 0, 0, time.UTC)},
		{URL: "https://www.example-times.test/2026/11/19/only-a-guid-a90000", Title: "Only a guid"},
	}
	if diff := cmp.Diff(want, items, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("rss (-want +got):\n%s", diff)
	}
	atom, err := ParseFeed(readFixture(t, "blog.atom"))
	if err != nil || len(atom) != 1 || atom[0].URL != "https://www.example-center.test/blog-post/letters-closed-city" {
		t.Errorf("atom: %+v %v", atom, err)
	}
	if !IsFeed(readFixture(t, "opinion.rss")) || !IsFeed(readFixture(t, "blog.atom")) || IsFeed(readFixture(t, "listing.html")) {
		t.Error("IsFeed misjudged a fixture")
	}
	if _, err := ParseFeed([]byte("<html>no feed</html>")); err == nil {
		t.Error("html parsed as a feed")
	}
}

func TestParseHTML(t *testing.T) {
	// The page is served from a different path; <base href> decides.
	p, err := ParseHTML("https://www.example-times.test/opinion?ref=nav", readFixture(t, "listing.html"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Page{
		Canonical: "https://www.example-times.test/opinion",
		Links: []string{
			"https://www.example-times.test/opinion/19",
			"https://www.example-times.test/2026/11/20/the-river-freezes-a90001",
			"https://www.example-times.test/2026/11/19/only-a-guid-a90000",
		},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

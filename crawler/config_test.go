package crawler

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultConfig(t *testing.T) {
	cfg := DefaultConfig()
	if len(cfg.Sites) != 2 {
		t.Fatalf("%d built-in sites, want 2", len(cfg.Sites))
	}
	mt, kennan := cfg.site("the moscow times"), cfg.site("Kennan Institute")
	if mt == nil || kennan == nil {
		t.Fatal("built-in sites not found by name")
	}
	if cfg.AllowPrivateAddresses || !strings.Contains(cfg.UserAgent, "+https://") {
		t.Errorf("user agent %q / private %v: want a contact URL and no private addresses", cfg.UserAgent, cfg.AllowPrivateAddresses)
	}
	for _, tt := range []struct {
		url  string
		site *Site
		kind string
	}{
		{"https://www.themoscowtimes.com/2017/08/14/moscow-ponders-trumps-fire-and-fury-north-korea-a58651", mt, KindArticle},
		{"https://www.themoscowtimes.com/opinion", mt, KindListing},
		{"https://www.themoscowtimes.com/opinion/37", mt, KindListing},
		{"https://www.themoscowtimes.com/rss/opinion", mt, KindFeed},
		{"https://www.wilsoncenter.org/blog-post/letters-closed-city", kennan, KindArticle},
		{"https://www.wilsoncenter.org/sitemap.xml", kennan, KindSitemap},
	} {
		s := cfg.siteFor(tt.url)
		if s != tt.site {
			t.Errorf("siteFor(%s) = %v", tt.url, s)
			continue
		}
		if k := s.kindOf(tt.url); k != tt.kind {
			t.Errorf("kindOf(%s) = %s, want %s", tt.url, k, tt.kind)
		}
	}
	if cfg.siteFor("https://example.org/x") != nil {
		t.Error("an unrelated URL was claimed by a built-in site")
	}
	if got := mt.Paginate.pageURL(19); got != "https://www.themoscowtimes.com/opinion/19" {
		t.Errorf("pagination page = %s", got)
	}
	if off, ok := mt.Paginate.pageOffset("https://www.themoscowtimes.com/opinion/37"); !ok || off != 37 {
		t.Errorf("pageOffset = %d, %v", off, ok)
	}
	if _, ok := mt.Paginate.pageOffset("https://www.themoscowtimes.com/opinion"); ok {
		t.Error("the section page taken for a pagination page")
	}
	if mt.sitemapFollow == nil || !mt.sitemapFollow.MatchString("https://static.themoscowtimes.com/sitemap/opinion.xml") || mt.sitemapFollow.MatchString("https://static.themoscowtimes.com/sitemap/news.xml") {
		t.Error("sitemap_follow does not pick the opinion news sitemap")
	}
	if string(cfg.YAML()) != string(builtinYAML) {
		t.Error("YAML() of the built-in config is not the embedded text")
	}
	// The printed config loads back.
	path := filepath.Join(t.TempDir(), "sites.yaml")
	os.WriteFile(path, cfg.YAML(), 0o644)
	if _, err := LoadConfig(path); err != nil {
		t.Errorf("printed config does not load: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	site := func(extra string) string {
		return "sites:\n  - name: A\n    start: [https://a.example/]\n" + extra
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key with position", site("    colour: blue\n"), "[4:5]"},
		{"unknown top-level key", "user_agnet: x\n" + site(""), "[1:1]"},
		{"bad regexp", site("    article: '(['\n"), "article"},
		{"unknown extractor", site("    extractor: nosuch\n"), "nosuch"},
		{"bad start URL", "sites:\n  - name: A\n    start: [ftp://a.example/]\n", "start"},
		{"no name", "sites:\n  - start: [https://a.example/]\n", "name is required"},
		{"duplicate", site("") + "  - name: a\n    start: [https://b.example/]\n", "twice"},
		{"nothing to crawl", "sites:\n  - name: A\n", "needs start pages"},
		{"no sites", "user_agent: x\n", "no sites"},
		{"pagination without offset", site("    paginate: {url: 'https://a.example/p', step: 5}\n"), "{offset}"},
		{"pagination step", site("    paginate: {url: 'https://a.example/p/{offset}'}\n"), "step"},
		{"charset", site("    charset: klingon\n"), "charset"},
		{"negative pages", site("    max_pages: -1\n"), "negative"},
		{"wrong type", site("    rate: fast\n"), "rate"},
	}
	for _, tt := range tests {
		_, err := ParseConfig([]byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte("sites:\n  - name: A\n    feeds: [HTTPS://A.example/rss/]\n  - name: B\n    start: [https://b.example/]\n    rate: -1\n    extractor: generic\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Sites[0], cfg.Sites[1]
	if cfg.UserAgent != DefaultUserAgent || a.Extractor != "generic" || a.Rate != DefaultRate || a.MaxPages != DefaultMaxPages || a.MaxDepth != DefaultMaxDepth {
		t.Errorf("defaults: %q %+v", cfg.UserAgent, a)
	}
	if a.Feeds[0] != "https://a.example/rss" {
		t.Errorf("feed URL not normalized: %s", a.Feeds[0])
	}
	if b.Rate != -1 {
		t.Errorf("rate -1 (no limit) became %v", b.Rate)
	}
}

func TestExtractorFor(t *testing.T) {
	cfg := DefaultConfig()
	for url, want := range map[string]string{
		"https://www.themoscowtimes.com/2017/08/14/moscow-ponders-a58651": "moscowtimes",
		"http://themoscowtimes.com/2017/08/14/moscow-ponders-a58651/":     "moscowtimes",
		"https://www.wilsoncenter.org/blog-post/some-post":                "wilsoncenter",
		"https://example.org/2020/01/01/an-essay":                         "generic",
		"not a url": "generic",
	} {
		if got := cfg.ExtractorFor(url); got != want {
			t.Errorf("ExtractorFor(%q) = %q, want %q", url, got, want)
		}
	}
}

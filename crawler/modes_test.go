package crawler

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oped/oped/archive"
)

// TestPoliteness crawls a site whose robots.txt asks for a Crawl-delay
// longer than the configured rate allows: no two requests may be closer
// than the delay.
func TestPoliteness(t *testing.T) {
	site, _ := slowSite(t, 4, 0)
	site.static("/robots.txt", "text/plain", "User-agent: *\nCrawl-delay: 0.3\n")
	dir := t.TempDir()
	store := openTestStore(t, dir)
	cfg, err := ParseConfig([]byte(strings.Replace(slowSiteYAML(site.srv.URL), "rate: -1", "rate: 5", 1)))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), store, cfg, Options{WARCDir: filepath.Join(dir, "warc"), Concurrency: 3})
	if err != nil || sum.New != 4 {
		t.Fatalf("crawl: %s, %v", sum, err)
	}
	log := site.takeLog()
	if len(log) != 6 { // robots.txt, the listing, 4 articles
		t.Errorf("%d requests: %v", len(log), paths(log))
	}
	for i := 2; i < len(log); i++ { // the gap starts after robots.txt
		if gap := log[i].At.Sub(log[i-1].At); gap < 295*time.Millisecond {
			t.Errorf("requests %d and %d only %v apart, want ≥ 300ms (Crawl-delay)", i-1, i, gap)
		}
	}
}

func TestSeeds(t *testing.T) {
	ctx := context.Background()
	site := newMTSite(t, time.Now())
	dir := t.TempDir()
	store := openTestStore(t, dir)
	cfg := siteConfig(t, site.srv.URL, "")
	opts := Options{WARCDir: filepath.Join(dir, "warc"), Tune: fastHTTP}
	base := site.srv.URL
	a101 := base + site.articles[101].path()

	opts.Seeds = []string{a101 + "?utm_campaign=x", base + "/rss/opinion"}
	sum, err := Run(ctx, store, cfg, opts)
	if err != nil || sum.New != 2 { // 101, and 120 from the feed (101 is in it too)
		t.Fatalf("seeds: %s, %v", sum, err)
	}
	got := countPaths(site.takeLog())
	if got["/opinion"] != 0 || got["/sitemap/sitemap.xml"] != 0 {
		t.Errorf("a seed run crawled the entry pages: %v", got)
	}
	if got[site.articles[101].path()] != 1 || got[site.articles[120].path()] != 1 {
		t.Errorf("requests %v", got)
	}

	// A seed is fetched even when it is not due, conditionally.
	opts.Seeds = []string{a101}
	sum, err = Run(ctx, store, cfg, opts)
	if err != nil || sum.NotModified != 1 {
		t.Fatalf("seed again: %s, %v", sum, err)
	}
	var log []loggedRequest
	for _, r := range site.takeLog() {
		if r.Path != "/robots.txt" { // each run reads robots.txt afresh
			log = append(log, r)
		}
	}
	if len(log) != 1 || !log[0].Conditional {
		t.Errorf("seed again: %+v", log)
	}

	// A seed on a host no site claims is crawled with the generic extractor.
	opts.Seeds = []string{"http://" + strings.Replace(strings.TrimPrefix(base, "http://"), "127.0.0.1", "localhost", 1) + site.articles[102].path()}
	sum, err = Run(ctx, store, cfg, opts)
	if err != nil || sum.New != 1 {
		t.Fatalf("unconfigured seed: %s, %v", sum, err)
	}
	c, err := store.Capture(ctx, opts.Seeds[0])
	if err != nil || c.Site != "localhost" {
		t.Errorf("unconfigured seed capture: %+v, %v", c, err)
	}

	if _, err := Run(ctx, store, cfg, Options{WARCDir: opts.WARCDir, Sites: []string{"Nowhere Gazette"}}); !errors.Is(err, ErrUnknownSite) {
		t.Errorf("unknown site: %v", err)
	}
	if _, err := Run(ctx, store, cfg, Options{WARCDir: opts.WARCDir, Seeds: []string{"ftp://x"}}); err == nil {
		t.Error("a bad seed was accepted")
	}
}

// TestFromArchive re-visits the "Original url" of an imported text dump.
func TestFromArchive(t *testing.T) {
	ctx := context.Background()
	site := newMTSite(t, time.Now())
	dir := t.TempDir()
	store := openTestStore(t, dir)
	cfg := siteConfig(t, site.srv.URL, "")
	a := site.articles[103]
	dumped := &archive.Article{URL: site.srv.URL + a.path(), Site: "The Moscow Times", Title: "Fixture Piece 103 (Op-ed)", Authors: []string{"Vera Lantern"}, Body: a.Paras[0]}
	if _, err := store.Put(ctx, dumped); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(ctx, store, cfg, Options{WARCDir: filepath.Join(dir, "warc"), FromArchive: true, Tune: fastHTTP})
	if err != nil || sum.Changed != 1 || sum.Failed != 0 {
		t.Fatalf("from archive: %s, %v", sum, err)
	}
	if got := paths(site.takeLog()); len(got) != 2 || got[0] != a.path() || got[1] != "/robots.txt" {
		t.Errorf("requests %v, want only robots.txt and the dump's URL", got)
	}
	full, err := store.Get(ctx, dumped.ID)
	if err != nil || len(full.Versions) != 2 || !strings.Contains(full.Body, a.Paras[3]) {
		t.Errorf("dump not completed: %v", err)
	}
	if unc, _ := store.UncapturedArticles(ctx); len(unc) != 0 {
		t.Errorf("still uncaptured: %v", unc)
	}
}

// TestImportWARC imports the WARC files of one archive into another.
func TestImportWARC(t *testing.T) {
	ctx := context.Background()
	site, _ := slowSite(t, 5, 0)
	dir := t.TempDir()
	store := openTestStore(t, dir)
	cfg, _ := ParseConfig([]byte(slowSiteYAML(site.srv.URL)))
	if sum, err := Run(ctx, store, cfg, Options{WARCDir: filepath.Join(dir, "warc")}); err != nil || sum.New != 5 {
		t.Fatalf("crawl: %s, %v", sum, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "warc", "*.warc.gz"))
	if len(files) != 1 {
		t.Fatalf("WARC files: %v", files)
	}
	other := openTestStore(t, t.TempDir())
	sum, err := ImportWARC(ctx, other, cfg, files[0])
	if err != nil || sum.New != 5 || sum.NotArticles != 1 { // the listing page is not an article
		t.Fatalf("import: %s, %v", sum, err)
	}
	again, err := ImportWARC(ctx, other, cfg, files[0])
	if err != nil || again.Unchanged != 5 {
		t.Errorf("second import: %s, %v", again, err)
	}
	re, err := Reextract(ctx, other, cfg, "", "")
	if err != nil || re.Unchanged != 5 {
		t.Errorf("reextract of imported captures: %s, %v", re, err)
	}
	if none, err := Reextract(ctx, other, cfg, "", "No Such Site"); err != nil || none.New+none.Changed+none.Unchanged != 0 {
		t.Errorf("reextract of another site touched these captures: %s, %v", none, err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

type result struct {
	code           int
	stdout, stderr string
}

// oped runs the CLI in-process, as main would, against dataDir.
func oped(t *testing.T, dataDir, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"--data", dataDir}, args...), strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func mustRun(t *testing.T, dataDir string, args ...string) string {
	t.Helper()
	r := oped(t, dataDir, "", args...)
	if r.code != 0 {
		t.Fatalf("oped %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func searchJSON(t *testing.T, dataDir string, args ...string) index.Response {
	t.Helper()
	var resp index.Response
	out := mustRun(t, dataDir, append([]string{"search", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("search output is not JSON: %v\n%s", err, out)
	}
	return resp
}

func TestImportSearchShow(t *testing.T) {
	data := t.TempDir()
	out := mustRun(t, data, "import", "testdata/dumps")
	if !strings.Contains(out, "3 files: 3 new, 0 changed, 0 unchanged, 0 failed") {
		t.Fatalf("first import: %s", out)
	}
	if out := mustRun(t, data, "import", "testdata/dumps"); !strings.Contains(out, "0 new, 0 changed, 3 unchanged") {
		t.Fatalf("re-import should change nothing: %s", out)
	}

	t.Run("phrase ranks the op-ed first, highlighted", func(t *testing.T) {
		resp := searchJSON(t, data, `"fire and fury"`)
		if resp.Total != 1 || len(resp.Hits) != 1 {
			t.Fatalf("total %d, hits %d; want only the article with the phrase", resp.Total, len(resp.Hits))
		}
		hit := resp.Hits[0]
		if hit.Title != "Why Loud Threats Leave Moscow Unmoved" || hit.Section != "Opinion" || hit.Site != "The Moscow Times" {
			t.Errorf("hit = %+v", hit)
		}
		if !strings.Contains(hit.Snippet, "<mark>fire</mark>") || !strings.Contains(hit.Snippet, "<mark>fury</mark>") {
			t.Errorf("snippet not highlighted: %s", hit.Snippet)
		}
	})
	t.Run("author field and facet filters select it", func(t *testing.T) {
		if resp := searchJSON(t, data, "author:Trudolyubov"); resp.Total != 1 || resp.Hits[0].Authors[0] != "Maxim Trudolyubov" {
			t.Errorf("author:Trudolyubov = %+v", resp.Hits)
		}
		resp := searchJSON(t, data, "--filter", "author=Maxim Trudolyubov", "--filter", "year=2017", "fury")
		if resp.Total != 1 {
			t.Fatalf("filtered total = %d, want 1", resp.Total)
		}
		var selected bool
		for _, v := range resp.Facets["year"] {
			selected = selected || (v.Value == "2017" && v.Selected && v.Count == 1)
		}
		if !selected {
			t.Errorf("year facet does not show 2017 selected with count 1: %+v", resp.Facets["year"])
		}
	})
	t.Run("human output", func(t *testing.T) {
		out := mustRun(t, data, "search", "harvest")
		if !strings.Contains(out, "A Harvest of Numbers") || !strings.Contains(out, "«harvest»") {
			t.Errorf("search output:\n%s", out)
		}
	})

	t.Run("a changed dump is a second version", func(t *testing.T) {
		orig, err := os.ReadFile("testdata/dumps/threats.txt")
		if err != nil {
			t.Fatal(err)
		}
		edited := filepath.Join(t.TempDir(), "threats.txt")
		os.WriteFile(edited, bytes.Replace(orig, []byte("Moscow’s diplomats"), []byte("Russia’s diplomats"), 1), 0o644)
		if out := mustRun(t, data, "import", edited); !strings.Contains(out, "1 changed") {
			t.Fatalf("import of edited dump: %s", out)
		}
		id := archive.IDForURL("https://www.themoscowtimes.com/2017/08/14/why-loud-threats-leave-moscow-unmoved-a90001")
		var a archive.Article
		if err := json.Unmarshal([]byte(mustRun(t, data, "show", id)), &a); err != nil {
			t.Fatal(err)
		}
		if len(a.Versions) != 2 || !strings.Contains(a.Body, "Russia’s diplomats") || a.Versions[1].Changed[0] != "body" {
			t.Errorf("show: %d versions, changed %v", len(a.Versions), a.Versions)
		}
		var v1 archive.Article
		json.Unmarshal([]byte(mustRun(t, data, "show", "--version", "1", id)), &v1)
		if !strings.Contains(v1.Body, "Moscow’s diplomats") {
			t.Errorf("version 1 body lost the original text")
		}
		// The index follows the archive: the new wording is searchable.
		if resp := searchJSON(t, data, `"russia's diplomats"`); resp.Total != 1 {
			t.Errorf("edited text not searchable: total %d", resp.Total)
		}
	})

	t.Run("stats", func(t *testing.T) {
		out := mustRun(t, data, "stats")
		for _, want := range []string{"articles  3", "versions  4", "The Moscow Times: 2", "index     3 documents", "extraction health", "Wilson Center             1      100%"} {
			if !strings.Contains(out, want) {
				t.Errorf("stats lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("reindex", func(t *testing.T) {
		if out := mustRun(t, data, "reindex"); !strings.Contains(out, "reindexed 3 articles") {
			t.Errorf("reindex: %s", out)
		}
		if resp := searchJSON(t, data, "harvest"); resp.Total != 1 {
			t.Errorf("after reindex: total %d", resp.Total)
		}
	})
}

func TestImportBadFiles(t *testing.T) {
	data := t.TempDir()
	dir := t.TempDir()
	good, _ := os.ReadFile("testdata/dumps/harvest.txt")
	os.WriteFile(filepath.Join(dir, "good.txt"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "latin1.txt"), []byte("A Title\n\nBy Jos\xe9 Mart\xednez\n\nMay 5, 2020\n\nText.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "image.png"), []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o644)

	r := oped(t, data, "", "import", dir, filepath.Join(dir, "missing.txt"))
	if r.code != exitFailure {
		t.Errorf("exit %d, want %d", r.code, exitFailure)
	}
	for _, want := range []string{"latin1.txt:3: not UTF-8", "empty.txt: empty file", "image.png:", "binary data", "missing.txt", "4 of 5 files failed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "1 new") {
		t.Errorf("the good file was not imported: %s", r.stdout)
	}
}

func TestImportStdin(t *testing.T) {
	data := t.TempDir()
	dump, _ := os.ReadFile("testdata/dumps/nofury.txt")
	r := oped(t, data, string(dump), "import", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "1 new") {
		t.Fatalf("import -: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"search", "--filter", "colour=red", "x"}, "want FACET=VALUE"},
		{[]string{"search", "--size", "many", "x"}, "invalid argument"},
		{[]string{"search", "--from", "14/08/2017", "x"}, "YYYY-MM-DD"},
		{[]string{"search", `"unbalanced`}, "quote"},
		{[]string{"search", "*leading"}, "wildcard"},
		{[]string{"show"}, "accepts 1 arg"},
		{[]string{"import"}, "requires at least 1 arg"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"--data", "", "stats"}, "--data"},
	}
	for _, tt := range tests {
		r := oped(t, data, "", tt.args...)
		if r.code != exitUsage || !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(tt.want)) {
			t.Errorf("oped %q: exit %d, stderr %q; want exit %d mentioning %q", tt.args, r.code, r.stderr, exitUsage, tt.want)
		}
	}
}

func TestShowUnknownID(t *testing.T) {
	r := oped(t, t.TempDir(), "", "show", "0123456789abcdef")
	if r.code != exitFailure || !strings.Contains(r.stderr, "not found") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestHelpCoversEveryCommand(t *testing.T) {
	out := mustRun(t, t.TempDir(), "help")
	for _, name := range []string{"import", "search", "show", "reindex", "stats"} {
		if !strings.Contains(out, name) {
			t.Errorf("help lacks %s", name)
		}
		if sub := mustRun(t, t.TempDir(), name, "-h"); !strings.Contains(sub, "Usage:") {
			t.Errorf("%s -h: %s", name, sub)
		}
	}
}

func TestExtract(t *testing.T) {
	const page = "../../crawler/extract/testdata/moscowtimes/oped-kennan.html"
	r := oped(t, t.TempDir(), "", "extract", "--url", "https://www.themoscowtimes.com/2017/08/14/x-a58651", page)
	if r.code != 0 {
		t.Fatalf("extract: exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Extractor string
		Article   archive.Article
		Rules     map[string]string
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Extractor != "moscowtimes" || out.Article.Title == "" || out.Article.OriginalPublisher != "Kennan Institute" || out.Rules["title"] == "" {
		t.Errorf("extract output: %+v", out)
	}

	html, _ := os.ReadFile(page)
	if r := oped(t, t.TempDir(), string(html), "extract", "--extractor", "nosuch", "-"); r.code != exitUsage || !strings.Contains(r.stderr, "unknown extractor") {
		t.Errorf("unknown extractor: exit %d, %s", r.code, r.stderr)
	}
	soft404 := `<html><head><title>Oops!</title></head><body><h1>Oops!</h1><h2>We couldn't find your page.</h2></body></html>`
	if r := oped(t, t.TempDir(), soft404, "extract", "--url", "https://www.themoscowtimes.com/2017/08/14/gone-a1", "-"); r.code != exitFailure || !strings.Contains(r.stderr, "not an article") {
		t.Errorf("soft 404: exit %d, %s", r.code, r.stderr)
	}
}

// fixtureSite serves one Moscow Times op-ed behind a listing page and
// returns a crawl config for it.
func fixtureSite(t *testing.T) (configPath string) {
	t.Helper()
	page, err := os.ReadFile("../../crawler/extract/testdata/moscowtimes/oped-kennan.html")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\nAllow: /\n") })
	mux.HandleFunc("/opinion", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><a href="%s/2017/08/14/a-piece-a58651">A piece</a></body></html>`, srvURL)
	})
	mux.HandleFunc("/2017/08/14/a-piece-a58651", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	srvURL = srv.URL
	configPath = filepath.Join(t.TempDir(), "sites.yaml")
	os.WriteFile(configPath, []byte(fmt.Sprintf(`allow_private_addresses: true
sites:
  - name: Local Times
    extractor: moscowtimes
    start: [%s/opinion]
    article: '-a\d+$'
    rate: -1
`, srv.URL)), 0o644)
	return configPath
}

// TestCrawlReextractImportWARC runs the crawler through the CLI against a
// local fixture site, then re-extracts its captures and imports its WARC
// file into a second data directory.
func TestCrawlReextractImportWARC(t *testing.T) {
	config := fixtureSite(t)
	data := t.TempDir()
	out := mustRun(t, data, "crawl", "--config", config)
	if !strings.Contains(out, "1 new") {
		t.Fatalf("crawl: %s", out)
	}
	if r := oped(t, data, "", "crawl", "--config", config, "--site", "Nowhere"); r.code != exitUsage {
		t.Errorf("unknown --site: exit %d, %s", r.code, r.stderr)
	}
	if out := mustRun(t, data, "reextract", "--config", config); !strings.Contains(out, "0 new, 0 changed, 1 unchanged") {
		t.Errorf("reextract: %s", out)
	}
	if out := mustRun(t, data, "stats"); !strings.Contains(out, "captures  1 WARC files") {
		t.Errorf("stats does not report the captures:\n%s", out)
	}
	warcs, _ := filepath.Glob(filepath.Join(data, "warc", "*.warc.gz"))
	if len(warcs) == 0 {
		t.Fatal("the crawl wrote no WARC file")
	}
	other := t.TempDir()
	if out := mustRun(t, other, "import", "--config", config, warcs[0]); !strings.Contains(out, "1 new, 0 changed, 0 unchanged, 1 not articles") {
		t.Errorf("import of the WARC file: %s", out)
	}
	if resp := searchJSON(t, other, "--filter", "original_publisher=Kennan Institute", ""); resp.Total != 1 {
		t.Errorf("the imported capture is not searchable: %+v", resp)
	}
}

// TestServeCrawlEvery runs the one-process mode: serve crawls the sites at
// start and the crawled article becomes searchable through the API.
func TestServeCrawlEvery(t *testing.T) {
	config := fixtureSite(t)
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		code := run(ctx, []string{"--data", data, "serve", "--addr", "127.0.0.1:0", "--crawl-every", "1h", "--crawl-config", config}, strings.NewReader(""), &out, &errOut)
		exited <- result{code, out.String(), errOut.String()}
	}()
	deadline := time.Now().Add(20 * time.Second)
	var total uint64
	for time.Now().Before(deadline) && total == 0 {
		time.Sleep(100 * time.Millisecond)
		addr, err := os.ReadFile(filepath.Join(data, serveAddrFile))
		if err != nil {
			continue
		}
		res, err := http.Get("http://" + strings.TrimSpace(string(addr)) + "/api/v1/search?q=arctic")
		if err != nil {
			continue
		}
		var resp index.Response
		json.NewDecoder(res.Body).Decode(&resp)
		res.Body.Close()
		total = resp.Total
	}
	cancel()
	r := <-exited
	if total == 0 {
		t.Fatalf("the crawled article never became searchable; serve said:\n%s", r.stderr)
	}
	if r.code != 0 {
		t.Errorf("serve exited %d after shutdown: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, serveAddrFile)); !os.IsNotExist(err) {
		t.Errorf("serve.addr left behind after shutdown: %v", err)
	}
}

// TestOneShotCommandsWhileServing: while a server holds the index, search
// answers through it, stats says who holds it, and reindex refuses clearly;
// none of them hangs on the index lock.
func TestOneShotCommandsWhileServing(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", "testdata/dumps")
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() {
		var out, errOut bytes.Buffer
		exited <- run(ctx, []string{"--data", data, "serve", "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errOut)
	}()
	defer func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, err := os.Stat(filepath.Join(data, serveAddrFile)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not record its address")
		}
		time.Sleep(50 * time.Millisecond)
	}

	start := time.Now()
	resp := searchJSON(t, data, `"fire and fury"`)
	if resp.Total != 1 || resp.Hits[0].Title != "Why Loud Threats Leave Moscow Unmoved" {
		t.Errorf("search through the server: %+v", resp)
	}
	if r := oped(t, data, "", "search", `"unbalanced`); r.code != exitUsage || !strings.Contains(r.stderr, "quote") {
		t.Errorf("a bad query through the server: exit %d, %s", r.code, r.stderr)
	}
	if out := mustRun(t, data, "stats"); !strings.Contains(out, "held by a running oped serve") || !strings.Contains(out, "articles  3") {
		t.Errorf("stats while serving:\n%s", out)
	}
	if r := oped(t, data, "", "reindex"); r.code != exitFailure || !strings.Contains(r.stderr, "held by another process") {
		t.Errorf("reindex while serving: exit %d, %s", r.code, r.stderr)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("one-shot commands took %s while the server held the index", took)
	}
}

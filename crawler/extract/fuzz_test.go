package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// maxExtractTime bounds one extraction of a fuzz input (at most a few KiB).
// It is a hang detector, far above the ~1 ms a real page takes, so a loaded
// machine does not make it flaky.
const maxExtractTime = 10 * time.Second

// FuzzExtract feeds malformed HTML to every extractor: none may panic or
// hang, and every outcome is an article with a body, a NotArticleError or
// an error.
func FuzzExtract(f *testing.F) {
	for _, fx := range fixtures {
		if body, err := os.ReadFile(filepath.Join("testdata", fx.name+".html")); err == nil {
			f.Add(string(body))
		}
	}
	for _, s := range []string{
		"", "<", "<html><body><article class=\"article\"><div class=\"article__content\">",
		"<select><select><select>", "<table><tr><td><table><tr><td>",
		strings.Repeat("<div>", 2000), strings.Repeat("<p><a href=x>", 500),
		`<script type="application/ld+json">{"@graph":[{"@graph":[{"@graph":[]}]}]}</script>`,
		`<header class="hero-article"><time datetime="9999-99-99">x</time></header>`,
		`<time class="byline__datetime">Updated:</time>`,
	} {
		f.Add(s)
	}
	names := Names()
	urls := map[string]string{
		"moscowtimes":  "https://www.themoscowtimes.com/2017/08/14/x-a58651",
		"wilsoncenter": "https://www.wilsoncenter.org/blog-post/x",
		"generic":      "https://example.org/a",
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, name := range names {
			fn, _ := Lookup(name)
			start := time.Now()
			res, err := fn(&Page{URL: urls[name], Status: 200, Body: []byte(body)})
			if d := time.Since(start); d > maxExtractTime {
				t.Fatalf("%s took %v on a %d-byte page", name, d, len(body))
			}
			if err == nil && (res == nil || res.Article == nil || strings.TrimSpace(res.Article.Body) == "") {
				t.Fatalf("%s returned no error and no article body: %+v", name, res)
			}
		}
	})
}

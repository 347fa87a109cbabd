// Package extract turns fetched pages into articles: one extractor per site
// layout (moscowtimes, wilsoncenter) and a generic one for any other site.
// Extractors are pure functions of the page: no I/O, so the crawler, `oped
// extract` and `oped reextract` (over stored WARC captures) share them.
package extract

import (
	"errors"
	"net/http"

	"github.com/oped/oped/archive"
)

// Page is a fetched response, its body already decoded to UTF-8.
type Page struct {
	URL    string // the URL the page was fetched from, after redirects
	Status int
	Header http.Header
	Body   []byte
}

// Result is what an extractor found on a page.
type Result struct {
	Article *archive.Article
	// Rules maps each field found to the rule that found it, e.g.
	// "published": "meta article:published_time", so people who maintain
	// extractors can see why a field has the value it has.
	Rules map[string]string `json:"rules"`
	// Links are URLs on the page worth visiting (syndication originals);
	// the crawler decides whether its configuration allows them.
	Links []string `json:"links,omitempty"`
}

// NotArticleError says a page is not an article (a soft 404, a listing, a
// challenge page, an empty body). The crawler records it as a failure with
// the reason instead of archiving an article.
type NotArticleError struct {
	Reason string
}

func (e *NotArticleError) Error() string { return "not an article: " + e.Reason }

// IsNotArticle reports whether err says the page is not an article.
func IsNotArticle(err error) bool {
	var na *NotArticleError
	return errors.As(err, &na)
}

// Func extracts an article from a page. Lookup(name) returns the one a
// crawl config names ("moscowtimes", "wilsoncenter", "generic").
type Func func(p *Page) (*Result, error)

package extract

import (
	"strings"
)

// Generic extracts an article from any page by its metadata (JSON-LD,
// OpenGraph and article meta tags) and readability for the body. The site
// extractors fall back to the same rules field by field.
func Generic(p *Page) (*Result, error) {
	d, err := load(p)
	if err != nil {
		return nil, err
	}
	if reason := d.genericNotArticle(); reason != "" {
		return nil, &NotArticleError{Reason: reason}
	}
	b := newBuilder(d)
	for _, f := range genericFields {
		if rule, ok := b.fillGeneric(f); ok {
			b.rules[f] = rule
		}
	}
	if b.a.Title == "" {
		if t := b.readableText().title; t != "" {
			b.a.Title = t
			b.rules["title"] = "readability title"
		}
	}
	b.syndication(b.readableText().paras)
	return b.result()
}

// listingTypes are JSON-LD types of pages that list articles.
var listingTypes = map[string]bool{
	"CollectionPage": true, "ItemList": true, "SearchResultsPage": true, "ProfilePage": true,
}

// genericNotArticle recognises pages that are plainly not an article,
// before any effort is spent on them.
func (d *doc) genericNotArticle() string {
	title := strings.ToLower(textOf(d.dom.Find("title")))
	h1 := strings.ToLower(textOf(d.dom.Find("h1")))
	for _, s := range []string{title, h1} {
		if s == "oops!" || strings.Contains(s, "page not found") || strings.HasPrefix(s, "404") || strings.Contains(s, "not found |") {
			return "soft 404"
		}
	}
	if len(d.meta.articles) > 0 {
		return ""
	}
	for _, t := range d.meta.types {
		if listingTypes[t] {
			return "listing page (JSON-LD " + t + ")"
		}
	}
	if ogType, _ := d.meta.first("og:type"); ogType == "article" {
		return ""
	}
	if d.dom.Find("article").Length() >= 5 {
		return "listing page"
	}
	return ""
}

package extract

import (
	"encoding/json"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// docMeta is what a page says about itself in its <head>: meta tags,
// OpenGraph and JSON-LD. Every extractor reads it; the generic one reads
// nothing else but the body.
type docMeta struct {
	// metas maps a lower-cased meta name or property ("og:title",
	// "article:published_time", "description") to its contents in page order.
	metas map[string][]string
	// articles are the JSON-LD objects of an article type, in page order.
	articles []map[string]any
	// types lists every JSON-LD @type seen, to tell listings from articles.
	types []string
	// badJSONLD counts blocks that did not parse (the Moscow Times' WebSite
	// block has a trailing comma); they are skipped, never fatal.
	badJSONLD int
}

// articleTypes are the schema.org types that describe an article page.
var articleTypes = map[string]bool{
	"Article": true, "NewsArticle": true, "OpinionNewsArticle": true,
	"AnalysisNewsArticle": true, "ReportageNewsArticle": true, "BackgroundNewsArticle": true,
	"BlogPosting": true, "SocialMediaPosting": true, "Report": true,
	"ScholarlyArticle": true, "TechArticle": true, "LiveBlogPosting": true,
}

// maxJSONLDBytes skips absurd blocks instead of spending memory on them.
const maxJSONLDBytes = 1 << 20

func readMeta(doc *goquery.Document) *docMeta {
	m := &docMeta{metas: map[string][]string{}}
	doc.Find("meta").Each(func(_ int, s *goquery.Selection) {
		content, ok := s.Attr("content")
		if !ok {
			return
		}
		content = clean(content)
		if content == "" {
			return
		}
		for _, key := range []string{"property", "name", "itemprop"} {
			if k, ok := s.Attr(key); ok && k != "" {
				k = strings.ToLower(strings.TrimSpace(k))
				m.metas[k] = append(m.metas[k], content)
				return
			}
		}
	})
	doc.Find(`script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
		raw := strings.TrimSpace(s.Text())
		raw = strings.TrimSuffix(strings.TrimPrefix(raw, "<![CDATA["), "]]>")
		if raw == "" || len(raw) > maxJSONLDBytes {
			return
		}
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			m.badJSONLD++
			return
		}
		m.walkJSONLD(v, 0)
	})
	return m
}

// walkJSONLD collects article objects from a block that may be one object,
// an array of them, or an object with an @graph.
func (m *docMeta) walkJSONLD(v any, depth int) {
	if depth > 4 {
		return
	}
	switch v := v.(type) {
	case []any:
		for _, item := range v {
			m.walkJSONLD(item, depth+1)
		}
	case map[string]any:
		isArticle := false
		for _, t := range stringsOf(v["@type"]) {
			m.types = append(m.types, t)
			if articleTypes[t] {
				isArticle = true
			}
		}
		if isArticle {
			m.articles = append(m.articles, v)
		}
		if g, ok := v["@graph"]; ok {
			m.walkJSONLD(g, depth+1)
		}
	}
}

// first returns the first non-empty content among the named meta tags and
// the name that had it.
func (m *docMeta) first(names ...string) (string, string) {
	for _, n := range names {
		for _, v := range m.metas[n] {
			if v != "" {
				return v, n
			}
		}
	}
	return "", ""
}

// ld returns the first non-empty value of key across the article objects.
func (m *docMeta) ld(key string) any {
	for _, a := range m.articles {
		if v, ok := a[key]; ok && v != nil {
			if s, isString := v.(string); isString && strings.TrimSpace(s) == "" {
				continue
			}
			return v
		}
	}
	return nil
}

// ldString is ld(key) as text: a string, the first string of an array, or
// an object's name.
func (m *docMeta) ldString(key string) string {
	for _, s := range stringsOf(m.ld(key)) {
		if s = clean(s); s != "" {
			return s
		}
	}
	return ""
}

// ldType is the first article @type, which says what kind of piece it is.
func (m *docMeta) ldType() string {
	for _, a := range m.articles {
		for _, t := range stringsOf(a["@type"]) {
			if articleTypes[t] {
				return t
			}
		}
	}
	return ""
}

// ldAuthors reads "author" in any of its shapes: a string, a Person or
// Organization object, or an array of either.
func (m *docMeta) ldAuthors() []string {
	return dedupe(namesOf(m.ld("author"), 0))
}

func namesOf(v any, depth int) []string {
	if depth > 3 {
		return nil
	}
	switch v := v.(type) {
	case string:
		if looksLikeURL(v) {
			return nil
		}
		return []string{v}
	case map[string]any:
		if name, ok := v["name"].(string); ok {
			return []string{name}
		}
		return nil
	case []any:
		var out []string
		for _, item := range v {
			out = append(out, namesOf(item, depth+1)...)
		}
		return out
	}
	return nil
}

// stringsOf flattens a JSON-LD value to strings: itself, the members of an
// array, an object's name (or @id).
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, item := range v {
			switch item := item.(type) {
			case string:
				out = append(out, item)
			case map[string]any:
				out = append(out, stringsOf(item)...)
			}
		}
		return out
	case map[string]any:
		for _, k := range []string{"name", "@id", "url"} {
			if s, ok := v[k].(string); ok {
				return []string{s}
			}
		}
	}
	return nil
}

func looksLikeURL(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "//")
}

// splitList splits a keyword list ("a, b,c" or "a; b").
func splitList(s string) []string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' })
	return dedupe(fields)
}

// languageNames maps language names some sites put in inLanguage to codes.
var languageNames = map[string]string{
	"english": "en", "russian": "ru", "русский": "ru", "ukrainian": "uk", "german": "de", "french": "fr",
}

// normalizeLanguage reduces "en-US", "en_GB" or "English" to "en".
func normalizeLanguage(s string) string {
	s = strings.ToLower(clean(s))
	if code, ok := languageNames[s]; ok {
		return code
	}
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	if len(s) < 2 || len(s) > 3 {
		return ""
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return s
}

package extract

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/oped/oped/archive"
)

// MaxPageBytes is the largest page an extractor parses. The HTML parser has
// no size or time limit of its own; op-ed pages are well under 1 MiB.
const MaxPageBytes = 8 << 20

// doc is a parsed page with what every extractor needs from it.
type doc struct {
	page *Page
	url  *url.URL // where the page was fetched from
	base *url.URL // what relative links resolve against: <base href> or url
	dom  *goquery.Document
	meta *docMeta
}

// challengeTitles are the titles of bot-challenge interstitials served with
// status 200 in place of the page.
var challengeTitles = map[string]bool{
	"just a moment...":                       true,
	"just a moment…":                         true,
	"attention required! | cloudflare":       true,
	"please wait... | cloudflare":            true,
	"ddos-guard":                             true,
	"checking your browser":                  true,
	"checking your browser before accessing": true,
}

func load(p *Page) (*doc, error) {
	if p == nil {
		return nil, errors.New("extract: nil page")
	}
	if len(p.Body) > MaxPageBytes {
		return nil, fmt.Errorf("extract %s: page is %d bytes, over the %d-byte limit", p.URL, len(p.Body), MaxPageBytes)
	}
	if p.Status != 0 && (p.Status < 200 || p.Status > 299) {
		return nil, &NotArticleError{Reason: fmt.Sprintf("HTTP status %d", p.Status)}
	}
	if len(bytes.TrimSpace(p.Body)) == 0 {
		return nil, &NotArticleError{Reason: "empty page"}
	}
	pageURL, err := url.Parse(strings.TrimSpace(p.URL))
	if err != nil {
		return nil, fmt.Errorf("extract %q: bad page URL: %w", p.URL, err)
	}
	dom, err := goquery.NewDocumentFromReader(bytes.NewReader(p.Body))
	if err != nil {
		return nil, fmt.Errorf("extract %s: parse HTML: %w", p.URL, err)
	}
	d := &doc{page: p, url: pageURL, base: pageURL, dom: dom}
	if href, ok := dom.Find("base[href]").First().Attr("href"); ok {
		if b, err := url.Parse(strings.TrimSpace(href)); err == nil {
			d.base = pageURL.ResolveReference(b)
		}
	}
	title := strings.ToLower(textOf(dom.Find("title")))
	if challengeTitles[title] || dom.Find("#challenge-form, #cf-challenge-running, #challenge-running").Length() > 0 {
		return nil, &NotArticleError{Reason: "challenge page"}
	}
	d.meta = readMeta(dom)
	return d, nil
}

func (d *doc) resolve(href string) string { return resolve(d.base, href) }

// builder accumulates an article and the rule behind each field.
type builder struct {
	d     *doc
	a     *archive.Article
	rules map[string]string
	links []string
	// readable caches the generic body, which is expensive to compute.
	readable *readableText
}

func newBuilder(d *doc) *builder {
	return &builder{d: d, a: &archive.Article{}, rules: map[string]string{}}
}

// result finishes the article. A page whose body came out empty is not an
// article, whatever its metadata says.
func (b *builder) result() (*Result, error) {
	if strings.TrimSpace(b.a.Body) == "" {
		return nil, &NotArticleError{Reason: "empty body"}
	}
	b.a.Normalize()
	return &Result{Article: b.a, Rules: b.rules, Links: dedupeLinks(b.links)}, nil
}

func dedupeLinks(links []string) []string {
	if len(links) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, l := range links {
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// genericFields are the fields the generic rules can fill, in the order
// they are tried; "body" comes last because it is by far the most costly.
var genericFields = []string{
	"url", "site", "title", "subtitle", "authors", "published", "modified",
	"section", "kind", "tags", "language", "body",
}

// fallback fills each named field the site rules left empty from the
// generic rules, and records it in Article.Fallbacks so that a selector
// broken by a redesign shows in the data.
func (b *builder) fallback(fields ...string) {
	for _, f := range fields {
		if !b.empty(f) {
			continue
		}
		if rule, ok := b.fillGeneric(f); ok {
			b.rules[f] = "generic: " + rule
			b.a.Fallbacks = append(b.a.Fallbacks, f)
		}
	}
}

func (b *builder) empty(field string) bool {
	a := b.a
	switch field {
	case "url":
		return a.URL == ""
	case "site":
		return a.Site == ""
	case "title":
		return a.Title == ""
	case "subtitle":
		return a.Subtitle == ""
	case "authors":
		return len(a.Authors) == 0
	case "published":
		return a.Published.IsZero()
	case "modified":
		return a.Modified.IsZero()
	case "section":
		return a.Section == ""
	case "kind":
		return a.Kind == ""
	case "tags":
		return len(a.Tags) == 0
	case "language":
		return a.Language == ""
	case "body":
		return strings.TrimSpace(a.Body) == ""
	}
	return false
}

// fillGeneric sets one field from the page's metadata (or, for the body,
// from readability) and names the rule that found it.
func (b *builder) fillGeneric(field string) (string, bool) {
	d, a, m := b.d, b.a, b.d.meta
	switch field {
	case "url":
		u, rule := d.canonicalURL()
		a.URL = u
		return rule, u != ""
	case "site":
		if s, rule := m.first("og:site_name"); s != "" {
			a.Site = s
			return "meta " + rule, true
		}
		if d.url.Host != "" {
			a.Site = archive.SiteForHost(d.url.Hostname())
			return "host", true
		}
	case "title":
		if t := m.ldString("headline"); t != "" {
			a.Title = t
			return "json-ld headline", true
		}
		if t, rule := m.first("og:title", "twitter:title"); t != "" {
			a.Title = t
			return "meta " + rule, true
		}
		if t := textOf(d.dom.Find("title")); t != "" {
			a.Title = t
			return "title", true
		}
		if t := textOf(d.dom.Find("h1")); t != "" {
			a.Title = t
			return "h1", true
		}
	case "subtitle":
		if t := m.ldString("alternativeHeadline"); t != "" {
			a.Subtitle = t
			return "json-ld alternativeHeadline", true
		}
	case "authors":
		if names := m.ldAuthors(); len(names) > 0 {
			a.Authors = names
			return "json-ld author", true
		}
		for _, name := range []string{"author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author"} {
			var names []string
			for _, v := range m.metas[name] {
				if !looksLikeURL(v) {
					names = append(names, splitByline(v)...)
				}
			}
			if names = dedupe(names); len(names) > 0 {
				a.Authors = names
				return "meta " + name, true
			}
		}
		if names := dedupe(splitByline(textOf(d.dom.Find(`[rel="author"], [itemprop="author"] [itemprop="name"]`)))); len(names) > 0 {
			a.Authors = names
			return "rel=author", true
		}
		if r := b.readableText(); r != nil && r.byline != "" {
			if names := dedupe(splitByline(r.byline)); len(names) > 0 {
				a.Authors = names
				return "readability byline", true
			}
		}
	case "published":
		if t, ok := parseDate(m.ldString("datePublished")); ok {
			a.Published = t
			return "json-ld datePublished", true
		}
		for _, name := range []string{"article:published_time", "og:published_time", "datepublished", "date", "pubdate", "publish-date", "dc.date", "dc.date.issued", "citation_publication_date", "sailthru.date", "parsely-pub-date"} {
			for _, v := range m.metas[name] {
				if t, ok := parseDate(v); ok {
					a.Published = t
					return "meta " + name, true
				}
			}
		}
		var found bool
		d.dom.Find(`time[itemprop="datePublished"], article time[datetime]`).EachWithBreak(func(_ int, tm *goquery.Selection) bool {
			// An "Updated:" time says when the page last changed, not
			// when it was published.
			if t, ok := parseDate(tm.AttrOr("datetime", "")); ok && !updatedLabel(tm) {
				a.Published, found = t, true
			}
			return !found
		})
		if found {
			return "time[datetime]", true
		}
	case "modified":
		if t, ok := parseDate(m.ldString("dateModified")); ok {
			a.Modified = t
			return "json-ld dateModified", true
		}
		for _, name := range []string{"article:modified_time", "og:updated_time", "datemodified", "last-modified"} {
			for _, v := range m.metas[name] {
				if t, ok := parseDate(v); ok {
					a.Modified = t
					return "meta " + name, true
				}
			}
		}
	case "section":
		if s := m.ldString("articleSection"); s != "" {
			a.Section = s
			return "json-ld articleSection", true
		}
		if s, rule := m.first("article:section"); s != "" {
			a.Section = s
			return "meta " + rule, true
		}
	case "kind":
		if k := kindForType(m.ldType()); k != "" {
			a.Kind = k
			return "json-ld @type", true
		}
		if strings.Contains(strings.ToLower(a.Section), "opinion") {
			a.Kind = "op-ed"
			return "section", true
		}
	case "tags":
		if v := m.ld("keywords"); v != nil {
			var tags []string
			for _, s := range stringsOf(v) {
				tags = append(tags, splitList(s)...)
			}
			if tags = dedupe(tags); len(tags) > 0 {
				a.Tags = tags
				return "json-ld keywords", true
			}
		}
		for _, name := range []string{"article:tag", "news_keywords", "keywords"} {
			var tags []string
			for _, v := range m.metas[name] {
				tags = append(tags, splitList(v)...)
			}
			if tags = dedupe(tags); len(tags) > 0 {
				a.Tags = tags
				return "meta " + name, true
			}
		}
	case "language":
		if l := normalizeLanguage(d.dom.Find("html").AttrOr("lang", "")); l != "" {
			a.Language = l
			return "html lang", true
		}
		if l := normalizeLanguage(m.ldString("inLanguage")); l != "" {
			a.Language = l
			return "json-ld inLanguage", true
		}
		if l, rule := m.first("og:locale", "content-language", "language"); normalizeLanguage(l) != "" {
			a.Language = normalizeLanguage(l)
			return "meta " + rule, true
		}
		if d.page.Header != nil {
			if l := normalizeLanguage(d.page.Header.Get("Content-Language")); l != "" {
				a.Language = l
				return "header Content-Language", true
			}
		}
	case "body":
		if r := b.readableText(); r != nil && len(r.paras) > 0 {
			a.Body = joinParagraphs(r.paras)
			return "readability", true
		}
	}
	return "", false
}

// canonicalURL is where the page says it lives, else where it was fetched.
// A canonical URL on another site is not the page's name: a syndicated copy
// names its original there, and taking it would give the copy the
// original's ID, so storing the copy would overwrite the original.
func (d *doc) canonicalURL() (string, string) {
	if href, ok := d.dom.Find(`link[rel="canonical"]`).First().Attr("href"); ok && d.sameSite(href) {
		return d.resolve(href), "link canonical"
	}
	if u, _ := d.meta.first("og:url"); u != "" && d.sameSite(u) {
		return d.resolve(u), "meta og:url"
	}
	if u := d.meta.ldString("url"); u != "" && looksLikeURL(u) && d.sameSite(u) {
		return d.resolve(u), "json-ld url"
	}
	if d.url.Host != "" {
		return d.url.String(), "page url"
	}
	return "", ""
}

// sameSite says whether href, resolved against the page, is on the page's
// host (www. or not).
func (d *doc) sameSite(href string) bool {
	if strings.TrimSpace(href) == "" {
		return false
	}
	u, err := url.Parse(d.resolve(href))
	if err != nil {
		return false
	}
	if d.url.Host == "" {
		return true // a page known by no URL: nothing to compare
	}
	bare := func(h string) string { return strings.TrimPrefix(strings.ToLower(h), "www.") }
	return bare(u.Hostname()) == bare(d.url.Hostname())
}

func kindForType(t string) string {
	switch t {
	case "OpinionNewsArticle":
		return "op-ed"
	case "BlogPosting", "LiveBlogPosting", "SocialMediaPosting":
		return "blog-post"
	case "Report", "ScholarlyArticle":
		return "publication"
	case "NewsArticle", "AnalysisNewsArticle", "ReportageNewsArticle", "BackgroundNewsArticle":
		return "news"
	case "Article", "TechArticle":
		return "article"
	}
	return ""
}

// bylineSeparators split "A, B and C", "A and B", "A & B".
var bylineSeparators = regexp.MustCompile(`\s*(?:,\s*and\s+|,|\s+and\s+|\s*&\s*|;)\s*`)

var byPrefix = regexp.MustCompile(`(?i)^\s*by[:\s]\s*`)

// splitByline turns a printed byline into names.
func splitByline(s string) []string {
	s = byPrefix.ReplaceAllString(clean(s), "")
	if s == "" {
		return nil
	}
	var names []string
	for _, n := range bylineSeparators.Split(s, -1) {
		if n = clean(n); n != "" && len(n) < 100 {
			names = append(names, n)
		}
	}
	return names
}

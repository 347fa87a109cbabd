package extract

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// Wilson Center selectors, for the 2024-2026 layout (hero-article,
// text-block) and the 2020-2023 one (insight-detail-hero-*). Each list is
// tried in order; the first selector that finds something wins.
var (
	wcHero    = `header.hero-article, .insight-detail-hero`
	wcTitle   = []string{`header.hero-article h1:not(.visually-hidden):not(.sr-only)`, `.insight-detail-hero-title`}
	wcAuthors = []string{`.article-meta ul.authors li a`, `.insight-detail-hero-author-byline-link-text`, `a[href*="/person/"]`}
	wcDate    = []string{`.article-meta time[datetime]`, `time.post-time`, `.insight-detail-hero-author-byline-text.-date`, `time[datetime]`}
	// wcPublished is the date block of publications (Kennan Cable), which
	// sits below the hero rather than in it.
	wcPublished = `div.published-info time`
	wcBody      = []string{`article.text-block > div.inner`, `article.text-block`, `div.text-block.wysiwyg-content`, `.text-block-inner`}
	wcTags      = `a[href*="/region-term/"], a[href*="/issue-term/"], a[href*="/topic-term/"]`
	// wcNoise holds other pages' titles and dates: related cards and
	// teasers, site navigation, footers.
	wcNoise = `nav, footer, section.related, .related, [class*="related-"], a.js-link-event-link, .teaser, ` +
		`.visually-hidden, .sr-only, .sr-text, script, style, noscript, iframe, form, figure`
)

// wcKinds maps the first URL path segment of an article page to its kind.
var wcKinds = map[string]string{
	"blog-post":   "blog-post",
	"article":     "article",
	"publication": "publication",
}

// wcNotArticles are path segments of pages that are not articles.
var wcNotArticles = map[string]bool{
	"person": true, "program": true, "blogs": true, "region-term": true, "issue-term": true,
	"program-term": true, "topic-term": true, "insight-analysis": true, "search": true,
	"event": true, "events": true, "experts": true, "audio": true, "video": true,
	"collection": true, "book": true, "news": true,
}

// WilsonCenter extracts an article from a wilsoncenter.org blog post
// (The Russia File), article or publication (Kennan Cable) page.
func WilsonCenter(p *Page) (*Result, error) {
	d, err := load(p)
	if err != nil {
		return nil, err
	}
	b := newBuilder(d)
	a := b.a
	a.Site = "Wilson Center"
	b.rules["site"] = "fixed"
	if u, rule := d.canonicalURL(); u != "" {
		a.URL, b.rules["url"] = u, rule
	}
	kind, reason := wcKindFor(a.URL, d)
	if reason != "" {
		return nil, &NotArticleError{Reason: reason}
	}
	if kind != "" {
		a.Kind, b.rules["kind"] = kind, "url path"
	}

	// Related cards carry their own titles and dates; drop them before
	// any lookup so nothing of theirs can be mistaken for this article's.
	d.dom.Find(wcNoise).Not("html, body, main").Remove()
	hero := d.dom.Find(wcHero).First()

	if sel, rule := firstMatch(d.dom.Selection, wcTitle); sel != nil {
		a.Title, b.rules["title"] = textOf(sel), rule
	}
	if hero.Length() > 0 {
		for _, s := range wcAuthors {
			var names []string
			hero.Find(s).Each(func(_ int, n *goquery.Selection) { names = append(names, n.Text()) })
			if a.Authors = dedupe(names); len(a.Authors) > 0 {
				b.rules["authors"] = s
				break
			}
		}
		for _, s := range wcDate {
			tm := hero.Find(s).First()
			if t, ok := parseDate(tm.AttrOr("datetime", "")); ok {
				a.Published, b.rules["published"] = t, s+" datetime"
				break
			}
			if t, ok := parseDate(tm.Text()); ok {
				a.Published, b.rules["published"] = t, s+" text"
				break
			}
		}
		if program := textOf(hero.Find(`a[href*="/program/"]`)); program != "" {
			a.Section, b.rules["section"] = program, "hero program link"
		}
	}
	if a.Published.IsZero() {
		tm := d.dom.Find(wcPublished).First()
		if t, ok := parseDate(tm.AttrOr("datetime", "")); ok {
			a.Published, b.rules["published"] = t, wcPublished+" datetime"
		} else if t, ok := parseDate(tm.Text()); ok {
			a.Published, b.rules["published"] = t, wcPublished+" text"
		}
	}
	if a.Section == "" {
		if program := textOf(d.dom.Find(`main a[href*="/program/"]`)); program != "" {
			a.Section, b.rules["section"] = program, "program link"
		}
	}

	var tags []string
	d.dom.Find(wcTags).Each(func(_ int, s *goquery.Selection) { tags = append(tags, s.Text()) })
	if a.Tags = dedupe(tags); len(a.Tags) > 0 {
		b.rules["tags"] = "region/issue term links"
	}
	if l := normalizeLanguage(d.dom.Find("html").AttrOr("lang", "")); l != "" {
		a.Language, b.rules["language"] = l, "html lang"
	}

	for _, s := range wcBody {
		if body := d.dom.Find(s); body.Length() > 0 {
			paras := paragraphs(d.base, body)
			if len(paras) > 0 {
				b.syndication(paras)
				a.Body, b.rules["body"] = joinParagraphs(paras), s
				break
			}
		}
	}

	if a.Section == "" && a.Kind == "blog-post" && strings.Contains(a.URL, "kennan-russiafile.org") {
		a.Section, b.rules["section"] = "Kennan Institute", "kennan-russiafile.org host"
	}
	b.fallback("url", "title", "authors", "published", "modified", "section", "tags", "language", "body")
	a.Title = strings.TrimSuffix(a.Title, " | Wilson Center")
	return b.result()
}

// wcKindFor names the kind of piece from its URL path, or says why the
// page is not an article.
func wcKindFor(canonical string, d *doc) (kind, notArticle string) {
	u := d.url
	if canonical != "" {
		if c, err := d.url.Parse(canonical); err == nil {
			u = c
		}
	}
	segment, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if segment == "" {
		return "", "home page"
	}
	// The Russia File's own WordPress site (c. 2016-2019) keeps posts under
	// /<yyyy>/<mm>/<dd>/<slug>/ and lists them under /category/ and /author/.
	if strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.") == "kennan-russiafile.org" {
		switch segment {
		case "category", "tag", "author", "page":
			return "", "not an article page (/" + segment + "/)"
		}
		return "blog-post", ""
	}
	if wcNotArticles[segment] {
		return "", "not an article page (/" + segment + "/)"
	}
	return wcKinds[segment], ""
}

// firstMatch returns the first non-empty match of the selectors in order.
func firstMatch(scope *goquery.Selection, selectors []string) (*goquery.Selection, string) {
	for _, s := range selectors {
		if sel := scope.Find(s).First(); sel.Length() > 0 && textOf(sel) != "" {
			return sel, s
		}
	}
	return nil, ""
}

package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/oped/oped/archive"
)

// The Moscow Times' article template (themoscowtimes/themoscowtimes,
// resources/views/article/item.php) nests an <article class="article"> in
// an outer <article> that also holds the "Read more" cluster, so every
// selector is scoped to the inner one.
const (
	mtArticle       = "article.article"
	mtHeader        = "header.article__header"
	mtContent       = ".article__content"
	mtAuthorNames   = ".article__byline .byline__author__name"
	mtBylineTime    = ".article__byline time.byline__datetime"
	mtTags          = ".article__tags a.article__tags__tag, .article__tags a.tag"
	mtImageCredit   = ".article__featured-image__credits, .featured-image__credits"
	mtOpinionLabel  = ".label--opinion, .article__label--opinion"
	mtAuthorExcerpt = ".author-excerpt-default__description, .author-excerpt-small__description"
	// mtNoise never belongs to the body: in-body ads, donation appeals,
	// share bars, author boxes, newsletter blocks, images and embeds.
	mtNoise = `section[y-name="banner"], [class*="contribute"], .social, [class*="author-excerpt"], ` +
		`.article__block--newsletter, .article__block--image, .article__block--images, ` +
		`.article__block--embed, .article__block--scrollama, figure, .article__embed, ` +
		`script, style, noscript, iframe`
)

// opEdSuffix is the "(Op-ed)" the 2017-era titles carry.
var opEdSuffix = regexp.MustCompile(`(?i)\s*\(\s*op-?ed\s*\)\s*$`)

// disclaimer matches "The views expressed in opinion pieces do not
// necessarily reflect the position of The Moscow Times." and its variants.
var disclaimer = regexp.MustCompile(`(?i)\b(views|opinions)\b.{0,160}\b(do|does) not necessarily (reflect|represent)\b`)

// relatedLine is an inline "Related article: <a>…</a>" paragraph.
var relatedLine = regexp.MustCompile(`(?i)^(related( article)?|read more|see also)\s*:`)

// MoscowTimes extracts an article from a themoscowtimes.com article page.
func MoscowTimes(p *Page) (*Result, error) {
	d, err := load(p)
	if err != nil {
		return nil, err
	}
	art := d.dom.Find(mtArticle).First()
	if reason := mtNotArticle(d, art); reason != "" {
		return nil, &NotArticleError{Reason: reason}
	}
	b := newBuilder(d)
	a, m := b.a, d.meta
	a.Site = "The Moscow Times"
	b.rules["site"] = "fixed"

	if u, rule := d.canonicalURL(); u != "" {
		a.URL, b.rules["url"] = u, rule
	}

	header := art.Find(mtHeader).First()
	if t := textOf(header.Find("h1")); t != "" {
		a.Title, b.rules["title"] = t, "header.article__header h1"
	}
	if t := textOf(header.Find("h2")); t != "" {
		a.Subtitle, b.rules["subtitle"] = t, "header.article__header h2"
	}

	var names []string
	art.Find(mtAuthorNames).Each(func(_ int, s *goquery.Selection) {
		names = append(names, s.Text())
	})
	if a.Authors = dedupe(names); len(a.Authors) > 0 {
		b.rules["authors"] = "a.byline__author__name"
	} else if a.Authors = dedupe(splitByline(textOf(art.Find(".article__byline .byline__author")))); len(a.Authors) > 0 {
		b.rules["authors"] = "byline text"
	}

	b.mtDates(art)
	b.mtSection(header)

	var tags []string
	art.Find(mtTags).Each(func(_ int, s *goquery.Selection) { tags = append(tags, s.Text()) })
	if a.Tags = dedupe(tags); len(a.Tags) > 0 {
		b.rules["tags"] = "a.article__tags__tag"
	}
	if c := textOf(art.Find(mtImageCredit)); c != "" {
		a.ImageCredit, b.rules["image_credit"] = c, "featured-image credits"
	}
	if l := normalizeLanguage(d.dom.Find("html").AttrOr("lang", "")); l != "" {
		a.Language, b.rules["language"] = l, "html lang"
	}

	// The author boxes sit inside the inner article; read them before the
	// body cleanup below removes them.
	var bios []string
	art.Find(mtAuthorExcerpt).Each(func(_ int, s *goquery.Selection) { bios = append(bios, s.Text()) })
	bios = dedupe(bios)

	content := art.Find(mtContent).First()
	b.mtBody(content, bios)
	// The lead paragraph, when an editor wrote one, sits between the byline
	// and the content blocks and reads as the body's opening.
	if intro := paragraphs(d.base, art.Find(".article__intro").First()); len(intro) > 0 && a.Body != "" {
		a.Body = joinParagraphs(intro) + "\n\n" + a.Body
	}

	// Fall back field by field, then undo the title suffix if the fallback
	// title (og:title, JSON-LD headline) carries it too.
	b.fallback("url", "title", "authors", "published", "modified", "tags", "language")
	// A content container that held only ads and appeals means an empty
	// article, not a redesign; only a missing container calls for
	// readability.
	if content.Length() == 0 {
		b.fallback("body")
	}
	if opEdSuffix.MatchString(a.Title) {
		a.Title = opEdSuffix.ReplaceAllString(a.Title, "")
		if a.Section == "" {
			a.Section, a.Kind = "Opinion", "op-ed"
			b.rules["section"], b.rules["kind"] = "title suffix (Op-ed)", "title suffix (Op-ed)"
		}
	}
	if a.Section == "" {
		b.mtSectionFromMeta(m)
	}
	return b.result()
}

// mtNotArticle recognises the soft 404 (status 200, "Oops!"), listing pages
// and fragments, and pages with no article at all.
func mtNotArticle(d *doc, art *goquery.Selection) string {
	if art.Find(mtContent).Length() > 0 {
		return ""
	}
	h1 := strings.ToLower(textOf(d.dom.Find("h1")))
	if h1 == "oops!" || strings.Contains(strings.ToLower(d.dom.Text()), "we couldn't find your page") {
		return "soft 404"
	}
	if d.dom.Find(".article-excerpt-default, .article-excerpt-lead, section.cluster").Length() > 0 {
		return "listing page"
	}
	if art.Length() == 0 {
		return "no article on page"
	}
	return ""
}

// mtDates takes the publication time from the article meta tag or the
// NewsArticle JSON-LD: the byline <time> shows the *update* time, labelled
// "Updated:", once an article was edited more than ten minutes after it
// went out.
func (b *builder) mtDates(art *goquery.Selection) {
	a, m := b.a, b.d.meta
	if t, ok := parseDate(firstOf(m.metas["article:published_time"])); ok {
		a.Published, b.rules["published"] = t, "meta article:published_time"
	} else if t, ok := parseDate(m.ldString("datePublished")); ok {
		a.Published, b.rules["published"] = t, "json-ld datePublished"
	}
	if t, ok := parseDate(firstOf(m.metas["article:modified_time"])); ok {
		a.Modified, b.rules["modified"] = t, "meta article:modified_time"
	} else if t, ok := parseDate(m.ldString("dateModified")); ok {
		a.Modified, b.rules["modified"] = t, "json-ld dateModified"
	}

	tm := art.Find(mtBylineTime).First()
	if tm.Length() == 0 {
		return
	}
	t, ok := parseDate(tm.AttrOr("datetime", ""))
	if !ok {
		t, ok = parseDate(tm.Text())
	}
	if !ok {
		return
	}
	if updatedLabel(tm) {
		if a.Modified.IsZero() {
			a.Modified, b.rules["modified"] = t, `byline time after "Updated:"`
		}
		return
	}
	if a.Published.IsZero() {
		a.Published, b.rules["published"] = t, "byline time"
	}
}

// updatedLabel reports whether the text just before a byline <time> (or
// inside it) says "Updated".
func updatedLabel(tm *goquery.Selection) bool {
	if strings.Contains(strings.ToLower(tm.Text()), "updated") {
		return true
	}
	for n := tm.Get(0).PrevSibling; n != nil; n = n.PrevSibling {
		if n.Type == html.TextNode {
			if s := strings.TrimSpace(n.Data); s != "" {
				return strings.HasSuffix(strings.ToLower(s), "updated:") || strings.HasSuffix(strings.ToLower(s), "updated")
			}
			continue
		}
		if n.Type == html.ElementNode {
			s := strings.ToLower(clean(goquery.NewDocumentFromNode(n).Text()))
			return strings.HasSuffix(s, "updated:") || strings.HasSuffix(s, "updated")
		}
	}
	return false
}

// mtSection trusts the opinion label over article:section, which the site
// sets to "news" for every article outside the Ukraine war section.
func (b *builder) mtSection(header *goquery.Selection) {
	if header.Find(mtOpinionLabel).Length() > 0 {
		b.a.Section, b.a.Kind = "Opinion", "op-ed"
		b.rules["section"], b.rules["kind"] = "span.label--opinion", "span.label--opinion"
		return
	}
	if desc, _ := b.d.meta.first("description", "og:description"); strings.HasPrefix(desc, "Opinion | ") {
		b.a.Section, b.a.Kind = "Opinion", "op-ed"
		b.rules["section"], b.rules["kind"] = `meta description "Opinion | "`, `meta description "Opinion | "`
	}
}

func (b *builder) mtSectionFromMeta(m *docMeta) {
	section, rule := m.first("article:section")
	if section != "" {
		rule = "meta " + rule
	} else if section = m.ldString("articleSection"); section != "" {
		rule = "json-ld articleSection"
	}
	if section == "" {
		return
	}
	b.a.Section, b.rules["section"] = titleCase(strings.ReplaceAll(section, "_", " ")), rule
	b.a.Kind, b.rules["kind"] = "news", rule
}

// mtBody renders the content blocks: related-article boxes go to Related,
// noise is dropped, disclaimers are dropped, the author's bio line goes to
// AuthorBio and a syndication credit sets OriginalPublisher.
func (b *builder) mtBody(content *goquery.Selection, boxBios []string) {
	if content.Length() == 0 {
		return
	}
	a := b.a
	content.Find("aside.article__related-article, .related-article").Each(func(_ int, s *goquery.Selection) {
		link := s.Find("a.related-article__inner, a[href]").First()
		title := textOf(s.Find(".related-article__title"))
		if title == "" {
			title = clean(link.AttrOr("title", link.Text()))
		}
		if href := link.AttrOr("href", ""); href != "" || title != "" {
			a.Related = append(a.Related, archive.Link{Title: title, URL: b.d.resolve(href)})
		}
	})
	content.Find(".article__link").Each(func(_ int, s *goquery.Selection) {
		link := s.Find("a[href]").First()
		title := textOf(s.Find(".article__link__title"))
		if title == "" {
			title = clean(link.Text())
		}
		if href := link.AttrOr("href", ""); href != "" {
			a.Related = append(a.Related, archive.Link{Title: title, URL: b.d.resolve(href)})
		}
	})
	if len(a.Related) > 0 {
		b.rules["related"] = "aside.article__related-article"
	}
	content.Find("aside, .article__link").Remove()
	content.Find(mtNoise).Remove()

	var kept []paragraph
	for _, p := range paragraphs(b.d.base, content) {
		if len(p.text) < 400 && disclaimer.MatchString(p.text) {
			continue
		}
		if relatedLine.MatchString(p.text) && len(p.links) > 0 {
			a.Related = append(a.Related, p.links...)
			b.rules["related"] = `"Related article:" line`
			continue
		}
		kept = append(kept, p)
	}

	credit := b.syndication(kept)
	tail := max(len(kept)-3, 0)
	var body []paragraph
	var bio []string
	for i, p := range kept {
		if i == credit || (i >= tail && isBioLine(p.text, a.Authors)) {
			bio = append(bio, p.text)
			continue
		}
		body = append(body, p)
	}
	if len(bio) > 0 {
		b.rules["author_bio"] = "bio line at end of body"
	}
	for _, box := range boxBios {
		if !containsFold(strings.Join(bio, " "), box) {
			bio = append(bio, box)
			if _, ok := b.rules["author_bio"]; !ok {
				b.rules["author_bio"] = "author-excerpt description"
			}
		}
	}
	a.AuthorBio = strings.Join(bio, "\n\n")
	if a.Body = joinParagraphs(body); a.Body != "" {
		b.rules["body"] = ".article__content"
	}
}

// bioVerb follows an author's name in a bio line: "X is a senior fellow",
// "X was", "X and Y are".
var bioVerb = regexp.MustCompile(`^[^.]{0,80}?\b(is|are|was|were|serves|teaches|writes|heads|directs|works)\b`)

// isBioLine recognises "Maxim Trudolyubov is a senior fellow with the
// Kennan Institute." closing an op-ed: it begins with an author's name (or
// "The author") and is short.
func isBioLine(text string, authors []string) bool {
	if len(text) > 600 {
		return false
	}
	lower := strings.ToLower(text)
	starts := strings.HasPrefix(lower, "the author") || strings.HasPrefix(lower, "the writer")
	for _, name := range authors {
		if name != "" && strings.HasPrefix(lower, strings.ToLower(name)) {
			starts = true
		}
	}
	return starts && bioVerb.MatchString(text)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func firstOf(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// titleCase turns "news" or "ukraine war" into "News", "Ukraine War".
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[size:]
	}
	return strings.Join(words, " ")
}

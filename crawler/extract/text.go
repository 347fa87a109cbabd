package extract

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/oped/oped/archive"
)

// paragraph is one block of body text with the links inside it, so that
// credit lines and "Related article:" lines can be recognised by where they
// point, not only by their wording.
type paragraph struct {
	text  string
	links []archive.Link
}

// blockTags start a new paragraph: text on either side of them is never
// run together.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Li: true,
	atom.Ul: true, atom.Ol: true, atom.Section: true, atom.Article: true,
	atom.Header: true, atom.Footer: true, atom.Figure: true, atom.Figcaption: true,
	atom.Table: true, atom.Tr: true, atom.Pre: true, atom.Hr: true, atom.Dl: true,
	atom.Dt: true, atom.Dd: true, atom.Aside: true, atom.Main: true, atom.Nav: true,
	atom.Cite: true, atom.Details: true, atom.Summary: true, atom.Address: true,
}

// skipTags never hold readable prose.
var skipTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Svg: true, atom.Button: true, atom.Form: true,
	atom.Input: true, atom.Select: true, atom.Textarea: true, atom.Object: true,
	atom.Embed: true, atom.Video: true, atom.Audio: true, atom.Canvas: true,
	atom.Head: true, atom.Title: true, atom.Math: true,
}

// textWriter turns a DOM subtree into paragraphs of plain text the way a
// reader sees them: whitespace collapsed, <br> kept as a line break.
type textWriter struct {
	base    *url.URL
	paras   []paragraph
	cur     strings.Builder
	links   []archive.Link
	pending bool // a collapsed space waits to be written before the next word
	depth   int
	flushes int // counts paragraphs ended, so a link spanning blocks is noticed
}

// maxRenderDepth bounds recursion on pathological nesting; the HTML parser
// already caps its tree depth, this is a second guard for hand-built trees.
const maxRenderDepth = 512

func (w *textWriter) text(s string) {
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u200b' {
			if w.cur.Len() > 0 {
				w.pending = true
			}
			continue
		}
		if w.pending {
			w.cur.WriteByte(' ')
			w.pending = false
		}
		w.cur.WriteRune(r)
	}
}

func (w *textWriter) lineBreak() {
	if w.cur.Len() > 0 {
		w.cur.WriteByte('\n')
	}
	w.pending = false
}

func (w *textWriter) flush() {
	text := strings.TrimSpace(w.cur.String())
	if text != "" {
		lines := strings.Split(text, "\n")
		kept := lines[:0]
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" {
				kept = append(kept, l)
			}
		}
		w.paras = append(w.paras, paragraph{text: strings.Join(kept, "\n"), links: w.links})
	}
	w.cur.Reset()
	w.links = nil
	w.pending = false
	w.flushes++
}

func (w *textWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
	default:
		return
	}
	if w.depth > maxRenderDepth {
		return
	}
	if skipTags[n.DataAtom] {
		return
	}
	if n.DataAtom == atom.Br {
		w.lineBreak()
		return
	}
	block := blockTags[n.DataAtom]
	if block {
		w.flush()
	}
	linkStart, linkFlushes := w.cur.Len(), w.flushes
	w.depth++
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
	w.depth--
	if n.DataAtom == atom.A {
		if href := attr(n, "href"); href != "" {
			// A link that held a block starts in an earlier paragraph;
			// its title is what it left in this one.
			if linkFlushes != w.flushes {
				linkStart = 0
			}
			title := strings.TrimSpace(w.cur.String()[linkStart:])
			w.links = append(w.links, archive.Link{Title: title, URL: resolve(w.base, href)})
		}
	}
	if block {
		w.flush()
	}
}

// paragraphs renders the selection's nodes to paragraphs of plain text.
func paragraphs(base *url.URL, sel *goquery.Selection) []paragraph {
	w := &textWriter{base: base}
	for _, n := range sel.Nodes {
		w.node(n)
	}
	w.flush()
	return w.paras
}

// joinParagraphs is the Body format: plain text, one blank line between
// paragraphs.
func joinParagraphs(ps []paragraph) string {
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = p.text
	}
	return strings.Join(texts, "\n\n")
}

// clean collapses whitespace runs to one space and trims.
func clean(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u200b' {
			pending = b.Len() > 0
			continue
		}
		if r == utf8.RuneError {
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// textOf is the cleaned text of the first node of sel.
func textOf(sel *goquery.Selection) string {
	return clean(sel.First().Text())
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// resolve makes href absolute against base; hrefs that do not parse are
// kept as they are rather than dropped, so a reader can still see them.
func resolve(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" || base == nil {
		return href
	}
	u, err := url.Parse(href)
	if err != nil {
		return href
	}
	return base.ResolveReference(u).String()
}

// dedupe keeps the first of values that are equal ignoring case and
// surrounding space, and drops empty ones.
func dedupe(values []string) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		v = clean(v)
		key := strings.ToLower(v)
		if v == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, v)
	}
	return out
}

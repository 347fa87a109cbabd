// Package textdump reads and writes the plain-text op-ed dumps users already
// hold: the layout The Moscow Times renders for an article's /pdf view
// (title with an "(Op-ed)" suffix, subtitle, "By [Author](#)", date, image
// credit, body with "[text](#)" links, "Related article:" lines, author bio,
// disclaimers, "Original url:").
package textdump

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"github.com/oped/oped/archive"
)

// ParseError says why a file is not a usable dump, and where.
type ParseError struct {
	File string
	Line int // 1-based; 0 when the problem is the file as a whole
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// block is a paragraph of the dump: lines between blank lines, joined.
type block struct {
	text string
	line int // where it starts, for error messages
}

// Parse reads one dump. name is used in errors only.
func Parse(name string, data []byte) (*archive.Article, error) {
	text, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	blocks := splitBlocks(text)
	if len(blocks) == 0 {
		return nil, &ParseError{File: name, Msg: "empty file"}
	}
	p := &parser{name: name, blocks: blocks, a: &archive.Article{Language: "en"}}
	return p.parse()
}

// decode turns the file into UTF-8 text with \n line ends. UTF-16 and UTF-32
// files with a byte-order mark are converted (editors on Windows write them);
// anything else must already be UTF-8.
func decode(name string, data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0x00, 0x00}), bytes.HasPrefix(data, []byte{0x00, 0x00, 0xFE, 0xFF}):
		out, err := utf32.UTF32(utf32.BigEndian, utf32.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", &ParseError{File: name, Msg: "bad UTF-32: " + err.Error()}
		}
		data = out
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", &ParseError{File: name, Msg: "bad UTF-16: " + err.Error()}
		}
		data = out
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", &ParseError{File: name, Line: lineAt(data, i), Msg: "binary data (NUL byte), not a text dump"}
	}
	if !utf8.Valid(data) {
		i := firstInvalidUTF8(data)
		return "", &ParseError{File: name, Line: lineAt(data, i), Msg: fmt.Sprintf("not UTF-8 (byte 0x%02x at offset %d); convert the file to UTF-8 first", data[i], i)}
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return s, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func lineAt(b []byte, offset int) int { return bytes.Count(b[:offset], []byte{'\n'}) + 1 }

func splitBlocks(text string) []block {
	var out []block
	var cur []string
	start := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, block{text: strings.Join(cur, " "), line: start})
			cur = nil
		}
	}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.Map(dropControl, line))
		if line == "" {
			flush()
			continue
		}
		if len(cur) == 0 {
			start = i + 1
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// dropControl removes control characters other than tabs; dumps copied from
// browsers carry stray ones (zero-width and bidi marks are kept: they are
// not controls in Unicode's sense, and the analyzer ignores them).
func dropControl(r rune) rune {
	if r == '\t' {
		return ' '
	}
	if unicode.IsControl(r) {
		return -1
	}
	return r
}

type parser struct {
	name   string
	blocks []block
	a      *archive.Article
	bioAt  int // index of the author-bio block, -1 if none
}

func (p *parser) parse() (*archive.Article, error) {
	a := p.a
	title := p.blocks[0].text
	if m := opedSuffix.FindStringIndex(title); m != nil {
		title = strings.TrimSpace(title[:m[0]])
		a.Section, a.Kind = "Opinion", "op-ed"
	}
	a.Title = unescapeMarkdown(title)
	if a.Title == "" {
		return nil, &ParseError{File: p.name, Line: p.blocks[0].line, Msg: "no title on the first line"}
	}

	rest := p.blocks[1:]
	rest = p.parseTrailer(rest)
	bodyStart := p.parseHeader(rest)
	if a.Authors == nil && a.Published.IsZero() && a.URL == "" {
		return nil, &ParseError{File: p.name, Msg: `not an op-ed dump: found no "By ..." line, no date line and no "Original url:"`}
	}
	p.parseBody(rest[bodyStart:])
	if strings.TrimSpace(a.Body) == "" {
		return nil, &ParseError{File: p.name, Msg: "dump has no body text"}
	}
	if a.Site == "" {
		a.Site = "Unknown"
	}
	a.Normalize()
	return a, nil
}

var (
	opedSuffix     = regexp.MustCompile(`(?i)\s*\\?\(\s*op-?ed\s*\\?\)\s*$`)
	byLine         = regexp.MustCompile(`(?i)^by\s+(.+)$`)
	originalURLTag = regexp.MustCompile(`(?i)^original\s+url:\s*(.*)$`)
	mdLink         = regexp.MustCompile(`\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)`)
	mdEscape       = regexp.MustCompile(`\\([\\` + "`" + `*_{}\[\]()#+\-.!<>|~"'])`)
	relatedLine    = regexp.MustCompile(`(?i)^related(?:\s+article)?s?:\s*(.+)$`)
	disclaimer     = regexp.MustCompile(`(?i)\bviews\b.{0,80}\b(?:do not|don't|does not)\s+necessarily\s+reflect\b`)
	originallyBy   = regexp.MustCompile(`(?i)(?:this\s+(?:article|piece|op-ed|essay)\s+)?(?:was\s+)?(?:originally|first)\s+(?:published|appeared)\s+(?:by|in|on|at)\s+(?:the\s+)?((?:\[[^\]]+\]\([^)]*\))|[A-Z][\w.'’&-]*(?:\s+[A-Z][\w.'’&-]*)*)`)
)

// parseTrailer takes "Original url:" (and anything after it) off the end.
func (p *parser) parseTrailer(blocks []block) []block {
	for i, b := range blocks {
		m := originalURLTag.FindStringSubmatch(b.text)
		if m == nil {
			continue
		}
		raw := strings.TrimSpace(m[1])
		if raw == "" && i+1 < len(blocks) {
			raw = blocks[i+1].text
		}
		raw = strings.Trim(raw, "<> ")
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			p.a.URL = raw
			p.a.Site = archive.SiteForHost(u.Hostname())
		}
		return blocks[:i]
	}
	return blocks
}

// parseHeader reads subtitle, byline, date and image credit, in whatever
// order and subset they appear, and returns where the body starts.
func (p *parser) parseHeader(blocks []block) int {
	a := p.a
	i := 0
	for ; i < len(blocks) && i < 6; i++ {
		text := blocks[i].text
		if m := byLine.FindStringSubmatch(text); m != nil && a.Authors == nil && looksLikeByline(m[1]) {
			a.Authors = splitAuthors(m[1])
			continue
		}
		if t, ok := ParseDate(text); ok && a.Published.IsZero() {
			a.Published = t
			continue
		}
		seenByOrDate := a.Authors != nil || !a.Published.IsZero()
		switch {
		case i == 0 && !seenByOrDate && !looksLikeProse(text):
			a.Subtitle = unescapeMarkdown(stripLinks(text))
		case i == 0 && !seenByOrDate && len(text) < 300 && i+1 < len(blocks) && isHeaderLine(blocks[i+1].text):
			// A subtitle that is a full sentence, followed by the byline or date.
			a.Subtitle = unescapeMarkdown(stripLinks(text))
		case seenByOrDate && a.ImageCredit == "" && looksLikeCredit(text):
			a.ImageCredit = unescapeMarkdown(stripLinks(text))
		default:
			return i
		}
	}
	return i
}

func isHeaderLine(s string) bool {
	if m := byLine.FindStringSubmatch(s); m != nil && looksLikeByline(m[1]) {
		return true
	}
	_, ok := ParseDate(s)
	return ok
}

// looksLikeByline tells "By [Anna Petrova](#) and Jon Reed" from a
// subtitle that happens to start with "By": every name is a few words,
// each capitalised or a name particle (de, van, al-...), with no sentence
// punctuation.
func looksLikeByline(rest string) bool {
	if mdLink.MatchString(rest) {
		return true
	}
	if len(rest) > 200 || strings.ContainsAny(rest, "?!;:") {
		return false
	}
	for _, name := range splitAuthors(rest) {
		words := strings.Fields(name)
		if len(words) > 5 {
			return false
		}
		for _, w := range words {
			first, _ := utf8.DecodeRuneInString(w)
			if !unicode.IsUpper(first) && !nameParticles[strings.ToLower(w)] {
				return false
			}
		}
	}
	return true
}

var nameParticles = map[string]bool{
	"de": true, "da": true, "di": true, "du": true, "del": true, "der": true, "dos": true, "la": true,
	"le": true, "van": true, "von": true, "al": true, "bin": true, "ibn": true, "y": true,
}

// looksLikeProse is true for text that reads as a sentence of body text.
func looksLikeProse(s string) bool {
	return len(s) > 200 || strings.Count(s, ". ") >= 2
}

// looksLikeCredit matches photo credits such as "Carlos Barria / Reuters",
// "Kremlin.ru" or "Pixabay": short, no sentence punctuation at the end.
func looksLikeCredit(s string) bool {
	if len(s) > 100 || strings.Count(s, " ") > 10 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	return !strings.ContainsRune(".?!:;\"”’", last) || strings.HasSuffix(s, ".ru") || strings.HasSuffix(s, ".com")
}

// parseBody sorts the remaining blocks into body paragraphs, related
// articles, the author bio and dropped disclaimers.
func (p *parser) parseBody(blocks []block) {
	a := p.a
	var paras []string
	for i, b := range blocks {
		text := b.text
		if m := relatedLine.FindStringSubmatch(text); m != nil {
			a.Related = append(a.Related, parseRelated(m[1]))
			continue
		}
		if isDisclaimer(text) {
			continue
		}
		if i >= len(blocks)-4 && p.isBio(text) {
			p.takeBio(text)
			continue
		}
		paras = append(paras, unescapeMarkdown(stripLinks(text)))
	}
	a.Body = strings.Join(joinBrokenParagraphs(paras), "\n\n")
}

// isBio recognises the closing author note: it names an author and says who
// they are, or says where the piece first appeared.
func (p *parser) isBio(text string) bool {
	if mentionsPublication(text) {
		return true
	}
	plain := stripLinks(text)
	for _, author := range p.a.Authors {
		if strings.HasPrefix(plain, author+" is ") || strings.HasPrefix(plain, author+" was ") || strings.HasPrefix(plain, author+", ") {
			return len(plain) < 600
		}
	}
	return false
}

// The regexps below backtrack over every body paragraph; a literal test
// first keeps them off the paragraphs that cannot match (most of them),
// which halves the cost of parsing a dump.

func isDisclaimer(text string) bool {
	return len(text) < 500 && strings.Contains(strings.ToLower(text), "necessarily") && disclaimer.MatchString(text)
}

func mentionsPublication(text string) bool {
	lower := strings.ToLower(text)
	return (strings.Contains(lower, "publish") || strings.Contains(lower, "appeared")) && originallyBy.MatchString(text)
}

func (p *parser) takeBio(text string) {
	a := p.a
	if m := originallyBy.FindStringSubmatchIndex(text); m != nil {
		publisher := text[m[2]:m[3]]
		a.OriginalPublisher = strings.TrimRight(unescapeMarkdown(stripLinks(publisher)), ".")
		if lm := mdLink.FindStringSubmatch(publisher); lm != nil && lm[2] != "#" && lm[2] != "" {
			a.OriginalURL = lm[2]
		}
		// The bio is what remains once the "originally published" sentence is cut.
		start := sentenceStart(text, m[0])
		end := sentenceEnd(text, m[1])
		text = strings.TrimSpace(text[:start] + " " + text[end:])
	}
	bio := strings.TrimSpace(unescapeMarkdown(stripLinks(text)))
	if bio == "" {
		return
	}
	if a.AuthorBio != "" {
		a.AuthorBio += " "
	}
	a.AuthorBio += bio
}

func sentenceStart(s string, i int) int {
	for j := i; j > 0; j-- {
		if s[j-1] == '.' || s[j-1] == '!' || s[j-1] == '?' {
			return j
		}
	}
	return 0
}

func sentenceEnd(s string, i int) int {
	for j := i; j < len(s); j++ {
		if s[j] == '.' || s[j] == '!' || s[j] == '?' {
			return j + 1
		}
	}
	return len(s)
}

func parseRelated(s string) archive.Link {
	if m := mdLink.FindStringSubmatch(s); m != nil {
		link := archive.Link{Title: unescapeMarkdown(m[1])}
		if m[2] != "#" {
			link.URL = m[2]
		}
		return link
	}
	return archive.Link{Title: unescapeMarkdown(s)}
}

// joinBrokenParagraphs rejoins a paragraph that the dump broke mid-sentence
// across a blank line: the first part ends without sentence punctuation and
// the next begins in lower case.
func joinBrokenParagraphs(paras []string) []string {
	var out []string
	for _, para := range paras {
		if n := len(out); n > 0 && endsMidSentence(out[n-1]) && startsLower(para) {
			out[n-1] += " " + para
			continue
		}
		out = append(out, para)
	}
	return out
}

func endsMidSentence(s string) bool {
	last, _ := utf8.DecodeLastRuneInString(s)
	return !strings.ContainsRune(`.!?:;"”’)…`, last)
}

func startsLower(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(first)
}

// splitAuthors reads "A", "[A](#) and [B](#)", "A, B and C", "A & B".
func splitAuthors(s string) []string {
	s = unescapeMarkdown(stripLinks(s))
	s = strings.NewReplacer(" & ", ", ", ", and ", ", ", " and ", ", ").Replace(s)
	var out []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name != "" {
			out = append(out, name)
		}
	}
	return out
}

// stripLinks keeps a markdown link's text: "[pointed out](#)" -> "pointed out".
func stripLinks(s string) string {
	return mdLink.ReplaceAllString(s, "$1")
}

func unescapeMarkdown(s string) string {
	s = mdEscape.ReplaceAllString(s, "$1")
	return strings.TrimSpace(s)
}

// dateLayouts are the date forms found in dumps and on the sites: the PDF
// view's "August 14, 2017", the article page's "Aug. 14, 2017", ISO forms.
var dateLayouts = []string{
	"January 2, 2006", "January 2 2006", "Jan. 2, 2006", "Jan 2, 2006", "Jan. 2 2006",
	"2 January 2006", "2 Jan 2006", "2 Jan. 2006", "Monday, January 2, 2006", "Mon, Jan 2, 2006",
	"2006-01-02", "2006/01/02", "02.01.2006",
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04",
	time.RFC1123Z, time.RFC1123,
}

// ParseDate reads a date in any common English or ISO form, alone on its
// line (an "Updated:" or "Published:" label is allowed).
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 40 || len(s) < 8 {
		return time.Time{}, false
	}
	for _, prefix := range []string{"Published:", "Published", "Updated:", "Posted:"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = strings.TrimSpace(rest)
		}
	}
	s = strings.Replace(s, "Sept.", "Sep.", 1)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

package index

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Snippets are built from the stored body by re-analysing it with the
// index's own analyzer: the marked words are exactly those the query
// matched (stemmed, apostrophe-folded), and bleve's highlighter, which
// needs term locations from the search, is not involved. All text is
// HTML-escaped; only the <mark> tags are markup.
const (
	snippetLen     = 240       // bytes of body text in a snippet, about 40 words
	snippetContext = 60        // bytes shown before the first match
	snippetScan    = 64 * 1024 // bytes of body searched for matches
)

func snippet(body string, m marks, a analysis.Analyzer) string {
	if body == "" {
		return ""
	}
	scan := body
	if len(scan) > snippetScan {
		scan = scan[:snippetScan]
		for len(scan) > 0 && !utf8.RuneStart(body[len(scan)]) {
			scan = scan[:len(scan)-1]
		}
	}
	var matches []analysis.Token
	switch {
	case a == nil || len(m.terms) == 0 && len(m.prefixes) == 0 && len(m.fuzzy) == 0:
	case len(m.fuzzy) > 0:
		// an edit may touch any letter: analyse everything
		for _, t := range a.Analyze([]byte(scan)) {
			if m.match(string(t.Term)) {
				matches = append(matches, *t)
			}
		}
	default:
		matches = quickMatches(scan, m, a)
	}
	if len(matches) == 0 {
		end := wordEnd(body, snippetLen)
		return render(body, 0, end, nil)
	}

	// The window holding the most distinct matched terms wins, then the
	// one with most matches, then the earliest.
	bestStart, bestScore := 0, -1
	for i := range matches {
		limit := matches[i].Start + snippetLen - snippetContext
		distinct := map[string]bool{}
		count := 0
		for j := i; j < len(matches) && matches[j].End <= limit; j++ {
			distinct[string(matches[j].Term)] = true
			count++
		}
		if score := len(distinct)*1000 + count; score > bestScore {
			bestStart, bestScore = i, score
		}
	}
	start := wordStart(body, matches[bestStart].Start-snippetContext)
	end := wordEnd(body, start+snippetLen)
	var inWindow []analysis.Token
	for _, t := range matches[bestStart:] {
		if t.Start >= start && t.End <= end {
			inWindow = append(inWindow, t)
		}
	}
	return render(body, start, end, inWindow)
}

// render escapes body[start:end], wraps the matches in <mark>, collapses
// whitespace (paragraph breaks included) and marks cut ends with "…".
func render(body string, start, end int, matches []analysis.Token) string {
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, t := range matches {
		if t.Start < pos {
			continue // overlapping tokens
		}
		b.WriteString(html.EscapeString(collapseSpace(body[pos:t.Start])))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(body[t.Start:t.End]))
		b.WriteString("</mark>")
		pos = t.End
	}
	b.WriteString(html.EscapeString(collapseSpace(body[pos:end])))
	if end < len(body) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// wordStart moves i back to the start of the word it falls in.
func wordStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsSpace(r) {
			break
		}
		i -= size
	}
	return i
}

// wordEnd moves i forward to the end of the word it falls in.
func wordEnd(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

func collapseSpace(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func (m marks) match(term string) bool {
	if m.terms[term] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(term, p) {
			return true
		}
	}
	for _, f := range m.fuzzy {
		if withinEdits(term, f.term, f.edits) {
			return true
		}
	}
	return false
}

// withinEdits reports whether a and b are at most k edits apart
// (Levenshtein distance).
func withinEdits(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}

// quickMatches finds the marked words without analysing the whole body,
// which took half of a search's time: Porter stemming changes only a
// word's ending, so a word can match only if it starts like a marked
// term or prefix. Only those candidates go through the analyzer.
func quickMatches(body string, m marks, a analysis.Analyzer) []analysis.Token {
	heads := map[string]bool{}
	short := map[string]bool{} // marked terms shorter than a head
	for t := range m.terms {
		if h, ok := head(t); ok {
			heads[h] = true
		} else {
			short[t] = true
		}
	}
	for _, p := range m.prefixes {
		if h, ok := head(p); ok {
			heads[h] = true
		} else {
			short[p] = true
		}
	}
	var matches []analysis.Token
	var lower []byte
	for i := 0; i < len(body); {
		start, end := nextWord(body, i)
		if start < 0 {
			break
		}
		i = end
		lower = appendLowerFolded(lower[:0], body[start:end])
		h, ok := head(string(lower))
		if ok && !heads[h] || !ok && len(short) == 0 {
			continue
		}
		for _, t := range a.Analyze([]byte(body[start:end])) {
			if m.match(string(t.Term)) {
				matches = append(matches, analysis.Token{Start: start, End: end, Term: t.Term})
				break
			}
		}
	}
	return matches
}

const headRunes = 3

// head is the first headRunes runes of s, if it has that many.
func head(s string) (string, bool) {
	n := 0
	for i := range s {
		if n == headRunes {
			return s[:i], true
		}
		n++
	}
	return s, n == headRunes
}

// nextWord finds the next run of letters and digits at or after i,
// apostrophes inside it included; start is -1 when there is none.
func nextWord(s string, i int) (start, end int) {
	start = -1
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			start = i
			break
		}
		i += size
	}
	if start < 0 {
		return -1, len(s)
	}
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			i += size
			continue
		}
		if r == '\'' || r == '’' || r == 'ʼ' || r == '‘' {
			if next, _ := utf8.DecodeRuneInString(s[i+size:]); unicode.IsLetter(next) {
				i += size
				continue
			}
		}
		break
	}
	return start, i
}

func appendLowerFolded(dst []byte, word string) []byte {
	for _, r := range word {
		switch r {
		case '’', '‘', 'ʼ':
			r = '\''
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}

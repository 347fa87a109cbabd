package index

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The user query language, parsed here rather than by bleve's query-string
// parser so that every construct is one we chose to allow and price:
//
//	putin sanctions          both words must match (in any text field)
//	"fire and fury"          a phrase; curly quotes work too
//	-crimea  NOT crimea      exclusion
//	putin OR medvedev        either; OR binds tighter than the implicit AND
//	(putin OR medvedev) nato grouping
//	title:kremlin author:trudolyubov site:wilson tag:sanctions section:opinion
//	title:"north korea"      a phrase in one field
//	sanct*                   prefix (at least minPrefixLen letters)
//	putn~1                   fuzzy, at most two edits
//	year:2017  year:2015..2017
//	published:2017-01-01..2017-12-31  published:>=2017-03  published:..2018
//
// Rejected with a *QueryError before anything runs: unbalanced quotes or
// parentheses, an empty field value, a dangling OR, leading or inner
// wildcards, /regexps/, fuzziness above 2, boosts, more than maxTerms
// terms, queries over MaxQueryLength bytes.

// Limits on the parsed query.
const (
	maxTerms     = 32
	maxPrefixes  = 4
	maxFuzzy     = 4
	maxDepth     = 8
	minPrefixLen = 3
	maxFuzziness = 2
	// bleve stores dates as int64 nanoseconds: years outside about
	// 1678..2262 overflow.
	minYear = 1700
	maxYear = 2200
)

// node is one element of a parsed query.
type node interface{ isNode() }

// termNode matches a word or phrase, in one field or in the default text
// fields (field == "").
type termNode struct {
	field     string
	text      string
	phrase    bool
	prefix    bool
	fuzziness int
}

// dateNode bounds the publication date: from inclusive, to exclusive; a
// zero bound is open.
type dateNode struct {
	from, to time.Time
}

type andNode struct{ children []node }
type orNode struct{ children []node }
type notNode struct{ child node }

func (termNode) isNode() {}
func (dateNode) isNode() {}
func (andNode) isNode()  {}
func (orNode) isNode()   {}
func (notNode) isNode()  {}

// queryFields maps the field names users type to what they search.
var queryFields = map[string]bool{
	"title": true, "subtitle": true, "body": true, "author": true,
	"site": true, "tag": true, "section": true, "year": true, "published": true,
}

// Characters that open and close a phrase. Pasted text often carries
// typographic quotes.
func isOpenQuote(r rune) bool  { return r == '"' || r == '“' || r == '”' || r == '„' || r == '«' }
func isCloseQuote(r rune) bool { return r == '"' || r == '“' || r == '”' || r == '»' }

func badQuery(format string, args ...any) *QueryError {
	return &QueryError{Code: "bad_query", Message: fmt.Sprintf(format, args...)}
}

func expensiveQuery(format string, args ...any) *QueryError {
	return &QueryError{Code: "expensive_query", Message: fmt.Sprintf(format, args...)}
}

// token kinds produced by the lexer.
type tokKind int

const (
	tokItem tokKind = iota // a word, phrase or field:value
	tokOr
	tokOpen
	tokClose
)

type token struct {
	kind tokKind
	neg  bool // preceded by - or NOT
	node node // for tokItem
}

// parseQuery turns user input into a query tree. A nil node means the
// query matches everything.
func parseQuery(input string) (node, error) {
	if len(input) > MaxQueryLength {
		return nil, expensiveQuery("query is %d bytes, at most %d allowed", len(input), MaxQueryLength)
	}
	if !utf8.ValidString(input) {
		return nil, badQuery("query is not valid UTF-8")
	}
	toks, err := lex(input)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.parseAnd(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, badQuery("unbalanced parenthesis: unexpected )")
	}
	if err := checkCost(n); err != nil {
		return nil, err
	}
	return n, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

// parseAnd reads a sequence of OR-groups until the end or a closing
// parenthesis.
func (p *parser) parseAnd(depth int) (node, error) {
	if depth > maxDepth {
		return nil, expensiveQuery("parentheses nested more than %d deep", maxDepth)
	}
	var children []node
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokClose {
			break
		}
		n, err := p.parseOr(depth)
		if err != nil {
			return nil, err
		}
		if n != nil {
			children = append(children, n)
		}
	}
	switch len(children) {
	case 0:
		return nil, nil
	case 1:
		return children[0], nil
	}
	return andNode{children: children}, nil
}

func (p *parser) parseOr(depth int) (node, error) {
	t, _ := p.peek()
	if t.kind == tokOr {
		return nil, badQuery("OR needs a term on its left")
	}
	first, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	children := []node{first}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tokOr {
			break
		}
		p.pos++
		next, ok := p.peek()
		if !ok || next.kind == tokOr || next.kind == tokClose {
			return nil, badQuery("OR needs a term on its right")
		}
		n, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		children = append(children, n)
	}
	if len(children) == 1 {
		return first, nil
	}
	return orNode{children: children}, nil
}

func (p *parser) parseUnary(depth int) (node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, badQuery("unexpected end of query")
	}
	p.pos++
	var n node
	switch t.kind {
	case tokItem:
		n = t.node
	case tokOpen:
		inner, err := p.parseAnd(depth + 1)
		if err != nil {
			return nil, err
		}
		c, ok := p.peek()
		if !ok || c.kind != tokClose {
			return nil, badQuery("unbalanced parenthesis: missing )")
		}
		p.pos++
		if inner == nil {
			return nil, badQuery("empty parentheses")
		}
		n = inner
	case tokClose:
		return nil, badQuery("unbalanced parenthesis: unexpected )")
	default:
		return nil, badQuery("unexpected OR")
	}
	if t.neg {
		if _, isNot := n.(notNode); isNot {
			return nil, badQuery("double negation")
		}
		return notNode{child: n}, nil
	}
	return n, nil
}

// lex splits the input into tokens.
func lex(s string) ([]token, error) {
	var toks []token
	// neg is set by a minus glued to the next term, or by the keyword NOT
	// followed by a term.
	neg, minus := false, false
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			if minus {
				neg, minus = false, false // a lone minus, as in "Russia - Ukraine", excludes nothing
			}
			i += size
			continue
		case r == '(':
			toks = append(toks, token{kind: tokOpen, neg: neg})
			neg, minus = false, false
			i += size
			continue
		case r == ')':
			neg, minus = false, false
			toks = append(toks, token{kind: tokClose})
			i += size
			continue
		case r == '-' && !neg:
			neg, minus = true, true
			i += size
			continue
		case isOpenQuote(r):
			text, n, err := readPhrase(s[i+size:])
			if err != nil {
				return nil, err
			}
			i += size + n
			toks = append(toks, token{kind: tokItem, neg: neg, node: termNode{text: text, phrase: true}})
			neg, minus = false, false
			continue
		}
		// a bare word, possibly field:value or field:"phrase"
		start := i
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) || r == '(' || r == ')' || isOpenQuote(r) && i > start {
				break
			}
			i += size
		}
		word := s[start:i]
		if field, value, ok := strings.Cut(word, ":"); ok && queryFields[strings.ToLower(field)] {
			field = strings.ToLower(field)
			if value == "" && i < len(s) {
				if r, size := utf8.DecodeRuneInString(s[i:]); isOpenQuote(r) {
					text, n, err := readPhrase(s[i+size:])
					if err != nil {
						return nil, err
					}
					i += size + n
					n2, err := fieldNode(field, text, true)
					if err != nil {
						return nil, err
					}
					toks = append(toks, token{kind: tokItem, neg: neg, node: n2})
					neg = false
					continue
				}
			}
			if value == "" {
				return nil, badQuery("%s: needs a value", field)
			}
			n, err := fieldNode(field, value, false)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokItem, neg: neg, node: n})
			neg = false
			continue
		}
		switch word {
		case "OR", "||":
			if neg {
				return nil, badQuery("cannot exclude OR")
			}
			toks = append(toks, token{kind: tokOr})
			continue
		case "AND", "&&":
			if neg {
				return nil, badQuery("cannot exclude AND")
			}
			continue // words are ANDed anyway
		case "NOT":
			if neg {
				return nil, badQuery("double negation")
			}
			neg = true
			continue
		}
		minus = false
		n, err := wordNode("", word)
		if err != nil {
			return nil, err
		}
		toks = append(toks, token{kind: tokItem, neg: neg, node: n})
		neg = false
	}
	return toks, nil
}

// readPhrase reads up to the closing quote and returns the phrase and the
// bytes consumed, closing quote included.
func readPhrase(s string) (string, int, error) {
	for i, r := range s {
		if isCloseQuote(r) {
			size := utf8.RuneLen(r)
			if rest := s[i+size:]; strings.HasPrefix(rest, "~") {
				return "", 0, badQuery("phrase proximity (\"...\"~N) is not supported")
			}
			text := strings.TrimSpace(s[:i])
			if text == "" {
				return "", 0, badQuery("empty phrase")
			}
			return text, i + size, nil
		}
	}
	return "", 0, badQuery("unbalanced quote: a phrase is not closed")
}

// wordNode checks one bare word and decides whether it is a plain term, a
// prefix or a fuzzy term.
func wordNode(field, word string) (node, error) {
	if len(word) > 2 && strings.HasPrefix(word, "/") && strings.HasSuffix(word, "/") {
		return nil, expensiveQuery("regular expressions are not supported")
	}
	if strings.ContainsRune(word, '^') {
		return nil, badQuery("boosts (^) are not supported")
	}
	n := termNode{field: field, text: word}
	if i := strings.IndexByte(word, '~'); i >= 0 {
		fz := word[i+1:]
		n.text = word[:i]
		n.fuzziness = 1
		if fz != "" {
			v, err := strconv.Atoi(fz)
			if err != nil || v < 0 {
				return nil, badQuery("fuzziness in %q must be 0, 1 or 2", word)
			}
			if v > maxFuzziness {
				return nil, expensiveQuery("fuzziness %d in %q: at most %d", v, word, maxFuzziness)
			}
			n.fuzziness = v
		}
		if n.text == "" {
			return nil, badQuery("~ needs a word before it")
		}
	}
	if strings.HasPrefix(n.text, "*") {
		return nil, expensiveQuery("leading wildcards (%q) are not supported", word)
	}
	if strings.HasSuffix(n.text, "*") {
		n.text = strings.TrimRight(n.text, "*")
		n.prefix = true
		if n.fuzziness > 0 {
			return nil, badQuery("a word cannot be both a prefix and fuzzy: %q", word)
		}
		if utf8.RuneCountInString(n.text) < minPrefixLen {
			return nil, expensiveQuery("a prefix needs at least %d letters: %q", minPrefixLen, word)
		}
	}
	if strings.Contains(n.text, "*") {
		return nil, badQuery("wildcards are only allowed at the end of a word: %q", word)
	}
	if n.fuzziness > 0 && utf8.RuneCountInString(n.text) <= n.fuzziness {
		return nil, badQuery("word %q too short for fuzziness %d", n.text, n.fuzziness)
	}
	return n, nil
}

// fieldNode builds the node for field:value.
func fieldNode(field, value string, quoted bool) (node, error) {
	switch field {
	case "year":
		return yearNode(value)
	case "published":
		return publishedNode(value)
	}
	if quoted {
		return termNode{field: field, text: value, phrase: true}, nil
	}
	return wordNode(field, value)
}

func yearNode(value string) (node, error) {
	lo, hi, isRange := strings.Cut(value, "..")
	parseYear := func(s string) (int, error) {
		y, err := strconv.Atoi(s)
		if err != nil || len(s) != 4 || y < minYear || y > maxYear {
			return 0, &QueryError{Code: "bad_date", Message: fmt.Sprintf("year:%s: want a four-digit year such as year:2017 or year:2015..2017", value)}
		}
		return y, nil
	}
	if !isRange {
		y, err := parseYear(lo)
		if err != nil {
			return nil, err
		}
		return dateNode{from: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), to: time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
	}
	var n dateNode
	if lo != "" {
		y, err := parseYear(lo)
		if err != nil {
			return nil, err
		}
		n.from = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if hi != "" {
		y, err := parseYear(hi)
		if err != nil {
			return nil, err
		}
		n.to = time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return checkDateRange(value, n)
}

// publishedNode parses a date, a range lo..hi, or a bound >=d, >d, <=d, <d,
// where each date is YYYY, YYYY-MM or YYYY-MM-DD and covers that period.
func publishedNode(value string) (node, error) {
	var n dateNode
	switch {
	case strings.HasPrefix(value, ">="):
		from, _, err := parsePeriod(value[2:])
		n.from = from
		return n, err
	case strings.HasPrefix(value, "<="):
		_, to, err := parsePeriod(value[2:])
		n.to = to
		return n, err
	case strings.HasPrefix(value, ">"):
		_, to, err := parsePeriod(value[1:])
		n.from = to
		return n, err
	case strings.HasPrefix(value, "<"):
		from, _, err := parsePeriod(value[1:])
		n.to = from
		return n, err
	}
	lo, hi, isRange := strings.Cut(value, "..")
	if !isRange {
		from, to, err := parsePeriod(value)
		return dateNode{from: from, to: to}, err
	}
	if lo == "" && hi == "" {
		return nil, &QueryError{Code: "bad_date", Message: "published:.. needs at least one date"}
	}
	if lo != "" {
		from, _, err := parsePeriod(lo)
		if err != nil {
			return nil, err
		}
		n.from = from
	}
	if hi != "" {
		_, to, err := parsePeriod(hi)
		if err != nil {
			return nil, err
		}
		n.to = to
	}
	return checkDateRange(value, n)
}

func checkDateRange(value string, n dateNode) (node, error) {
	if !n.from.IsZero() && !n.to.IsZero() && !n.from.Before(n.to) {
		return nil, &QueryError{Code: "bad_date", Message: fmt.Sprintf("%s: the range ends before it starts", value)}
	}
	return n, nil
}

// parsePeriod returns the start of the period a date names and the start
// of the next one.
func parsePeriod(s string) (from, to time.Time, err error) {
	for _, layout := range []struct {
		format string
		next   func(time.Time) time.Time
	}{
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	} {
		if len(s) != len(layout.format) {
			continue
		}
		t, perr := time.Parse(layout.format, s)
		if perr == nil && t.Year() >= minYear && t.Year() <= maxYear {
			return t, layout.next(t), nil
		}
	}
	return time.Time{}, time.Time{}, &QueryError{Code: "bad_date", Message: fmt.Sprintf("%q is not a date: use YYYY, YYYY-MM or YYYY-MM-DD", s)}
}

// checkCost enforces limits on the number and kind of terms.
func checkCost(n node) error {
	var terms, prefixes, fuzzy int
	var walk func(node)
	walk = func(n node) {
		switch n := n.(type) {
		case termNode:
			terms++
			if n.phrase {
				terms += strings.Count(n.text, " ")
			}
			if n.prefix {
				prefixes++
			}
			if n.fuzziness > 0 {
				fuzzy++
			}
		case dateNode:
			terms++
		case andNode:
			for _, c := range n.children {
				walk(c)
			}
		case orNode:
			for _, c := range n.children {
				walk(c)
			}
		case notNode:
			walk(n.child)
		}
	}
	if n != nil {
		walk(n)
	}
	switch {
	case terms > maxTerms:
		return expensiveQuery("query has %d terms, at most %d allowed", terms, maxTerms)
	case prefixes > maxPrefixes:
		return expensiveQuery("query has %d prefix terms, at most %d allowed", prefixes, maxPrefixes)
	case fuzzy > maxFuzzy:
		return expensiveQuery("query has %d fuzzy terms, at most %d allowed", fuzzy, maxFuzzy)
	}
	return nil
}

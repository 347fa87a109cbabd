package index

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	porterstemmer "github.com/blevesearch/go-porterstemmer"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"
)

// boostedField is a text field searched for unqualified words, with its
// weight: a word in the title says more about an op-ed than one in the
// body.
type boostedField struct {
	name     string
	boost    float64
	analyzer string
}

var defaultFields = []boostedField{
	{fieldText, 1, analyzerText},
	{fieldTitle, 2, analyzerText}, // on top of the title's share of text
}

// userFields maps field:value names to the index fields they search.
var userFields = map[string]boostedField{
	"title":    {fieldTitle, 1, analyzerText},
	"subtitle": {fieldSubtitle, 1, analyzerText},
	"body":     {fieldText, 1, analyzerText}, // the body is most of the text
	"author":   {fieldAuthorText, 1, analyzerName},
	"tag":      {fieldTagText, 1, analyzerText},
	"site":     {fieldSiteText, 1, analyzerText},
	"section":  {fieldSectionText, 1, analyzerText},
}

// highlightFields are the fields whose matches a body snippet shows.
var highlightFields = map[string]bool{"": true, "title": true, "subtitle": true, "body": true}

// analyzers resolves the mapping's analyzers by name.
type analyzers interface {
	AnalyzerNamed(name string) analysis.Analyzer
}

// compiled is a user query ready to run, plus what its snippets mark.
type compiled struct {
	query query.Query // nil: match everything
	marks marks
}

// marks are the body terms a snippet highlights: analysed terms, prefixes
// and fuzzy terms.
type marks struct {
	terms    map[string]bool
	prefixes []string
	fuzzy    []fuzzyMark
}

type fuzzyMark struct {
	term  string
	edits int
}

type compiler struct {
	an    analyzers
	marks marks
}

func compileQuery(n node, an analyzers) (compiled, error) {
	c := &compiler{an: an, marks: marks{terms: map[string]bool{}}}
	q, err := c.compile(n, true)
	if err != nil {
		return compiled{}, err
	}
	return compiled{query: q, marks: c.marks}, nil
}

func (c *compiler) analyze(analyzer, text string) []string {
	a := c.an.AnalyzerNamed(analyzer)
	if a == nil {
		return nil
	}
	toks := a.Analyze([]byte(text))
	terms := make([]string, 0, len(toks))
	for _, t := range toks {
		terms = append(terms, string(t.Term))
	}
	return terms
}

// compile returns nil for a node that constrains nothing, such as a word
// made only of stop words or punctuation. positive is false under a
// negation, where matches are not highlighted.
func (c *compiler) compile(n node, positive bool) (query.Query, error) {
	switch n := n.(type) {
	case nil:
		return nil, nil
	case termNode:
		return c.term(n, positive)
	case dateNode:
		return dateRange(n.from, n.to), nil
	case notNode:
		child, err := c.compile(n.child, !positive)
		if err != nil || child == nil {
			return nil, err
		}
		b := bleve.NewBooleanQuery()
		b.AddMust(bleve.NewMatchAllQuery())
		b.AddMustNot(child)
		return b, nil
	case orNode:
		var qs []query.Query
		for _, child := range n.children {
			q, err := c.compile(child, positive)
			if err != nil {
				return nil, err
			}
			if q != nil {
				qs = append(qs, q)
			}
		}
		switch len(qs) {
		case 0:
			return nil, nil
		case 1:
			return qs[0], nil
		}
		return bleve.NewDisjunctionQuery(qs...), nil
	case andNode:
		var must, mustNot []query.Query
		for _, child := range n.children {
			if not, ok := child.(notNode); ok {
				q, err := c.compile(not.child, !positive)
				if err != nil {
					return nil, err
				}
				if q != nil {
					mustNot = append(mustNot, q)
				}
				continue
			}
			q, err := c.compile(child, positive)
			if err != nil {
				return nil, err
			}
			if q != nil {
				must = append(must, q)
			}
		}
		if len(mustNot) == 0 {
			switch len(must) {
			case 0:
				return nil, nil
			case 1:
				return must[0], nil
			}
			return bleve.NewConjunctionQuery(must...), nil
		}
		b := bleve.NewBooleanQuery()
		if len(must) == 0 {
			must = append(must, bleve.NewMatchAllQuery())
		}
		b.AddMust(must...)
		b.AddMustNot(mustNot...)
		return b, nil
	}
	return nil, badQuery("unsupported query element")
}

func (c *compiler) term(n termNode, positive bool) (query.Query, error) {
	fields := defaultFields
	if n.field != "" {
		f, ok := userFields[n.field]
		if !ok {
			return nil, badQuery("unknown field %s:", n.field)
		}
		fields = []boostedField{f}
	}
	highlight := positive && highlightFields[n.field]

	var qs []query.Query
	switch {
	case n.prefix:
		for _, f := range fields {
			p := normalizePrefix(n.text, f.analyzer == analyzerText)
			if p == "" {
				continue
			}
			q := bleve.NewPrefixQuery(p)
			q.SetField(f.name)
			q.SetBoost(f.boost)
			qs = append(qs, q)
		}
		if highlight {
			if p := normalizePrefix(n.text, true); p != "" {
				c.marks.prefixes = append(c.marks.prefixes, p)
			}
		}
	case n.fuzziness > 0:
		for _, f := range fields {
			terms := c.analyze(f.analyzer, n.text)
			if len(terms) == 0 {
				continue
			}
			if len(terms) > 1 {
				return nil, badQuery("a fuzzy term must be a single word: %q", n.text)
			}
			q := bleve.NewFuzzyQuery(terms[0])
			q.SetFuzziness(n.fuzziness)
			q.SetField(f.name)
			q.SetBoost(f.boost)
			qs = append(qs, q)
		}
		if highlight {
			for _, t := range c.analyze(analyzerText, n.text) {
				c.marks.fuzzy = append(c.marks.fuzzy, fuzzyMark{term: t, edits: n.fuzziness})
			}
		}
	default:
		proseTerms := c.analyze(analyzerText, n.text)
		if n.field == "" && len(proseTerms) == 0 {
			// Only stop words ("and", "the") or punctuation: drop the word
			// everywhere, or a field without stop words (author names)
			// would make it required.
			return nil, nil
		}
		phrase := n.phrase && len(proseTerms) > 1
		for _, f := range fields {
			if len(c.analyze(f.analyzer, n.text)) == 0 {
				// only stop words or punctuation for this field: a match
				// query would match nothing and sink the conjunction
				continue
			}
			var q query.Query
			if phrase {
				pq := bleve.NewMatchPhraseQuery(n.text)
				pq.SetField(f.name)
				pq.SetBoost(f.boost)
				q = pq
			} else {
				mq := bleve.NewMatchQuery(n.text)
				mq.SetField(f.name)
				mq.SetBoost(f.boost)
				mq.SetOperator(query.MatchQueryOperatorAnd)
				q = mq
			}
			qs = append(qs, q)
		}
		if highlight {
			for _, t := range proseTerms {
				c.marks.terms[t] = true
			}
		}
	}
	switch len(qs) {
	case 0:
		return nil, nil
	case 1:
		return qs[0], nil
	}
	return bleve.NewDisjunctionQuery(qs...), nil
}

// normalizePrefix prepares a prefix for matching indexed terms, which are
// lower-cased, apostrophe-folded and, in prose fields, Porter-stemmed. A
// stem can cut a word short ("sanctions" is indexed as "sanction"), so for
// stemmed fields the prefix is cut back to what the word and its stem
// share.
func normalizePrefix(text string, stemmed bool) string {
	p := strings.ToLower(string(foldApostrophes([]byte(text))))
	p = strings.TrimFunc(p, func(r rune) bool { return !isWordRune(r) })
	if !stemmed || p == "" {
		return p
	}
	stem := porterStem(p)
	n := 0
	for n < len(p) && n < len(stem) && p[n] == stem[n] {
		n++
	}
	for n > 0 && n < len(p) && !utf8.RuneStart(p[n]) {
		n-- // never cut inside a multi-byte rune
	}
	if utf8.RuneCountInString(p[:n]) < minPrefixLen {
		return p
	}
	return p[:n]
}

func porterStem(s string) string {
	return string(porterstemmer.StemWithoutLowerCasing([]rune(s)))
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\''
}

// dateRange matches publication dates in [from, to); a zero bound is open.
func dateRange(from, to time.Time) query.Query {
	inclusive, exclusive := true, false
	q := bleve.NewDateRangeInclusiveQuery(from, to, &inclusive, &exclusive)
	q.SetField(fieldPublished)
	return q
}

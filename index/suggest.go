package index

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// MaxSuggestions bounds Suggest's n.
const MaxSuggestions = 20

// Suggest returns up to n completions for what the user is typing: authors
// whose name has a word starting with the prefix (most prolific first),
// then titles that contain the typed words, the last one as a prefix.
func (ix *Index) Suggest(ctx context.Context, prefix string, n int) ([]Suggestion, error) {
	ctx, cancel := withSearchTimeout(ctx)
	defer cancel()
	prefix = strings.TrimSpace(prefix)
	if len(prefix) > MaxQueryLength {
		return nil, expensiveQuery("prefix is %d bytes, at most %d allowed", len(prefix), MaxQueryLength)
	}
	if !utf8.ValidString(prefix) {
		return nil, badQuery("prefix is not valid UTF-8")
	}
	if n <= 0 || prefix == "" {
		return []Suggestion{}, nil
	}
	n = min(n, MaxSuggestions)
	bi, release, err := ix.acquire()
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	defer release()

	authors, err := ix.authors.get(bi)
	if err != nil {
		return nil, fmt.Errorf("suggest %q: %w", prefix, err)
	}
	out := []Suggestion{}
	lower := strings.ToLower(string(foldApostrophes([]byte(prefix))))
	for _, a := range authors {
		if len(out) >= (n+1)/2 {
			break
		}
		if a.matches(lower) {
			out = append(out, Suggestion{Kind: "author", Text: a.name, Count: a.count})
		}
	}

	q := titlePrefixQuery(prefix, bi.Mapping())
	if q == nil {
		return out, nil
	}
	sr := bleve.NewSearchRequestOptions(q, n-len(out), 0, false)
	sr.Fields = []string{fieldTitle}
	res, err := bi.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("suggest %q: %w", prefix, err)
	}
	for _, h := range res.Hits {
		title, _ := h.Fields[fieldTitle].(string)
		out = append(out, Suggestion{Kind: "title", Text: title, ID: h.ID})
	}
	return out, nil
}

// titlePrefixQuery matches titles containing every typed word, the last
// one as a prefix since the user is still typing it.
func titlePrefixQuery(text string, an analyzers) query.Query {
	words := strings.Fields(text)
	if len(words) > maxTerms {
		words = words[len(words)-maxTerms:]
	}
	c := &compiler{an: an}
	var qs []query.Query
	for i, w := range words {
		if i == len(words)-1 {
			if p := normalizePrefix(w, true); utf8.RuneCountInString(p) >= 2 {
				pq := bleve.NewPrefixQuery(p)
				pq.SetField(fieldTitle)
				qs = append(qs, pq)
				continue
			}
		}
		if len(c.analyze(analyzerText, w)) == 0 {
			continue // a stop word would match nothing
		}
		mq := bleve.NewMatchQuery(w)
		mq.SetField(fieldTitle)
		mq.SetOperator(query.MatchQueryOperatorAnd)
		qs = append(qs, mq)
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

// authorCache holds the author facet's values with their article counts,
// read once per index state: there are a few thousand, and scanning them
// in memory is faster than any query.
type authorCache struct {
	mu      sync.Mutex
	seq     int64
	loaded  bool
	authors []authorEntry
}

type authorEntry struct {
	name  string
	words []string // lower-cased, apostrophe-folded
	count int
}

func (a authorEntry) matches(prefix string) bool {
	if strings.HasPrefix(strings.Join(a.words, " "), prefix) {
		return true
	}
	for _, w := range a.words {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}

func (c *authorCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loaded = false
	c.authors = nil
}

func (c *authorCache) get(bi bleve.Index) ([]authorEntry, error) {
	seq, err := readSeq(bi)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && c.seq == seq {
		return c.authors, nil
	}
	prefix := facetTerm("author", "")
	dict, err := bi.FieldDictPrefix(fieldFacets, []byte(prefix))
	if err != nil {
		return nil, fmt.Errorf("read authors: %w", err)
	}
	defer dict.Close()
	var authors []authorEntry
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, fmt.Errorf("read authors: %w", err)
		}
		if e == nil {
			break
		}
		name := strings.TrimPrefix(e.Term, prefix)
		words := strings.Fields(strings.ToLower(string(foldApostrophes([]byte(name)))))
		authors = append(authors, authorEntry{name: name, words: words, count: int(e.Count)})
	}
	sort.SliceStable(authors, func(i, j int) bool {
		if authors[i].count != authors[j].count {
			return authors[i].count > authors[j].count
		}
		return authors[i].name < authors[j].name
	})
	c.authors, c.seq, c.loaded = authors, seq, true
	return authors, nil
}

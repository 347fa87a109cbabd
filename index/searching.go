package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// facetSizes bounds how many values each facet lists.
var facetSizes = map[string]int{
	"site": 10, "section": 20, "author": 20, "tag": 20, "year": 60, "original_publisher": 10,
}

// maxSelected bounds the values one facet filter may select.
const maxSelected = 50

// storedFields are read back for every hit.
var storedFields = []string{
	fieldURL, fieldTitle, fieldSubtitle, fieldAuthor, fieldPublished, fieldSite,
	fieldSection, fieldTag, fieldPublisher, fieldEditions, fieldBody,
}

// Sort orders.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
	SortOldest    = "oldest"
)

// sortOrders always end in the document ID, so that the order is total
// and a cursor never skips or repeats a hit among equal keys.
var sortOrders = map[string][]string{
	SortRelevance: {"-_score", fieldKey},
	SortNewest:    {"-" + fieldNewest},
	SortOldest:    {fieldOldest},
}

// normalized is a Request checked and with defaults filled in.
type normalized struct {
	Request
	sort string
	from int
}

func normalize(req Request) (normalized, error) {
	n := normalized{Request: req}
	switch {
	case req.Size < 0:
		return n, &QueryError{Code: "bad_size", Message: fmt.Sprintf("size %d: must be positive", req.Size)}
	case req.Size == 0:
		n.Size = DefaultSize
	case req.Size > MaxSize:
		return n, &QueryError{Code: "bad_size", Message: fmt.Sprintf("size %d: at most %d", req.Size, MaxSize)}
	}
	switch {
	case req.Page < 0:
		return n, &QueryError{Code: "bad_page", Message: fmt.Sprintf("page %d: pages start at 1", req.Page)}
	case req.Page == 0:
		n.Page = 1
	}
	if req.Page > MaxFromOffset { // guards the multiplication below
		return n, &QueryError{Code: "bad_page", Message: fmt.Sprintf("page %d is too deep: use the cursor", req.Page)}
	}
	n.from = (n.Page - 1) * n.Size
	if n.from+n.Size > MaxFromOffset {
		return n, &QueryError{Code: "bad_page", Message: fmt.Sprintf("page %d of size %d goes past result %d: use the cursor (next_cursor) for deep pages", n.Page, n.Size, MaxFromOffset)}
	}
	n.sort = strings.ToLower(strings.TrimSpace(req.Sort))
	if n.sort == "" {
		n.sort = SortRelevance
	}
	if _, ok := sortOrders[n.sort]; !ok {
		return n, &QueryError{Code: "bad_sort", Message: fmt.Sprintf("sort %q: want relevance, newest or oldest", req.Sort)}
	}
	if !req.From.IsZero() && !req.To.IsZero() && req.To.Before(req.From) {
		return n, &QueryError{Code: "bad_date", Message: "the date range ends before it starts"}
	}
	for _, t := range []time.Time{req.From, req.To} {
		if !t.IsZero() && (t.Year() < minYear || t.Year() > maxYear) {
			return n, &QueryError{Code: "bad_date", Message: fmt.Sprintf("date %s is out of range", t.Format("2006-01-02"))}
		}
	}
	filters := map[string][]string{}
	for name, values := range req.Filters {
		if _, ok := facetSizes[name]; !ok {
			return n, &QueryError{Code: "bad_filter", Message: fmt.Sprintf("unknown facet %q", name)}
		}
		seen := map[string]bool{}
		var kept []string
		for _, v := range values {
			v = strings.TrimSpace(v)
			if v == "" || seen[v] {
				continue
			}
			seen[v] = true
			kept = append(kept, v)
		}
		if len(kept) > maxSelected {
			return n, &QueryError{Code: "bad_filter", Message: fmt.Sprintf("facet %q: at most %d values", name, maxSelected)}
		}
		if len(kept) > 0 {
			filters[name] = kept
		}
	}
	n.Filters = filters
	return n, nil
}

// cursor is the opaque paging state in Response.NextCursor.
type cursor struct {
	Sort   string   `json:"s"`
	Query  string   `json:"q"`
	Keys   []string `json:"k"`
	Offset int      `json:"o"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // strings and ints only
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || len(c.Keys) != len(sortOrders[c.Sort]) || c.Offset < 0 {
		return c, &QueryError{Code: "bad_cursor", Message: "the cursor is not valid; start again from the first page"}
	}
	return c, nil
}

// Search runs one search under SearchTimeout (or the caller's earlier
// deadline).
func (ix *Index) Search(ctx context.Context, req Request) (*Response, error) {
	start := time.Now()
	ctx, cancel := withSearchTimeout(ctx)
	defer cancel()

	bi := ix.index()
	if bi == nil {
		return nil, errors.New("search: index is closed")
	}
	n, err := normalize(req)
	if err != nil {
		return nil, err
	}
	parsed, err := parseQuery(req.Query)
	if err != nil {
		return nil, err
	}
	comp, err := compileQuery(parsed, bi.Mapping())
	if err != nil {
		return nil, err
	}
	sortName := n.sort
	if comp.query == nil && sortName == SortRelevance {
		sortName = SortNewest // browsing: nothing to rank by
	}

	// base is everything but the facet filters; each facet with a
	// selection is counted against base plus the OTHER facets' filters.
	var base []query.Query
	if comp.query != nil {
		base = append(base, comp.query)
	}
	if !n.From.IsZero() || !n.To.IsZero() {
		var to time.Time
		if !n.To.IsZero() {
			to = truncateDay(n.To).AddDate(0, 0, 1) // To is inclusive by day
		}
		base = append(base, dateRange(truncateDay(n.From), to))
	}
	filters := map[string]query.Query{}
	for name, values := range n.Filters {
		filters[name] = facetFilter(name, values)
	}

	sr := bleve.NewSearchRequestOptions(conjunction(base, filters, ""), n.Size, n.from, false)
	sr.Fields = storedFields
	sr.SortBy(sortOrders[sortName])
	offset := n.from
	if n.After != "" {
		c, err := decodeCursor(n.After)
		if err != nil {
			return nil, err
		}
		if c.Sort != sortName || c.Query != req.Query {
			return nil, &QueryError{Code: "bad_cursor", Message: "the cursor belongs to another search"}
		}
		sr.From = 0
		sr.SearchAfter = c.Keys
		offset = c.Offset
	}

	// The facet counts run concurrently with the main search: one pass
	// over the whole filtered query for the facets without a selection,
	// and one per selected facet, leaving out that facet's own filter.
	type facetResult struct {
		name   string // "" for the pass shared by unselected facets
		counts facetCounts
		err    error
	}
	var wg sync.WaitGroup
	var facetResults []facetResult
	var mu sync.Mutex
	countFacets := func(name string, q query.Query) {
		defer wg.Done()
		fc, err := ix.facets.count(ctx, bi, q)
		mu.Lock()
		facetResults = append(facetResults, facetResult{name: name, counts: fc, err: err})
		mu.Unlock()
	}
	if !n.NoFacets {
		if len(filters) < len(FacetNames) {
			wg.Add(1)
			go countFacets("", conjunction(base, filters, ""))
		}
		for name := range filters {
			wg.Add(1)
			go countFacets(name, conjunction(base, filters, name))
		}
	}
	res, err := bi.SearchInContext(ctx, sr)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	for _, r := range facetResults {
		if r.err != nil {
			return nil, fmt.Errorf("search %q: %w", req.Query, r.err)
		}
	}

	resp := &Response{
		Query:  req.Query,
		Total:  res.Total,
		Page:   n.Page,
		Size:   n.Size,
		Sort:   sortName,
		Hits:   make([]Hit, 0, len(res.Hits)),
		Facets: map[string][]FacetValue{},
	}
	if n.After != "" {
		resp.Page = offset/n.Size + 1
	}
	an := bi.Mapping()
	for _, h := range res.Hits {
		resp.Hits = append(resp.Hits, hitFrom(h, comp.marks, an))
	}
	if len(res.Hits) == n.Size && uint64(offset+len(res.Hits)) < res.Total {
		last := res.Hits[len(res.Hits)-1]
		resp.NextCursor = encodeCursor(cursor{
			Sort: sortName, Query: req.Query, Keys: cursorKeys(last), Offset: offset + len(res.Hits),
		})
	}
	for _, r := range facetResults {
		if r.name != "" {
			resp.Facets[r.name] = r.counts.top(r.name, facetSizes[r.name], n.Filters[r.name])
			continue
		}
		for _, name := range FacetNames {
			if _, selected := filters[name]; !selected {
				resp.Facets[name] = r.counts.top(name, facetSizes[name], nil)
			}
		}
	}
	resp.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return resp, nil
}

// sortFacet orders values by count, except years, which read best in
// order, newest first.
func sortFacet(name string, values []FacetValue) {
	sort.SliceStable(values, func(i, j int) bool {
		if name == "year" {
			return values[i].Value > values[j].Value
		}
		if values[i].Count != values[j].Count {
			return values[i].Count > values[j].Count
		}
		return values[i].Value < values[j].Value
	})
}

// facetFilter matches any of values of one facet.
func facetFilter(name string, values []string) query.Query {
	qs := make([]query.Query, 0, len(values))
	for _, v := range values {
		t := bleve.NewTermQuery(facetTerm(name, v))
		t.SetField(fieldFacets)
		qs = append(qs, t)
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// conjunction ANDs the base queries with every facet filter except the
// one named skip.
func conjunction(base []query.Query, filters map[string]query.Query, skip string) query.Query {
	qs := append([]query.Query{}, base...)
	for _, name := range FacetNames {
		if f, ok := filters[name]; ok && name != skip {
			qs = append(qs, f)
		}
	}
	switch len(qs) {
	case 0:
		return bleve.NewMatchAllQuery()
	case 1:
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

func truncateDay(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// cursorKeys are the sort values SearchAfter resumes from. bleve reports
// the score key as the literal "_score", so the score itself goes in.
func cursorKeys(h *search.DocumentMatch) []string {
	keys := append([]string{}, h.Sort...)
	for i, k := range keys {
		if k == "_score" {
			keys[i] = strconv.FormatFloat(h.Score, 'g', -1, 64)
		}
	}
	return keys
}

func hitFrom(h *search.DocumentMatch, m marks, an analyzers) Hit {
	str := func(name string) string {
		s, _ := h.Fields[name].(string)
		return s
	}
	strs := func(name string) []string {
		switch v := h.Fields[name].(type) {
		case string:
			return []string{v}
		case []any:
			out := make([]string, 0, len(v))
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
			return out
		}
		return []string{}
	}
	hit := Hit{
		ID:                h.ID,
		URL:               str(fieldURL),
		Title:             str(fieldTitle),
		Subtitle:          str(fieldSubtitle),
		Authors:           strs(fieldAuthor),
		Site:              str(fieldSite),
		Section:           str(fieldSection),
		Tags:              strs(fieldTag),
		Score:             h.Score,
		OriginalPublisher: str(fieldPublisher),
	}
	if e := strs(fieldEditions); len(e) > 0 {
		hit.Editions = e
	}
	if p := str(fieldPublished); p != "" {
		if t, err := time.Parse(time.RFC3339, p); err == nil {
			hit.Published = t.UTC()
		}
	}
	hit.Snippet = snippet(str(fieldBody), m, an.AnalyzerNamed(analyzerText))
	return hit
}

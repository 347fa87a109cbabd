package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
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

// sortNames are the sort orders a request may ask for.
var sortNames = map[string]bool{SortRelevance: true, SortNewest: true, SortOldest: true}

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
	if !sortNames[n.sort] {
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

// cursor is the opaque paging state in Response.NextCursor: the last
// hit's position in the sort order, and how many hits came before.
type cursor struct {
	Sort   string   `json:"s"`
	Query  string   `json:"q"`
	After  position `json:"a"`
	Offset int      `json:"o"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // strings, numbers and bools only
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || !sortNames[c.Sort] || c.Offset < 0 || c.After.ID == "" {
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

	bi, release, err := ix.acquire()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer release()
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
	// selection is counted against base plus the OTHER facets' filters,
	// so that the user can widen a selection.
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

	main := collectRequest{
		query:  conjunction(base, filters, ""),
		sort:   sortName,
		keep:   n.from + n.Size,
		facets: !n.NoFacets && len(filters) < len(FacetNames),
	}
	offset := n.from
	if n.After != "" {
		c, err := decodeCursor(n.After)
		if err != nil {
			return nil, err
		}
		if c.Sort != sortName || c.Query != req.Query {
			return nil, &QueryError{Code: "bad_cursor", Message: "the cursor belongs to another search"}
		}
		main.after, main.keep, offset = &c.After, n.Size, c.Offset
	}

	// One pass per selected facet runs beside the main pass.
	type facetPass struct {
		name   string
		result *collected
		err    error
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var passes []facetPass
	if !n.NoFacets {
		for name := range filters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := ix.tables.collect(ctx, bi, collectRequest{query: conjunction(base, filters, name), facets: true})
				mu.Lock()
				passes = append(passes, facetPass{name: name, result: res, err: err})
				mu.Unlock()
			}()
		}
	}
	res, err := ix.tables.collect(ctx, bi, main)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	for _, p := range passes {
		if p.err != nil {
			return nil, fmt.Errorf("search %q: count facet %s: %w", req.Query, p.name, p.err)
		}
	}

	page := res.best
	if main.after == nil {
		page = page[min(n.from, len(page)):]
	}
	hits, err := ix.hydrate(ctx, bi, page, comp.marks)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	hits = collapseEditions(hits)
	resp := &Response{
		Query:  req.Query,
		Total:  res.total,
		Page:   offset/n.Size + 1,
		Size:   n.Size,
		Sort:   sortName,
		Hits:   hits,
		Facets: map[string][]FacetValue{},
	}
	if len(page) == n.Size && uint64(offset+len(page)) < res.total {
		resp.NextCursor = encodeCursor(cursor{Sort: sortName, Query: req.Query, After: page[len(page)-1], Offset: offset + len(page)})
	}
	if !n.NoFacets {
		for _, name := range FacetNames {
			if _, selected := filters[name]; !selected {
				resp.Facets[name] = res.top(name, facetSizes[name], nil)
			}
		}
		for _, p := range passes {
			resp.Facets[p.name] = p.result.top(p.name, facetSizes[p.name], n.Filters[p.name])
		}
	}
	resp.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return resp, nil
}

// collapseEditions shows a syndicated story once per page: a hit whose
// partner (original or reprint) ranks higher on the same page is dropped,
// and the partner's Editions names it. Total still counts documents.
func collapseEditions(hits []Hit) []Hit {
	shown := map[string]bool{}
	kept := hits[:0]
	for _, h := range hits {
		if shown[h.ID] {
			continue
		}
		shown[h.ID] = true
		for _, e := range h.Editions {
			shown[e] = true
		}
		kept = append(kept, h)
	}
	return kept
}

// hydrate reads the stored fields of a page of hits, in page order.
func (ix *Index) hydrate(ctx context.Context, bi bleve.Index, page []position, m marks) ([]Hit, error) {
	hits := make([]Hit, 0, len(page))
	if len(page) == 0 {
		return hits, nil
	}
	ids := make([]string, len(page))
	for i, p := range page {
		ids[i] = p.ID
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = storedFields
	sr.Score = "none"
	res, err := bi.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("read hits: %w", err)
	}
	byID := make(map[string]*search.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		byID[h.ID] = h
	}
	an := bi.Mapping().AnalyzerNamed(analyzerText)
	for _, p := range page {
		h, ok := byID[p.ID]
		if !ok {
			continue // deleted since the pass: the index is being updated
		}
		hit := hitFrom(h, m, an)
		hit.Score = p.Score
		hits = append(hits, hit)
	}
	return hits, nil
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

func hitFrom(h *search.DocumentMatch, m marks, an analysis.Analyzer) Hit {
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
	hit.Snippet = snippet(str(fieldBody), m, an)
	return hit
}

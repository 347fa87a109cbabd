package index

import (
	"container/heap"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Searches are collected here rather than by bleve's collector, in one
// pass over the matches that ranks, counts and counts facets together.
// bleve's facet requests decode every hit's doc values into string-keyed
// maps, about a microsecond per hit (40 ms for a word in 40,000
// articles), and its sort keys are doc values decoded per hit too.
// Segments are immutable, so each segment's facet values, IDs and dates
// are decoded once into tables and kept; a hit then costs an array
// increment per facet value and a heap comparison.

// tableCache holds the tables of the segments of the current snapshot.
type tableCache struct {
	mu     sync.Mutex
	ids    map[string]uint32 // facet term → value ID
	terms  []facetValueInfo  // by value ID
	tables map[segment.Segment]*segmentTable
}

type facetValueInfo struct {
	facet string
	value string
}

// segmentTable describes a segment's documents by local number n: their
// facet value IDs facetIDs[start[n]:start[n+1]] and docs[n].
type segmentTable struct {
	start    []uint32
	facetIDs []uint32
	docs     []docInfo
}

type docInfo struct {
	id        string
	published int64 // Unix nanoseconds
	dated     bool
}

func (c *tableCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids, c.terms, c.tables = nil, nil, nil
}

// prepare returns the tables of the given segments, decoding those not
// seen before, and drops the tables of segments merged away.
func (c *tableCache) prepare(segs []*scorch.SegmentSnapshot) ([]*segmentTable, []facetValueInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables == nil {
		c.tables = map[segment.Segment]*segmentTable{}
		c.ids = map[string]uint32{}
	}
	live := map[segment.Segment]bool{}
	tables := make([]*segmentTable, len(segs))
	for i, s := range segs {
		seg := s.Segment()
		live[seg] = true
		t, ok := c.tables[seg]
		if !ok {
			var err error
			if t, err = c.decode(seg); err != nil {
				return nil, nil, err
			}
			c.tables[seg] = t
		}
		tables[i] = t
	}
	for seg := range c.tables {
		if !live[seg] {
			delete(c.tables, seg)
		}
	}
	return tables, c.terms, nil
}

// decode reads one segment's doc values. Called with c.mu held.
func (c *tableCache) decode(seg segment.Segment) (*segmentTable, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("read segment: %T has no doc values", seg)
	}
	n := seg.Count()
	t := &segmentTable{start: make([]uint32, 0, n+1), docs: make([]docInfo, n)}
	fields := []string{fieldFacets, fieldKey, fieldPublished}
	var cur *docInfo
	visit := func(field string, term []byte) {
		switch field {
		case fieldFacets:
			id, ok := c.ids[string(term)]
			if !ok {
				name, value, _ := strings.Cut(string(term), facetSep)
				id = uint32(len(c.terms))
				c.ids[string(term)] = id
				c.terms = append(c.terms, facetValueInfo{facet: name, value: value})
			}
			t.facetIDs = append(t.facetIDs, id)
		case fieldKey:
			cur.id = string(term)
		case fieldPublished:
			// dates are indexed at several precisions; shift 0 is exact
			pc := numeric.PrefixCoded(term)
			if shift, err := pc.Shift(); err == nil && shift == 0 {
				if v, err := pc.Int64(); err == nil {
					cur.published, cur.dated = v, true
				}
			}
		}
	}
	var state segment.DocVisitState
	for local := range n {
		t.start = append(t.start, uint32(len(t.facetIDs)))
		cur = &t.docs[local]
		var err error
		if state, err = dv.VisitDocValues(local, fields, visit, state); err != nil {
			return nil, fmt.Errorf("read segment doc values: %w", err)
		}
	}
	t.start = append(t.start, uint32(len(t.facetIDs)))
	return t, nil
}

// position is a hit's place in a sort order; a cursor holds the last one
// of a page.
type position struct {
	Score     float64 `json:"sc,omitempty"`
	Published int64   `json:"p,omitempty"`
	Dated     bool    `json:"d,omitempty"`
	ID        string  `json:"id"`
}

// before reports whether a comes before b in the named order. Every order
// ends in the ID, so it is total: a cursor never skips or repeats a hit.
func before(sortName string, a, b *position) bool {
	switch sortName {
	case SortRelevance:
		if a.Score != b.Score {
			return a.Score > b.Score
		}
	case SortNewest, SortOldest:
		if a.Dated != b.Dated {
			return a.Dated // undated articles last either way
		}
		if a.Published != b.Published {
			return (a.Published > b.Published) == (sortName == SortNewest)
		}
	}
	return a.ID < b.ID
}

// collectRequest says what one pass over a query's matches gathers.
type collectRequest struct {
	query  query.Query
	sort   string
	keep   int       // best hits to keep: from+size; 0 for counting only
	after  *position // skip hits up to this one
	facets bool
}

type collected struct {
	total  uint64
	best   []position // best first, at most keep
	counts []uint32   // by facet value ID
	terms  []facetValueInfo
}

// collect runs the query over one snapshot of the index.
func (c *tableCache) collect(ctx context.Context, bi bleve.Index, req collectRequest) (*collected, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, err
	}
	reader, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer reader.Close()
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("index reader is %T, want scorch", reader)
	}
	segs := snap.Segments()
	offsets := make([]uint64, len(segs)+1)
	for i, s := range segs {
		offsets[i+1] = offsets[i] + s.Segment().Count()
	}
	tables, terms, err := c.prepare(segs)
	if err != nil {
		return nil, err
	}

	score := req.sort == SortRelevance && req.keep > 0
	opts := search.SearcherOptions{Score: "none"}
	if score {
		opts.Score = ""
		// bleve's own search sets the scoring model this way
		ctx = context.WithValue(ctx, search.GetScoringModelCallbackKey,
			search.GetScoringModelCallbackFn(func() string { return index.BM25Scoring }))
	}
	searcher, err := req.query.Searcher(ctx, reader, bi.Mapping(), opts)
	if err != nil {
		return nil, err
	}
	defer searcher.Close()

	out := &collected{terms: terms}
	if req.facets {
		out.counts = make([]uint32, len(terms))
	}
	best := &hitHeap{sort: req.sort}
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(searcher.DocumentMatchPoolSize(), 0)}
	seg := 0
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		dm, err := searcher.Next(sctx)
		if err != nil {
			return nil, err
		}
		if dm == nil {
			break
		}
		num := dm.IndexInternalID.Value()
		hitScore := dm.Score
		sctx.DocumentMatchPool.Put(dm)
		if num < offsets[seg] || num >= offsets[seg+1] {
			// matches arrive in document order, so this is rare
			seg = sort.Search(len(segs), func(i int) bool { return offsets[i+1] > num })
			if seg >= len(segs) {
				return nil, fmt.Errorf("document %d is beyond the last segment", num)
			}
		}
		t := tables[seg]
		local := num - offsets[seg]
		if local >= uint64(len(t.docs)) {
			continue
		}
		out.total++
		if req.facets {
			for _, id := range t.facetIDs[t.start[local]:t.start[local+1]] {
				out.counts[id]++
			}
		}
		if req.keep == 0 {
			continue
		}
		d := &t.docs[local]
		p := position{Score: hitScore, Published: d.published, Dated: d.dated, ID: d.id}
		if req.after != nil && !before(req.sort, req.after, &p) {
			continue
		}
		if best.Len() < req.keep {
			heap.Push(best, p)
		} else if before(req.sort, &p, &best.items[0]) {
			best.items[0] = p
			heap.Fix(best, 0)
		}
	}
	out.best = make([]position, best.Len())
	for i := len(out.best) - 1; i >= 0; i-- {
		out.best[i] = heap.Pop(best).(position)
	}
	return out, nil
}

// hitHeap keeps the best hits with the worst on top, to be replaced.
type hitHeap struct {
	sort  string
	items []position
}

func (h *hitHeap) Len() int           { return len(h.items) }
func (h *hitHeap) Less(i, j int) bool { return before(h.sort, &h.items[j], &h.items[i]) }
func (h *hitHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *hitHeap) Push(x any)         { h.items = append(h.items, x.(position)) }
func (h *hitHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}

// top returns the n most frequent values of one facet, plus the selected
// ones whatever their count (0 when nothing matches them).
func (c *collected) top(name string, n int, selected []string) []FacetValue {
	isSelected := map[string]bool{}
	for _, v := range selected {
		isSelected[v] = true
	}
	var all []FacetValue
	seen := map[string]bool{}
	for id, count := range c.counts {
		t := c.terms[id]
		if t.facet != name || (count == 0 && !isSelected[t.value]) {
			continue
		}
		all = append(all, FacetValue{Value: t.value, Count: int(count), Selected: isSelected[t.value]})
		seen[t.value] = true
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Count != all[j].Count {
			return all[i].Count > all[j].Count
		}
		return all[i].Value < all[j].Value
	})
	out := []FacetValue{}
	for _, v := range all {
		if len(out) < n || v.Selected {
			out = append(out, v)
		}
	}
	for _, v := range selected {
		if !seen[v] {
			out = append(out, FacetValue{Value: v, Count: 0, Selected: true})
		}
	}
	sortFacet(name, out)
	return out
}

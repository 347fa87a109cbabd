package index

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Facet counting is done here rather than by bleve's facet requests.
// bleve decodes every hit's doc values and updates a string-keyed map per
// value, about a microsecond per hit: 40 ms for a word found in 40,000
// articles, most of a search's time. Segments are immutable, so each
// segment's facet values are decoded once into integer IDs and kept;
// counting is then an array increment per value of each hit, and the
// match set comes from a searcher run without scoring.

// facetCounter caches per-segment facet value IDs.
type facetCounter struct {
	mu     sync.Mutex
	ids    map[string]uint32 // facet term → ID
	terms  []facetValueInfo  // by ID
	tables map[segment.Segment]*segmentFacets
}

type facetValueInfo struct {
	facet string
	value string
}

// segmentFacets lists, for each local document number n, the facet value
// IDs ids[start[n]:start[n+1]].
type segmentFacets struct {
	start []uint32
	ids   []uint32
}

// facetCounts are the counts of every facet value over one match set.
type facetCounts struct {
	counts []uint32
	terms  []facetValueInfo
}

// top returns the n most frequent values of one facet, plus the selected
// ones whatever their count.
func (fc facetCounts) top(name string, n int, selected []string) []FacetValue {
	isSelected := map[string]bool{}
	for _, v := range selected {
		isSelected[v] = true
	}
	var all []FacetValue
	seen := map[string]bool{}
	for id, c := range fc.counts {
		t := fc.terms[id]
		if t.facet != name || (c == 0 && !isSelected[t.value]) {
			continue
		}
		all = append(all, FacetValue{Value: t.value, Count: int(c), Selected: isSelected[t.value]})
		seen[t.value] = true
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Count != all[j].Count {
			return all[i].Count > all[j].Count
		}
		return all[i].Value < all[j].Value
	})
	var out []FacetValue
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
	if out == nil {
		out = []FacetValue{}
	}
	sortFacet(name, out)
	return out
}

func (c *facetCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids, c.terms, c.tables = nil, nil, nil
}

// count counts facet values over the documents q matches.
func (c *facetCounter) count(ctx context.Context, bi bleve.Index, q query.Query) (facetCounts, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return facetCounts{}, fmt.Errorf("count facets: %w", err)
	}
	reader, err := adv.Reader()
	if err != nil {
		return facetCounts{}, fmt.Errorf("count facets: %w", err)
	}
	defer reader.Close()
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return facetCounts{}, fmt.Errorf("count facets: index reader is %T, want scorch", reader)
	}
	segs := snap.Segments()
	offsets := make([]uint64, len(segs)+1)
	for i, s := range segs {
		offsets[i+1] = offsets[i] + s.Segment().Count()
	}
	tables, fc, err := c.prepare(segs)
	if err != nil {
		return facetCounts{}, err
	}

	searcher, err := q.Searcher(ctx, reader, bi.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return facetCounts{}, fmt.Errorf("count facets: %w", err)
	}
	defer searcher.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(searcher.DocumentMatchPoolSize(), 0)}
	seg := 0
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return facetCounts{}, fmt.Errorf("count facets: %w", err)
			}
		}
		dm, err := searcher.Next(sctx)
		if err != nil {
			return facetCounts{}, fmt.Errorf("count facets: %w", err)
		}
		if dm == nil {
			break
		}
		num := dm.IndexInternalID.Value()
		sctx.DocumentMatchPool.Put(dm)
		if num < offsets[seg] || num >= offsets[seg+1] {
			// matches arrive in document order, so this is rare
			seg = sort.Search(len(segs), func(i int) bool { return offsets[i+1] > num })
			if seg >= len(segs) {
				return facetCounts{}, fmt.Errorf("count facets: document %d beyond the last segment", num)
			}
		}
		t := tables[seg]
		local := num - offsets[seg]
		if local+1 >= uint64(len(t.start)) {
			continue
		}
		for _, id := range t.ids[t.start[local]:t.start[local+1]] {
			fc.counts[id]++
		}
	}
	return fc, nil
}

// prepare returns the tables of the given segments, decoding those not
// seen before, and drops tables of segments merged away.
func (c *facetCounter) prepare(segs []*scorch.SegmentSnapshot) ([]*segmentFacets, facetCounts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables == nil {
		c.tables = map[segment.Segment]*segmentFacets{}
		c.ids = map[string]uint32{}
	}
	live := map[segment.Segment]bool{}
	tables := make([]*segmentFacets, len(segs))
	for i, s := range segs {
		seg := s.Segment()
		live[seg] = true
		t, ok := c.tables[seg]
		if !ok {
			var err error
			if t, err = c.decode(seg); err != nil {
				return nil, facetCounts{}, err
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
	return tables, facetCounts{counts: make([]uint32, len(c.terms)), terms: c.terms}, nil
}

// decode reads one segment's facet values. Called with c.mu held.
func (c *facetCounter) decode(seg segment.Segment) (*segmentFacets, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("count facets: segment %T has no doc values", seg)
	}
	n := seg.Count()
	t := &segmentFacets{start: make([]uint32, 0, n+1)}
	fields := []string{fieldFacets}
	var state segment.DocVisitState
	visit := func(field string, term []byte) {
		id, ok := c.ids[string(term)]
		if !ok {
			name, value, _ := strings.Cut(string(term), facetSep)
			id = uint32(len(c.terms))
			c.ids[string(term)] = id
			c.terms = append(c.terms, facetValueInfo{facet: name, value: value})
		}
		t.ids = append(t.ids, id)
	}
	for local := range n {
		t.start = append(t.start, uint32(len(t.ids)))
		var err error
		if state, err = dv.VisitDocValues(local, fields, visit, state); err != nil {
			return nil, fmt.Errorf("count facets: read doc values: %w", err)
		}
	}
	t.start = append(t.start, uint32(len(t.ids)))
	return t, nil
}

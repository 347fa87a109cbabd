package index

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/oped/oped/archive"
)

// memSource is an in-memory archive: each put gets the next sequence
// number, as the real store does.
type memSource struct {
	mu       sync.Mutex
	seq      int64
	articles map[string]*archive.Article
	noCount  bool // hide Count, to test sources that cannot count
}

func newMemSource(arts ...*archive.Article) *memSource {
	s := &memSource{articles: map[string]*archive.Article{}}
	for _, a := range arts {
		s.put(a)
	}
	return s
}

func (s *memSource) put(a *archive.Article) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *a
	s.seq++
	c.Seq = s.seq
	s.articles[c.ID] = &c
}

func (s *memSource) Changes(ctx context.Context, after int64, limit int) ([]*archive.Article, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*archive.Article
	for _, a := range s.articles {
		if a.Seq > after {
			c := *a
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *memSource) LastSeq(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq, nil
}

func (s *memSource) Count(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.articles), nil
}

// countlessSource hides Count.
type countlessSource struct{ *memSource }

func (s countlessSource) Count() {} // shadows memSource.Count with another signature

func loadFixture(tb testing.TB) []*archive.Article {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "articles.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var arts []*archive.Article
	if err := json.Unmarshal(b, &arts); err != nil {
		tb.Fatal(err)
	}
	for _, a := range arts {
		a.Normalize()
	}
	return arts
}

// openTemp opens a fresh index in a temporary directory, closed at the
// end of the test.
func openTemp(tb testing.TB) *Index {
	tb.Helper()
	ix, err := Open(context.Background(), filepath.Join(tb.TempDir(), "index"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

// fixtureIndex is an index holding testdata/articles.json.
func fixtureIndex(tb testing.TB) (*Index, *memSource) {
	tb.Helper()
	ix := openTemp(tb)
	src := newMemSource(loadFixture(tb)...)
	if _, err := ix.CatchUp(context.Background(), src); err != nil {
		tb.Fatalf("CatchUp: %v", err)
	}
	return ix, src
}

func mustSearch(tb testing.TB, ix *Index, req Request) *Response {
	tb.Helper()
	res, err := ix.Search(context.Background(), req)
	if err != nil {
		tb.Fatalf("Search(%+v): %v", req, err)
	}
	return res
}

func hitIDs(res *Response) []string {
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func sortedIDs(res *Response) []string {
	ids := hitIDs(res)
	slices.Sort(ids)
	return ids
}

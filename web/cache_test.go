package web

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oped/oped/index"
)

func TestResultCache(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	compute := func() (*index.Response, error) {
		calls.Add(1)
		return &index.Response{Total: uint64(calls.Load())}, nil
	}
	c := newResultCache(2)

	r1, _ := c.get(ctx, "a", 1, compute)
	r2, _ := c.get(ctx, "a", 1, compute)
	if calls.Load() != 1 || r1 != r2 {
		t.Fatalf("same key, same watermark: %d computations, want 1", calls.Load())
	}
	// A new watermark means new index contents: everything is recomputed.
	if r, _ := c.get(ctx, "a", 2, compute); r == r1 || calls.Load() != 2 {
		t.Errorf("new watermark served a stale response")
	}
	// Beyond max entries the least recently used goes.
	c.get(ctx, "b", 2, compute)
	c.get(ctx, "a", 2, compute) // a is now more recent than b
	c.get(ctx, "c", 2, compute) // evicts b
	before := calls.Load()
	c.get(ctx, "a", 2, compute)
	if calls.Load() != before {
		t.Errorf("recently used entry was evicted")
	}
	c.get(ctx, "b", 2, compute)
	if calls.Load() != before+1 {
		t.Errorf("least recently used entry was kept")
	}

	// Errors are not kept.
	failing := func() (*index.Response, error) { calls.Add(1); return nil, errors.New("boom") }
	before = calls.Load()
	c.get(ctx, "e", 2, failing)
	c.get(ctx, "e", 2, failing)
	if calls.Load() != before+2 {
		t.Errorf("a failed search was cached")
	}

	// A disabled cache always computes.
	var off *resultCache
	before = calls.Load()
	off.get(ctx, "a", 1, compute)
	off.get(ctx, "a", 1, compute)
	if calls.Load() != before+2 {
		t.Errorf("nil cache cached")
	}
}

func TestResultCacheSharesConcurrentComputation(t *testing.T) {
	c := newResultCache(8)
	release := make(chan struct{})
	var calls atomic.Int32
	compute := func() (*index.Response, error) {
		calls.Add(1)
		<-release
		return &index.Response{Total: 7}, nil
	}
	var wg sync.WaitGroup
	results := make([]*index.Response, 20)
	for i := range results {
		wg.Go(func() {
			r, err := c.get(context.Background(), "same", 1, compute)
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("20 identical concurrent searches ran %d times, want 1", n)
	}
	for _, r := range results {
		if r == nil || r.Total != 7 {
			t.Fatalf("a caller got %+v", r)
		}
	}
}

func TestResultCachePanicReleasesWaiters(t *testing.T) {
	c := newResultCache(8)
	func() {
		defer func() { _ = recover() }()
		c.get(context.Background(), "k", 1, func() (*index.Response, error) { panic("boom") })
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, err := c.get(ctx, "k", 1, func() (*index.Response, error) { return &index.Response{Total: 1}, nil })
	if err != nil || r.Total != 1 {
		t.Errorf("after a panic: %v %v, want a fresh computation", r, err)
	}
}

// countingSearcher counts the searches that reach the index.
type countingSearcher struct {
	Searcher
	n atomic.Int32
}

func (c *countingSearcher) Search(ctx context.Context, req index.Request) (*index.Response, error) {
	c.n.Add(1)
	return c.Searcher.Search(ctx, req)
}

func TestServerCachesSearchesUntilTheIndexChanges(t *testing.T) {
	f := newFixture(t, loadFixtureArticles(t)[:3], Config{})
	cs := &countingSearcher{Searcher: f.ix}
	srv, err := New(Config{}, cs, f.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		get(t, srv, "/api/v1/search?q=quokka")
		get(t, srv, "/?q=quokka") // the page shares the API's entry
	}
	if n := cs.n.Load(); n != 1 {
		t.Errorf("6 identical searches reached the index %d times, want 1", n)
	}
	// A new article changes the index watermark: the next search sees it.
	a := fillerArticles(1)[0]
	a.Body += " quokka"
	if _, err := f.store.Put(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ix.CatchUp(t.Context(), f.store); err != nil {
		t.Fatal(err)
	}
	if _, resp := getJSON[index.Response](t, srv, "/api/v1/search?q=quokka"); resp.Total != 1 {
		t.Errorf("after the index changed: total %d, want 1 (stale cache?)", resp.Total)
	}
}

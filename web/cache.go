package web

import (
	"container/list"
	"context"
	"errors"
	"sync"

	"github.com/oped/oped/index"
)

// resultCache keeps recent search responses for as long as the index does
// not change. Searches repeat a lot (the home page is a match-all search
// with every facet counted, the most expensive query there is), and a
// response depends only on the request and the index contents, which the
// index's watermark (the archive seq it has caught up to) identifies: when
// the watermark moves, every entry is dropped at once.
//
// Identical searches arriving together share one computation, so a burst of
// the same query costs one search, not fifty.
type resultCache struct {
	max int

	mu      sync.Mutex
	seq     int64 // index watermark the entries were computed under
	entries map[string]*cacheEntry
	lru     *list.List // of *cacheEntry, most recently used first
}

type cacheEntry struct {
	key  string
	done chan struct{} // closed when resp or err is set
	resp *index.Response
	err  error
	elem *list.Element
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, entries: map[string]*cacheEntry{}, lru: list.New()}
}

// get returns the cached response for key under watermark seq, or computes
// it. The response is shared: callers must not modify it.
func (c *resultCache) get(ctx context.Context, key string, seq int64, compute func() (*index.Response, error)) (*index.Response, error) {
	if c == nil || c.max <= 0 {
		return compute()
	}
	c.mu.Lock()
	if seq != c.seq {
		c.seq = seq
		c.entries = map[string]*cacheEntry{}
		c.lru.Init()
	}
	if e, ok := c.entries[key]; ok {
		c.lru.MoveToFront(e.elem)
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			// The first caller failed (its client left, its deadline
			// passed); this one gets its own try.
			return compute()
		}
		return e.resp, nil
	}
	e := &cacheEntry{key: key, done: make(chan struct{})}
	e.elem = c.lru.PushFront(e)
	c.entries[key] = e
	c.evictLocked()
	c.mu.Unlock()

	finished := false
	defer func() {
		if !finished { // compute panicked: release the waiters, keep nothing
			e.err = errComputePanicked
		}
		close(e.done)
		if e.err != nil {
			c.mu.Lock()
			if c.entries[key] == e {
				delete(c.entries, key)
				c.lru.Remove(e.elem)
			}
			c.mu.Unlock()
		}
	}()
	e.resp, e.err = compute()
	finished = true
	return e.resp, e.err
}

var errComputePanicked = errors.New("search panicked")

// evictLocked drops the least recently used finished entries beyond max;
// entries still being computed stay, since callers wait on them.
func (c *resultCache) evictLocked() {
	for el := c.lru.Back(); el != nil && c.lru.Len() > c.max; {
		prev := el.Prev()
		e := el.Value.(*cacheEntry)
		select {
		case <-e.done:
			delete(c.entries, e.key)
			c.lru.Remove(el)
		default:
		}
		el = prev
	}
}

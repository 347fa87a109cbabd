package index

import (
	"context"
	"errors"
	"time"

	"github.com/oped/oped/archive"
)

// Source is what the index needs from the archive; *archive.Store
// satisfies it.
type Source interface {
	// Changes returns up to limit articles whose latest write has a
	// sequence number above after, in sequence order.
	Changes(ctx context.Context, after int64, limit int) ([]*archive.Article, error)
	// LastSeq is the highest change sequence committed so far.
	LastSeq(ctx context.Context) (int64, error)
}

// Stats describes the index.
type Stats struct {
	Documents uint64    `json:"documents"`
	Seq       int64     `json:"seq"` // archive change sequence the index has caught up to
	Bytes     int64     `json:"bytes"`
	Path      string    `json:"path"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Suggestion is one completion for a search box prefix.
type Suggestion struct {
	Kind  string `json:"kind"` // "title" or "author"
	Text  string `json:"text"`
	ID    string `json:"id,omitempty"` // the article, for titles
	Count int    `json:"count,omitempty"`
}

// Index is an open search index. It is safe for concurrent use.
type Index struct {
	dir string
}

var errNotImplemented = errors.New("not implemented yet")

// Open opens the index in dir, creating it if missing. A damaged or
// outdated index is moved aside and recreated empty; the caller then
// catches it up. If another process holds the index, Open fails within
// about a second with an error wrapping ErrLocked.
func Open(ctx context.Context, dir string) (*Index, error) {
	return nil, errNotImplemented
}

// CatchUp indexes every archive change since the recorded watermark and
// reports how many articles it indexed.
func (ix *Index) CatchUp(ctx context.Context, src Source) (int, error) {
	return 0, errNotImplemented
}

// Rebuild indexes the whole archive from scratch.
func (ix *Index) Rebuild(ctx context.Context, src Source) error {
	return errNotImplemented
}

// Search runs one search.
func (ix *Index) Search(ctx context.Context, req Request) (*Response, error) {
	return nil, errNotImplemented
}

// Suggest returns up to n titles and authors that complete prefix.
func (ix *Index) Suggest(ctx context.Context, prefix string, n int) ([]Suggestion, error) {
	return nil, errNotImplemented
}

// Stats reports document count, watermark and size on disk.
func (ix *Index) Stats() (Stats, error) {
	return Stats{}, errNotImplemented
}

// Close flushes and closes the index.
func (ix *Index) Close() error { return nil }

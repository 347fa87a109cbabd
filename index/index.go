package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolt "go.etcd.io/bbolt"

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

// counter is implemented by sources that can count their articles
// (*archive.Store does). CatchUp uses it to notice an index that opened
// fine but lost documents (bleve falls back to an older snapshot when the
// newest is damaged) and rebuild it.
type counter interface {
	Count(ctx context.Context) (int, error)
}

// Stats describes the index.
type Stats struct {
	Documents uint64 `json:"documents"`
	Seq       int64  `json:"seq"` // archive change sequence the index has caught up to
	Bytes     int64  `json:"bytes"`
	Path      string `json:"path"`
}

// Suggestion is one completion for a search box prefix.
type Suggestion struct {
	Kind  string `json:"kind"` // "title" or "author"
	Text  string `json:"text"`
	ID    string `json:"id,omitempty"`    // the article, for titles
	Count int    `json:"count,omitempty"` // articles, for authors
}

// Index is an open search index. It is safe for concurrent use: searches
// run while CatchUp indexes.
type Index struct {
	dir string
	log *slog.Logger

	mu sync.RWMutex // guards bi against the swap at the end of Rebuild
	bi bleve.Index

	writeMu sync.Mutex // one CatchUp or Rebuild at a time

	authors authorCache
	tables  tableCache
}

// Internal keys stored next to the documents.
var (
	keySeq    = []byte("oped:seq")
	keySchema = []byte("oped:schema")
)

// batchSize is the number of articles per bleve batch: big enough to
// amortise segment creation, small enough to bound memory (the research
// measured 1,000 as the knee).
const batchSize = 1000

// lockTimeout bounds the wait for bleve's file lock: another process
// holding the index makes Open fail instead of hang.
const lockTimeout = "1s"

// Open opens the index in dir, creating it if missing. A damaged index, or
// one built with another schema, is moved aside to dir+".damaged" and
// recreated empty; the caller then catches it up. If another process holds
// the index, Open fails within about a second with an error wrapping
// ErrLocked.
func Open(ctx context.Context, dir string) (*Index, error) {
	if dir == "" {
		return nil, errors.New("open index: empty directory name")
	}
	ix := &Index{dir: dir, log: slog.Default().With("index", dir)}
	bi, err := openOrCreate(ctx, dir, ix.log)
	if err != nil {
		return nil, err
	}
	ix.bi = bi
	return ix, nil
}

func openOrCreate(ctx context.Context, dir string, log *slog.Logger) (bleve.Index, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	// The stored mapping names oped's token filter; bleve must know it
	// before parsing the mapping, or a healthy index looks damaged.
	if err := registerAnalysis(); err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	bi, err := bleve.OpenUsing(dir, runtimeConfig())
	switch {
	case err == nil:
		schema, ierr := bi.GetInternal(keySchema)
		if ierr == nil && string(schema) == schemaVersion {
			return bi, nil
		}
		bi.Close()
		log.Warn("index schema differs, rebuilding", "have", string(schema), "want", schemaVersion, "err", ierr)
		if err := moveAside(dir); err != nil {
			return nil, err
		}
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("open index %s: %w", dir, ErrLocked)
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		// first use
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	default:
		// Anything else (truncated root.bolt, missing or garbled
		// index_meta.json, unreadable segments) means the index is
		// damaged. It is derived data: start over.
		log.Warn("index damaged, rebuilding", "err", err)
		if err := moveAside(dir); err != nil {
			return nil, err
		}
	}
	return create(dir)
}

func create(dir string) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	bi, err := bleve.NewUsing(dir, m, scorch.Name, scorch.Name, runtimeConfig())
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("create index %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	if err := bi.SetInternal(keySchema, []byte(schemaVersion)); err != nil {
		bi.Close()
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	return bi, nil
}

func runtimeConfig() map[string]any {
	return map[string]any{"bolt_timeout": lockTimeout}
}

// moveAside keeps the last damaged index for inspection, replacing any
// older one, so repeated damage cannot fill the disk.
func moveAside(dir string) error {
	aside := filepath.Clean(dir) + ".damaged"
	if err := os.RemoveAll(aside); err != nil {
		return fmt.Errorf("remove old damaged index: %w", err)
	}
	if err := os.Rename(dir, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("move damaged index aside: %w", err)
	}
	return nil
}

func (ix *Index) index() bleve.Index {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.bi
}

// acquire returns the bleve index and keeps it from being closed or
// swapped (by Close or the end of a Rebuild) until release is called.
func (ix *Index) acquire() (bi bleve.Index, release func(), err error) {
	ix.mu.RLock()
	if ix.bi == nil {
		ix.mu.RUnlock()
		return nil, nil, errors.New("index is closed")
	}
	return ix.bi, ix.mu.RUnlock, nil
}

// Dir is the directory the index lives in.
func (ix *Index) Dir() string { return ix.dir }

// Seq is the archive change sequence the index has caught up to.
func (ix *Index) Seq() (int64, error) {
	return readSeq(ix.index())
}

func readSeq(bi bleve.Index) (int64, error) {
	v, err := bi.GetInternal(keySeq)
	if err != nil {
		return 0, fmt.Errorf("read index watermark: %w", err)
	}
	if len(v) == 0 {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("read index watermark: %d bytes, want 8", len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

func encodeSeq(seq int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	return b[:]
}

// CatchUp indexes every archive change since the recorded watermark, in
// batches of about a thousand, and reports how many articles it indexed.
// The watermark is written in the same batch as the documents, so a crash
// at any point leaves an index that resumes where it stopped. If the
// source can count its articles and the index ends up holding a different
// number, the index is rebuilt.
func (ix *Index) CatchUp(ctx context.Context, src Source) (int, error) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	n, err := catchUp(ctx, ix.index(), src)
	if err != nil {
		return n, err
	}
	defer ix.warm()
	c, ok := src.(counter)
	if !ok {
		return n, nil
	}
	consistent, err := ix.matchesArchive(ctx, src, c)
	if err != nil || consistent {
		return n, err
	}
	m, err := ix.rebuild(ctx, src)
	return n + m, err
}

// warm decodes the search tables of segments not seen yet, so that the
// first search after a catch-up does not pay for it (70 ms at 100,000
// articles). Segments merged later are decoded by the search that first
// meets them.
func (ix *Index) warm() {
	bi, release, err := ix.acquire()
	if err != nil {
		return
	}
	defer release()
	adv, err := bi.Advanced()
	if err != nil {
		return
	}
	reader, err := adv.Reader()
	if err != nil {
		return
	}
	defer reader.Close()
	if snap, ok := reader.(*scorch.IndexSnapshot); ok {
		if _, _, err := ix.tables.prepare(snap.Segments()); err != nil {
			ix.log.Warn("prepare search tables", "err", err)
		}
	}
}

// matchesArchive compares the index's document count with the archive's
// article count once both are at the same sequence. While writers keep
// committing, the check is skipped rather than mistaken for damage.
func (ix *Index) matchesArchive(ctx context.Context, src Source, c counter) (bool, error) {
	bi := ix.index()
	for range 3 {
		last, err := src.LastSeq(ctx)
		if err != nil {
			return false, fmt.Errorf("catch up: %w", err)
		}
		seq, err := readSeq(bi)
		if err != nil {
			return false, err
		}
		if seq > last {
			// the index ran ahead of this archive: it was built from
			// another one, and changes below its watermark would be missed
			ix.log.Warn("index is ahead of the archive, rebuilding", "index_seq", seq, "archive_seq", last)
			return false, nil
		}
		if seq < last {
			if _, err := catchUp(ctx, bi, src); err != nil {
				return false, err
			}
			continue
		}
		want, err := c.Count(ctx)
		if err != nil {
			return false, fmt.Errorf("catch up: %w", err)
		}
		if again, err := src.LastSeq(ctx); err != nil || again != last {
			continue // a write landed between the two reads
		}
		have, err := bi.DocCount()
		if err != nil {
			return false, fmt.Errorf("catch up: %w", err)
		}
		if have == uint64(want) {
			return true, nil
		}
		ix.log.Warn("index and archive disagree, rebuilding", "index_docs", have, "archive_articles", want)
		return false, nil
	}
	return true, nil
}

// catchUp pipelines the work: one goroutine reads and maps the next batch
// from the archive while bleve analyses and persists the current one.
func catchUp(ctx context.Context, bi bleve.Index, src Source) (int, error) {
	from, err := readSeq(bi)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type prepared struct {
		batch *bleve.Batch
		n     int
		seq   int64
		err   error
	}
	batches := make(chan prepared, 1)
	go func() {
		defer close(batches)
		after := from
		for {
			arts, err := src.Changes(ctx, after, batchSize)
			if err != nil {
				batches <- prepared{err: fmt.Errorf("catch up from seq %d: %w", after, err)}
				return
			}
			if len(arts) == 0 {
				return
			}
			b := bi.NewBatch()
			n := 0
			for _, a := range arts {
				if a.Seq > after {
					after = a.Seq
				}
				if a.ID == "" {
					slog.Warn("index: skipping article without id", "seq", a.Seq)
					continue
				}
				if err := b.Index(a.ID, newDocument(a)); err != nil {
					batches <- prepared{err: fmt.Errorf("index article %s: %w", a.ID, err)}
					return
				}
				n++
			}
			b.SetInternal(keySeq, encodeSeq(after))
			select {
			case batches <- prepared{batch: b, n: n, seq: after}:
			case <-ctx.Done():
				return
			}
		}
	}()

	indexed := 0
	for p := range batches {
		if p.err != nil {
			return indexed, p.err
		}
		if err := ctx.Err(); err != nil {
			return indexed, fmt.Errorf("catch up: %w", err)
		}
		if err := bi.Batch(p.batch); err != nil {
			return indexed, fmt.Errorf("catch up to seq %d: %w", p.seq, err)
		}
		indexed += p.n
	}
	if err := ctx.Err(); err != nil {
		return indexed, fmt.Errorf("catch up: %w", err)
	}
	return indexed, nil
}

// Rebuild indexes the whole archive into a fresh index beside the current
// one, then swaps it in; searches keep using the old index meanwhile.
func (ix *Index) Rebuild(ctx context.Context, src Source) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	_, err := ix.rebuild(ctx, src)
	if err == nil {
		ix.warm()
	}
	return err
}

func (ix *Index) rebuild(ctx context.Context, src Source) (int, error) {
	tmp := filepath.Clean(ix.dir) + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return 0, fmt.Errorf("rebuild index: %w", err)
	}
	fresh, err := create(tmp)
	if err != nil {
		return 0, fmt.Errorf("rebuild index: %w", err)
	}
	n, err := catchUp(ctx, fresh, src)
	if cerr := fresh.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(tmp)
		return n, fmt.Errorf("rebuild index: %w", err)
	}

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.bi.Close(); err != nil {
		ix.log.Warn("close old index", "err", err)
	}
	ix.authors.reset()
	ix.tables.reset()
	if err := os.RemoveAll(ix.dir); err != nil {
		return n, fmt.Errorf("rebuild index: remove old: %w", err)
	}
	if err := os.Rename(tmp, ix.dir); err != nil {
		return n, fmt.Errorf("rebuild index: %w", err)
	}
	bi, err := bleve.OpenUsing(ix.dir, runtimeConfig())
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			err = ErrLocked
		}
		return n, fmt.Errorf("rebuild index: reopen: %w", err)
	}
	ix.bi = bi
	return n, nil
}

// Stats reports document count, watermark and size on disk.
func (ix *Index) Stats() (Stats, error) {
	bi, release, err := ix.acquire()
	if err != nil {
		return Stats{}, fmt.Errorf("index stats: %w", err)
	}
	defer release()
	n, err := bi.DocCount()
	if err != nil {
		return Stats{}, fmt.Errorf("index stats: %w", err)
	}
	seq, err := readSeq(bi)
	if err != nil {
		return Stats{}, fmt.Errorf("index stats: %w", err)
	}
	var size int64
	err = filepath.WalkDir(ix.dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			// segments come and go while the merger runs
			return nil
		}
		if info, ierr := d.Info(); ierr == nil && !d.IsDir() {
			size += info.Size()
		}
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("index stats: %w", err)
	}
	return Stats{Documents: n, Seq: seq, Bytes: size, Path: ix.dir}, nil
}

// Close flushes and closes the index.
func (ix *Index) Close() error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi == nil {
		return nil
	}
	err := ix.bi.Close()
	ix.bi = nil
	if err != nil {
		return fmt.Errorf("close index %s: %w", ix.dir, err)
	}
	return nil
}

// searchTimeout is the deadline a search runs under unless the caller's
// context has an earlier one.
func withSearchTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) < SearchTimeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, SearchTimeout)
}

package archive

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite: the binary stays static and needs no server
)

// ErrNotFound is returned when an article or version does not exist.
var ErrNotFound = errors.New("not found")

// Store is the archive. It is safe for concurrent use by many goroutines and
// by several processes at once (SQLite in WAL mode: one writer at a time,
// readers never blocked), which is how oped runs: a cron crawl writes while a
// server reads.
type Store struct {
	db   *sql.DB
	path string
}

// DSN pragmas: WAL lets readers proceed during a write; busy_timeout makes a
// second writer wait for the first instead of failing; _txlock=immediate
// takes the write lock at BEGIN, so two processes never deadlock upgrading a
// read transaction. synchronous(NORMAL) in WAL survives application crashes
// (kill -9); only a power loss may drop the last commits.
const pragmas = "_pragma=busy_timeout(15000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// Open opens (creating if needed) the archive database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open archive %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// tx runs fn in one transaction, committed if fn returns nil. The DSN's
// _txlock=immediate takes the write lock at BEGIN, so concurrent writers
// wait (busy_timeout) instead of failing when they upgrade.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the embedded migrations in order, each in its own
// immediate transaction, so two oped processes starting at once cannot both
// apply the same step.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad migration name %s", name)
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, version, formatTime(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// Outcome says what a Put did.
type Outcome int

const (
	Unchanged Outcome = iota // identical content was already stored
	Inserted                 // a new article
	Updated                  // new content for a known article: a new version
)

func (o Outcome) String() string {
	return [...]string{"unchanged", "inserted", "updated"}[o]
}

// PutResult reports the outcome of writing one article.
type PutResult struct {
	ID      string
	Outcome Outcome
	Version int   // the article's current version number
	Seq     int64 // change sequence; 0 when Unchanged
}

// Put writes one article. See PutBatch.
func (s *Store) Put(ctx context.Context, a *Article) (PutResult, error) {
	res, err := s.PutBatch(ctx, []*Article{a})
	if err != nil {
		return PutResult{}, err
	}
	return res[0], nil
}

// PutBatch writes articles in one transaction: all commit or none do. For each
// article, identical content (by ContentHash) changes nothing; new content is
// stored as a new version, keeping the previous ones, and gets the next
// change sequence number. The articles are normalized in place.
func (s *Store) PutBatch(ctx context.Context, articles []*Article) ([]PutResult, error) {
	results := make([]PutResult, len(articles))
	now := time.Now().UTC().Truncate(time.Microsecond) // the precision times are stored at
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM articles`).Scan(&seq); err != nil {
			return err
		}
		for i, a := range articles {
			a.Normalize()
			r, err := putOne(ctx, tx, a, now, &seq)
			if err != nil {
				return fmt.Errorf("put %s: %w", a.ID, err)
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archive put: %w", err)
	}
	return results, nil
}

func putOne(ctx context.Context, tx *sql.Tx, a *Article, now time.Time, seq *int64) (PutResult, error) {
	hash := a.ContentHash()
	var (
		oldHash, oldDoc, firstSeen string
		version                    int
	)
	err := tx.QueryRowContext(ctx, `SELECT content_hash, doc, version, first_seen FROM articles WHERE id = ?`, a.ID).
		Scan(&oldHash, &oldDoc, &version, &firstSeen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		version = 0
		a.FirstSeen = now
	case err != nil:
		return PutResult{}, err
	case oldHash == hash:
		return PutResult{ID: a.ID, Outcome: Unchanged, Version: version}, nil
	default:
		a.FirstSeen = parseTime(firstSeen)
	}
	a.LastChanged = now
	*seq++
	a.Seq = *seq
	var changed []string
	if version > 0 {
		var old Article
		if err := json.Unmarshal([]byte(oldDoc), &old); err != nil {
			return PutResult{}, fmt.Errorf("decode stored version: %w", err)
		}
		changed = changedFields(&old, a)
		// Syndication links are the archive's knowledge, not the page's: a
		// re-extracted article does not carry them, so keep the stored ones.
		if a.SyndicatedFrom == "" {
			a.SyndicatedFrom = old.SyndicatedFrom
		}
		if len(a.SyndicatedAs) == 0 {
			a.SyndicatedAs = old.SyndicatedAs
		}
	}
	doc, err := encodeDoc(a)
	if err != nil {
		return PutResult{}, err
	}
	if version > 0 {
		// The current content becomes an older version.
		if _, err := tx.ExecContext(ctx, `INSERT INTO versions(article_id, n, content_hash, doc, recorded_at, changed)
			SELECT id, version, content_hash, doc, last_changed, changed FROM articles WHERE id = ?`, a.ID); err != nil {
			return PutResult{}, err
		}
	}
	version++
	published, originalKey := "", ""
	if !a.Published.IsZero() {
		published = formatTime(a.Published)
	}
	if a.OriginalURL != "" {
		originalKey = CanonicalKey(a.OriginalURL)
	}
	if version == 1 {
		_, err = tx.ExecContext(ctx, `INSERT INTO articles(id, url, site, content_hash, doc, version, seq, published, first_seen, last_changed, original_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.URL, a.Site, hash, doc, version, a.Seq, published, formatTime(a.FirstSeen), formatTime(now), originalKey)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE articles SET url = ?, site = ?, content_hash = ?, doc = ?, version = ?, seq = ?, published = ?, last_changed = ?, changed = ?, original_key = ?
			WHERE id = ?`, a.URL, a.Site, hash, doc, version, a.Seq, published, formatTime(now), strings.Join(changed, ","), originalKey, a.ID)
	}
	if err != nil {
		return PutResult{}, err
	}
	if err := putAuthors(ctx, tx, a, version > 1); err != nil {
		return PutResult{}, err
	}
	outcome := Inserted
	if version > 1 {
		outcome = Updated
	}
	return PutResult{ID: a.ID, Outcome: outcome, Version: version, Seq: a.Seq}, nil
}

func putAuthors(ctx context.Context, tx *sql.Tx, a *Article, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, `DELETE FROM article_authors WHERE article_id = ?`, a.ID); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, author := range a.Authors {
		if seen[author] {
			continue
		}
		seen[author] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_authors(article_id, author) VALUES (?, ?)`, a.ID, author); err != nil {
			return err
		}
	}
	return nil
}

// encodeDoc stores the article without the fields the store derives on read.
func encodeDoc(a *Article) (string, error) {
	c := *a
	c.Versions = nil
	b, err := json.Marshal(&c)
	return string(b), err
}

// Get returns the current content of an article with its version history.
func (s *Store) Get(ctx context.Context, id string) (*Article, error) {
	var doc string
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT doc, seq FROM articles WHERE id = ?`, id).Scan(&doc, &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get article %s: %w", id, err)
	}
	a, err := decodeDoc(doc)
	if err != nil {
		return nil, fmt.Errorf("get article %s: %w", id, err)
	}
	a.Seq = seq
	if a.Versions, err = s.versions(ctx, id); err != nil {
		return nil, fmt.Errorf("get article %s: %w", id, err)
	}
	return a, nil
}

// GetByURL finds the article stored under a URL's canonical ID.
func (s *Store) GetByURL(ctx context.Context, url string) (*Article, error) {
	return s.Get(ctx, IDForURL(url))
}

func (s *Store) versions(ctx context.Context, id string) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT n, content_hash, recorded_at, changed FROM versions WHERE article_id = ?
		UNION ALL SELECT version, content_hash, last_changed, changed FROM articles WHERE id = ?
		ORDER BY 1`, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var recorded, changed string
		if err := rows.Scan(&v.N, &v.Hash, &recorded, &changed); err != nil {
			return nil, err
		}
		v.RecordedAt = parseTime(recorded)
		if changed != "" {
			v.Changed = strings.Split(changed, ",")
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Version returns version n (1-based) of an article as it was stored then.
func (s *Store) Version(ctx context.Context, id string, n int) (*Article, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, `SELECT doc FROM versions WHERE article_id = ? AND n = ?
		UNION ALL SELECT doc FROM articles WHERE id = ? AND version = ?`, id, n, id, n).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("article %s version %d: %w", id, n, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get article %s version %d: %w", id, n, err)
	}
	return decodeDoc(doc)
}

// Changes returns up to limit articles whose latest write has a sequence
// number above after, in sequence order, each in its current state. A
// follower (the index) calls it with the highest Seq it has seen until it
// returns nothing; writes commit in sequence order, so nothing is skipped.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]*Article, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc, seq FROM articles WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("archive changes after %d: %w", after, err)
	}
	defer rows.Close()
	var out []*Article
	for rows.Next() {
		var doc string
		var seq int64
		if err := rows.Scan(&doc, &seq); err != nil {
			return nil, fmt.Errorf("archive changes: %w", err)
		}
		a, err := decodeDoc(doc)
		if err != nil {
			return nil, fmt.Errorf("archive changes: %w", err)
		}
		a.Seq = seq
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("archive changes: %w", err)
	}
	return out, nil
}

// LastSeq is the highest change sequence number committed so far.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM articles`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("archive last seq: %w", err)
	}
	return seq, nil
}

// Count is the number of articles.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles`).Scan(&n); err != nil {
		return 0, fmt.Errorf("archive count: %w", err)
	}
	return n, nil
}

// Stats summarises the archive.
type Stats struct {
	Articles int            `json:"articles"`
	Versions int            `json:"versions"`
	Sites    map[string]int `json:"sites"`
	Authors  int            `json:"authors"`
	LastSeq  int64          `json:"last_seq"`
	Bytes    int64          `json:"bytes"`
}

// Stats counts articles, versions, articles per site and distinct authors.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Sites: map[string]int{}}
	q := func(query string, dest ...any) error {
		return s.db.QueryRowContext(ctx, query).Scan(dest...)
	}
	if err := q(`SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM articles`, &st.Articles, &st.LastSeq); err != nil {
		return st, fmt.Errorf("archive stats: %w", err)
	}
	if err := q(`SELECT (SELECT COUNT(*) FROM versions) + (SELECT COUNT(*) FROM articles)`, &st.Versions); err != nil {
		return st, fmt.Errorf("archive stats: %w", err)
	}
	if err := q(`SELECT COUNT(DISTINCT author) FROM article_authors`, &st.Authors); err != nil {
		return st, fmt.Errorf("archive stats: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT site, COUNT(*) FROM articles GROUP BY site ORDER BY site`)
	if err != nil {
		return st, fmt.Errorf("archive stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var site string
		var n int
		if err := rows.Scan(&site, &n); err != nil {
			return st, fmt.Errorf("archive stats: %w", err)
		}
		st.Sites[site] = n
	}
	for _, p := range []string{s.path, s.path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			st.Bytes += fi.Size()
		}
	}
	return st, rows.Err()
}

func decodeDoc(doc string) (*Article, error) {
	var a Article
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return nil, fmt.Errorf("decode article: %w", err)
	}
	return &a, nil
}

// Times are stored as RFC 3339 text in UTC with a fixed number of fraction
// digits: portable across SQLite and PostgreSQL, and ordered as strings.
const storedTime = "2006-01-02T15:04:05.000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(storedTime) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Capture is the crawler's record of one URL: the last response it got
// there, where that response is stored, and when to come back.
type Capture struct {
	URL          string
	Site         string // crawl config site name
	Kind         string // "article", "listing", "feed", "sitemap", "page"
	Depth        int
	Status       int // HTTP status of the last full (non-304) response
	ETag         string
	LastModified string
	ContentType  string
	ContentHash  string
	WARCFile     string // relative to the WARC directory, or absolute for imported files
	WARCOffset   int64
	FirstFetched time.Time
	FetchedAt    time.Time // last visit, 304s included
	Error        string    // why the last visit failed; empty after a success
	Failures     int       // consecutive failed visits
	NextVisit    time.Time
	ArticleID    string
}

const captureColumns = `url, site, kind, depth, status, etag, last_modified, content_type, content_hash,
	warc_file, warc_offset, first_fetched, fetched_at, error, failures, next_visit, article_id`

func scanCapture(row interface{ Scan(...any) error }) (*Capture, error) {
	var c Capture
	var first, fetched, next string
	err := row.Scan(&c.URL, &c.Site, &c.Kind, &c.Depth, &c.Status, &c.ETag, &c.LastModified, &c.ContentType,
		&c.ContentHash, &c.WARCFile, &c.WARCOffset, &first, &fetched, &c.Error, &c.Failures, &next, &c.ArticleID)
	if err != nil {
		return nil, err
	}
	c.FirstFetched, c.FetchedAt, c.NextVisit = parseTime(first), parseTime(fetched), parseTime(next)
	return &c, nil
}

// optTime stores the zero time as an empty string, so "never" sorts first and reads back
// as the zero time.
func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

func captureArgs(c *Capture) []any {
	return []any{c.URL, c.Site, c.Kind, c.Depth, c.Status, c.ETag, c.LastModified, c.ContentType, c.ContentHash,
		c.WARCFile, c.WARCOffset, optTime(c.FirstFetched), optTime(c.FetchedAt), c.Error, c.Failures,
		optTime(c.NextVisit), c.ArticleID}
}

const upsertCapture = `INSERT INTO captures (` + captureColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (url) DO UPDATE SET site = excluded.site, kind = excluded.kind, depth = excluded.depth,
	status = excluded.status, etag = excluded.etag, last_modified = excluded.last_modified,
	content_type = excluded.content_type, content_hash = excluded.content_hash, warc_file = excluded.warc_file,
	warc_offset = excluded.warc_offset, first_fetched = excluded.first_fetched, fetched_at = excluded.fetched_at,
	error = excluded.error, failures = excluded.failures, next_visit = excluded.next_visit,
	article_id = excluded.article_id`

// Capture returns the crawl record of a URL (normalized by the caller).
func (s *Store) Capture(ctx context.Context, url string) (*Capture, error) {
	c, err := scanCapture(s.db.QueryRowContext(ctx, `SELECT `+captureColumns+` FROM captures WHERE url = ?`, url))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("capture %s: %w", url, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", url, err)
	}
	return c, nil
}

// PutCaptures writes crawl records, replacing earlier ones for the same
// URLs, in one transaction.
func (s *Store) PutCaptures(ctx context.Context, cs ...*Capture) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, upsertCapture)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, c := range cs {
			if _, err := stmt.ExecContext(ctx, captureArgs(c)...); err != nil {
				return fmt.Errorf("%s: %w", c.URL, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put captures: %w", err)
	}
	return nil
}

// AddDiscovered records URLs found but not fetched yet; URLs that already
// have a record are left alone. It returns how many were new.
func (s *Store) AddDiscovered(ctx context.Context, cs ...*Capture) (int, error) {
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		added = 0
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO captures (`+captureColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (url) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, c := range cs {
			res, err := stmt.ExecContext(ctx, captureArgs(c)...)
			if err != nil {
				return fmt.Errorf("%s: %w", c.URL, err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("add discovered URLs: %w", err)
	}
	return added, nil
}

// PutArticleCapture commits an extracted article and the capture it came
// from in one transaction, so a crash can never leave a capture marked done
// whose article is missing (it would not be fetched again) or the reverse.
// Extra captures (e.g. the canonical URL of a page fetched under another
// one) are written in the same transaction.
func (s *Store) PutArticleCapture(ctx context.Context, a *Article, cs ...*Capture) (PutResult, error) {
	var res PutResult
	now := time.Now().UTC()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM articles`).Scan(&seq); err != nil {
			return err
		}
		a.Normalize()
		r, err := putOne(ctx, tx, a, now, &seq)
		if err != nil {
			return fmt.Errorf("put %s: %w", a.ID, err)
		}
		res = r
		for _, c := range cs {
			c.ArticleID = a.ID
			if _, err := tx.ExecContext(ctx, upsertCapture, captureArgs(c)...); err != nil {
				return fmt.Errorf("capture %s: %w", c.URL, err)
			}
		}
		return nil
	})
	if err != nil {
		return PutResult{}, fmt.Errorf("archive put with capture: %w", err)
	}
	return res, nil
}

// ForEachCapture calls fn for every crawl record, in URL order, optionally
// only for one site ("" for all). fn must not write to the store.
func (s *Store) ForEachCapture(ctx context.Context, site string, fn func(*Capture) error) error {
	q := `SELECT ` + captureColumns + ` FROM captures`
	var args []any
	if site != "" {
		q += ` WHERE site = ?`
		args = append(args, site)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY url`, args...)
	if err != nil {
		return fmt.Errorf("list captures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCapture(rows)
		if err != nil {
			return fmt.Errorf("list captures: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list captures: %w", err)
	}
	return nil
}

// DueCaptures returns the records whose next visit is at or before now,
// never-fetched ones first, at most limit of them (0: no limit).
func (s *Store) DueCaptures(ctx context.Context, site string, now time.Time, limit int) ([]*Capture, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+captureColumns+` FROM captures
		WHERE site = ? AND next_visit <= ? ORDER BY fetched_at != '', next_visit, url LIMIT ?`,
		site, formatTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due captures of %s: %w", site, err)
	}
	defer rows.Close()
	var out []*Capture
	for rows.Next() {
		c, err := scanCapture(rows)
		if err != nil {
			return nil, fmt.Errorf("due captures of %s: %w", site, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ArticleURL is an archived article known by URL.
type ArticleURL struct {
	ID, URL, Site string
}

// UncapturedArticles lists articles that have a URL but no capture: the
// "Original url" of imported text dumps, which the crawler may fetch to
// complete them.
func (s *Store) UncapturedArticles(ctx context.Context) ([]ArticleURL, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, url, site FROM articles a WHERE url != ''
		AND NOT EXISTS (SELECT 1 FROM captures c WHERE c.article_id = a.id) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("uncaptured articles: %w", err)
	}
	defer rows.Close()
	var out []ArticleURL
	for rows.Next() {
		var a ArticleURL
		if err := rows.Scan(&a.ID, &a.URL, &a.Site); err != nil {
			return nil, fmt.Errorf("uncaptured articles: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler/extract"
	"github.com/oped/oped/crawler/fetch"
	"github.com/oped/oped/crawler/urlnorm"
	"github.com/oped/oped/crawler/warc"
)

// maxReplayBody matches the crawler's fetch limit.
const maxReplayBody = 5 << 20

// Replay reads back the stored response of every article capture of site
// ("" for all sites; each
// WARC record once, though several URLs may point to it) and calls fn with
// the page as the crawler saw it, body decoded to UTF-8. It is how
// `oped reextract` re-runs extractors without fetching anything. cfg, if
// not nil, supplies per-site charset defaults.
func Replay(ctx context.Context, store *archive.Store, warcDir string, cfg *Config, site string, fn func(*archive.Capture, *extract.Page) error) error {
	return replay(ctx, store, warcDir, cfg, site, fn, func(_ *archive.Capture, err error) error { return err })
}

// replay is Replay with a say in what a capture that cannot be read back
// does: unreadable returns nil to go on with the next capture.
func replay(ctx context.Context, store *archive.Store, warcDir string, cfg *Config, site string,
	fn func(*archive.Capture, *extract.Page) error, unreadable func(*archive.Capture, error) error) error {
	var caps []*archive.Capture
	err := store.ForEachCapture(ctx, site, func(c *archive.Capture) error {
		if c.Kind == KindArticle && c.WARCFile != "" && c.Status == http.StatusOK {
			caps = append(caps, c)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	done := map[string]bool{}
	for _, c := range caps {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := fmt.Sprintf("%s@%d", c.WARCFile, c.WARCOffset)
		if done[key] {
			continue
		}
		done[key] = true
		resp, err := warc.ReadResponse(warcDir, c.WARCFile, c.WARCOffset)
		if err != nil {
			if err := unreadable(c, fmt.Errorf("replay %s: %w", c.URL, err)); err != nil {
				return err
			}
			continue
		}
		charset := ""
		if cfg != nil {
			if s := cfg.site(c.Site); s != nil {
				charset = s.Charset
			}
		}
		page, err := pageFromResponse(resp, charset)
		if err != nil {
			if err := unreadable(c, fmt.Errorf("replay %s: %w", c.URL, err)); err != nil {
				return err
			}
			continue
		}
		if err := fn(c, page); err != nil {
			return err
		}
	}
	return nil
}

func pageFromResponse(resp *warc.Response, charset string) (*extract.Page, error) {
	body, err := fetch.Decode(resp.Body, resp.Header.Get("Content-Encoding"), maxReplayBody)
	if err != nil {
		return nil, err
	}
	body, _, err = fetch.ToUTF8(body, resp.Header.Get("Content-Type"), charset)
	if err != nil {
		return nil, err
	}
	return &extract.Page{URL: resp.URL, Status: resp.Status, Header: resp.Header, Body: body}, nil
}

// extractorFor returns the extractor of the site a capture or URL belongs
// to, by site name first, then by URL; generic when no site claims it.
func (c *Config) extractorFor(siteName, u string) (*Site, extract.Func) {
	if c != nil {
		if s := c.site(siteName); s != nil {
			return s, s.extract
		}
		if s := c.siteFor(u); s != nil {
			return s, s.extract
		}
	}
	f, _ := extract.Lookup("generic")
	return nil, f
}

// ReextractSummary counts what a re-extraction or WARC import did.
type ReextractSummary struct {
	New, Changed, Unchanged int
	NotArticles             int // pages an extractor declined (listings, soft 404s)
	Failed                  int
	// Failures says which pages failed and why ("URL: error"), the first
	// MaxReportedFailures of them, so a broken extractor can be found.
	Failures []string
	Duration time.Duration
}

// MaxReportedFailures bounds ReextractSummary.Failures.
const MaxReportedFailures = 20

func (s *ReextractSummary) fail(url string, err error) {
	s.Failed++
	if len(s.Failures) < MaxReportedFailures {
		s.Failures = append(s.Failures, url+": "+err.Error())
	}
}

func (s ReextractSummary) String() string {
	return fmt.Sprintf("%d new, %d changed, %d unchanged, %d not articles, %d failed in %s",
		s.New, s.Changed, s.Unchanged, s.NotArticles, s.Failed, s.Duration.Round(time.Millisecond))
}

func (s *ReextractSummary) add(o archive.Outcome) {
	switch o {
	case archive.Inserted:
		s.New++
	case archive.Updated:
		s.Changed++
	default:
		s.Unchanged++
	}
}

// Reextract runs the current extractors over every stored article capture
// of site ("" for all) and writes what changed to the archive as new
// versions: fixing a selector repairs the archive offline.
func Reextract(ctx context.Context, store *archive.Store, cfg *Config, warcDir, site string) (ReextractSummary, error) {
	started := time.Now()
	var sum ReextractSummary
	// One capture that cannot be read back (a WARC file deleted or damaged)
	// is a failure to report, not a reason to leave the rest unrepaired.
	skip := func(c *archive.Capture, err error) error {
		sum.fail(c.URL, err)
		return nil
	}
	err := replay(ctx, store, warcDir, cfg, site, func(c *archive.Capture, p *extract.Page) error {
		_, f := cfg.extractorFor(c.Site, c.URL)
		res, err := f(p)
		switch {
		case extract.IsNotArticle(err):
			sum.NotArticles++
			return nil
		case err != nil:
			sum.fail(c.URL, err)
			return nil
		}
		fillArticle(res.Article, p.URL)
		put, err := store.Put(ctx, res.Article)
		if err != nil {
			return fmt.Errorf("reextract %s: %w", c.URL, err)
		}
		sum.add(put.Outcome)
		return nil
	}, skip)
	sum.Duration = time.Since(started)
	return sum, err
}

func fillArticle(a *archive.Article, pageURL string) {
	if a.URL == "" {
		a.URL = pageURL
	}
	if a.Site == "" {
		a.Site = archive.SiteForHost(hostname(a.URL))
	}
}

// ImportWARC extracts articles from the HTML responses of a .warc or
// .warc.gz file (written by oped or any other archiving tool) and commits
// each with a capture pointing into the file, so it can be replayed later.
// cfg picks the extractor by URL; nil uses the generic one.
func ImportWARC(ctx context.Context, store *archive.Store, cfg *Config, path string) (ReextractSummary, error) {
	started := time.Now()
	abs, err := filepath.Abs(path)
	if err != nil {
		return ReextractSummary{}, fmt.Errorf("import %s: %w", path, err)
	}
	var sum ReextractSummary
	err = warc.ForEachResponse(ctx, abs, func(resp *warc.Response) error {
		ct := fetch.ContentType(resp.Header)
		if resp.Status != http.StatusOK || (ct != "" && !strings.Contains(ct, "html")) {
			return nil
		}
		u, err := urlnorm.Normalize(resp.URL)
		if err != nil {
			return nil
		}
		site, f := cfg.extractorFor("", u)
		charset := ""
		siteName := archive.SiteForHost(hostname(u))
		if site != nil {
			charset, siteName = site.Charset, site.Name
		}
		page, err := pageFromResponse(resp, charset)
		if err != nil {
			sum.fail(u, err)
			return nil
		}
		res, err := f(page)
		if extract.IsNotArticle(err) {
			sum.NotArticles++
			return nil
		}
		if err != nil {
			sum.fail(u, err)
			return nil
		}
		fillArticle(res.Article, page.URL)
		cp := &archive.Capture{
			URL: u, Site: siteName, Kind: KindArticle, Status: resp.Status,
			ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), ContentType: ct,
			WARCFile: abs, WARCOffset: resp.Offset, FirstFetched: resp.Date, FetchedAt: resp.Date,
		}
		if prev, err := store.Capture(ctx, u); err == nil && prev.FetchedAt.After(resp.Date) {
			// The archive has a newer capture: keep pointing at it.
			put, err := store.Put(ctx, res.Article)
			if err != nil {
				return fmt.Errorf("import %s: %w", u, err)
			}
			sum.add(put.Outcome)
			return nil
		} else if err != nil && !errors.Is(err, archive.ErrNotFound) {
			return fmt.Errorf("import %s: %w", u, err)
		}
		put, err := store.PutArticleCapture(ctx, res.Article, cp)
		if err != nil {
			return fmt.Errorf("import %s: %w", u, err)
		}
		sum.add(put.Outcome)
		return nil
	})
	sum.Duration = time.Since(started)
	if err != nil {
		return sum, fmt.Errorf("import %s: %w", path, err)
	}
	return sum, nil
}

package crawler

import (
	"bytes"
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler/discover"
	"github.com/oped/oped/crawler/extract"
	"github.com/oped/oped/crawler/fetch"
	"github.com/oped/oped/crawler/urlnorm"
	"github.com/oped/oped/crawler/warc"
)

// Kinds of crawled pages, as recorded in archive.Capture.Kind.
const (
	KindArticle = "article"
	KindListing = "listing"
	KindFeed    = "feed"
	KindSitemap = "sitemap"
	KindPage    = "page" // a seed of unknown kind: decided by its content
)

// Revisit schedule. Young articles still get corrected and updated; old
// ones rarely change. Listings are re-read every run from their entry
// pages; pages deeper in a listing only when due or when a shallower page
// showed something new.
const (
	youngArticleAge      = 7 * 24 * time.Hour
	youngArticleInterval = 24 * time.Hour
	oldArticleInterval   = 30 * 24 * time.Hour
	listingInterval      = 24 * time.Hour
	robotsRetryInterval  = 7 * 24 * time.Hour
	firstFailureDelay    = time.Hour
	maxFailureDelay      = 30 * 24 * time.Hour
)

// ErrUnknownSite says --site named a site the configuration does not have.
var ErrUnknownSite = errors.New("unknown site")

// Options say what one crawl run does.
type Options struct {
	Sites       []string // site names to crawl; empty: all
	MaxPages    int      // overrides every site's max_pages when > 0
	Seeds       []string // fetch only these URLs, whatever their schedule says
	FromArchive bool     // fetch only archived URLs: uncaptured dump URLs and due articles
	WARCDir     string   // where WARC files go (required)
	Concurrency int      // workers per site (2)
	Progress    io.Writer
	Logger      *slog.Logger
	// Now is the clock for schedules (tests move it forward); nil: time.Now.
	Now func() time.Time
	// Tune adjusts the HTTP client (timeouts, retries, test resolvers).
	Tune func(*fetch.Config)
	// OnCommit, if set, runs after each article is committed (the command
	// links syndicated copies there). Its errors are logged, not fatal.
	OnCommit func(ctx context.Context, a *archive.Article) error
}

// Summary counts what a run did. New, Changed and Unchanged count articles
// fetched in full; NotModified counts 304 answers; Failed and SkippedRobots
// count pages of any kind.
type Summary struct {
	New, Changed, Unchanged, NotModified, Failed, SkippedRobots int
	Fetched                                                     int // pages requested (robots.txt not counted)
	Duration                                                    time.Duration
}

func (s Summary) String() string {
	return fmt.Sprintf("crawl: %d new, %d changed, %d unchanged, %d not modified, %d failed, %d skipped by robots.txt (%d pages in %s)",
		s.New, s.Changed, s.Unchanged, s.NotModified, s.Failed, s.SkippedRobots, s.Fetched, s.Duration.Round(time.Millisecond))
}

// item is a URL waiting in a site's queue.
type item struct {
	url   string
	site  *Site
	kind  string
	depth int
	prio  int // lower first
	seq   int
	entry bool // a configured start page, feed or sitemap
}

// Priorities: seeds and entry points first, then articles, then deeper
// listing pages, so a page budget is spent on articles already found
// before more are discovered.
const (
	prioSeed = iota
	prioEntry
	prioArticle
	prioListing
)

type queue []*item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].prio != q[j].prio {
		return q[i].prio < q[j].prio
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// crawl is the state of one run.
type crawl struct {
	store  *archive.Store
	cfg    *Config
	opts   Options
	client *fetch.Client
	log    *slog.Logger
	now    func() time.Time
	bar    *progressbar.ProgressBar

	mu       sync.Mutex
	cond     *sync.Cond
	queues   map[*Site]*queue
	active   map[*Site]bool // sites this run crawls
	adhoc    map[string]*Site
	inflight int
	seq      int
	seen     map[string]bool
	known    map[string]*archive.Capture
	budget   map[*Site]int
	sum      Summary
	seedMode bool
	fatal    error

	// revalidated holds the capture rows of 304 answers, written a batch
	// at a time: one transaction per unchanged page cost as much as the
	// request itself. A kill loses only some next-visit times, and those
	// pages are asked for (conditionally) again; no article is at stake.
	revalidatedMu sync.Mutex
	revalidated   []*archive.Capture
}

const revalidatedBatch = 200

// Run crawls the configured sites (or the seeds, or the archive's URLs)
// once and returns what it did. It writes only the archive and the WARC
// files. Each article is committed with its capture in one transaction,
// so an interrupted run loses at most the pages in flight, and the next
// run resumes from the archive: pages committed are not fetched again
// until due, URLs discovered but not fetched are.
func Run(ctx context.Context, store *archive.Store, cfg *Config, opts Options) (Summary, error) {
	started := time.Now()
	if opts.WARCDir == "" {
		return Summary{}, errors.New("crawl: no WARC directory")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 2
	}
	c := &crawl{
		store: store, cfg: cfg, opts: opts, log: opts.Logger, now: opts.Now,
		queues: map[*Site]*queue{}, active: map[*Site]bool{}, adhoc: map[string]*Site{},
		seen: map[string]bool{}, known: map[string]*archive.Capture{}, budget: map[*Site]int{},
		seedMode: len(opts.Seeds) > 0,
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.cond = sync.NewCond(&c.mu)
	for _, name := range opts.Sites {
		s := cfg.site(name)
		if s == nil {
			var names []string
			for _, s := range cfg.Sites {
				names = append(names, s.Name)
			}
			return Summary{}, fmt.Errorf("%w %q (configured: %s)", ErrUnknownSite, name, strings.Join(names, ", "))
		}
		c.active[s] = true
	}
	if len(opts.Sites) == 0 {
		for _, s := range cfg.Sites {
			c.active[s] = true
		}
	}

	w, err := warc.NewWriter(opts.WARCDir, cfg.UserAgent)
	if err != nil {
		return Summary{}, fmt.Errorf("crawl: %w", err)
	}
	fc := fetch.Config{UserAgent: cfg.UserAgent, AllowPrivateAddresses: cfg.AllowPrivateAddresses, Recorder: w, Logger: c.log}
	if opts.Tune != nil {
		opts.Tune(&fc)
	}
	c.client = fetch.New(fc)
	defer c.client.Close()
	defer func() {
		if err := w.Close(); err != nil {
			c.log.Error("close WARC file", "err", err)
		}
	}()

	if opts.Progress != nil {
		c.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(opts.Progress), progressbar.OptionShowCount(),
			progressbar.OptionSetDescription("crawling"), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetElapsedTime(true))
	}

	if err := c.seed(ctx); err != nil {
		return c.sum, err
	}

	// Wake waiting workers when the run is cancelled.
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()

	var wg sync.WaitGroup
	c.mu.Lock()
	sites := make([]*Site, 0, len(c.active))
	for s := range c.active {
		sites = append(sites, s)
	}
	c.mu.Unlock()
	for _, s := range sites {
		for range opts.Concurrency {
			wg.Go(func() { c.work(ctx, s) })
		}
	}
	wg.Wait()
	if err := c.flushRevalidated(ctx); err != nil && c.fatal == nil {
		c.fatal = err
	}
	if c.bar != nil {
		c.bar.Finish()
	}
	c.sum.Duration = time.Since(started)
	if c.fatal != nil {
		return c.sum, c.fatal
	}
	if err := ctx.Err(); err != nil {
		return c.sum, fmt.Errorf("crawl interrupted: %w", err)
	}
	return c.sum, nil
}

// seed fills the queues: the seeds; or the archive's uncaptured and due
// URLs; or every active site's entry points and due URLs.
func (c *crawl) seed(ctx context.Context) error {
	err := c.store.ForEachCapture(ctx, "", func(cp *archive.Capture) error {
		c.known[cp.URL] = cp
		return nil
	})
	if err != nil {
		return fmt.Errorf("crawl: %w", err)
	}
	var pending []*archive.Capture
	switch {
	case c.seedMode:
		for _, raw := range c.opts.Seeds {
			u, err := urlnorm.Normalize(raw)
			if err != nil {
				return fmt.Errorf("seed %q: %w", raw, err)
			}
			s := c.siteFor(u)
			// A seed is fetched whatever --site selects: its site gets
			// workers too.
			c.mu.Lock()
			c.active[s] = true
			c.mu.Unlock()
			kind := s.kindOf(u)
			c.enqueue(&item{url: u, site: s, kind: kind, prio: prioSeed}, true)
			pending = append(pending, c.pendingCapture(u, s, kind, 0))
		}
	case c.opts.FromArchive:
		unc, err := c.store.UncapturedArticles(ctx)
		if err != nil {
			return fmt.Errorf("crawl: %w", err)
		}
		for _, a := range unc {
			u, err := urlnorm.Normalize(a.URL)
			if err != nil {
				c.log.Warn("archived article has an unusable URL", "id", a.ID, "url", a.URL, "err", err)
				continue
			}
			s := c.siteFor(u)
			if len(c.opts.Sites) > 0 && !c.active[s] {
				continue
			}
			c.enqueue(&item{url: u, site: s, kind: KindArticle, prio: prioArticle}, true)
			pending = append(pending, c.pendingCapture(u, s, KindArticle, 0))
		}
		for _, cp := range c.dueCaptures() {
			if cp.Kind != KindArticle {
				continue
			}
			s := c.cfg.site(cp.Site)
			if s == nil {
				s = c.adhocSite(cp.Site)
			}
			if len(c.opts.Sites) > 0 && !c.active[s] {
				continue
			}
			c.enqueue(&item{url: cp.URL, site: s, kind: cp.Kind, depth: cp.Depth, prio: prioArticle}, true)
		}
	default:
		for _, s := range c.cfg.Sites {
			if !c.active[s] {
				continue
			}
			for _, u := range s.Start {
				c.enqueue(&item{url: u, site: s, kind: KindListing, prio: prioEntry, entry: true}, true)
			}
			for _, u := range s.Feeds {
				c.enqueue(&item{url: u, site: s, kind: KindFeed, prio: prioEntry, entry: true}, true)
			}
			for _, u := range s.Sitemaps {
				c.enqueue(&item{url: u, site: s, kind: KindSitemap, prio: prioEntry, entry: true}, true)
			}
		}
		for _, cp := range c.dueCaptures() {
			s := c.cfg.site(cp.Site)
			if s == nil || !c.active[s] {
				continue
			}
			prio := prioArticle
			if cp.Kind != KindArticle {
				prio = prioListing
			}
			c.enqueue(&item{url: cp.URL, site: s, kind: cp.Kind, depth: cp.Depth, prio: prio}, true)
		}
	}
	return c.persistDiscovered(ctx, pending)
}

// dueCaptures lists known URLs never fetched or due for a visit.
func (c *crawl) dueCaptures() []*archive.Capture {
	now := c.now()
	var out []*archive.Capture
	for _, cp := range c.known {
		if cp.FetchedAt.IsZero() || !cp.NextVisit.After(now) {
			out = append(out, cp)
		}
	}
	return out
}

// siteFor returns the configured site a URL belongs to, or a generic
// stand-in named after its host.
func (c *crawl) siteFor(u string) *Site {
	if s := c.cfg.siteFor(u); s != nil {
		return s
	}
	return c.adhocSite(archive.SiteForHost(hostname(u)))
}

func (c *crawl) adhocSite(name string) *Site {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.adhoc[name]; ok {
		return s
	}
	s := &Site{Name: name, Extractor: "generic", MaxDepth: 1}
	s.Rate, s.MaxPages = DefaultRate, DefaultMaxPages
	s.extract, _ = extract.Lookup("generic")
	s.hosts = map[string]bool{}
	c.adhoc[name] = s
	c.active[s] = true
	return s
}

// hostname is a URL's host without port.
func hostname(u string) string {
	h := urlnorm.Host(u)
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	return strings.Trim(h, "[]")
}

// kindOf classifies a seed URL by the site's configuration.
func (s *Site) kindOf(u string) string {
	switch {
	case s.isArticle(u):
		return KindArticle
	case contains(s.Feeds, u):
		return KindFeed
	case contains(s.Sitemaps, u):
		return KindSitemap
	case contains(s.Start, u) || s.isListing(u):
		return KindListing
	}
	return KindPage
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// enqueue adds a URL to its site's queue unless it was queued already in
// this run or, unless force, its capture is not due yet.
func (c *crawl) enqueue(it *item, force bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[it.url] || (!c.active[it.site] && !force) {
		return false
	}
	if cp := c.known[it.url]; cp != nil && !force && !cp.FetchedAt.IsZero() && cp.NextVisit.After(c.now()) {
		return false
	}
	c.seen[it.url] = true
	q := c.queues[it.site]
	if q == nil {
		q = &queue{}
		c.queues[it.site] = q
	}
	c.seq++
	it.seq = c.seq
	heap.Push(q, it)
	c.cond.Broadcast()
	return true
}

// next hands a worker the site's next item. It returns false when the
// site is done: the context is cancelled, the site's page budget is spent,
// or no queue has work left and nothing is in flight that could add some
// (a page of one site may queue an article of another).
func (c *crawl) next(ctx context.Context, s *Site) (*item, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if ctx.Err() != nil || c.fatal != nil {
			return nil, false
		}
		if c.budget[s] >= c.maxPages(s) {
			// What is left stays recorded as due for the next run.
			return nil, false
		}
		if q := c.queues[s]; q != nil && q.Len() > 0 {
			c.budget[s]++
			c.inflight++
			return heap.Pop(q).(*item), true
		}
		if c.inflight == 0 && !c.runnableLocked() {
			c.cond.Broadcast()
			return nil, false
		}
		c.cond.Wait()
	}
}

// runnableLocked says whether some site has queued work, budget left and
// workers to do it.
func (c *crawl) runnableLocked() bool {
	for s, q := range c.queues {
		if c.active[s] && q.Len() > 0 && c.budget[s] < c.maxPages(s) {
			return true
		}
	}
	return false
}

func (c *crawl) maxPages(s *Site) int {
	if c.opts.MaxPages > 0 {
		return c.opts.MaxPages
	}
	return s.MaxPages
}

func (c *crawl) work(ctx context.Context, s *Site) {
	for {
		it, ok := c.next(ctx, s)
		if !ok {
			return
		}
		err := c.process(ctx, it)
		c.mu.Lock()
		if err != nil && c.fatal == nil && ctx.Err() == nil {
			// Only archive failures end a run: a store that cannot be
			// written must not be crawled into.
			c.fatal = err
		}
		c.inflight--
		c.cond.Broadcast()
		c.mu.Unlock()
		if c.bar != nil {
			c.mu.Lock()
			desc := fmt.Sprintf("%s: %d new, %d changed, %d failed", s.Name, c.sum.New, c.sum.Changed, c.sum.Failed)
			c.mu.Unlock()
			c.bar.Describe(desc)
			_ = c.bar.Add(1)
		}
	}
}

func (c *crawl) count(f func(*Summary)) {
	c.mu.Lock()
	f(&c.sum)
	c.mu.Unlock()
}

func (c *crawl) knownCapture(u string) *archive.Capture {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.known[u]
}

func (c *crawl) remember(cps ...*archive.Capture) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cp := range cps {
		c.known[cp.URL] = cp
	}
}

// pendingCapture is the record of a URL discovered but not fetched yet.
func (c *crawl) pendingCapture(u string, s *Site, kind string, depth int) *archive.Capture {
	return &archive.Capture{URL: u, Site: s.Name, Kind: kind, Depth: depth}
}

// process fetches one URL and does what its kind calls for. Only archive
// write errors are returned; page failures are counted and recorded.
func (c *crawl) process(ctx context.Context, it *item) error {
	prev := c.knownCapture(it.url)
	cp := &archive.Capture{URL: it.url, Site: it.site.Name, Kind: it.kind, Depth: it.depth}
	if prev != nil {
		saved := *prev
		cp = &saved
		cp.Site, cp.Depth = it.site.Name, min(prev.Depth, it.depth)
		if it.kind != KindPage {
			cp.Kind = it.kind
		}
	}
	req := fetch.Request{URL: it.url, Rate: it.site.Rate}
	// Only a response that was used may be revalidated: a page that failed
	// (not an article, a feed that did not parse) is retried in full, or a
	// 304 would mark it fine without anything having been retried.
	if prev != nil && prev.Status == http.StatusOK && prev.WARCFile != "" && prev.Error == "" {
		req.ETag, req.LastModified = prev.ETag, prev.LastModified
	}
	c.count(func(s *Summary) { s.Fetched++ })
	resp, err := c.client.Fetch(ctx, req)
	now := c.now()
	cp.FetchedAt = now
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted: the URL stays due
		}
		return c.failed(ctx, it, cp, err)
	}
	if resp.Status == http.StatusNotModified {
		c.count(func(s *Summary) { s.NotModified++ })
		cp.Error, cp.Failures = "", 0
		cp.NextVisit = c.nextVisit(ctx, cp, time.Time{})
		return c.putRevalidated(ctx, cp)
	}

	cp.Status = resp.Status
	cp.ETag, cp.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	cp.ContentType = fetch.ContentType(resp.Header)
	sum := sha256.Sum256(resp.Body)
	cp.ContentHash = hex.EncodeToString(sum[:])
	cp.WARCFile, cp.WARCOffset = resp.Ref.File, resp.Ref.Offset
	if cp.FirstFetched.IsZero() {
		cp.FirstFetched = now
	}
	aliases := c.aliases(cp, resp.URL)

	kind := cp.Kind
	if kind == KindPage {
		kind = sniffKind(it.site, it.url, resp.Body)
		cp.Kind = kind
	}
	switch kind {
	case KindArticle:
		return c.article(ctx, it, cp, resp, aliases)
	case KindFeed:
		items, err := discover.ParseFeed(resp.Body)
		if err != nil {
			return c.failed(ctx, it, cp, err)
		}
		var links []*item
		for _, fi := range items {
			if u, err := urlnorm.Normalize(fi.URL); err == nil && it.site.wantsArticle(u) {
				links = append(links, &item{url: u, kind: KindArticle, prio: prioArticle})
			}
		}
		return c.expand(ctx, it, cp, aliases, links)
	case KindSitemap:
		sm, err := discover.ParseSitemap(resp.Body)
		if err != nil && (sm == nil || len(sm.Entries) == 0) {
			return c.failed(ctx, it, cp, err)
		}
		var links []*item
		for _, e := range sm.Entries {
			u, err := urlnorm.Normalize(e.URL)
			if err != nil {
				continue
			}
			if sm.Index {
				if it.site.sitemapFollow != nil && !it.site.sitemapFollow.MatchString(u) {
					continue
				}
				known := c.knownCapture(u)
				changed := known == nil || known.FetchedAt.IsZero() || e.LastMod.IsZero() || e.LastMod.After(known.FetchedAt)
				links = append(links, &item{url: u, kind: KindSitemap, prio: prioListing, entry: changed})
			} else if it.site.wantsArticle(u) {
				links = append(links, &item{url: u, kind: KindArticle, prio: prioArticle})
			}
		}
		return c.expand(ctx, it, cp, aliases, links)
	default: // listing
		body, _, err := fetch.ToUTF8(resp.Body, resp.Header.Get("Content-Type"), it.site.Charset)
		if err != nil {
			return c.failed(ctx, it, cp, err)
		}
		page, err := discover.ParseHTML(resp.URL, body)
		if err != nil {
			return c.failed(ctx, it, cp, err)
		}
		var links []*item
		for _, u := range page.Links {
			switch {
			case it.site.isArticle(u):
				links = append(links, &item{url: u, kind: KindArticle, prio: prioArticle})
			case it.site.isListing(u) && !c.seedMode:
				links = append(links, &item{url: u, kind: KindListing, prio: prioListing})
			}
		}
		if p := it.site.Paginate; p != nil && !c.seedMode && len(links) > 0 {
			next, ok := p.First, contains(it.site.Start, it.url)
			if off, isPage := p.pageOffset(it.url); isPage {
				next, ok = off+p.Step, true
			}
			if ok {
				links = append(links, &item{url: p.pageURL(next), kind: KindListing, prio: prioListing})
			}
		}
		return c.expand(ctx, it, cp, aliases, links)
	}
}

// wantsArticle says whether a URL from a feed or sitemap is an article of
// the site: it matches the article pattern, or, with none configured, it
// is on one of the site's hosts.
func (s *Site) wantsArticle(u string) bool {
	if s.article != nil {
		return s.article.MatchString(u)
	}
	return s.onHost(u)
}

// sniffKind decides what a seed of unknown kind is from its body.
func sniffKind(s *Site, u string, body []byte) string {
	head := bytes.ToLower(body[:min(len(body), 1024)])
	switch {
	case bytes.Contains(head, []byte("<urlset")) || bytes.Contains(head, []byte("<sitemapindex")) || bytes.HasPrefix(body, []byte{0x1f, 0x8b}):
		return KindSitemap
	case discover.IsFeed(body):
		return KindFeed
	case s.isListing(u):
		return KindListing
	}
	return KindArticle
}

// aliases records the final URL of a redirected fetch, so it counts as
// known and is not fetched again under that name.
func (c *crawl) aliases(cp *archive.Capture, finalURL string) []*archive.Capture {
	final, err := urlnorm.Normalize(finalURL)
	if err != nil || final == cp.URL {
		return nil
	}
	alias := *cp
	alias.URL = final
	c.mu.Lock()
	c.seen[final] = true
	c.mu.Unlock()
	return []*archive.Capture{&alias}
}

// expand records a listing, feed or sitemap as fetched and queues what it
// links to. Links deeper than the site's max_depth are dropped (articles
// are leaves and always kept), and so are links whose path repeats a
// segment (a crawl trap). When a page shows articles the archive has
// never seen, the listing pages it links to are fetched now even if not
// due, since older pieces may have moved onto them.
func (c *crawl) expand(ctx context.Context, it *item, cp *archive.Capture, aliases []*archive.Capture, links []*item) error {
	kept := links[:0]
	for _, l := range links {
		if urlnorm.RepeatsPathSegment(l.url) {
			c.log.Debug("crawl trap: path repeats a segment", "url", l.url, "linked_from", it.url)
			continue
		}
		kept = append(kept, l)
	}
	links = kept
	newArticles := 0
	for _, l := range links {
		if l.kind == KindArticle && c.knownCapture(l.url) == nil {
			newArticles++
		}
	}
	var pending []*archive.Capture
	for _, l := range links {
		l.site, l.depth = it.site, it.depth+1
		if l.kind != KindArticle && l.depth > it.site.MaxDepth {
			continue
		}
		force := l.entry || (l.kind != KindArticle && newArticles > 0)
		if c.knownCapture(l.url) == nil {
			pending = append(pending, c.pendingCapture(l.url, l.site, l.kind, l.depth))
		}
		c.enqueue(l, force)
	}
	if err := c.persistDiscovered(ctx, pending); err != nil {
		return err
	}
	cp.NextVisit = c.nextVisit(ctx, cp, time.Time{})
	return c.putCaptures(ctx, succeeded(append([]*archive.Capture{cp}, aliases...))...)
}

func (c *crawl) persistDiscovered(ctx context.Context, pending []*archive.Capture) error {
	if len(pending) == 0 {
		return nil
	}
	if _, err := c.store.AddDiscovered(ctx, pending...); err != nil {
		return fmt.Errorf("crawl: %w", err)
	}
	c.mu.Lock()
	for _, p := range pending {
		if c.known[p.URL] == nil {
			c.known[p.URL] = p
		}
	}
	c.mu.Unlock()
	return nil
}

// putRevalidated queues the capture of a 304 answer; see revalidated.
func (c *crawl) putRevalidated(ctx context.Context, cp *archive.Capture) error {
	c.revalidatedMu.Lock()
	c.revalidated = append(c.revalidated, cp)
	var batch []*archive.Capture
	if len(c.revalidated) >= revalidatedBatch {
		batch, c.revalidated = c.revalidated, nil
	}
	c.revalidatedMu.Unlock()
	if batch == nil {
		return nil
	}
	return c.putCaptures(ctx, batch...)
}

// flushRevalidated writes the queued 304 captures, even when the run was
// interrupted: they are already known.
func (c *crawl) flushRevalidated(ctx context.Context) error {
	c.revalidatedMu.Lock()
	batch := c.revalidated
	c.revalidated = nil
	c.revalidatedMu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	return c.putCaptures(context.WithoutCancel(ctx), batch...)
}

func (c *crawl) putCaptures(ctx context.Context, cps ...*archive.Capture) error {
	if err := c.store.PutCaptures(ctx, cps...); err != nil {
		return fmt.Errorf("crawl: %w", err)
	}
	c.remember(cps...)
	return nil
}

// article extracts and commits an article page.
func (c *crawl) article(ctx context.Context, it *item, cp *archive.Capture, resp *fetch.Response, aliases []*archive.Capture) error {
	body, _, err := fetch.ToUTF8(resp.Body, resp.Header.Get("Content-Type"), it.site.Charset)
	if err != nil {
		return c.failed(ctx, it, cp, err)
	}
	res, err := it.site.extract(&extract.Page{URL: resp.URL, Status: resp.Status, Header: resp.Header, Body: body})
	if err != nil {
		return c.failed(ctx, it, cp, fmt.Errorf("extract %s: %w", it.url, err))
	}
	a := res.Article
	if a.URL == "" {
		a.URL = resp.URL
	}
	if a.Site == "" {
		a.Site = archive.SiteForHost(hostname(a.URL))
	}
	// The page's canonical URL is the article's name: record it as known
	// too, so the crawl does not fetch the same page under it.
	if canon, err := urlnorm.Normalize(a.URL); err == nil && canon != cp.URL {
		dup := false
		for _, al := range aliases {
			dup = dup || al.URL == canon
		}
		if !dup {
			alias := *cp
			alias.URL = canon
			aliases = append(aliases, &alias)
			c.mu.Lock()
			c.seen[canon] = true
			c.mu.Unlock()
		}
	}
	cp.NextVisit = c.articleNextVisit(a.Published, cp.FirstFetched)
	for _, al := range aliases {
		al.NextVisit = cp.NextVisit
	}
	cps := succeeded(append([]*archive.Capture{cp}, aliases...))
	put, err := c.store.PutArticleCapture(ctx, a, cps...)
	if err != nil {
		return fmt.Errorf("crawl: %w", err)
	}
	c.remember(cps...)
	c.count(func(s *Summary) {
		switch put.Outcome {
		case archive.Inserted:
			s.New++
		case archive.Updated:
			s.Changed++
		default:
			s.Unchanged++
		}
	})
	c.log.Debug("article", "url", it.url, "id", put.ID, "outcome", put.Outcome.String(), "version", put.Version)
	if c.opts.OnCommit != nil && put.Outcome != archive.Unchanged {
		if err := c.opts.OnCommit(ctx, a); err != nil {
			c.log.Warn("after commit", "url", it.url, "id", put.ID, "err", err)
		}
	}
	c.syndicated(ctx, res.Links)
	return nil
}

// syndicated queues the originals an article names (Extract's Links) when
// they belong to a configured site.
func (c *crawl) syndicated(ctx context.Context, links []string) {
	var pending []*archive.Capture
	for _, raw := range links {
		u, err := urlnorm.Normalize(raw)
		if err != nil {
			continue
		}
		s := c.cfg.siteFor(u)
		if s == nil || !s.isArticle(u) || c.knownCapture(u) != nil || urlnorm.RepeatsPathSegment(u) {
			continue
		}
		pending = append(pending, c.pendingCapture(u, s, KindArticle, 0))
		c.enqueue(&item{url: u, site: s, kind: KindArticle, prio: prioArticle}, false)
	}
	if err := c.persistDiscovered(ctx, pending); err != nil {
		c.log.Error("record syndication links", "err", err)
	}
}

// succeeded clears the failure record of captures whose page was used.
// Until then a capture keeps counting its failures, so a page that keeps
// answering with something unusable backs off further each time.
func succeeded(cps []*archive.Capture) []*archive.Capture {
	for _, cp := range cps {
		cp.Error, cp.Failures = "", 0
	}
	return cps
}

// failed records a page that could not be fetched or used. Robots
// exclusions are skips, not failures.
func (c *crawl) failed(ctx context.Context, it *item, cp *archive.Capture, err error) error {
	now := c.now()
	cp.Error = err.Error()
	if errors.Is(err, fetch.ErrRobots) {
		c.count(func(s *Summary) { s.SkippedRobots++ })
		c.log.Debug("skipped by robots.txt", "url", it.url)
		cp.NextVisit = now.Add(robotsRetryInterval)
		return c.putCaptures(ctx, cp)
	}
	c.count(func(s *Summary) { s.Failed++ })
	c.log.Warn("page failed", "url", it.url, "site", it.site.Name, "err", err)
	cp.Failures++
	delay := firstFailureDelay << min(cp.Failures-1, 10)
	cp.NextVisit = now.Add(min(delay, maxFailureDelay))
	return c.putCaptures(ctx, cp)
}

// nextVisit schedules a capture fetched now. Articles answered 304 are
// scheduled by their publication date, looked up in the archive.
func (c *crawl) nextVisit(ctx context.Context, cp *archive.Capture, published time.Time) time.Time {
	if cp.Kind != KindArticle {
		return cp.FetchedAt.Add(listingInterval)
	}
	if published.IsZero() && cp.ArticleID != "" {
		if a, err := c.store.Get(ctx, cp.ArticleID); err == nil {
			published = a.Published
		}
	}
	return c.articleNextVisit(published, cp.FirstFetched)
}

func (c *crawl) articleNextVisit(published, firstFetched time.Time) time.Time {
	now := c.now()
	born := published
	if born.IsZero() {
		born = firstFetched
	}
	if !born.IsZero() && now.Sub(born) < youngArticleAge {
		return now.Add(youngArticleInterval)
	}
	return now.Add(oldArticleInterval)
}

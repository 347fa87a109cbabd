package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// ErrRobots says robots.txt forbids the URL for our user agent.
var ErrRobots = errors.New("disallowed by robots.txt")

// ErrRobotsUnavailable says robots.txt could not be read (a 5xx, 429 or
// network error): RFC 9309 then requires assuming everything is disallowed,
// so the page is a failure to retry later rather than a robots skip.
var ErrRobotsUnavailable = errors.New("robots.txt unavailable")

// maxCrawlDelay caps a robots.txt Crawl-delay, as Heritrix does, so one
// host cannot stall a crawl indefinitely.
const maxCrawlDelay = 300 * time.Second

const maxRobotsBytes = 500 << 10 // RFC 9309: parse at least 500 KiB

// host is the politeness state of one scheme+host: its robots rules, the
// minimum gap between requests, a small concurrency limit and a pause
// imposed by Retry-After.
//
// The gap is measured from the moment the previous request was written to
// the connection, not from when it was scheduled: a token bucket
// (x/time/rate) reserves slots before connecting, so a slow dial for one
// request lets the next one arrive at the server early.
type host struct {
	key string
	sem chan struct{}

	robotsOnce sync.Once
	robots     *robotstxt.Group
	robotsErr  error

	sendMu sync.Mutex // held from a request's turn until it is written

	mu         sync.Mutex
	interval   time.Duration // configured minimum gap between requests; 0 = none
	crawlDelay time.Duration
	pauseUntil time.Time
	lastWrite  time.Time
}

func (c *Client) host(u *url.URL) *host {
	key := u.Scheme + "://" + u.Host
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.hosts[key]
	if !ok {
		h = &host{key: key, sem: make(chan struct{}, c.cfg.HostConcurrency)}
		c.hosts[key] = h
	}
	return h
}

// setRate lowers the host's request rate to perSecond if that is slower
// than what it allows already; perSecond <= 0 means no configured limit.
func (h *host) setRate(perSecond float64) {
	if perSecond <= 0 {
		return
	}
	gap := time.Duration(float64(time.Second) / perSecond)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.interval = max(h.interval, gap)
}

func (h *host) setCrawlDelay(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.crawlDelay = min(d, maxCrawlDelay)
}

// Gap is the minimum time between two requests to the host.
func (h *host) gap() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return max(h.interval, h.crawlDelay)
}

// pause holds every request to the host until t (a Retry-After).
func (h *host) pause(until time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if until.After(h.pauseUntil) {
		h.pauseUntil = until
	}
}

// turn is a granted request slot. Call wrote once the request is on the
// wire (starting the gap for the next one) and done when the exchange ends.
type turn struct {
	h         *host
	wroteOnce sync.Once
	spaced    bool
}

func (t *turn) wrote() {
	t.wroteOnce.Do(func() {
		if !t.spaced {
			return
		}
		t.h.mu.Lock()
		t.h.lastWrite = time.Now()
		t.h.mu.Unlock()
		t.h.sendMu.Unlock()
	})
}

func (t *turn) done() {
	t.wrote()
	<-t.h.sem
}

// acquire waits for a concurrency slot, any pause, and the host's gap.
func (h *host) acquire(ctx context.Context) (*turn, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	t := &turn{h: h}
	fail := func(err error) (*turn, error) {
		t.done()
		return nil, fmt.Errorf("wait for %s: %w", h.key, err)
	}
	for {
		h.mu.Lock()
		wait := time.Until(h.pauseUntil)
		h.mu.Unlock()
		if wait <= 0 {
			break
		}
		if err := sleep(ctx, wait); err != nil {
			return fail(err)
		}
	}
	if h.gap() <= 0 {
		return t, nil
	}
	h.sendMu.Lock()
	t.spaced = true
	h.mu.Lock()
	wait := time.Until(h.lastWrite.Add(max(h.interval, h.crawlDelay)))
	h.mu.Unlock()
	if err := sleep(ctx, wait); err != nil {
		return fail(err)
	}
	return t, nil
}

// allowed reports whether robots.txt lets us fetch u, fetching and caching
// the host's robots.txt on first use.
func (c *Client) allowed(ctx context.Context, h *host, u *url.URL) error {
	h.robotsOnce.Do(func() { c.loadRobots(ctx, h) })
	if errors.Is(h.robotsErr, ErrBlockedAddress) {
		return fmt.Errorf("fetch %s: %w", u, h.robotsErr)
	}
	if h.robotsErr != nil {
		return fmt.Errorf("%w: %s: %w", ErrRobotsUnavailable, h.key, h.robotsErr)
	}
	if h.robots != nil && !h.robots.Test(u.RequestURI()) {
		return fmt.Errorf("%w: %s", ErrRobots, u)
	}
	return nil
}

func (c *Client) loadRobots(ctx context.Context, h *host) {
	target := h.key + "/robots.txt"
	var resp *Response
	var err error
	// The rules found apply to h, whichever host served them; via is the
	// host whose limiter each hop goes through.
	via := h
	// RFC 9309: follow at least five redirects for robots.txt.
	for hop := 0; hop <= 5; hop++ {
		resp, err = c.exchangePolitely(ctx, via, target, nil, maxRobotsBytes)
		if err != nil {
			break
		}
		loc := resp.Header.Get("Location")
		if !isRedirect(resp.Status) || loc == "" {
			break
		}
		next, perr := resp.finalURL().Parse(loc)
		if perr != nil {
			err = perr
			break
		}
		if next.Scheme+"://"+next.Host != via.key {
			// A robots.txt on another host: fetch it through that host's limiter.
			via = c.host(next)
		}
		target = next.String()
	}
	switch {
	case err != nil && errors.Is(err, ErrTooLarge) && resp != nil:
		// Parse what fits, as RFC 9309 allows.
	case err != nil:
		h.robotsErr = err
		return
	case resp.Status == 429 || resp.Status >= 500:
		h.robotsErr = fmt.Errorf("status %d", resp.Status)
		return
	case resp.Status >= 400 || isRedirect(resp.Status):
		return // no robots.txt: everything is allowed
	}
	data, perr := robotstxt.FromStatusAndBytes(resp.Status, resp.Body)
	if perr != nil {
		c.cfg.Logger.Warn("unparseable robots.txt, assuming no rules", "url", target, "err", perr)
		return
	}
	h.robots = data.FindGroup(c.agentToken)
	if h.robots.CrawlDelay > 0 {
		h.setCrawlDelay(h.robots.CrawlDelay)
	}
}

// agentToken is the product token robots.txt groups are matched against:
// "oped" for "oped/1.0 (+https://...)".
func agentToken(userAgent string) string {
	tok, _, _ := strings.Cut(userAgent, "/")
	tok, _, _ = strings.Cut(tok, " ")
	return strings.ToLower(tok)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

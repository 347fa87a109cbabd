// Package fetch is the crawler's polite, defensive HTTP client: robots.txt
// and per-host rate limits, refusal of private addresses, size limits after
// decompression, timeouts, redirects with loop detection, retries with
// backoff and Retry-After, and a record of every exchange for the WARC files.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Config tunes a Client. Zero values take the defaults in parentheses.
type Config struct {
	UserAgent             string
	AllowPrivateAddresses bool
	MaxBodyBytes          int64         // after decompression (5 MiB)
	ConnectTimeout        time.Duration // TCP connect (10 s)
	HeaderTimeout         time.Duration // request sent to response headers (20 s)
	Timeout               time.Duration // one whole exchange, body included (60 s)
	MaxRedirects          int           // (10)
	MaxRetries            int           // retries after the first attempt (3); negative: none
	RetryInitial          time.Duration // first backoff delay (1 s)
	MaxRetryAfter         time.Duration // cap on a Retry-After wait (5 min)
	HostConcurrency       int           // requests in flight per host (2)

	// Recorder, if set, receives every exchange (robots.txt, redirects and
	// retried attempts included) and returns where it stored it.
	Recorder Recorder
	Logger   *slog.Logger

	// Resolve replaces DNS and Connect the final connect; tests use them to
	// map names to addresses and to fail on any non-loopback dial.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	Connect func(ctx context.Context, network, address string) (net.Conn, error)
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.UserAgent == "" {
		c.UserAgent = "oped/1.0 (+https://github.com/oped/oped)"
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 5 << 20
	}
	def(&c.ConnectTimeout, 10*time.Second)
	def(&c.HeaderTimeout, 20*time.Second)
	def(&c.Timeout, 60*time.Second)
	def(&c.RetryInitial, time.Second)
	def(&c.MaxRetryAfter, 5*time.Minute)
	if c.MaxRedirects == 0 {
		c.MaxRedirects = 10
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 3
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.HostConcurrency <= 0 {
		c.HostConcurrency = 2
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Recorder stores exchanges (in WARC files) and says where.
type Recorder interface {
	Record(ctx context.Context, ex *Exchange) (Ref, error)
}

// Ref locates a stored response record.
type Ref struct {
	File   string
	Offset int64
}

// Exchange is one request and the response to it, body as transferred
// (still content-encoded).
type Exchange struct {
	Request   *http.Request
	Proto     string
	Status    int
	Header    http.Header
	Body      []byte
	Truncated bool // the body was cut at the size limit
	RemoteIP  string
	Time      time.Time
}

// Request is a page to fetch.
type Request struct {
	URL string
	// ETag and LastModified of the previous capture make the request
	// conditional: an unchanged page answers 304 with no body.
	ETag         string
	LastModified string
	// Rate is the site's request rate for the URL's host (per second);
	// <= 0 sets none. robots.txt Crawl-delay may slow it further.
	Rate float64
}

// Response is the outcome of a fetch after redirects.
type Response struct {
	URL       string // final URL
	Status    int
	Header    http.Header
	Body      []byte // decompressed, in the charset the server sent
	FetchedAt time.Time
	Ref       Ref // where the final response was recorded
	Redirects int
	Attempts  int
}

func (r *Response) finalURL() *url.URL {
	u, _ := url.Parse(r.URL)
	return u
}

// StatusError is a final answer other than 2xx or 304.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

var (
	ErrTooManyRedirects = errors.New("too many redirects")
	ErrRedirectLoop     = errors.New("redirect loop")
)

// Client fetches pages politely. It is safe for concurrent use.
type Client struct {
	cfg        Config
	http       *http.Client
	agentToken string

	mu    sync.Mutex
	hosts map[string]*host
}

// New returns a Client.
func New(cfg Config) *Client {
	cfg.setDefaults()
	d := newDialer(&cfg)
	transport := &http.Transport{
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		ResponseHeaderTimeout: cfg.HeaderTimeout,
		MaxIdleConnsPerHost:   cfg.HostConcurrency,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Client{
		cfg:        cfg,
		agentToken: agentToken(cfg.UserAgent),
		http: &http.Client{
			Transport: transport,
			// Redirects are followed by Fetch itself, so that each hop
			// passes robots.txt, the rate limiter and the recorder.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		hosts: map[string]*host{},
	}
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Fetch gets req.URL, following redirects. It returns the response together
// with an error for a final status other than 2xx/304 (*StatusError), so
// the caller can still record it.
func (c *Client) Fetch(ctx context.Context, req Request) (*Response, error) {
	target := req.URL
	seen := map[string]bool{target: true}
	for hop := 0; ; hop++ {
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("fetch %s: bad URL", target)
		}
		h := c.host(u)
		h.setRate(req.Rate)
		if err := c.allowed(ctx, h, u); err != nil {
			return nil, err
		}
		var cond *Request
		if hop == 0 {
			cond = &req
		}
		resp, err := c.fetchWithRetry(ctx, h, target, cond)
		if err != nil {
			return resp, err
		}
		resp.Redirects = hop
		loc := resp.Header.Get("Location")
		if isRedirect(resp.Status) && loc != "" {
			next, err := u.Parse(loc)
			if err != nil {
				return resp, fmt.Errorf("fetch %s: bad Location %q: %w", target, loc, err)
			}
			next.Fragment = ""
			if hop >= c.cfg.MaxRedirects {
				return resp, fmt.Errorf("fetch %s: %w (%d)", req.URL, ErrTooManyRedirects, hop+1)
			}
			if seen[next.String()] {
				return resp, fmt.Errorf("fetch %s: %w at %s", req.URL, ErrRedirectLoop, next)
			}
			seen[next.String()] = true
			target = next.String()
			continue
		}
		if resp.Status == http.StatusNotModified || (resp.Status >= 200 && resp.Status < 300) {
			return resp, nil
		}
		return resp, &StatusError{URL: target, Status: resp.Status}
	}
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// retryable says whether a failed attempt may succeed if repeated.
func retryable(status int, err error) bool {
	if err != nil {
		if errors.Is(err, ErrBlockedAddress) || errors.Is(err, ErrTooLarge) || errors.Is(err, context.Canceled) {
			return false
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return false
		}
		return true
	}
	switch status {
	case 408, 425, 429, 500, 502, 503, 504:
		return true
	}
	return false
}

func (c *Client) fetchWithRetry(ctx context.Context, h *host, target string, cond *Request) (*Response, error) {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = c.cfg.RetryInitial
	bo.MaxInterval = 64 * c.cfg.RetryInitial
	for attempt := 1; ; attempt++ {
		resp, err := c.exchangePolitely(ctx, h, target, cond, c.cfg.MaxBodyBytes)
		status := 0
		if resp != nil {
			resp.Attempts = attempt
			status = resp.Status
		}
		if ctx.Err() != nil {
			return resp, fmt.Errorf("fetch %s: %w", target, ctx.Err())
		}
		if !retryable(status, err) || attempt > c.cfg.MaxRetries {
			return resp, err
		}
		wait := bo.NextBackOff()
		if status == 429 || status == 503 {
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				wait = min(ra, c.cfg.MaxRetryAfter)
			}
			// The whole host is asked to slow down, not only this URL.
			h.pause(time.Now().Add(wait))
		}
		c.cfg.Logger.Debug("retrying", "url", target, "attempt", attempt, "status", status, "err", err, "wait", wait)
		if err := sleep(ctx, wait); err != nil {
			return resp, fmt.Errorf("fetch %s: %w", target, err)
		}
	}
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP-date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// exchangePolitely waits for the host's turn, then performs one exchange.
func (c *Client) exchangePolitely(ctx context.Context, h *host, target string, cond *Request, limit int64) (*Response, error) {
	t, err := h.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer t.done()
	return c.exchange(ctx, target, cond, limit, t.wrote)
}

// exchange performs one HTTP request, reads the body within the limits,
// records the exchange and decompresses the body.
func (c *Client) exchange(ctx context.Context, target string, cond *Request, limit int64, wrote func()) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", target, err)
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	// Asking for compression ourselves stops net/http from decompressing
	// transparently, so the size limit can be applied to the inflated body.
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	if cond != nil {
		if cond.ETag != "" {
			req.Header.Set("If-None-Match", cond.ETag)
		}
		if cond.LastModified != "" {
			req.Header.Set("If-Modified-Since", cond.LastModified)
		}
	}
	var remoteIP string
	ctx = withConnTrace(ctx, &remoteIP, wrote)
	req = req.WithContext(ctx)
	started := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", target, err)
	}
	defer resp.Body.Close()
	raw, readErr := readLimited(resp.Body, limit)
	if readErr != nil && !errors.Is(readErr, ErrTooLarge) {
		return nil, fmt.Errorf("fetch %s: read body: %w", target, readErr)
	}
	ex := &Exchange{
		Request: req, Proto: resp.Proto, Status: resp.StatusCode, Header: resp.Header,
		Body: raw, Truncated: readErr != nil, RemoteIP: remoteIP, Time: started,
	}
	out := &Response{URL: target, Status: resp.StatusCode, Header: resp.Header, FetchedAt: started}
	if c.cfg.Recorder != nil {
		ref, err := c.cfg.Recorder.Record(ctx, ex)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: record: %w", target, err)
		}
		out.Ref = ref
	}
	c.cfg.Logger.Debug("fetched", "url", target, "status", resp.StatusCode, "bytes", len(raw), "took", time.Since(started).Round(time.Millisecond))
	if readErr != nil {
		// What arrived before the cut is still readable; robots.txt, for
		// one, is parsed as far as it goes (RFC 9309).
		out.Body, _ = Decode(raw, resp.Header.Get("Content-Encoding"), limit)
		return out, fmt.Errorf("fetch %s: %w", target, readErr)
	}
	body, err := Decode(raw, resp.Header.Get("Content-Encoding"), limit)
	out.Body = body
	if err != nil {
		return out, fmt.Errorf("fetch %s: %w", target, err)
	}
	return out, nil
}

// ContentType is the media type of a response, lower-cased, without
// parameters.
func ContentType(h http.Header) string {
	ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(ct))
}

package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClient returns a client that may reach httptest's loopback servers,
// with fast retries.
func testClient(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{AllowPrivateAddresses: true, RetryInitial: 10 * time.Millisecond, UserAgent: "oped-test/1.0 (+http://example.org/contact)"}
	if mod != nil {
		mod(&cfg)
	}
	c := New(cfg)
	t.Cleanup(c.Close)
	return c
}

// requestLog records the arrival time of each request per path.
type requestLog struct {
	mu    sync.Mutex
	times map[string][]time.Time
	all   []time.Time
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.times == nil {
		l.times = map[string][]time.Time{}
	}
	l.times[r.URL.Path] = append(l.times[r.URL.Path], time.Now())
	if r.URL.Path != "/robots.txt" {
		l.all = append(l.all, time.Now())
	}
}

func (l *requestLog) count(path string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.times[path])
}

func (l *requestLog) minGap() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	gap := time.Duration(1 << 62)
	for i := 1; i < len(l.all); i++ {
		gap = min(gap, l.all[i].Sub(l.all[i-1]))
	}
	return gap
}

func TestRedirects(t *testing.T) {
	var log requestLog
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusMovedPermanently) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/c", http.StatusFound) })
	mux.HandleFunc("/c", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<p>arrived</p>") })
	mux.HandleFunc("/loop1", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop1", http.StatusFound) })
	mux.HandleFunc("/chain/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/chain/"), "%d", &n)
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusTemporaryRedirect)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { log.add(r); mux.ServeHTTP(w, r) }))
	defer srv.Close()

	rec := &memRecorder{}
	c := testClient(t, func(c *Config) { c.MaxRedirects = 5; c.Recorder = rec })
	ctx := context.Background()

	resp, err := c.Fetch(ctx, Request{URL: srv.URL + "/a"})
	if err != nil {
		t.Fatalf("redirect chain: %v", err)
	}
	if resp.URL != srv.URL+"/c" || resp.Redirects != 2 || string(resp.Body) != "<p>arrived</p>" {
		t.Errorf("got url %s after %d redirects, body %q", resp.URL, resp.Redirects, resp.Body)
	}
	// robots.txt (404), /a, /b, /c: every hop is recorded.
	if got := rec.urls(); len(got) != 4 {
		t.Errorf("recorded %d exchanges (%v), want 4", len(got), got)
	}

	if _, err := c.Fetch(ctx, Request{URL: srv.URL + "/loop1"}); !errors.Is(err, ErrRedirectLoop) {
		t.Errorf("loop: err = %v, want ErrRedirectLoop", err)
	}
	if log.count("/loop1") != 1 || log.count("/loop2") != 1 {
		t.Errorf("loop fetched /loop1 %d and /loop2 %d times, want once each", log.count("/loop1"), log.count("/loop2"))
	}
	if _, err := c.Fetch(ctx, Request{URL: srv.URL + "/chain/0"}); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("chain: err = %v, want ErrTooManyRedirects", err)
	}
}

func TestRetryAfter429(t *testing.T) {
	var log requestLog
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	c := testClient(t, nil)
	resp, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/page"})
	if err != nil || resp.Status != 200 || resp.Attempts != 2 {
		t.Fatalf("resp %+v err %v; want 200 after 2 attempts", resp, err)
	}
	if gap := log.minGap(); gap < 990*time.Millisecond {
		t.Errorf("retried after %v, want at least the Retry-After of 1s", gap)
	}
}

func TestRetryAfterCappedAndGivesUp(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := testClient(t, func(c *Config) { c.MaxRetryAfter = 50 * time.Millisecond; c.MaxRetries = 2 })
	start := time.Now()
	_, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/page"})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 503 {
		t.Fatalf("err = %v, want a 503 StatusError", err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", calls.Load())
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v: the Retry-After of an hour was not capped", took)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{"Tue, 24 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Tue, 24 Nov 2026 11:00:00 GMT", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTransientErrorsRetriedThenPermanentNot(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/flaky":
			if calls.Add(1) < 3 {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			fmt.Fprint(w, "finally")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := testClient(t, nil)
	resp, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/flaky"})
	if err != nil || resp.Attempts != 3 {
		t.Fatalf("flaky: attempts %v err %v", resp, err)
	}
	resp, err = c.Fetch(context.Background(), Request{URL: srv.URL + "/missing"})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 404 || resp.Attempts != 1 {
		t.Fatalf("404: err %v attempts %d; want one attempt and a 404 StatusError", err, resp.Attempts)
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/slow-headers":
			select {
			case <-release:
			case <-time.After(5 * time.Second):
			}
		case "/slow-body":
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			for i := 0; i < 50; i++ {
				select {
				case <-release:
					return
				case <-time.After(100 * time.Millisecond):
				}
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	defer close(release)
	c := testClient(t, func(c *Config) {
		c.HeaderTimeout = 200 * time.Millisecond
		c.Timeout = 500 * time.Millisecond
		c.MaxRetries = -1
	})
	for _, path := range []string{"/slow-headers", "/slow-body"} {
		start := time.Now()
		_, err := c.Fetch(context.Background(), Request{URL: srv.URL + path})
		took := time.Since(start)
		if err == nil {
			t.Errorf("%s: no error", path)
		}
		if took > 1500*time.Millisecond {
			t.Errorf("%s: took %v, want the timeout to cut it", path, took)
		}
	}
}

func gzipOf(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestGzipBombIsCut(t *testing.T) {
	bomb := gzipOf(t, make([]byte, 200<<20)) // 200 MiB of zeros, ~200 KiB compressed
	small := gzipOf(t, []byte("<p>small page</p>"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		case "/small":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(small)
		case "/huge":
			chunk := bytes.Repeat([]byte("a"), 64<<10)
			for i := 0; i < 1024; i++ { // 64 MiB unless the client hangs up
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := testClient(t, func(c *Config) { c.MaxBodyBytes = 1 << 20 })
	ctx := context.Background()

	resp, err := c.Fetch(ctx, Request{URL: srv.URL + "/small"})
	if err != nil || string(resp.Body) != "<p>small page</p>" {
		t.Fatalf("gzip page: %q %v", resp.Body, err)
	}
	for _, path := range []string{"/bomb", "/huge"} {
		start := time.Now()
		resp, err := c.Fetch(ctx, Request{URL: srv.URL + path})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", path, err)
		}
		if resp != nil && len(resp.Body) > 1<<20 {
			t.Errorf("%s: kept %d bytes, over the limit", path, len(resp.Body))
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s: took %v", path, took)
		}
	}
}

func TestConditionalRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` || r.Header.Get("If-Modified-Since") == "Mon, 02 Jan 2006 15:04:05 GMT" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, "body")
	}))
	defer srv.Close()
	c := testClient(t, nil)
	for _, req := range []Request{
		{URL: srv.URL + "/p", ETag: `"v1"`},
		{URL: srv.URL + "/p", LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"},
	} {
		resp, err := c.Fetch(context.Background(), req)
		if err != nil || resp.Status != http.StatusNotModified {
			t.Errorf("%+v: status %v err %v, want 304", req, resp, err)
		}
	}
}

func TestRobots(t *testing.T) {
	var log requestLog
	robots := "User-agent: *\nDisallow: /private/\nDisallow: /*?*=*\n\nUser-agent: *\nCrawl-delay: 0.3\n\nUser-agent: badbot\nDisallow: /\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, robots)
			return
		}
		fmt.Fprint(w, "page")
	}))
	defer srv.Close()
	c := testClient(t, nil)
	ctx := context.Background()
	for _, tt := range []struct {
		path    string
		allowed bool
	}{
		{"/public", true},
		{"/private/x", false},
		{"/list?page=2", false},
		{"/list", true},
		{"/public2", true},
	} {
		_, err := c.Fetch(ctx, Request{URL: srv.URL + tt.path})
		if tt.allowed && err != nil {
			t.Errorf("%s: %v", tt.path, err)
		}
		if !tt.allowed && !errors.Is(err, ErrRobots) {
			t.Errorf("%s: err = %v, want ErrRobots", tt.path, err)
		}
	}
	if n := log.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once (cached)", n)
	}
	if log.count("/private/x") != 0 {
		t.Error("a disallowed page was fetched")
	}
	if gap := log.minGap(); gap < 290*time.Millisecond {
		t.Errorf("requests %v apart, want at least the Crawl-delay of 300ms", gap)
	}
}

func TestRobotsUnavailable(t *testing.T) {
	var pages atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		pages.Add(1)
	}))
	defer srv.Close()
	c := testClient(t, func(c *Config) { c.MaxRetries = -1 })
	_, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/page"})
	if !errors.Is(err, ErrRobotsUnavailable) || errors.Is(err, ErrRobots) {
		t.Errorf("err = %v, want ErrRobotsUnavailable", err)
	}
	if pages.Load() != 0 {
		t.Error("fetched a page although robots.txt answered 500 (full disallow)")
	}
}

func TestRateLimitPerHost(t *testing.T) {
	var log requestLog
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { log.add(r) }))
	defer srv.Close()
	c := testClient(t, nil)
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Fetch(context.Background(), Request{URL: fmt.Sprintf("%s/p%d", srv.URL, i), Rate: 10}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if gap := log.minGap(); gap < 95*time.Millisecond {
		t.Errorf("requests %v apart, want at least 100ms at 10/s", gap)
	}
}

func TestCheckAddress(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true},
		{"127.9.9.9", true},
		{"::1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"fe80::1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"100.64.0.1", true},
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"192.0.2.10", true},
		{"64:ff9b::a00:1", true},
		{"2002:7f00:1::", true},
		{"93.184.216.34", false},
		{"8.8.8.8", false},
		{"172.32.0.1", false},
		{"2606:4700:4700::1111", false},
	}
	for _, tt := range tests {
		err := CheckAddress(netip.MustParseAddr(tt.addr))
		if (err != nil) != tt.blocked {
			t.Errorf("CheckAddress(%s) = %v, want blocked=%v", tt.addr, err, tt.blocked)
		}
		if err != nil && !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("CheckAddress(%s) error does not wrap ErrBlockedAddress", tt.addr)
		}
	}
}

// TestSSRFGuard drives the client through a fake resolver. The only public
// address the fake DNS hands out is rerouted to the loopback test server;
// any other connect attempt fails the test, so a broken guard can never
// send a packet anywhere.
func TestSSRFGuard(t *testing.T) {
	const publicIP = "93.184.216.34"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-metadata":
			http.Redirect(w, r, "http://metadata.test/latest/meta-data/", http.StatusFound)
		case "/to-loopback-ip":
			http.Redirect(w, r, "http://127.0.0.1:1/", http.StatusFound)
		case "/robots.txt":
			http.NotFound(w, r)
		default:
			fmt.Fprint(w, "public page")
		}
	}))
	defer srv.Close()
	srvAddr := srv.Listener.Addr().String()
	_, srvPort, _ := net.SplitHostPort(srvAddr)

	dns := map[string][]string{
		"public.test":    {publicIP},
		"metadata.test":  {"169.254.169.254"},
		"intranet.test":  {"10.0.0.7"},
		"localhost.test": {"127.0.0.1"},
		"mapped.test":    {"::ffff:192.168.0.1"},
		"ula.test":       {"fd00::5"},
		"mixed.test":     {"10.0.0.8", publicIP},
	}
	var mu sync.Mutex
	var connects []string
	c := testClient(t, func(c *Config) {
		c.AllowPrivateAddresses = false
		c.MaxRetries = -1
		c.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			var out []netip.Addr
			for _, s := range dns[host] {
				out = append(out, netip.MustParseAddr(s))
			}
			if out == nil {
				return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
			}
			return out, nil
		}
		c.Connect = func(ctx context.Context, network, address string) (net.Conn, error) {
			mu.Lock()
			connects = append(connects, address)
			mu.Unlock()
			if address != net.JoinHostPort(publicIP, srvPort) {
				t.Errorf("the guard let a connect to %s through", address)
				return nil, errors.New("test harness refused the connect")
			}
			var d net.Dialer
			return d.DialContext(ctx, network, srvAddr)
		}
	})
	ctx := context.Background()
	base := "http://public.test:" + srvPort

	if resp, err := c.Fetch(ctx, Request{URL: base + "/ok"}); err != nil || string(resp.Body) != "public page" {
		t.Fatalf("public host: %v", err)
	}
	if resp, err := c.Fetch(ctx, Request{URL: "http://mixed.test:" + srvPort + "/ok"}); err != nil || string(resp.Body) != "public page" {
		t.Fatalf("host with a private and a public address: %v", err)
	}
	blocked := []string{
		"http://metadata.test/latest/meta-data/",
		"http://intranet.test/",
		"http://localhost.test/",
		"http://mapped.test/",
		"http://ula.test/",
		"http://127.0.0.1:" + srvPort + "/",
		"http://[::1]:" + srvPort + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://0.0.0.0:" + srvPort + "/",
		base + "/to-metadata",
		base + "/to-loopback-ip",
	}
	for _, u := range blocked {
		_, err := c.Fetch(ctx, Request{URL: u})
		if !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("%s: err = %v, want ErrBlockedAddress", u, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range connects {
		if a != net.JoinHostPort(publicIP, srvPort) {
			t.Errorf("attempted connect to %s", a)
		}
	}
}

func TestDialerControlRefusesPrivate(t *testing.T) {
	d := newDialer(&Config{})
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "10.0.0.1:80", "169.254.169.254:80"} {
		if err := d.control("tcp", addr, nil); !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("control(%s) = %v", addr, err)
		}
	}
	if err := d.control("tcp", "93.184.216.34:80", nil); err != nil {
		t.Errorf("control(public) = %v", err)
	}
}

// memRecorder keeps exchanges in memory.
type memRecorder struct {
	mu  sync.Mutex
	exs []*Exchange
}

func (m *memRecorder) Record(ctx context.Context, ex *Exchange) (Ref, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.exs = append(m.exs, ex)
	return Ref{File: "mem", Offset: int64(len(m.exs))}, nil
}

func (m *memRecorder) urls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, ex := range m.exs {
		out = append(out, ex.Request.URL.String())
	}
	return out
}

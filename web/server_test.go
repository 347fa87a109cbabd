package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oped/oped/index"
)

// concrete fills a route pattern with values that exist in the shared
// fixture.
func concrete(path string) string {
	r := strings.NewReplacer(":id", "mt-korea-2017", ":n", "1", "*file", "app.css")
	return r.Replace(path)
}

func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	f := sharedFixture(t)
	routes := f.srv.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	targets := []string{"/no/such/route", "/api/v1/no-such", "/api/v1/search?sort=bad"}
	for _, r := range routes {
		targets = append(targets, concrete(r.Path))
	}
	for _, target := range targets {
		rec := get(t, f.srv, target)
		if rec.Code >= 500 {
			t.Errorf("GET %s: status %d", target, rec.Code)
		}
		h := rec.Header()
		for name, want := range map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "strict-origin-when-cross-origin",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("GET %s: %s = %q, want %q", target, name, got, want)
			}
		}
		for _, directive := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(h.Get("Content-Security-Policy"), directive) {
				t.Errorf("GET %s: CSP lacks %s", target, directive)
			}
		}
	}
}

func TestMethodsAndLimits(t *testing.T) {
	f := sharedFixture(t)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/search", strings.NewReader("q=x"))
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Body.String(), "method_not_allowed") {
		t.Errorf("POST /api/v1/search = %d %s, want 405 JSON", rec.Code, rec.Body)
	}
	if allow := rec.Header().Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("405 Allow header %q, want \"GET, HEAD\"", allow)
	}
	long := "/api/v1/search?q=" + strings.Repeat("a", maxURILength)
	if rec := get(t, f.srv, long); rec.Code != http.StatusRequestURITooLong {
		t.Errorf("long URI: status %d, want 414", rec.Code)
	}
}

func TestClientIPIgnoresForwardedFor(t *testing.T) {
	f := newFixture(t, nil, Config{})
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.RemoteAddr = "192.0.2.7:4242"
	req.Header.Set("X-Forwarded-For", "203.0.113.66")
	f.srv.ServeHTTP(httptest.NewRecorder(), req)
	logs := f.logs.String()
	if !strings.Contains(logs, "client=192.0.2.7") || strings.Contains(logs, "203.0.113.66") {
		t.Errorf("log trusts X-Forwarded-For:\n%s", logs)
	}
}

func TestRequestLogIsOneLinePerRequest(t *testing.T) {
	f := newFixture(t, nil, Config{})
	for _, target := range []string{"/healthz", "/a%0aFAKE%20level=ERROR", "/api/v1/search?q=%0d%0afake"} {
		get(t, f.srv, target)
	}
	lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n")
	var requests []string
	for _, l := range lines {
		if strings.Contains(l, "msg=request") {
			requests = append(requests, l)
		}
	}
	if len(requests) != 3 || len(lines) != 3 {
		t.Errorf("want exactly 3 log lines, one per request; got %d lines:\n%s", len(lines), f.logs)
	}
	for _, want := range []string{"method=GET", "status=200", "path=/healthz", "took="} {
		if !strings.Contains(requests[0], want) {
			t.Errorf("log line %q lacks %s", requests[0], want)
		}
	}
}

func TestStaticFiles(t *testing.T) {
	f := sharedFixture(t)
	css, err := f.srv.pages.assetURL("app.css")
	if err != nil {
		t.Fatal(err)
	}
	rec := get(t, f.srv, css)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") ||
		!strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s = %d %v", css, rec.Code, rec.Header())
	}
	if rec := get(t, f.srv, "/static/app.js?v=old"); rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("stale asset URL: %d, Cache-Control %q, want 200 no-cache", rec.Code, rec.Header().Get("Cache-Control"))
	}
	for _, bad := range []string{"/static/../server.go", "/static/%2e%2e/server.go", "/static/..%5cserver.go", "/static//etc/passwd", "/static/", "/static/templates/layout.html"} {
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bad, nil))
		if rec.Code == 200 && (strings.Contains(rec.Body.String(), "package web") || strings.Contains(rec.Body.String(), "root:")) {
			t.Errorf("GET %s served a file outside the assets", bad)
		}
		if rec.Code != 404 && rec.Code != 301 && rec.Code != 400 {
			t.Errorf("GET %s: status %d, want 404", bad, rec.Code)
		}
	}
}

// panicky is a Searcher whose Search panics, to inject a handler fault.
type panicky struct{ Searcher }

func (panicky) Search(context.Context, index.Request) (*index.Response, error) { panic("boom") }

func TestPanicBecomes500(t *testing.T) {
	f := newFixture(t, nil, Config{})
	logs := &syncBuffer{}
	srv, err := New(Config{}, panicky{f.ix}, f.store, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	code, doc := getJSON[errorDoc](t, srv, "/api/v1/search?q=x")
	if code != 500 || doc.Error.Code != "internal" || strings.Contains(doc.Error.Message, "boom") {
		t.Errorf("panic: %d %+v, want 500 internal without details", code, doc)
	}
	if !strings.Contains(logs.String(), "handler panic") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged:\n%s", logs)
	}
}

// slowSearcher holds every search until released, to test shutdown and
// the search bound.
type slowSearcher struct {
	Searcher
	started chan struct{}
	release chan struct{}
	calls   atomic.Int32
}

func (s *slowSearcher) Search(ctx context.Context, req index.Request) (*index.Response, error) {
	s.calls.Add(1)
	s.started <- struct{}{}
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Searcher.Search(ctx, req)
}

// stubbornSearcher holds its search slot until released, whatever the
// context says, like a search stuck in a long merge.
type stubbornSearcher struct {
	Searcher
	started chan struct{}
	release chan struct{}
	calls   atomic.Int32
}

func (s *stubbornSearcher) Search(ctx context.Context, req index.Request) (*index.Response, error) {
	s.calls.Add(1)
	s.started <- struct{}{}
	<-s.release
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestSearchesAreBoundedAndTimed(t *testing.T) {
	f := newFixture(t, nil, Config{})
	slow := &stubbornSearcher{Searcher: f.ix, started: make(chan struct{}, 4), release: make(chan struct{})}
	srv, err := New(Config{MaxSearches: 1, SearchTimeout: 200 * time.Millisecond}, slow, f.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan int)
	go func() { first <- get(t, srv, "/api/v1/search?q=a").Code }()
	<-slow.started
	// The only slot is taken: the second search waits until its deadline
	// and gives up without reaching the index.
	code, doc := getJSON[errorDoc](t, srv, "/api/v1/search?q=b")
	if code != http.StatusServiceUnavailable || doc.Error.Code != "busy" {
		t.Errorf("second search: %d %+v, want 503 busy", code, doc)
	}
	close(slow.release)
	// The first ran past its deadline.
	if code := <-first; code != http.StatusServiceUnavailable {
		t.Errorf("slow search: status %d, want 503 (timeout)", code)
	}
	if n := slow.calls.Load(); n != 1 {
		t.Errorf("%d searches reached the index, want 1", n)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	f := newFixture(t, loadFixtureArticles(t)[:3], Config{})
	slow := &slowSearcher{Searcher: f.ix, started: make(chan struct{}, 1), release: make(chan struct{})}
	srv, err := New(Config{SearchTimeout: 10 * time.Second, FollowInterval: 10 * time.Millisecond}, slow, f.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, f.ix) }()

	base := "http://" + ln.Addr().String()
	inflight := make(chan string, 1)
	go func() {
		res, err := http.Get(base + "/api/v1/search?q=kremlin")
		if err != nil {
			inflight <- err.Error()
			return
		}
		res.Body.Close()
		inflight <- res.Status
	}()
	<-slow.started
	cancel() // as SIGTERM would
	// New connections are refused while the in-flight request finishes.
	refused := false
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		conn, err := (&net.Dialer{Timeout: time.Second}).Dial("tcp", ln.Addr().String())
		if err != nil {
			refused = true
			break
		}
		conn.Close()
	}
	if !refused {
		t.Error("server still accepts connections 3s after shutdown began")
	}
	close(slow.release)
	if got := <-inflight; got != "200 OK" {
		t.Errorf("in-flight request: %s, want 200 OK", got)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	// The follower has stopped: closing the index now is safe.
	if err := f.ix.Close(); err != nil {
		t.Errorf("close index after Serve: %v", err)
	}
}

// failingFollower fails every catch-up, to test that the follower keeps
// serving and backs off.
type failingFollower struct{ calls atomic.Int32 }

func (f *failingFollower) CatchUp(context.Context, index.Source) (int, error) {
	f.calls.Add(1)
	return 0, errors.New("disk on fire")
}

func TestFollowerBacksOffOnErrors(t *testing.T) {
	f := newFixture(t, nil, Config{})
	logs := &syncBuffer{}
	srv, err := New(Config{FollowInterval: 5 * time.Millisecond}, f.ix, f.store, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ff := &failingFollower{}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	srv.follow(ctx, ff)
	// Without backoff 300 ms / 5 ms would be ~60 attempts; doubling waits
	// (5, 10, 20, 40, 80, 160 ms) allow about 6.
	if n := ff.calls.Load(); n < 2 || n > 10 {
		t.Errorf("%d catch-up attempts in 300 ms, want a handful", n)
	}
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("failure not logged:\n%s", logs)
	}
}

// HEAD answers like GET, headers included, without a body.
func TestHeadRequests(t *testing.T) {
	f := sharedFixture(t)
	srv := httptest.NewServer(f.srv)
	defer srv.Close()
	for target, contentType := range map[string]string{
		"/":                        "text/html; charset=utf-8",
		"/articles/mt-elites-2021": "text/html; charset=utf-8",
		"/api/v1/search?q=korea":   "application/json; charset=utf-8",
		"/healthz":                 "application/json; charset=utf-8",
	} {
		resp, err := srv.Client().Head(srv.URL + target)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != contentType || len(body) != 0 {
			t.Errorf("HEAD %s: %d %q with %d body bytes; want 200 %q and no body", target, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), contentType)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("HEAD %s: no security headers", target)
		}
	}
	resp, err := srv.Client().Head(srv.URL + "/articles/no-such-article")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD of a missing article: %d, want 404", resp.StatusCode)
	}
}

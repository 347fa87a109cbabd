package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// robotsServer serves robots and, for any other path, either a redirect
// (redirects maps path to Location) or a page.
func robotsServer(t *testing.T, log *requestLog, robots func(w http.ResponseWriter, r *http.Request), redirects map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		if r.URL.Path == "/robots.txt" {
			robots(w, r)
			return
		}
		if to, ok := redirects[r.URL.Path]; ok {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		fmt.Fprint(w, "<p>page</p>")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func robotsText(text string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, text) }
}

// A redirect must not carry the crawler past robots.txt: each hop is
// checked against the rules of the host it lands on.
func TestRobotsCheckedOnEveryRedirectHop(t *testing.T) {
	var logA, logB requestLog
	b := robotsServer(t, &logB, robotsText("User-agent: *\nDisallow: /private/\n"), nil)
	a := robotsServer(t, &logA, robotsText("User-agent: *\nDisallow: /secret\n"), map[string]string{
		"/to-other-host": b.URL + "/private/x",
		"/to-own-secret": "/secret",
		"/to-other-open": b.URL + "/open",
	})
	c := testClient(t, nil)
	ctx := context.Background()

	for _, tt := range []struct {
		path    string
		allowed bool
	}{
		{"/to-other-host", false},
		{"/to-own-secret", false},
		{"/to-other-open", true},
	} {
		resp, err := c.Fetch(ctx, Request{URL: a.URL + tt.path})
		switch {
		case tt.allowed && err != nil:
			t.Errorf("%s: %v", tt.path, err)
		case tt.allowed && resp.URL != b.URL+"/open":
			t.Errorf("%s: ended at %s", tt.path, resp.URL)
		case !tt.allowed && !errors.Is(err, ErrRobots):
			t.Errorf("%s: err = %v, want ErrRobots", tt.path, err)
		}
	}
	if n := logB.count("/private/x"); n != 0 {
		t.Errorf("the disallowed redirect target was fetched %d times", n)
	}
	if n := logA.count("/secret"); n != 0 {
		t.Errorf("the disallowed same-host target was fetched %d times", n)
	}
	if logB.count("/robots.txt") != 1 {
		t.Errorf("the second host's robots.txt was fetched %d times, want once", logB.count("/robots.txt"))
	}
}

// A robots.txt that redirects to another host (www. to bare domain, http
// to https) gives the rules of the host it was asked for, not of the host
// that served it.
func TestRobotsRedirectedToAnotherHost(t *testing.T) {
	var logA, logB requestLog
	b := robotsServer(t, &logB, robotsText("User-agent: *\nDisallow: /private/\n"), nil)
	a := robotsServer(t, &logA, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.URL+"/robots.txt", http.StatusMovedPermanently)
	}, nil)
	c := testClient(t, nil)
	ctx := context.Background()

	if _, err := c.Fetch(ctx, Request{URL: a.URL + "/private/page"}); !errors.Is(err, ErrRobots) {
		t.Errorf("page the redirected robots.txt disallows: err = %v, want ErrRobots", err)
	}
	if n := logA.count("/private/page"); n != 0 {
		t.Errorf("disallowed page fetched %d times", n)
	}
	if _, err := c.Fetch(ctx, Request{URL: a.URL + "/public"}); err != nil {
		t.Errorf("allowed page: %v", err)
	}
}

// RFC 9309 lets a crawler stop reading robots.txt after 500 KiB; the rules
// before the cut still apply.
func TestRobotsOverSizeLimitParsedAsFarAsRead(t *testing.T) {
	var log requestLog
	robots := "User-agent: *\nDisallow: /private/\n" + strings.Repeat("# padding line of a very long robots.txt\n", (maxRobotsBytes/40)+100)
	srv := robotsServer(t, &log, robotsText(robots), nil)
	c := testClient(t, nil)
	if _, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/private/x"}); !errors.Is(err, ErrRobots) {
		t.Errorf("err = %v, want ErrRobots from the rules before the cut", err)
	}
	if _, err := c.Fetch(context.Background(), Request{URL: srv.URL + "/public"}); err != nil {
		t.Errorf("allowed page: %v", err)
	}
}

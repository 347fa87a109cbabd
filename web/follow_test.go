package web

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/oped/oped/index"
)

// TestFollowerSeesOtherProcessWrites runs the server for real, has a second
// process (this test binary, re-executed) open the same SQLite archive and
// write an article, and waits for the article to become searchable over
// HTTP without a restart: the issue allows 5 seconds.
func TestFollowerSeesOtherProcessWrites(t *testing.T) {
	f := newFixture(t, loadFixtureArticles(t)[:3], Config{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln, f.ix) }()
	base := "http://" + ln.Addr().String()

	search := func() (uint64, error) {
		res, err := http.Get(base + "/api/v1/search?q=quokkas")
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		var resp index.Response
		if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
			return 0, err
		}
		return resp.Total, nil
	}
	if n, err := search(); err != nil || n != 0 {
		t.Fatalf("before the write: %d hits, %v", n, err)
	}

	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(),
		childEnv+"="+filepath.Join(f.dir, "archive.db"),
		childEnv+"_ID=from-child")
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("child writer: %v\n%s", err, out)
	}
	written := time.Now()

	deadline := written.Add(5 * time.Second)
	for {
		n, err := search()
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			t.Logf("searchable %v after the other process committed", time.Since(written).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the article written by another process was not searchable within 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("readyz after catch-up: %s", res.Status)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

package crawler

import (
	"go.uber.org/goleak"

	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler/extract"
)

// The kill -9 test re-executes the test binary as a crawl child.
const (
	childURLEnv = "OPED_CRAWL_CHILD_URL"
	childDirEnv = "OPED_CRAWL_CHILD_DIR"
)

func TestMain(m *testing.M) {
	if base := os.Getenv(childURLEnv); base != "" {
		os.Exit(crawlChild(base, os.Getenv(childDirEnv)))
	}
	// A crawler that leaks a goroutine per fetch or per host would grow
	// without bound in a long-running serve --crawl-every.
	goleak.VerifyTestMain(m)
}

func crawlChild(base, dir string) int {
	unlock, err := Lock(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer unlock()
	ctx := context.Background()
	store, err := archive.Open(ctx, filepath.Join(dir, "archive.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer store.Close()
	cfg, err := ParseConfig([]byte(slowSiteYAML(base)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := Run(ctx, store, cfg, Options{WARCDir: filepath.Join(dir, "warc")}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func slowSiteYAML(base string) string {
	host := strings.TrimPrefix(base, "http://")
	return fmt.Sprintf(`allow_private_addresses: true
sites:
  - name: Slow Times
    extractor: moscowtimes
    start: [%s/opinion]
    article: '^http://%s/\d{4}/\d{2}/\d{2}/[^/]+-a\d+$'
    rate: -1
`, base, strings.ReplaceAll(host, ".", `\.`))
}

// slowSite serves n articles, each taking a little while, listed on one
// page.
func slowSite(t *testing.T, n int, delay time.Duration) (*site, []string) {
	s := newSite()
	t.Cleanup(s.Close)
	var paths []string
	for i := 0; i < n; i++ {
		a := &fixtureArticle{ID: 5000 + i, Slug: fmt.Sprintf("slow-piece-%d", i), Title: fmt.Sprintf("Slow piece %d", i), Author: "Ilya Ferry",
			Published: time.Date(2018, 3, 1+i%28, 9, 0, 0, 0, time.UTC), Paras: paragraphs(i, 3)}
		body := []byte(articleHTML(s.srv.URL+a.path(), a))
		s.handle(a.path(), func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(delay)
			serveWithETag(w, r, "text/html; charset=utf-8", body)
		})
		paths = append(paths, a.path())
	}
	s.static("/opinion", "text/html", listingHTML(paths, false))
	return s, paths
}

func integrityCheck(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check = %q, %v", res, err)
	}
}

// TestKillAndResume SIGKILLs a crawl at several points and checks that the
// next run loses nothing committed, fetches nothing committed again, and
// finishes the job.
func TestKillAndResume(t *testing.T) {
	const n = 40
	for _, killAfter := range []int{3, 15, 30} {
		t.Run(fmt.Sprintf("after_%d_requests", killAfter), func(t *testing.T) {
			site, paths := slowSite(t, n, 25*time.Millisecond)
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childURLEnv+"="+site.srv.URL, childDirEnv+"="+dir)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				site.mu.Lock()
				got := len(site.requests)
				site.mu.Unlock()
				if got >= killAfter {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("child made %d requests in 20s; stderr: %s", got, stderr.String())
				}
				time.Sleep(2 * time.Millisecond)
			}
			// While the child runs, the data directory is locked, and the
			// error names the holder.
			if _, err := Lock(dir); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) {
				t.Errorf("lock while the child crawls: %v", err)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()

			dbPath := filepath.Join(dir, "archive.db")
			integrityCheck(t, dbPath)
			ctx := context.Background()
			store := openTestStore(t, dir)
			committed := map[string]string{} // URL -> article id
			store.ForEachCapture(ctx, "", func(c *archive.Capture) error {
				if c.ArticleID != "" && !c.FetchedAt.IsZero() {
					committed[c.URL] = c.ArticleID
				}
				return nil
			})
			t.Logf("killed after %d requests: %d articles committed", killAfter, len(committed))
			site.takeLog()

			unlock, err := Lock(dir) // the kernel dropped the dead child's lock
			if err != nil {
				t.Fatalf("lock after the child died: %v", err)
			}
			defer unlock()
			cfg, _ := ParseConfig([]byte(slowSiteYAML(site.srv.URL)))
			sum, err := Run(ctx, store, cfg, Options{WARCDir: filepath.Join(dir, "warc")})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Failed != 0 || sum.New != n-len(committed) {
				t.Errorf("resumed crawl %s: want %d new, none failed", sum, n-len(committed))
			}
			for _, r := range site.takeLog() {
				if _, ok := committed[site.srv.URL+r.Path]; ok {
					t.Errorf("resumed crawl fetched %s again", r.Path)
				}
			}
			if count, _ := store.Count(ctx); count != n {
				t.Errorf("%d articles after resuming, want %d", count, n)
			}
			for u, id := range committed {
				if _, err := store.Get(ctx, id); err != nil {
					t.Errorf("committed article %s lost: %v", u, err)
				}
			}
			replayed := 0
			err = Replay(ctx, store, filepath.Join(dir, "warc"), cfg, "", func(c *archive.Capture, p *extract.Page) error {
				replayed++
				return nil
			})
			if err != nil || replayed != n {
				t.Errorf("replayed %d of %d captures: %v", replayed, len(paths), err)
			}
			if open, _ := filepath.Glob(filepath.Join(dir, "warc", "*.open")); len(open) != 0 {
				t.Errorf("WARC files left open: %v", open)
			}
		})
	}
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(dir)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second lock: %v, want ErrLocked naming this process", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock2, err := Lock(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

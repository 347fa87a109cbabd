package web

import (
	"go.uber.org/goleak"

	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

// childEnv makes the test binary act as a second oped process that writes
// one article to an archive (see TestFollowerSeesOtherProcessWrites).
const childEnv = "OPED_WEB_TEST_CHILD_ARCHIVE"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(runChildWriter(path))
	}
	code := m.Run()
	sharedOnce.Do(func() {}) // no later test may build it
	if shared != nil {
		shared.close()
	}
	// Every request, follower and shutdown path must leave no goroutine
	// behind: a server runs for months. bleve's analysis workers are one
	// pool per process, started when bleve loads.
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker")); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func runChildWriter(path string) int {
	ctx := context.Background()
	store, err := archive.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer store.Close()
	a := &archive.Article{
		ID:        os.Getenv(childEnv + "_ID"),
		URL:       "https://www.themoscowtimes.com/2023/01/01/written-elsewhere-a20001",
		Site:      "The Moscow Times",
		Section:   "Opinion",
		Title:     "Written By Another Process",
		Authors:   []string{"Olga Child"},
		Published: time.Date(2023, 1, 1, 9, 0, 0, 0, time.UTC),
		Body:      "Quokkas rarely appear in Russian politics, which is why this article mentions them. " + os.Getenv(childEnv+"_WORD"),
	}
	if a.ID != "from-child" {
		a.URL += "-" + a.ID
	}
	if _, err := store.Put(ctx, a); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// fixture is a real archive and a real index in a temporary directory,
// filled with testdata/articles.json, behind a Server.
type fixture struct {
	dir   string
	store *archive.Store
	ix    *index.Index
	srv   *Server
	logs  *syncBuffer
}

func (f *fixture) close() {
	f.ix.Close()
	f.store.Close()
	os.RemoveAll(f.dir)
}

var (
	sharedOnce sync.Once
	shared     *fixture
	sharedErr  error
)

// sharedFixture is built once for the tests that only read; building a
// bleve index per test would dominate the suite's time.
func sharedFixture(t testing.TB) *fixture {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "oped-web-test-")
		if err != nil {
			sharedErr = err
			return
		}
		shared, sharedErr = buildFixture(dir, append(loadFixtureArticles(t), fillerArticles(fillerCount)...), Config{})
	})
	if sharedErr != nil {
		t.Fatalf("shared fixture: %v", sharedErr)
	}
	return shared
}

// newFixture builds a private fixture for a test that writes.
func newFixture(t testing.TB, articles []*archive.Article, cfg Config) *fixture {
	t.Helper()
	dir, err := os.MkdirTemp("", "oped-web-test-")
	if err != nil {
		t.Fatal(err)
	}
	f, err := buildFixture(dir, articles, cfg)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	return f
}

func buildFixture(dir string, articles []*archive.Article, cfg Config) (*fixture, error) {
	ctx := context.Background()
	store, err := archive.Open(ctx, filepath.Join(dir, "archive.db"))
	if err != nil {
		return nil, err
	}
	if len(articles) > 0 {
		if _, err := store.PutBatch(ctx, articles); err != nil {
			store.Close()
			return nil, err
		}
	}
	ix, err := index.Open(ctx, filepath.Join(dir, "index"))
	if err != nil {
		store.Close()
		return nil, err
	}
	if _, err := ix.CatchUp(ctx, store); err != nil {
		ix.Close()
		store.Close()
		return nil, err
	}
	logs := &syncBuffer{}
	srv, err := New(cfg, ix, store, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		ix.Close()
		store.Close()
		return nil, err
	}
	return &fixture{dir: dir, store: store, ix: ix, srv: srv, logs: logs}, nil
}

func loadFixtureArticles(t testing.TB) []*archive.Article {
	t.Helper()
	b, err := os.ReadFile("testdata/articles.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []*archive.Article
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("testdata/articles.json: %v", err)
	}
	return out
}

// fillerCount is how many filler articles the shared fixture holds.
const fillerCount = 25

// fillerArticles are plain articles that all mention "glacier", for paging.
func fillerArticles(n int) []*archive.Article {
	var out []*archive.Article
	for i := range n {
		out = append(out, &archive.Article{
			ID:        fmt.Sprintf("filler-%03d", i),
			URL:       fmt.Sprintf("https://www.themoscowtimes.com/2010/01/01/filler-a9%04d", i),
			Site:      "The Moscow Times",
			Section:   "Climate",
			Title:     fmt.Sprintf("Glacier Report Number %d", i),
			Authors:   []string{"Filler Writer"},
			Published: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i),
			Tags:      []string{"Climate"},
			Body:      fmt.Sprintf("The glacier retreated again this year, measurement %d of a long series.", i),
		})
	}
	return out
}

// get runs one request through the handler.
func get(t testing.TB, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	// Tests write queries readably ("q=\"fire and fury\""); encode them
	// the way a browser would.
	if path, rawQuery, ok := strings.Cut(target, "?"); ok {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			t.Fatalf("bad test target %q: %v", target, err)
		}
		target = path + "?" + q.Encode()
	}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// getJSON runs a request and decodes the body into a fresh V.
func getJSON[V any](t testing.TB, h http.Handler, target string) (int, V) {
	t.Helper()
	rec := get(t, h, target)
	var v V
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q, want application/json; body %s", target, ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("GET %s: decode %T: %v; body %s", target, v, err, rec.Body)
	}
	return rec.Code, v
}

type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)

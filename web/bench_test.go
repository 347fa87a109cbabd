package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/archive/corpus"
	"github.com/oped/oped/index"
)

// The load benchmarks run the real server on loopback over a generated
// archive (OPED_BENCH_ARTICLES, default 100,000 articles). Building it
// takes minutes, so it is kept in OPED_BENCH_DIR (default under the temp
// directory) and reused by later runs.

func benchArticles() int {
	if n, err := strconv.Atoi(os.Getenv("OPED_BENCH_ARTICLES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

func benchDir(b *testing.B, n int) string {
	b.Helper()
	dir := os.Getenv("OPED_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("oped-web-bench-%d", n))
	}
	marker := filepath.Join(dir, "complete")
	if _, err := os.Stat(marker); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	ctx := context.Background()
	start := time.Now()
	store, err := archive.Open(ctx, filepath.Join(dir, "archive.db"))
	if err != nil {
		b.Fatal(err)
	}
	gen := corpus.New(1)
	for lo := 0; lo < n; lo += 1000 {
		batch := make([]*archive.Article, 0, 1000)
		for i := lo; i < min(lo+1000, n); i++ {
			batch = append(batch, gen.Article(i))
		}
		if _, err := store.PutBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	archived := time.Since(start)
	ix, err := index.Open(ctx, filepath.Join(dir, "index"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ix.CatchUp(ctx, store); err != nil {
		b.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	store.Close()
	b.Logf("built %d articles in %s: archive %s, index %s", n, dir, archived.Round(time.Second), (time.Since(start) - archived).Round(time.Second))
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchServer serves the benchmark archive on loopback with the follower
// running, as `oped serve` does.
func benchServer(b *testing.B, cfg Config) (base, dir string, stop func()) {
	b.Helper()
	dir = benchDir(b, benchArticles())
	ctx, cancel := context.WithCancel(context.Background())
	store, err := archive.Open(ctx, filepath.Join(dir, "archive.db"))
	if err != nil {
		b.Fatal(err)
	}
	ix, err := index.Open(ctx, filepath.Join(dir, "index"))
	if err != nil {
		b.Fatal(err)
	}
	// Measure a caught-up index: Open rebuilds one made with an older
	// schema, and searches during the rebuild would find nothing.
	start := time.Now()
	if n, err := ix.CatchUp(ctx, store); err != nil {
		b.Fatal(err)
	} else if n > 0 {
		b.Logf("caught the index up with %d articles in %s", n, time.Since(start).Round(time.Second))
	}
	srv, err := New(cfg, ix, store, nil)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, ix) }()
	stop = func() {
		cancel()
		<-served
		ix.Close()
		store.Close()
	}
	return "http://" + ln.Addr().String(), dir, stop
}

// BenchmarkSearchLoad is a load generator: concurrent keep-alive
// connections issue one-word searches with every facet counted, and the
// benchmark reports throughput and latency percentiles. "uncached" turns
// the server's result cache off, so every request is a real search;
// "cached" repeats a handful of queries, as a busy site's home page and
// popular searches do.
func BenchmarkSearchLoad(b *testing.B) {
	words := []string{"kremlin", "sanctions", "ukraine", "nato", "economy", "election", "pipeline", "governor"}
	for _, mode := range []struct {
		name string
		cfg  Config
	}{
		{"uncached", Config{CacheEntries: -1}},
		{"cached", Config{}},
	} {
		base, _, stop := benchServer(b, mode.cfg)
		for _, bc := range []struct {
			name    string
			conns   int
			filters string
		}{
			{"one-word/c=1", 1, ""},
			{"one-word/c=50", 50, ""},
			{"one-word+3-facet-values/c=50", 50, "&site=The%20Moscow%20Times&year=2019&year=2020"},
		} {
			b.Run(mode.name+"/"+bc.name, func(b *testing.B) {
				loadSearch(b, base, bc.conns, words, bc.filters)
			})
		}
		stop()
	}
}

func loadSearch(b *testing.B, base string, conns int, words []string, filters string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	// Warm up: page cache, bleve segments, connections.
	for i := range max(conns, len(words)) {
		benchGet(b, client, base+"/api/v1/search?q="+words[i%len(words)]+filters)
	}
	var next atomic.Int64
	latencies := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				benchGet(b, client, base+"/api/v1/search?q="+words[i%len(words)]+filters)
				latencies[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func benchGet(b *testing.B, client *http.Client, u string) {
	res, err := client.Get(u)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Errorf("GET %s: %s", u, res.Status)
	}
}

// BenchmarkVisibilityFromOtherProcess measures how long an article that
// another process commits to the archive takes to become searchable
// through the running server (follower poll + catch-up + search), timed
// from the writer's exit.
func BenchmarkVisibilityFromOtherProcess(b *testing.B) {
	base, dir, stop := benchServer(b, Config{})
	defer stop()
	var total time.Duration
	for i := range b.N {
		// Writes come at random moments relative to the follower's poll;
		// without this the loop would lock onto its phase.
		b.StopTimer()
		time.Sleep(time.Duration(rand.Int64N(int64(time.Second))))
		b.StartTimer()
		id := fmt.Sprintf("visible-%d-%d", time.Now().UnixNano(), i)
		word := fmt.Sprintf("zyxword%d", time.Now().UnixNano())
		child := exec.Command(os.Args[0], "-test.run=^$")
		child.Env = append(os.Environ(), childEnv+"="+filepath.Join(dir, "archive.db"), childEnv+"_ID="+id, childEnv+"_WORD="+word)
		if out, err := child.CombinedOutput(); err != nil {
			b.Fatalf("writer: %v\n%s", err, out)
		}
		written := time.Now()
		for {
			res, err := http.Get(base + "/api/v1/search?q=" + word)
			if err != nil {
				b.Fatal(err)
			}
			var resp index.Response
			err = json.NewDecoder(res.Body).Decode(&resp)
			res.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			if resp.Total == 1 {
				break
			}
			if time.Since(written) > 10*time.Second {
				b.Fatalf("article %s not searchable after 10s", id)
			}
			time.Sleep(10 * time.Millisecond)
		}
		total += time.Since(written)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-searchable")
}

package index

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/archive/corpus"
)

var (
	benchDocs = flag.Int("bench.docs", 20000, "articles in the BenchmarkSearch index")
	benchDir  = flag.String("bench.dir", "", "keep the BenchmarkSearch index here and reuse it across runs")
	indexDocs = flag.Int("bench.indexdocs", 5000, "articles per BenchmarkIndex iteration")
)

// BenchmarkIndex measures CatchUp, the path every article takes into the
// index: from an in-memory source (bleve's cost alone) and from a real
// SQLite archive (JSON decoding included).
func BenchmarkIndex(b *testing.B) {
	arts := corpus.New(1).Articles(*indexDocs)
	var textBytes int
	for _, a := range arts {
		textBytes += len(a.Title) + len(a.Subtitle) + len(a.Body)
	}

	b.Run("mem", func(b *testing.B) {
		src := newMemSource(arts...)
		benchCatchUp(b, src, len(arts), textBytes)
	})
	b.Run("archive", func(b *testing.B) {
		ctx := context.Background()
		store, err := archive.Open(ctx, filepath.Join(b.TempDir(), "archive.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		for i := 0; i < len(arts); i += 1000 {
			if _, err := store.PutBatch(ctx, arts[i:min(i+1000, len(arts))]); err != nil {
				b.Fatal(err)
			}
		}
		benchCatchUp(b, store, len(arts), textBytes)
	})
}

func benchCatchUp(b *testing.B, src Source, n, textBytes int) {
	ctx := context.Background()
	var elapsed, cpu time.Duration
	var size int64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), fmt.Sprint("index", i))
		ix, err := Open(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start, startCPU := time.Now(), cpuTime()
		got, err := ix.CatchUp(ctx, src)
		if err != nil || got != n {
			b.Fatalf("CatchUp = %d, %v; want %d", got, err, n)
		}
		elapsed += time.Since(start)
		cpu += cpuTime() - startCPU
		b.StopTimer()
		st, _ := ix.Stats()
		size = st.Bytes
		ix.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "articles/s")
	b.ReportMetric(float64(textBytes*b.N)/elapsed.Seconds()/1e6, "text-MB/s")
	b.ReportMetric(float64(size)/float64(textBytes), "index/text")
	// CPU time tells the cost apart from the load of whoever shares the
	// machine: wall-clock rates here move with it.
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "articles/cpu-s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchIndex builds (or reuses, with -bench.dir) an index of -bench.docs
// corpus articles.
func benchIndex(b *testing.B) *Index {
	b.Helper()
	ctx := context.Background()
	dir := *benchDir
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "index")
	}
	ix, err := Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	st, err := ix.Stats()
	if err != nil {
		b.Fatal(err)
	}
	if int(st.Documents) == *benchDocs {
		return ix
	}
	g := corpus.New(1)
	src := newMemSource()
	for i := range *benchDocs {
		src.put(g.Article(i))
	}
	start := time.Now()
	if _, err := ix.CatchUp(ctx, src); err != nil {
		b.Fatal(err)
	}
	b.Logf("indexed %d articles in %v", *benchDocs, time.Since(start))
	return ix
}

// BenchmarkSearch times typical searches with every facet counted, the
// shape of a search page. Report the median with -benchtime and
// -count; the p50/p95 metrics come from individual timings.
func BenchmarkSearch(b *testing.B) {
	ix := benchIndex(b)
	st, _ := ix.Stats()
	b.Logf("index: %d documents, %.1f MB, GOMAXPROCS=%d", st.Documents, float64(st.Bytes)/1e6, runtime.GOMAXPROCS(0))
	cases := []struct {
		name string
		req  Request
	}{
		{"one-word", Request{Query: "sanctions"}},
		{"three-word", Request{Query: "kremlin sanctions energy"}},
		{"phrase", Request{Query: `"the rule of law"`}},
		{"phrase-common-words", Request{Query: `"the security services"`}},
		{"common-word", Request{Query: "russia"}},
		{"browse", Request{}},
		{"filtered", Request{Query: "sanctions", Filters: map[string][]string{"site": {"Wilson Center"}, "year": {"2014", "2015"}}}},
		{"prefix", Request{Query: "sanct*"}},
		{"newest", Request{Query: "kremlin", Sort: SortNewest}},
		{"deep-page", Request{Query: "kremlin", Page: 500, Size: 10}},
		{"no-facets", Request{Query: "sanctions", NoFacets: true}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			var took []time.Duration
			var total uint64
			for b.Loop() {
				start := time.Now()
				res, err := ix.Search(ctx, tc.req)
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
				total = res.Total
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(total), "hits")
		})
	}
}

func BenchmarkSuggest(b *testing.B) {
	ix := benchIndex(b)
	for _, prefix := range []string{"tru", "kremlin sanc"} {
		b.Run(prefix, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Suggest(context.Background(), prefix, 8); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

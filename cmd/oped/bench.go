package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/archive/corpus"
	"github.com/oped/oped/crawler/textdump"
	"github.com/oped/oped/index"
)

func newBenchCmd(a *app) *cobra.Command {
	var (
		n          int
		seed       int64
		iterations int
		follow     bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure import+index throughput and search latency on generated op-eds",
		Long: `Bench writes N generated op-eds as text dumps, imports them into a fresh
archive under --data, brings the index up to date, and then times searches
(one word, three words, a phrase; all facets on). It prints the figures.

With --follow the index catches up while the import runs, as a running
'oped serve' follows an 'oped import': the end-to-end time is then from the
first dump read to the last article searchable.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if entries, _ := os.ReadDir(a.dataDir); len(entries) > 0 {
				return usageError("bench needs an empty --data directory (it creates a fresh archive); %s is not empty", a.dataDir)
			}
			fmt.Fprintf(a.stdout, "cores: %d (GOMAXPROCS %d)\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))

			dumps := filepath.Join(a.dataDir, "dumps")
			start := time.Now()
			files, bytes, err := writeDumps(dumps, corpus.New(seed), n)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "generated %d dumps (%.1f MB) in %s\n", n, float64(bytes)/1e6, since(start))

			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			ix, err := index.Open(ctx, a.indexDir())
			if err != nil {
				return err
			}
			defer ix.Close()

			start = time.Now()
			var importTime time.Duration
			if follow {
				importTime, err = importWhileFollowing(ctx, store, ix, files)
			} else {
				importTime, err = importFiles(ctx, store, files)
				if err == nil {
					fmt.Fprintf(a.stdout, "import:  %d articles in %s = %.0f articles/s\n", n, importTime.Round(time.Millisecond), float64(n)/importTime.Seconds())
					indexStart := time.Now()
					_, err = ix.CatchUp(ctx, store)
					indexTime := time.Since(indexStart)
					fmt.Fprintf(a.stdout, "index:   %d articles in %s = %.0f articles/s\n", n, indexTime.Round(time.Millisecond), float64(n)/indexTime.Seconds())
				}
			}
			if err != nil {
				return err
			}
			total := time.Since(start)
			st, err := ix.Stats()
			if err != nil {
				return err
			}
			if st.Documents != uint64(n) {
				return fmt.Errorf("index holds %d documents, want %d", st.Documents, n)
			}
			mode := "import, then index"
			if follow {
				mode = "index following the import"
			}
			fmt.Fprintf(a.stdout, "end to end (%s): %d articles searchable in %s = %.0f articles/s; index %s\n",
				mode, n, total.Round(time.Millisecond), float64(n)/total.Seconds(), humanBytes(st.Bytes))

			for _, q := range []struct{ name, query string }{
				{"one word", "sanctions"},
				{"three words", "kremlin energy sanctions"},
				{"phrase", `"foreign policy"`},
			} {
				lat, hits, err := timeSearches(ctx, ix, q.query, iterations)
				if err != nil {
					return fmt.Errorf("search %s: %w", q.query, err)
				}
				fmt.Fprintf(a.stdout, "search %-12s %-28q %7d hits  p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  (%d runs, all facets)\n",
					q.name+":", q.query, hits, ms(lat, 0.50), ms(lat, 0.95), ms(lat, 0.99), iterations)
			}
			return os.RemoveAll(dumps)
		},
	}
	cmd.Flags().IntVar(&n, "n", 10000, "articles to generate")
	cmd.Flags().Int64Var(&seed, "seed", 1, "corpus seed (the same seed gives the same articles)")
	cmd.Flags().IntVar(&iterations, "iterations", 200, "timed runs per query")
	cmd.Flags().BoolVar(&follow, "follow", false, "catch the index up while the import runs")
	return cmd
}

func writeDumps(dir string, gen *corpus.Generator, n int) (files []string, bytes int64, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	files = make([]string, n)
	for i := range n {
		// Spread files over subfolders, as real dumps are, and keep
		// directories small.
		sub := filepath.Join(dir, fmt.Sprintf("%03d", i/1000))
		if i%1000 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return nil, 0, err
			}
		}
		body := textdump.Format(gen.Article(i))
		files[i] = filepath.Join(sub, fmt.Sprintf("%06d.txt", i))
		if err := os.WriteFile(files[i], body, 0o644); err != nil {
			return nil, 0, err
		}
		bytes += int64(len(body))
	}
	return files, bytes, nil
}

func importFiles(ctx context.Context, store *archive.Store, files []string) (time.Duration, error) {
	start := time.Now()
	var failed error
	im := &textdump.Importer{Store: store, OnError: func(err error) { failed = err }}
	if _, err := im.Import(ctx, files, nil); err != nil {
		return 0, err
	}
	if failed != nil {
		return 0, fmt.Errorf("a generated dump failed to parse: %w", failed)
	}
	return time.Since(start), nil
}

// importWhileFollowing imports in one goroutine while the index catches up
// in a loop, then finishes the catch-up.
func importWhileFollowing(ctx context.Context, store *archive.Store, ix *index.Index, files []string) (time.Duration, error) {
	done := make(chan struct{})
	var (
		wg        sync.WaitGroup
		followErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			n, err := ix.CatchUp(ctx, store)
			if err != nil {
				followErr = err
				return
			}
			if n == 0 {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	importTime, err := importFiles(ctx, store, files)
	close(done)
	wg.Wait()
	if err != nil {
		return 0, err
	}
	if followErr != nil {
		return 0, followErr
	}
	_, err = ix.CatchUp(ctx, store)
	return importTime, err
}

func timeSearches(ctx context.Context, ix *index.Index, query string, iterations int) ([]time.Duration, uint64, error) {
	var hits uint64
	lat := make([]time.Duration, 0, iterations)
	for i := -5; i < iterations; i++ { // five warm-up runs
		start := time.Now()
		resp, err := ix.Search(ctx, index.Request{Query: query})
		if err != nil {
			return nil, 0, err
		}
		if i >= 0 {
			lat = append(lat, time.Since(start))
		}
		hits = resp.Total
	}
	slices.Sort(lat)
	return lat, hits, nil
}

func ms(sorted []time.Duration, q float64) float64 {
	i := int(q * float64(len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

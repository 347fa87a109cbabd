package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/archive/corpus"
)

func corpusArticles(tb testing.TB, n int) []*archive.Article {
	tb.Helper()
	return corpus.New(11).Articles(n)
}

func TestCatchUpIsIncremental(t *testing.T) {
	ctx := context.Background()
	ix := openTemp(t)
	arts := corpusArticles(t, 30)
	src := newMemSource(arts[:20]...)

	n, err := ix.CatchUp(ctx, src)
	if err != nil || n != 20 {
		t.Fatalf("first CatchUp = %d, %v; want 20", n, err)
	}
	if n, err := ix.CatchUp(ctx, src); err != nil || n != 0 {
		t.Fatalf("CatchUp with nothing new = %d, %v; want 0", n, err)
	}
	for _, a := range arts[20:] {
		src.put(a)
	}
	// an edit re-indexes the article in place
	edited := *arts[0]
	edited.Title = "Zanzibar Quarterly Reconsidered"
	src.put(&edited)

	n, err = ix.CatchUp(ctx, src)
	if err != nil || n != 11 {
		t.Fatalf("second CatchUp = %d, %v; want 11 (10 new, 1 edited)", n, err)
	}
	st, err := ix.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != 30 || st.Seq != 31 || st.Bytes == 0 {
		t.Errorf("Stats = %+v, want 30 documents at seq 31", st)
	}
	res := mustSearch(t, ix, Request{Query: "zanzibar", NoFacets: true})
	if len(res.Hits) != 1 || res.Hits[0].ID != arts[0].ID || res.Hits[0].Title != edited.Title {
		t.Errorf("edited article: hits %+v", res.Hits)
	}
}

func TestCatchUpFromArchiveStore(t *testing.T) {
	ctx := context.Background()
	store, err := archive.Open(ctx, filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	arts := corpusArticles(t, 2500) // more than two batches
	if _, err := store.PutBatch(ctx, arts); err != nil {
		t.Fatal(err)
	}
	ix := openTemp(t)
	n, err := ix.CatchUp(ctx, store)
	if err != nil || n != len(arts) {
		t.Fatalf("CatchUp = %d, %v; want %d", n, err, len(arts))
	}
	last, _ := store.LastSeq(ctx)
	if seq, _ := ix.Seq(); seq != last {
		t.Errorf("watermark %d, archive last seq %d", seq, last)
	}
	res := mustSearch(t, ix, Request{Query: "kremlin", NoFacets: true})
	if res.Total == 0 {
		t.Error("no hits for kremlin")
	}
}

func TestOpenFailsFastWhenLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	start := time.Now()
	second, err := Open(context.Background(), dir)
	if err == nil {
		second.Close()
		t.Fatal("second Open of a held index succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("second Open: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second Open took %v, want about a second", d)
	}
	// the held index is untouched
	if _, err := os.Stat(dir + ".damaged"); err == nil {
		t.Error("a locked index was moved aside as damaged")
	}
}

// damage functions break an index directory in ways seen in the field.
var damages = []struct {
	name   string
	damage func(t *testing.T, dir string)
}{
	{"deleted", func(t *testing.T, dir string) {
		must(t, os.RemoveAll(dir))
	}},
	{"truncated root.bolt", func(t *testing.T, dir string) {
		must(t, os.Truncate(filepath.Join(dir, "store", "root.bolt"), 100))
	}},
	{"garbage root.bolt", func(t *testing.T, dir string) {
		must(t, os.WriteFile(filepath.Join(dir, "store", "root.bolt"), []byte(strings.Repeat("x", 8192)), 0o600))
	}},
	{"missing index_meta.json", func(t *testing.T, dir string) {
		must(t, os.Remove(filepath.Join(dir, "index_meta.json")))
	}},
	{"garbled index_meta.json", func(t *testing.T, dir string) {
		must(t, os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{\"storage\":"), 0o600))
	}},
	{"deleted segments", func(t *testing.T, dir string) {
		zaps, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
		if len(zaps) == 0 {
			t.Fatal("no segment files to delete")
		}
		for _, z := range zaps {
			must(t, os.Remove(z))
		}
	}},
	{"truncated segments", func(t *testing.T, dir string) {
		zaps, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
		for _, z := range zaps {
			must(t, os.Truncate(z, 10))
		}
	}},
	{"old schema", func(t *testing.T, dir string) {
		bi, err := bleve.Open(dir)
		must(t, err)
		must(t, bi.SetInternal(keySchema, []byte("oped-index-0")))
		must(t, bi.Close())
	}},
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDamagedIndexIsRebuilt(t *testing.T) {
	ctx := context.Background()
	src := newMemSource(corpusArticles(t, 300)...)
	for _, tc := range damages {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			ix, err := Open(ctx, dir)
			must(t, err)
			if _, err := ix.CatchUp(ctx, src); err != nil {
				t.Fatal(err)
			}
			before := hitIDs(mustSearch(t, ix, Request{Query: "kremlin sanctions", NoFacets: true}))
			must(t, ix.Close())

			tc.damage(t, dir)

			ix, err = Open(ctx, dir)
			if err != nil {
				t.Fatalf("Open after damage: %v", err)
			}
			defer ix.Close()
			if _, err := ix.CatchUp(ctx, src); err != nil {
				t.Fatalf("CatchUp after damage: %v", err)
			}
			st, err := ix.Stats()
			must(t, err)
			if st.Documents != 300 || st.Seq != 300 {
				t.Errorf("after damage and catch-up: %+v, want 300 documents at seq 300", st)
			}
			after := hitIDs(mustSearch(t, ix, Request{Query: "kremlin sanctions", NoFacets: true}))
			if strings.Join(before, ",") != strings.Join(after, ",") {
				t.Errorf("top hits changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestIndexAheadOfArchiveIsRebuilt(t *testing.T) {
	ctx := context.Background()
	ix := openTemp(t)
	if _, err := ix.CatchUp(ctx, newMemSource(corpusArticles(t, 50)...)); err != nil {
		t.Fatal(err)
	}
	// a different, smaller archive: the index must follow it
	other := newMemSource(loadFixture(t)...)
	if _, err := ix.CatchUp(ctx, other); err != nil {
		t.Fatal(err)
	}
	st, _ := ix.Stats()
	if st.Documents != uint64(len(other.articles)) || st.Seq != other.seq {
		t.Errorf("Stats = %+v, want %d documents at seq %d", st, len(other.articles), other.seq)
	}
}

func TestCatchUpWithoutCount(t *testing.T) {
	ix := openTemp(t)
	src := countlessSource{newMemSource(loadFixture(t)...)}
	n, err := ix.CatchUp(context.Background(), src)
	if err != nil || n != len(src.articles) {
		t.Fatalf("CatchUp = %d, %v", n, err)
	}
}

func TestRebuildKeepsServing(t *testing.T) {
	ctx := context.Background()
	ix, src := fixtureIndex(t)
	done := make(chan error, 1)
	go func() { done <- ix.Rebuild(ctx, src) }()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Rebuild: %v", err)
			}
			res := mustSearch(t, ix, Request{Query: "tillerson", NoFacets: true})
			if res.Total != 2 {
				t.Errorf("after Rebuild: %d hits, want 2", res.Total)
			}
			st, _ := ix.Stats()
			if int(st.Documents) != len(src.articles) {
				t.Errorf("after Rebuild: %d documents, want %d", st.Documents, len(src.articles))
			}
			if _, err := os.Stat(ix.Dir() + ".rebuild"); !os.IsNotExist(err) {
				t.Errorf("rebuild directory left behind: %v", err)
			}
			return
		default:
			if _, err := ix.Search(ctx, Request{Query: "tillerson", NoFacets: true}); err != nil {
				t.Fatalf("search during Rebuild: %v", err)
			}
		}
	}
}

func TestCatchUpStopsOnCancel(t *testing.T) {
	ix := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.CatchUp(ctx, newMemSource(loadFixture(t)...)); !errors.Is(err, context.Canceled) {
		t.Errorf("CatchUp with cancelled context: %v, want context.Canceled", err)
	}
}

// Regression guard for bleve#2332 (v2.6.0 lost stored fields after a
// merge): index, delete one document, force a merge to one segment, read
// the stored fields back.
func TestStoredFieldsSurviveDeleteAndMerge(t *testing.T) {
	ctx := context.Background()
	ix, src := fixtureIndex(t)
	// several segments: one batch per article
	for i := range 5 {
		a := *src.articles["tillerson-asia"]
		a.ID = "copy-" + string(rune('a'+i))
		src.put(&a)
		if _, err := ix.CatchUp(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	bi := ix.index()
	must(t, bi.Delete("copy-c"))
	adv, err := bi.Advanced()
	must(t, err)
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		t.Fatalf("index is %T, want scorch", adv)
	}
	must(t, sc.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions))

	res := mustSearch(t, ix, Request{Query: "tillerson", Size: 20, NoFacets: true})
	if res.Total != 6 { // two originals + five copies - one deleted
		t.Fatalf("after delete and merge: %d hits %v, want 6", res.Total, hitIDs(res))
	}
	for _, h := range res.Hits {
		if h.ID == "copy-c" {
			t.Error("deleted document came back")
		}
		if h.Title == "" || h.URL == "" || len(h.Authors) == 0 || h.Published.IsZero() || h.Snippet == "" {
			t.Errorf("hit %s lost stored fields after merge: %+v", h.ID, h)
		}
	}
}

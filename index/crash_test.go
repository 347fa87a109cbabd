package index

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/oped/oped/archive"
)

// TestKilledCatchUpRecovers kills a process in the middle of CatchUp,
// several times, and checks that each reopen catches up to exactly the
// archive: no lost and no duplicated articles.
func TestKilledCatchUpRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "archive.db")
	indexDir := filepath.Join(dir, "index")
	store, err := archive.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	arts := corpusArticles(t, 4000)
	for i := 0; i < len(arts); i += 1000 {
		if _, err := store.PutBatch(ctx, arts[i:i+1000]); err != nil {
			t.Fatal(err)
		}
	}
	last, _ := store.LastSeq(ctx)

	r := rand.New(rand.NewPCG(1, 2))
	for round := range 3 {
		child := exec.Command(os.Args[0], "-test.run=^TestCatchUpChild$")
		child.Env = append(os.Environ(), "OPED_CRASH_DB="+dbPath, "OPED_CRASH_INDEX="+indexDir)
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+r.IntN(1500)) * time.Millisecond)
		child.Process.Kill()
		child.Wait()

		ix, err := Open(ctx, indexDir)
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		before, _ := ix.Stats()
		if _, err := ix.CatchUp(ctx, store); err != nil {
			ix.Close()
			t.Fatalf("round %d: CatchUp after kill: %v", round, err)
		}
		st, _ := ix.Stats()
		t.Logf("round %d: %d documents after the kill, %d after catching up", round, before.Documents, st.Documents)
		if st.Documents != uint64(len(arts)) || st.Seq != last {
			t.Errorf("round %d: %+v, want %d documents at seq %d", round, st, len(arts), last)
		}
		if res := mustSearch(t, ix, Request{Query: "kremlin", NoFacets: true}); res.Total == 0 {
			t.Errorf("round %d: no hits after recovery", round)
		}
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		// start the next round from an empty index again, half the time
		if r.IntN(2) == 0 {
			os.RemoveAll(indexDir)
		}
	}
}

// TestCatchUpChild is the process TestKilledCatchUpRecovers kills.
func TestCatchUpChild(t *testing.T) {
	db, dir := os.Getenv("OPED_CRASH_DB"), os.Getenv("OPED_CRASH_INDEX")
	if db == "" {
		return // only meaningful as the child
	}
	ctx := context.Background()
	store, err := archive.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ix, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.CatchUp(ctx, store); err != nil {
		t.Fatal(err)
	}
}

package archive_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oped/oped/archive"
)

func openStore(t testing.TB, path string) *archive.Store {
	t.Helper()
	s, err := archive.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sample(n int) *archive.Article {
	return &archive.Article{
		URL:       fmt.Sprintf("https://www.themoscowtimes.com/2017/08/%02d/piece-a%d", n%28+1, 50000+n),
		Site:      "The Moscow Times",
		Section:   "Opinion",
		Kind:      "op-ed",
		Title:     fmt.Sprintf("Piece number %d", n),
		Authors:   []string{"Maxim Trudolyubov"},
		Published: time.Date(2017, 8, n%28+1, 0, 0, 0, 0, time.UTC),
		Body:      fmt.Sprintf("Paragraph one of piece %d.\n\nParagraph two.", n),
	}
}

func TestPutVersions(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "a.db"))

	a := sample(1)
	r1, err := s.Put(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Outcome != archive.Inserted || r1.Version != 1 || r1.Seq != 1 {
		t.Fatalf("first put = %+v, want inserted v1 seq 1", r1)
	}

	// Identical content is a no-op: no new version, no new sequence number.
	r2, err := s.Put(ctx, sample(1))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Outcome != archive.Unchanged || r2.Version != 1 || r2.Seq != 0 {
		t.Fatalf("identical put = %+v, want unchanged", r2)
	}

	edited := sample(1)
	edited.Body += "\n\nA correction was appended."
	edited.Tags = []string{"Correction"}
	r3, err := s.Put(ctx, edited)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Outcome != archive.Updated || r3.Version != 2 || r3.Seq != 2 {
		t.Fatalf("edited put = %+v, want updated v2 seq 2", r3)
	}

	got, err := s.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != edited.Body || len(got.Versions) != 2 {
		t.Fatalf("Get: body %q, %d versions", got.Body, len(got.Versions))
	}
	if diff := cmp.Diff([]string{"tags", "body"}, got.Versions[1].Changed); diff != "" {
		t.Errorf("version 2 changed fields (-want +got):\n%s", diff)
	}
	if !got.FirstSeen.Equal(r1FirstSeen(t, s, a.ID)) || got.LastChanged.Before(got.FirstSeen) {
		t.Errorf("first_seen %v last_changed %v", got.FirstSeen, got.LastChanged)
	}
	old, err := s.Version(ctx, a.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if old.Body != sample(1).Body {
		t.Errorf("version 1 body = %q, want the original", old.Body)
	}
	if _, err := s.Version(ctx, a.ID, 3); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Version 3: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Get(nope): %v, want ErrNotFound", err)
	}
}

func r1FirstSeen(t *testing.T, s *archive.Store, id string) time.Time {
	t.Helper()
	v1, err := s.Version(context.Background(), id, 1)
	if err != nil {
		t.Fatal(err)
	}
	return v1.FirstSeen
}

func TestChangesFollowSequence(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	var batch []*archive.Article
	for i := range 10 {
		batch = append(batch, sample(i))
	}
	if _, err := s.PutBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	edited := sample(3)
	edited.Title = "Piece three, retitled"
	if _, err := s.Put(ctx, edited); err != nil {
		t.Fatal(err)
	}

	// A follower that read up to seq 5 sees 6..10 and the edit (seq 11),
	// and article 3 (first seq 4) shows up once, in its new state.
	got, err := s.Changes(ctx, 5, 100)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, a := range got {
		seqs = append(seqs, a.Seq)
	}
	if diff := cmp.Diff([]int64{6, 7, 8, 9, 10, 11}, seqs); diff != "" {
		t.Errorf("seqs (-want +got):\n%s", diff)
	}
	if last := got[len(got)-1]; last.Title != "Piece three, retitled" {
		t.Errorf("last change = %q", last.Title)
	}
	if n, _ := s.LastSeq(ctx); n != 11 {
		t.Errorf("LastSeq = %d, want 11", n)
	}
	page, err := s.Changes(ctx, 0, 3)
	if err != nil || len(page) != 3 || page[2].Seq != 3 {
		t.Errorf("Changes(0, 3) = %d articles, %v", len(page), err)
	}
}

func TestIDsAndCanonicalKeys(t *testing.T) {
	same := []string{
		"https://www.themoscowtimes.com/2017/08/14/moscow-ponders-trumps-fire-and-fury-north-korea-a58651",
		"http://themoscowtimes.com/2017/08/14/moscow-ponders-trumps-fire-and-fury-north-korea-a58651/",
		"https://www.themoscowtimes.com/2017/08/15/a-new-slug-a58651?utm_source=x#comments",
	}
	want := archive.IDForURL(same[0])
	for _, u := range same[1:] {
		if got := archive.IDForURL(u); got != want {
			t.Errorf("IDForURL(%s) = %s, want %s", u, got, want)
		}
	}
	if archive.IDForURL("https://www.themoscowtimes.com/2017/08/14/x-a58652") == want {
		t.Error("a different article id maps to the same ID")
	}
	if a, b := archive.IDForURL("https://www.wilsoncenter.org/blog-post/a"), archive.IDForURL("https://wilsoncenter.org/blog-post/a/"); a != b {
		t.Errorf("www./trailing slash variants differ: %s %s", a, b)
	}
	if archive.SiteForHost("www.themoscowtimes.com") != "The Moscow Times" || archive.SiteForHost("example.org") != "example.org" {
		t.Error("SiteForHost")
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	a, b := sample(1), sample(2)
	b.Site, b.Authors = "Wilson Center", []string{"Maxim Trudolyubov", "Jane Roe"}
	if _, err := s.PutBatch(ctx, []*archive.Article{a, b}); err != nil {
		t.Fatal(err)
	}
	a2 := sample(1)
	a2.Body = "changed"
	if _, err := s.Put(ctx, a2); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"The Moscow Times": 1, "Wilson Center": 1}
	if st.Articles != 2 || st.Versions != 3 || st.Authors != 2 || st.LastSeq != 3 || !cmp.Equal(st.Sites, want) || st.Bytes == 0 {
		t.Errorf("Stats = %+v", st)
	}
}

// TestConcurrentProcesses writes from two processes at once (this test
// binary re-executed as a child) while this process reads: no write is lost,
// none fails with "database is locked", and sequence numbers stay unique.
func TestConcurrentProcesses(t *testing.T) {
	if os.Getenv("OPED_ARCHIVE_CHILD") != "" {
		return // the child's work happens in TestMain
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	s := openStore(t, path)

	const perWriter = 200
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OPED_ARCHIVE_CHILD="+path, "OPED_ARCHIVE_CHILD_N="+strconv.Itoa(perWriter))
	out := make(chan error, 1)
	go func() {
		b, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%v: %s", err, b)
		}
		out <- err
	}()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a reader, like a server following the archive
		defer wg.Done()
		var last int64
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			changes, err := s.Changes(ctx, last, 50)
			if err != nil {
				t.Errorf("Changes: %v", err)
				return
			}
			for _, c := range changes {
				if c.Seq <= last {
					t.Errorf("sequence went backwards: %d after %d", c.Seq, last)
				}
				last = c.Seq
			}
			if last == 2*perWriter {
				return
			}
		}
		t.Errorf("reader saw up to seq %d, want %d", last, 2*perWriter)
	}()
	for i := range perWriter {
		a := sample(100000 + i)
		if _, err := s.Put(ctx, a); err != nil {
			t.Fatalf("parent Put: %v", err)
		}
	}
	if err := <-out; err != nil {
		t.Fatalf("child: %v", err)
	}
	wg.Wait()
	if n, err := s.Count(ctx); err != nil || n != 2*perWriter {
		t.Errorf("Count = %d, %v; want %d", n, err, 2*perWriter)
	}
}

func TestMain(m *testing.M) {
	if path := os.Getenv("OPED_ARCHIVE_CHILD"); path != "" {
		n, _ := strconv.Atoi(os.Getenv("OPED_ARCHIVE_CHILD_N"))
		s, err := archive.Open(context.Background(), path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for i := range n {
			if _, err := s.Put(context.Background(), sample(200000+i)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		s.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLinkSyndication(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	original, reprint := sample(1), sample(2)
	original.Site, original.URL = "Wilson Center", "https://www.wilsoncenter.org/blog-post/piece"
	if _, err := s.PutBatch(ctx, []*archive.Article{original, reprint}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.LastSeq(ctx)
	for range 2 { // linking twice changes nothing the second time
		if err := s.LinkSyndication(ctx, original.ID, reprint.ID); err != nil {
			t.Fatal(err)
		}
	}
	o, _ := s.Get(ctx, original.ID)
	r, _ := s.Get(ctx, reprint.ID)
	if r.SyndicatedFrom != original.ID || !cmp.Equal(o.SyndicatedAs, []string{reprint.ID}) {
		t.Errorf("links: from %q, as %q", r.SyndicatedFrom, o.SyndicatedAs)
	}
	if len(o.Versions) != 1 || len(r.Versions) != 1 {
		t.Errorf("linking made versions: %d, %d", len(o.Versions), len(r.Versions))
	}
	if after, _ := s.LastSeq(ctx); after != before+2 {
		t.Errorf("seq %d -> %d, want both articles re-sequenced once", before, after)
	}
	// The links survive a content update of the reprint.
	edited := sample(2)
	edited.Body = "a corrected body"
	if _, err := s.Put(ctx, edited); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Get(ctx, reprint.ID); r.SyndicatedFrom != original.ID || len(r.Versions) != 2 {
		t.Errorf("after an update: syndicated_from %q, %d versions", r.SyndicatedFrom, len(r.Versions))
	}
	if err := s.LinkSyndication(ctx, original.ID, "missing"); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("link to a missing article: %v", err)
	}
}

func TestByAuthorNearAndHealth(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	var batch []*archive.Article
	for i := range 5 {
		a := sample(i)
		a.Published = time.Date(2017, 1, 1, 0, 0, 0, 0, time.FixedZone("MSK", 3*3600)).AddDate(0, 0, 20*i)
		batch = append(batch, a)
	}
	batch[4].Authors = []string{"Someone Else"}
	batch[3].Tags = []string{"Russia"}
	if _, err := s.PutBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	near, err := s.ByAuthorNear(ctx, "Maxim Trudolyubov", batch[1].Published, 25*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, a := range near {
		titles = append(titles, a.Title)
	}
	slices.Sort(titles)
	if diff := cmp.Diff([]string{"Piece number 0", "Piece number 1", "Piece number 2"}, titles); diff != "" {
		t.Errorf("ByAuthorNear (-want +got):\n%s", diff)
	}

	health, err := s.Health(ctx, 100)
	if err != nil || len(health) != 1 {
		t.Fatalf("Health = %+v, %v", health, err)
	}
	h := health[0]
	if h.Articles != 5 || h.Present["authors"] != 1 || h.Present["tags"] != 0.2 || h.Present["subtitle"] != 0 {
		t.Errorf("Health = %+v", h)
	}
}

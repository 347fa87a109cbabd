package corpus

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestArticleIsDeterministic(t *testing.T) {
	a := New(7).Article(42)
	b := New(7).Article(42)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("Article(42) differs between generators with the same seed (-first +second):\n%s", diff)
	}
	// Article i must not depend on what was generated before it.
	g := New(7)
	g.Articles(100)
	if diff := cmp.Diff(a, g.Article(42)); diff != "" {
		t.Fatalf("Article(42) depends on earlier calls (-fresh +after):\n%s", diff)
	}
	if c := New(8).Article(42); c.Body == a.Body {
		t.Fatalf("seeds 7 and 8 gave the same body")
	}
}

func TestArticlesLookReal(t *testing.T) {
	const n = 1000
	arts := New(1).Articles(n)
	ids := map[string]bool{}
	authors := map[string]bool{}
	sites := map[string]int{}
	var curly, straight, fromKennan, multiAuthor int
	start := time.Date(firstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(years, 0, 0)
	for i, a := range arts {
		if a.ID == "" || ids[a.ID] {
			t.Fatalf("article %d: ID %q empty or repeated", i, a.ID)
		}
		ids[a.ID] = true
		if a.WordCount < minBodyWords || a.WordCount > maxBodyWords+40 {
			t.Errorf("article %d: %d words, want %d..%d", i, a.WordCount, minBodyWords, maxBodyWords)
		}
		if paras := strings.Count(a.Body, "\n\n") + 1; paras < 3 {
			t.Errorf("article %d: %d paragraphs, want several", i, paras)
		}
		if a.Title == "" || a.Subtitle == "" || a.URL == "" || a.Section == "" || len(a.Tags) == 0 || len(a.Authors) == 0 {
			t.Errorf("article %d: missing fields: %+v", i, a)
		}
		if a.Published.Before(start) || !a.Published.Before(end) {
			t.Errorf("article %d: published %v outside %v..%v", i, a.Published, start, end)
		}
		for _, au := range a.Authors {
			authors[au] = true
		}
		if len(a.Authors) > 1 {
			multiAuthor++
		}
		sites[a.Site]++
		curly += strings.Count(a.Body, "’s")
		straight += strings.Count(a.Body, "'s")
		if a.OriginalPublisher == kennan {
			fromKennan++
		}
	}
	if sites[mtSite] < n/2 || sites[wilsonSite] < n/10 {
		t.Errorf("sites = %v, want both, mostly The Moscow Times", sites)
	}
	if len(authors) < 300 {
		t.Errorf("%d distinct authors in %d articles, want a wide spread", len(authors), n)
	}
	if curly == 0 || straight == 0 || fromKennan == 0 || multiAuthor == 0 {
		t.Errorf("curly=%d straight=%d kennan=%d multiAuthor=%d, want all present", curly, straight, fromKennan, multiAuthor)
	}
	if got := len(New(1).Authors()); got != numAuthors {
		t.Errorf("Authors() has %d names, want %d", got, numAuthors)
	}
}

func TestVocabularyIsZipfian(t *testing.T) {
	if len(vocabulary) < 3000 {
		t.Fatalf("vocabulary has %d words, want a few thousand", len(vocabulary))
	}
	counts := map[string]int{}
	for _, a := range New(3).Articles(200) {
		for _, w := range strings.Fields(strings.ToLower(a.Body)) {
			counts[strings.Trim(w, ".,?")]++
		}
	}
	// The head of the list dominates, and entities recur often enough to
	// make queries meaningful, without being in every sentence.
	if counts["the"] < 10*counts["government"] {
		t.Errorf("the=%d government=%d: want a steep head", counts["the"], counts["government"])
	}
	for _, w := range []string{"russia", "kremlin", "putin", "nato", "ukraine", "sanctions"} {
		if counts[w] == 0 {
			t.Errorf("entity %q never appears", w)
		}
	}
}

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Why Trump’s North Korea Rhetoric Irks Russia (Op-ed)", "why-trump-s-north-korea-rhetoric-irks-russia-op-ed"},
		{"  St. Petersburg  ", "st-petersburg"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := slugify(tc.in); got != tc.want {
			t.Errorf("slugify(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

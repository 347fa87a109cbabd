package textdump

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/archive/corpus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestParseGolden parses every testdata/*.txt dump and compares the article
// with testdata/*.golden.json (regenerate with -update, review the diff).
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Parse(file, data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := json.MarshalIndent(a, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".txt") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", file, diff)
			}
		})
	}
}

// TestParseRules checks the layout rules one by one, on the fixtures.
func TestParseRules(t *testing.T) {
	parse := func(t *testing.T, name string) *archive.Article {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		a, err := Parse(name, data)
		if err != nil {
			t.Fatalf("Parse(%s): %v", name, err)
		}
		return a
	}
	t.Run("op-ed suffix becomes section and kind", func(t *testing.T) {
		a := parse(t, "two_authors.txt")
		if a.Title != "The Baltic Ferry Question" || a.Section != "Opinion" || a.Kind != "op-ed" {
			t.Errorf("title, section, kind = %q, %q, %q", a.Title, a.Section, a.Kind)
		}
	})
	t.Run("no suffix, no section", func(t *testing.T) {
		a := parse(t, "three_authors.txt")
		if a.Title != "Grain, Rain and Roubles" || a.Section != "" || a.Kind != "" {
			t.Errorf("title, section, kind = %q, %q, %q", a.Title, a.Section, a.Kind)
		}
	})
	t.Run("authors", func(t *testing.T) {
		for file, want := range map[string][]string{
			"two_authors.txt":   {"Anna Petrova", "Jonathan Reed"},
			"three_authors.txt": {"Olga Smirnova", "Peter Lang", "Mei Chen"},
			"missing_date.txt":  {"Ivan Morozov"},
		} {
			if got := parse(t, file).Authors; !cmp.Equal(got, want) {
				t.Errorf("%s: authors = %q, want %q", file, got, want)
			}
		}
	})
	t.Run("dates", func(t *testing.T) {
		for file, want := range map[string]string{
			"two_authors.txt":   "2019-03-05",
			"three_authors.txt": "2019-09-03",
			"missing_url.txt":   "2020-11-02",
		} {
			if got := parse(t, file).Published.Format("2006-01-02"); got != want {
				t.Errorf("%s: published = %s, want %s", file, got, want)
			}
		}
		if got := parse(t, "missing_date.txt").Published; !got.IsZero() {
			t.Errorf("missing_date: published = %v, want zero", got)
		}
	})
	t.Run("links keep their text, escapes undone", func(t *testing.T) {
		a := parse(t, "two_authors.txt")
		if !strings.Contains(a.Body, "which in itself was news.") || strings.Contains(a.Body, "](#)") {
			t.Errorf("body kept link markup: %q", a.Body)
		}
		if b := parse(t, "three_authors.txt").Body; !strings.Contains(b, "rose (again) in August") {
			t.Errorf("markdown escapes not undone: %q", b)
		}
	})
	t.Run("related articles leave the body", func(t *testing.T) {
		a := parse(t, "two_authors.txt")
		want := []archive.Link{{Title: "What Kaliningrad Wants (Op-ed)"}}
		if !cmp.Equal(a.Related, want) || strings.Contains(a.Body, "Related article") {
			t.Errorf("related = %+v; body = %q", a.Related, a.Body)
		}
	})
	t.Run("bio and disclaimers leave the body", func(t *testing.T) {
		a := parse(t, "two_authors.txt")
		if a.AuthorBio != "Anna Petrova is a journalist based in Riga. Jonathan Reed is a fellow at the Northern Policy Forum." {
			t.Errorf("author_bio = %q", a.AuthorBio)
		}
		if strings.Contains(a.Body, "necessarily reflect") || strings.Contains(a.Body, "journalist based in Riga") {
			t.Errorf("body kept bio or disclaimer: %q", a.Body)
		}
	})
	t.Run("original publisher and its link", func(t *testing.T) {
		a := parse(t, "missing_date.txt")
		if a.OriginalPublisher != "Kennan Institute" || a.OriginalURL != "https://www.wilsoncenter.org/blog-post/letters-closed-city" {
			t.Errorf("original = %q %q", a.OriginalPublisher, a.OriginalURL)
		}
		if a.AuthorBio != "Ivan Morozov is a historian." {
			t.Errorf("author_bio = %q", a.AuthorBio)
		}
	})
	t.Run("image credit", func(t *testing.T) {
		if got := parse(t, "two_authors.txt").ImageCredit; got != "Sergei Ivanov / TASS" {
			t.Errorf("image_credit = %q", got)
		}
		if got := parse(t, "missing_date.txt").ImageCredit; got != "Kremlin.ru" {
			t.Errorf("image_credit = %q", got)
		}
	})
	t.Run("original url sets url, site and id", func(t *testing.T) {
		a := parse(t, "two_authors.txt")
		if a.URL != "https://www.themoscowtimes.com/2019/03/05/the-baltic-ferry-question-a64800" || a.Site != "The Moscow Times" {
			t.Errorf("url, site = %q, %q", a.URL, a.Site)
		}
		if a.ID != archive.IDForURL(a.URL) {
			t.Errorf("id %q not derived from the URL", a.ID)
		}
		if a := parse(t, "three_authors.txt"); a.URL != "https://www.themoscowtimes.com/2019/09/03/grain-rain-and-roubles-a67100" {
			t.Errorf("same-line Original url: %q", a.URL)
		}
	})
	t.Run("no url: id from site, title and date", func(t *testing.T) {
		a := parse(t, "missing_url.txt")
		if a.URL != "" || a.ID != archive.IDForContent(a.Site, a.Title, a.Published) {
			t.Errorf("url %q id %q", a.URL, a.ID)
		}
		if a.Subtitle != "A spending plan that nobody debated" {
			t.Errorf("subtitle = %q", a.Subtitle)
		}
	})
	t.Run("broken paragraphs are joined", func(t *testing.T) {
		a := parse(t, "broken_paragraphs.txt")
		paras := strings.Split(a.Body, "\n\n")
		want := []string{
			"The heating plant in the northern district failed on the coldest night of the year, and the repairs took until the following week.",
			"Residents said the city had been warned about the pipes in 2019.",
			"“We wrote letters,” one woman said. “Nobody answered.”",
		}
		if diff := cmp.Diff(want, paras); diff != "" {
			t.Errorf("paragraphs (-want +got):\n%s", diff)
		}
	})
}

func TestParseEncodings(t *testing.T) {
	plain, err := os.ReadFile("testdata/missing_url.txt")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Parse("plain", plain)
	if err != nil {
		t.Fatal(err)
	}
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range string(plain) {
		utf16le = append(utf16le, byte(r), byte(r>>8)) // the fixture is BMP-only
	}
	for name, data := range map[string][]byte{
		"utf-8 BOM":       append([]byte("\xEF\xBB\xBF"), plain...),
		"CRLF line ends":  bytes.ReplaceAll(plain, []byte("\n"), []byte("\r\n")),
		"UTF-16 LE + BOM": utf16le,
	} {
		got, err := Parse(name, data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: differs from the plain UTF-8 parse (-want +got):\n%s", name, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantLine int
		wantMsg  string
	}{
		{"empty", "", 0, "empty file"},
		{"blank lines only", "\n\n  \n\t\n", 0, "empty file"},
		{"binary", "Title\n\nBy A\n\x00\x01\x02", 4, "binary data"},
		{"latin-1", "Title\n\nBy Jos\xe9 Mart\xednez\n", 3, "not UTF-8"},
		{"prose, not a dump", "Just some notes.\n\nI should buy milk tomorrow and call the plumber.\n", 0, "not an op-ed dump"},
		{"header without body", "A Title\n\nBy Someone\n\nMay 5, 2020\n", 0, "no body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse("dump.txt", []byte(tt.data))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want a *ParseError", a, err)
			}
			if pe.File != "dump.txt" || pe.Line != tt.wantLine || !strings.Contains(pe.Msg, tt.wantMsg) {
				t.Errorf("error = %q (line %d), want line %d containing %q", err, pe.Line, tt.wantLine, tt.wantMsg)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for no date
	}{
		{"August 14, 2017", "2017-08-14"},
		{"Aug. 14, 2017", "2017-08-14"},
		{"Sept. 3, 2019", "2019-09-03"},
		{"June 1, 2021", "2021-06-01"},
		{"14 August 2017", "2017-08-14"},
		{"2017-08-14", "2017-08-14"},
		{"2017-08-14T18:30:00+03:00", "2017-08-14"},
		{"Updated: Aug. 15, 2017", "2017-08-15"},
		{"Monday, August 14, 2017", "2017-08-14"},
		{"By Maxim Trudolyubov", ""},
		{"August 2017 was hot", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("ParseDate(%q) = %v, want no date", tt.in, got)
			}
			continue
		}
		if !ok || got.Format("2006-01-02") != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
}

// TestFormatRoundTrip checks that Format writes what Parse reads: the
// benchmark corpus depends on it.
func TestFormatRoundTrip(t *testing.T) {
	in := &archive.Article{
		URL: "https://www.themoscowtimes.com/2020/01/02/a-round-trip-a70001", Site: "The Moscow Times",
		Section: "Opinion", Kind: "op-ed", Title: "A Round Trip", Subtitle: "Out and back again",
		Authors: []string{"Ann One", "Bob Two", "Cy Three"}, Published: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC),
		ImageCredit: "Someone / Agency", Language: "en",
		Body:              "First paragraph here.\n\nSecond paragraph (with brackets).\n\nThird one.\n\nFourth and last.",
		Related:           []archive.Link{{Title: "Another Piece (Op-ed)"}},
		AuthorBio:         "Ann One is a writer.",
		OriginalPublisher: "Kennan Institute",
	}
	in.Normalize()
	out, err := Parse("roundtrip", Format(in))
	if err != nil {
		t.Fatalf("Parse(Format(a)): %v", err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}

// TestCorpusRoundTrip writes generated op-eds as dumps and reads them back:
// the import benchmark measures what a faithful import costs.
func TestCorpusRoundTrip(t *testing.T) {
	gen := corpus.New(7)
	for i := range 300 {
		want := gen.Article(i)
		want.Normalize()
		got, err := Parse(fmt.Sprintf("gen-%d.txt", i), Format(want))
		if err != nil {
			t.Fatalf("article %d: %v", i, err)
		}
		if want.Kind != "op-ed" {
			// Dumps carry the section only as the (Op-ed) suffix.
			want.Section = ""
		}
		// Dumps carry no tags and the date without its time.
		want.Tags = []string{}
		want.Published = time.Date(want.Published.Year(), want.Published.Month(), want.Published.Day(), 0, 0, 0, 0, time.UTC)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("article %d does not survive Format+Parse (-want +got):\n%s", i, diff)
		}
	}
}

func TestBylineOrSubtitle(t *testing.T) {
	tests := []struct {
		line   string
		byline bool
	}{
		{"By [Anna Petrova](#)", true},
		{"By Olga Smirnova, Peter Lang and Mei Chen", true},
		{"By Ludwig van Beethoven and Ana de la Cruz", true},
		{"By the numbers: what the budget hides", false},
		{"By as that that lead on the to was, proceeds a diminished?", false},
		{"By now, everyone in the ministry knows the plan has failed", false},
	}
	for _, tt := range tests {
		rest := byLine.FindStringSubmatch(tt.line)[1]
		if got := looksLikeByline(rest); got != tt.byline {
			t.Errorf("looksLikeByline(%q) = %v, want %v", tt.line, got, tt.byline)
		}
	}
}

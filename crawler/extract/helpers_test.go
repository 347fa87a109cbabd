package extract

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oped/oped/archive"
)

func TestParseDate(t *testing.T) {
	msk := time.FixedZone("", 3*3600)
	edt := time.FixedZone("", -4*3600)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2017-08-14T18:30:00+03:00", time.Date(2017, 8, 14, 18, 30, 0, 0, msk), true},
		{"2025-03-17T16:46:12-04:00", time.Date(2025, 3, 17, 16, 46, 12, 0, edt), true},
		{"2021-03-09T07:15:00Z", time.Date(2021, 3, 9, 7, 15, 0, 0, time.UTC), true},
		{"2021-03-09T07:15:00.250Z", time.Date(2021, 3, 9, 7, 15, 0, 250e6, time.UTC), true},
		{"2017-08-14T18:30:00+0300", time.Date(2017, 8, 14, 18, 30, 0, 0, msk), true},
		{"2017-08-14", time.Date(2017, 8, 14, 0, 0, 0, 0, time.UTC), true},
		{"Wed, 23 Sep 2020 15:52:00 +0200", time.Date(2020, 9, 23, 15, 52, 0, 0, time.FixedZone("", 2*3600)), true},
		{"Aug. 14, 2017", time.Date(2017, 8, 14, 0, 0, 0, 0, time.UTC), true},
		{"August 14, 2017", time.Date(2017, 8, 14, 0, 0, 0, 0, time.UTC), true},
		{"Sep 22, 2017", time.Date(2017, 9, 22, 0, 0, 0, 0, time.UTC), true},
		{"Sept. 22, 2017", time.Date(2017, 9, 22, 0, 0, 0, 0, time.UTC), true},
		{"June 1, 2021", time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC), true},
		{"14 August 2017", time.Date(2017, 8, 14, 0, 0, 0, 0, time.UTC), true},
		{"  Updated: March 25, 2023 ", time.Date(2023, 3, 25, 0, 0, 0, 0, time.UTC), true},
		{"Posted date/time: March 17, 2025", time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"2017-13-45", time.Time{}, false},
		{strings.Repeat("9", 200), time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := parseDate(tc.in)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSplitByline(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"By Maxim Trudolyubov", []string{"Maxim Trudolyubov"}},
		{"By A. Smith and B. Jones", []string{"A. Smith", "B. Jones"}},
		{"By Ann Lee, Bo Park and Cy Young", []string{"Ann Lee", "Bo Park", "Cy Young"}},
		{"Ann Lee, Bo Park, and Cy Young", []string{"Ann Lee", "Bo Park", "Cy Young"}},
		{"Ann Lee & Bo Park", []string{"Ann Lee", "Bo Park"}},
		{"by:  Анна Соколова", []string{"Анна Соколова"}},
		{"", nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, splitByline(tc.in)); diff != "" {
			t.Errorf("splitByline(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// JSON-LD comes as single objects, arrays and @graph documents, with
// authors as strings, objects or arrays; broken blocks are skipped.
func TestJSONLDAuthorsAndBlocks(t *testing.T) {
	tests := []struct {
		name    string
		scripts []string
		authors []string
		bad     int
	}{
		{"string author", []string{`{"@type":"NewsArticle","author":"Ann Lee"}`}, []string{"Ann Lee"}, 0},
		{"object author", []string{`{"@type":"Article","author":{"@type":"Person","name":"Ann Lee"}}`}, []string{"Ann Lee"}, 0},
		{"array of mixed authors", []string{`{"@type":"BlogPosting","author":["Ann Lee",{"@type":"Person","name":"Bo Park"},{"@type":"Person","url":"https://x"}]}`}, []string{"Ann Lee", "Bo Park"}, 0},
		{"graph", []string{`{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},{"@type":["NewsArticle"],"author":{"name":"Ann Lee"}}]}`}, []string{"Ann Lee"}, 0},
		{"top-level array", []string{`[{"@type":"Organization","name":"X"},{"@type":"OpinionNewsArticle","author":[{"name":"Bo Park"}]}]`}, []string{"Bo Park"}, 0},
		{"url author ignored", []string{`{"@type":"Article","author":"https://example.org/people/ann"}`}, []string{}, 0},
		{"trailing comma block skipped", []string{`{"@type":"WebSite","url":"https://www.themoscowtimes.com/",}`, `{"@type":"NewsArticle","author":{"@type":"Person","name":"Ann Lee"}}`}, []string{"Ann Lee"}, 1},
		{"garbage", []string{`not json at all`, `{"@type":`, `[]`, `null`, `{"@type":{"x":1},"author":7}`}, []string{}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var page strings.Builder
			page.WriteString("<html><head>")
			for _, s := range tc.scripts {
				page.WriteString(`<script type="application/ld+json">` + s + `</script>`)
			}
			page.WriteString("</head><body><p>x</p></body></html>")
			d, err := load(&Page{URL: "https://example.org/a", Status: 200, Body: []byte(page.String())})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.authors, d.meta.ldAuthors()); diff != "" {
				t.Errorf("authors (-want +got):\n%s", diff)
			}
			if d.meta.badJSONLD != tc.bad {
				t.Errorf("bad blocks = %d, want %d", d.meta.badJSONLD, tc.bad)
			}
		})
	}
}

func TestNormalizeLanguage(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "en-US": "en", "ru_RU": "ru", "English": "en", "": "", "x": "", "12": ""} {
		if got := normalizeLanguage(in); got != want {
			t.Errorf("normalizeLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCreditLines(t *testing.T) {
	tests := []struct {
		name      string
		paras     []paragraph
		publisher string
		url       string
		index     int
	}{
		{
			name: "Kennan credit with link",
			paras: []paragraph{{text: "Body."}, {
				text:  "Jane Roe is a fellow. This article was originally published by the Kennan Institute.",
				links: []archive.Link{{Title: "Kennan Institute", URL: "https://www.wilsoncenter.org/blog-post/x"}},
			}},
			publisher: "Kennan Institute", url: "https://www.wilsoncenter.org/blog-post/x", index: 1,
		},
		{
			name:      "Russia File credit without link",
			paras:     []paragraph{{text: "Body."}, {text: "This piece first appeared on The Russia File, a blog of the Kennan Institute."}},
			publisher: "Kennan Institute", index: 1,
		},
		{
			name:      "other publisher",
			paras:     []paragraph{{text: "This article was originally published in Foreign Affairs and is reprinted with permission."}, {text: "Body."}},
			publisher: "Foreign Affairs", index: 0,
		},
		{
			name: "link to a blog post on kennan-russiafile.org",
			paras: []paragraph{{text: "Body."}, {
				text:  "Read the Kennan Institute's version here.",
				links: []archive.Link{{Title: "here", URL: "https://www.kennan-russiafile.org/2017/08/10/ports/"}},
			}},
			publisher: "Kennan Institute", url: "https://www.kennan-russiafile.org/2017/08/10/ports/", index: 1,
		},
		{
			name: "bio linking the program page is no credit",
			paras: []paragraph{{text: "Body."}, {
				text:  "Jane Roe is a fellow at the Kennan Institute.",
				links: []archive.Link{{Title: "Kennan Institute", URL: "https://www.wilsoncenter.org/program/kennan-institute"}},
			}},
			index: -1,
		},
		{
			name:  "long prose mentioning first publication",
			paras: []paragraph{{text: strings.Repeat("The decree was first published in the official gazette, which nobody reads. ", 8)}},
			index: -1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(&doc{})
			i := b.syndication(tc.paras)
			if i != tc.index || b.a.OriginalPublisher != tc.publisher || b.a.OriginalURL != tc.url {
				t.Errorf("syndication = %d, %q, %q; want %d, %q, %q", i, b.a.OriginalPublisher, b.a.OriginalURL, tc.index, tc.publisher, tc.url)
			}
			if tc.url != "" && (len(b.links) != 1 || b.links[0] != tc.url) {
				t.Errorf("links = %v, want the original queued for the crawler", b.links)
			}
		})
	}
}

// The Kennan original of an op-ed and the Moscow Times reprint, which adds
// a bio line, a credit and two disclaimers.
func TestSameStory(t *testing.T) {
	body := strings.Join([]string{
		"For years the ministry insisted that the reform would pay for itself within a single budget cycle.",
		"Regional governors were told to find the savings in their own hospitals and schools, and most of them did exactly that.",
		"The result was a system that looked balanced on paper while waiting lists in small towns grew month after month.",
		"Doctors left for the capital or for private clinics, and the statistics recorded the departures as efficiency gains.",
		"Nobody in the ministry lied about the numbers; they simply measured the wrong things with great precision.",
		"A reform that counts beds instead of patients will always look like a success until the patients stop coming.",
		"That is the lesson the next government will have to learn, ideally before the next round of cuts is announced.",
	}, "\n\n")
	reprintBody := body + "\n\nJane Roe is a senior fellow with the Kennan Institute. This article was originally published by the Kennan Institute." +
		"\n\nThe views and opinions expressed in opinion pieces do not necessarily reflect the position of The Moscow Times." +
		"\n\nThe views expressed in opinion pieces do not necessarily reflect the position of The Moscow Times."
	published := time.Date(2017, 8, 10, 9, 0, 0, 0, time.FixedZone("", -4*3600))
	original := &archive.Article{Authors: []string{"Jane Roe"}, Published: published, Body: body}
	reprint := func(edit func(*archive.Article)) *archive.Article {
		a := &archive.Article{Authors: []string{"ROE, Jane"}, Published: published.Add(4 * 24 * time.Hour), Body: reprintBody}
		if edit != nil {
			edit(a)
		}
		return a
	}
	tests := []struct {
		name string
		b    *archive.Article
		want bool
	}{
		{"reprint with bio and disclaimers", reprint(nil), true},
		{"other author", reprint(func(a *archive.Article) { a.Authors = []string{"John Doe"} }), false},
		{"extra co-author", reprint(func(a *archive.Article) { a.Authors = []string{"Jane Roe", "John Doe"} }), false},
		{"eight weeks later", reprint(func(a *archive.Article) { a.Published = published.Add(8 * 7 * 24 * time.Hour) }), false},
		{"five weeks earlier", reprint(func(a *archive.Article) { a.Published = published.Add(-5 * 7 * 24 * time.Hour) }), true},
		{"no date on the reprint", reprint(func(a *archive.Article) { a.Published = time.Time{} }), true},
		{"no authors on the reprint", reprint(func(a *archive.Article) { a.Authors = nil }), true},
		{"same author, different piece", reprint(func(a *archive.Article) {
			a.Body = "An entirely different column about fishing quotas in the Far East and what they mean for coastal villages, written in a hurry."
		}), false},
		{"half the text", reprint(func(a *archive.Article) { a.Body = body[:len(body)/2] }), false},
		{"empty body", reprint(func(a *archive.Article) { a.Body = "" }), false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameStory(original, tc.b); got != tc.want {
				t.Errorf("SameStory(original, %s) = %v, want %v", tc.name, got, tc.want)
			}
			if got := SameStory(tc.b, original); got != tc.want {
				t.Errorf("SameStory(%s, original) = %v, want %v (must be symmetric)", tc.name, got, tc.want)
			}
		})
	}
}

package extract

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oped/oped/archive"
)

func fixtureNamed(tb testing.TB, name string) fixture {
	tb.Helper()
	for _, fx := range fixtures {
		if fx.name == name {
			return fx
		}
	}
	tb.Fatalf("no fixture %q", name)
	return fixture{}
}

func mustExtract(tb testing.TB, name string) *Result {
	tb.Helper()
	res, err := extractFixture(tb, fixtureNamed(tb, name))
	if err != nil {
		tb.Fatalf("extract %s: %v", name, err)
	}
	return res
}

// extractEdited runs a fixture through its extractor after edit rewrote
// the page, for variants of a layout that differ in one detail.
func extractEdited(tb testing.TB, name string, edit func(string) string) (*Result, error) {
	tb.Helper()
	fx := fixtureNamed(tb, name)
	p := loadFixture(tb, fx)
	p.Body = []byte(edit(string(p.Body)))
	fn, err := Lookup(fx.extractor)
	if err != nil {
		tb.Fatal(err)
	}
	return fn(p)
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// TestArticles asserts, page by page, the behaviour each fixture was
// written for.
func TestArticles(t *testing.T) {
	tests := []struct {
		fixture        string
		title          string
		authors        []string
		published      string
		section, kind  string
		tags           []string
		relatedTitles  []string
		bodyHas        []string
		bodyLacks      []string
		bioHas         string
		originalPub    string
		originalURL    string
		imageCredit    string
		fallbackFields []string
	}{
		{
			fixture: "moscowtimes/oped-kennan",
			title:   "Why the Arctic Ports Keep Moscow Awake at Night",
			authors: []string{"Pavel Oreshkin"}, published: "2017-09-04T18:30:00+03:00",
			section: "Opinion", kind: "op-ed", tags: []string{"Arctic", "Shipping", "China"},
			relatedTitles: []string{"Icebreakers Are Not a Strategy (Op-ed)"},
			bodyHas:       []string{"For a decade, officials", "Who pays for the ice", "someone else's schedule."},
			bodyLacks: []string{"Advertisement", "window.ads", "Icebreakers Are Not", "Read more", "senior fellow",
				"necessarily reflect", "Dear readers", "Teaser text", "Most read", "PDF", "Arctic policy"},
			bioHas:      "senior fellow with the Kennan Institute",
			originalPub: "Kennan Institute", originalURL: "https://www.wilsoncenter.org/blog-post/why-arctic-ports-keep-moscow-awake",
			imageCredit: "Anna Lebedeva / Polar Photo",
		},
		{
			fixture: "moscowtimes/oped-two-authors-updated",
			title:   "The Grain Corridor Was Never About Grain",
			authors: []string{"Irina Koval", "Dmitri Salnikov"}, published: "2023-03-24T17:40:27+03:00",
			section: "Opinion", kind: "op-ed", tags: []string{"Ukraine war", "Trade"},
			bodyHas:   []string{"Ships kept sailing", "Bread is the one weapon", "win the next round."},
			bodyLacks: []string{"donation", "We rely on readers", "Support independent journalism", "ad slot", "are researchers"},
			bioHas:    "are researchers covering Black Sea trade",
		},
		{
			fixture: "moscowtimes/oped-three-authors",
			title:   "Three Ways the Ruble Could Break",
			authors: []string{"Olga Brandt", "Sergei Malik", "Nadia Fomina"}, published: "2019-09-03T10:05:00+02:00",
			section: "Opinion", kind: "op-ed",
			relatedTitles: []string{"Central Bank Holds Its Nerve (Op-ed)"},
			bodyHas:       []string{"Slowly", "Suddenly", "The political path"},
			bodyLacks:     []string{"Related article"},
		},
		{
			fixture: "moscowtimes/news",
			title:   "Moscow Metro Opens Four New Stations on Big Circle Line",
			authors: []string{"The Moscow Times"}, published: "2023-03-01T12:00:00+03:00",
			section: "News", kind: "news", tags: []string{"Moscow", "Metro"},
			bodyHas:     []string{"Four new stations", "by the end of the year."},
			bodyLacks:   []string{"Map of the line"},
			imageCredit: "mos.ru",
		},
		{
			fixture: "moscowtimes/no-date",
			title:   "A Page That Never Says When",
			authors: []string{"Lev Arbatov"}, published: "",
			section: "Opinion", kind: "op-ed",
			bodyHas: []string{"publication time left unknown"},
		},
		{
			fixture: "wilsoncenter/blog-post-2025",
			title:   "Siberian Rivers and the Politics of Water",
			authors: []string{"Marta Ilyina", "George Hadley"}, published: "2025-03-17T16:46:12-04:00",
			section: "Kennan Institute", kind: "blog-post", tags: []string{"Russia and Eurasia", "Environment"},
			bodyHas:   []string{"An old plan with new owners", "Water is the one export", "trust between capitals."},
			bodyLacks: []string{"Explore more than", "An Other Story", "Someone Else", "Skip to main", "Posted date"},
		},
		{
			fixture: "wilsoncenter/blog-post-2021",
			title:   "Why Regional Elections Still Matter in Russia",
			authors: []string{"Anna Petrenko", "James Corwin"}, published: "2021-09-22T00:00:00Z",
			section: "Kennan Institute", kind: "blog-post", tags: []string{"Russia and Eurasia"},
			bodyHas:   []string{"What the numbers hide", "loyalty is real"},
			bodyLacks: []string{"Another Post", "Somebody"},
		},
		{
			fixture: "wilsoncenter/kennan-cable",
			title:   "Kennan Cable No. 61: Russia's Northern Gas Bet",
			authors: []string{"Viktor Lanskoy"}, published: "2020-11-10T10:00:00-05:00",
			section: "Kennan Institute", kind: "publication", tags: []string{"Russia and Eurasia", "Energy and Environment"},
			bodyHas:   []string{"Key findings", "Foreign partners remain essential"},
			bodyLacks: []string{"Download PDF", "Explore more than"},
		},
		{
			fixture: "wilsoncenter/russiafile-wordpress",
			title:   "Small Towns, Big Elections",
			authors: []string{"Lidia Tarasova"}, published: "2017-08-10T13:05:22Z",
			section: "Kennan Institute", kind: "blog-post",
			bodyHas:        []string{"twelve thousand people", "willing to do so."},
			bodyLacks:      []string{"Follow me", "11 Time Zones", "is a blog of"},
			fallbackFields: []string{"title", "authors", "published", "body"},
		},
		{
			fixture: "generic/unknown-site",
			title:   "The Quiet Economics of River Ports",
			authors: []string{"Ingrid Solberg", "Tomasz Wiercinski"}, published: "2021-03-09T07:15:00Z",
			section: "Opinion", kind: "op-ed", tags: []string{"Trade", "Rivers", "Infrastructure"},
			bodyHas:   []string{"Nobody writes songs", "A network nobody planned", "within a decade."},
			bodyLacks: []string{"Subscribe", "All rights reserved", "Privacy"},
		},
		{
			fixture: "generic/cyrillic-1251",
			title:   "Почему северные порты важны для экономики",
			authors: []string{"Анна Соколова"}, published: "2019-02-11T09:30:00+03:00",
			section: "Мнения", kind: "news",
			bodyHas:   []string{"Северный морской путь", "ледовой обстановки"},
			bodyLacks: []string{"Главная", "©"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			a := mustExtract(t, tc.fixture).Article
			if a.Title != tc.title {
				t.Errorf("title = %q, want %q", a.Title, tc.title)
			}
			if diff := cmp.Diff(tc.authors, a.Authors); diff != "" {
				t.Errorf("authors (-want +got):\n%s", diff)
			}
			if want := mustTime(t, tc.published); !a.Published.Equal(want) {
				t.Errorf("published = %v, want %v", a.Published, want)
			}
			if a.Section != tc.section || a.Kind != tc.kind {
				t.Errorf("section, kind = %q, %q; want %q, %q", a.Section, a.Kind, tc.section, tc.kind)
			}
			if tc.tags != nil {
				if diff := cmp.Diff(tc.tags, a.Tags); diff != "" {
					t.Errorf("tags (-want +got):\n%s", diff)
				}
			}
			var related []string
			for _, l := range a.Related {
				related = append(related, l.Title)
			}
			if diff := cmp.Diff(tc.relatedTitles, related); diff != "" {
				t.Errorf("related (-want +got):\n%s", diff)
			}
			for _, s := range tc.bodyHas {
				if !strings.Contains(a.Body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range tc.bodyLacks {
				if strings.Contains(a.Body, s) {
					t.Errorf("body contains %q, which is not article text", s)
				}
			}
			if strings.Contains(a.Body, "\n\n\n") {
				t.Errorf("body has more than one blank line between paragraphs")
			}
			if tc.bioHas != "" && !strings.Contains(a.AuthorBio, tc.bioHas) {
				t.Errorf("author bio = %q, want it to contain %q", a.AuthorBio, tc.bioHas)
			}
			if a.OriginalPublisher != tc.originalPub || a.OriginalURL != tc.originalURL {
				t.Errorf("original = %q %q, want %q %q", a.OriginalPublisher, a.OriginalURL, tc.originalPub, tc.originalURL)
			}
			if a.ImageCredit != tc.imageCredit {
				t.Errorf("image credit = %q, want %q", a.ImageCredit, tc.imageCredit)
			}
			if diff := cmp.Diff(tc.fallbackFields, a.Fallbacks); diff != "" {
				t.Errorf("fallbacks (-want +got):\n%s", diff)
			}
			if a.ID == "" || a.WordCount == 0 {
				t.Errorf("id %q, word count %d: article not normalized", a.ID, a.WordCount)
			}
		})
	}
}

func TestMoscowTimesIDIgnoresSlug(t *testing.T) {
	a := mustExtract(t, "moscowtimes/oped-kennan").Article
	res, err := extractEdited(t, "moscowtimes/oped-kennan", func(s string) string {
		return strings.ReplaceAll(s, "why-arctic-ports-keep-moscow-awake-a58802", "a-renamed-slug-a58802")
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Article.ID != a.ID {
		t.Errorf("ID after slug change = %s, want %s (MT keys articles by their -a id)", res.Article.ID, a.ID)
	}
}

// An article edited after publication shows "Updated:" and the update
// time in its byline; without meta tags that time must not pass for the
// publication time.
func TestMoscowTimesUpdatedTimeIsNotPublished(t *testing.T) {
	stripHead := func(s string) string {
		s = regexp.MustCompile(`<meta property="article:[a-z_]+_time"[^>]*>`).ReplaceAllString(s, "")
		return regexp.MustCompile(`(?s)<script type="application/ld\+json" data-json-ld-for-pagemetadata>.*?</script>`).ReplaceAllString(s, "")
	}
	res, err := extractEdited(t, "moscowtimes/oped-two-authors-updated", stripHead)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Article
	if !a.Published.IsZero() {
		t.Errorf("published = %v from %q, want zero: the byline only gives the update time", a.Published, res.Rules["published"])
	}
	if want := mustTime(t, "2023-03-25T09:12:40+03:00"); !a.Modified.Equal(want) {
		t.Errorf("modified = %v, want %v", a.Modified, want)
	}

	// Without "Updated:", the byline time is the publication time.
	res, err = extractEdited(t, "moscowtimes/oped-three-authors", stripHead)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustTime(t, "2019-09-03T10:05:00+02:00"); !res.Article.Published.Equal(want) || res.Rules["published"] != "byline time" {
		t.Errorf("published = %v by %q, want %v by byline time", res.Article.Published, res.Rules["published"], want)
	}
}

// A redesign that breaks a selector must not lose the field: the generic
// rules fill it and Fallbacks names it.
func TestMoscowTimesFallback(t *testing.T) {
	res, err := extractEdited(t, "moscowtimes/oped-kennan", func(s string) string {
		s = strings.Replace(s, `<header class="article__header ">`, `<header class="story-head">`, 1)
		return strings.ReplaceAll(s, "byline__author__name", "byline-name")
	})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Article
	if a.Title != "Why the Arctic Ports Keep Moscow Awake at Night" {
		t.Errorf("title = %q, want the JSON-LD headline without (Op-ed)", a.Title)
	}
	if diff := cmp.Diff([]string{"Pavel Oreshkin"}, a.Authors); diff != "" {
		t.Errorf("authors (-want +got):\n%s", diff)
	}
	if a.Section != "Opinion" {
		t.Errorf("section = %q, want Opinion from the description prefix", a.Section)
	}
	if diff := cmp.Diff([]string{"title"}, a.Fallbacks); diff != "" {
		t.Errorf("fallbacks (-want +got):\n%s", diff)
	}
	if res.Rules["title"] != "generic: json-ld headline" || res.Rules["authors"] != "byline text" {
		t.Errorf("rules = %v", res.Rules)
	}

	// With the content container renamed too, readability finds the body.
	res, err = extractEdited(t, "moscowtimes/news", func(s string) string {
		return strings.ReplaceAll(s, `class="article__content"`, `class="story-body"`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Article.Body, "Four new stations") || !slicesContain(res.Article.Fallbacks, "body") {
		t.Errorf("body = %q, fallbacks = %v; want readability's body recorded as a fallback", res.Article.Body, res.Article.Fallbacks)
	}
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestNotArticle(t *testing.T) {
	page := func(status int, body string) *Page {
		return &Page{URL: "https://www.themoscowtimes.com/2020/01/01/x-a1", Status: status, Body: []byte(body)}
	}
	tests := []struct {
		name      string
		extractor string
		page      *Page
		reason    string
	}{
		{"soft 404", "moscowtimes", loadFixture(t, fixtureNamed(t, "moscowtimes/soft-404")), "soft 404"},
		{"status 404", "moscowtimes", page(404, "<html><body><h1>Oops!</h1></body></html>"), "HTTP status 404"},
		{"empty page", "generic", page(200, "  \n "), "empty page"},
		{"challenge", "wilsoncenter", loadFixture(t, fixtureNamed(t, "generic/challenge")), "challenge page"},
		{"MT listing fragment", "moscowtimes", page(200, `<div class="col-4"><div class="article-excerpt-default"><a class="article-excerpt-default__link" href="/2020/01/01/a-a1"><h3 class="article-excerpt-default__headline">A</h3></a></div></div>`), "listing page"},
		{"MT article without text", "moscowtimes", page(200, `<article class="article"><header class="article__header"><h1>T</h1></header><div class="article__content"><div class="article__block"><section y-name="banner">ad</section></div></div></article>`), "empty body"},
		{"Wilson person page", "wilsoncenter", &Page{URL: "https://www.wilsoncenter.org/person/someone", Status: 200, Body: []byte("<html><body><h1>Someone</h1></body></html>")}, "not an article page (/person/)"},
		{"generic listing", "generic", loadFixture(t, fixtureNamed(t, "generic/listing")), "listing page (JSON-LD CollectionPage)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn, _ := Lookup(tc.extractor)
			res, err := fn(tc.page)
			var na *NotArticleError
			if !errors.As(err, &na) {
				t.Fatalf("got %v, %v; want a NotArticleError", res, err)
			}
			if na.Reason != tc.reason {
				t.Errorf("reason = %q, want %q", na.Reason, tc.reason)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	for _, name := range Names() {
		fn, _ := Lookup(name)
		if _, err := fn(nil); err == nil || IsNotArticle(err) {
			t.Errorf("%s(nil) error = %v, want a plain error", name, err)
		}
		big := &Page{URL: "https://example.org/a", Status: 200, Body: bytes.Repeat([]byte("<p>x</p>"), MaxPageBytes/8+1)}
		if _, err := fn(big); err == nil || IsNotArticle(err) || !strings.Contains(err.Error(), "limit") {
			t.Errorf("%s(oversized page) error = %v, want a size error", name, err)
		}
	}
}

func TestWilsonCenterSyndicationMatchesReprint(t *testing.T) {
	reprint := mustExtract(t, "moscowtimes/oped-kennan")
	original := mustExtract(t, "wilsoncenter/blog-post-original")
	if reprint.Article.OriginalURL != original.Article.URL {
		t.Errorf("reprint names original %q, want %q", reprint.Article.OriginalURL, original.Article.URL)
	}
	if !SameStory(reprint.Article, original.Article) {
		t.Errorf("SameStory(reprint, original) = false, want true")
	}
	if other := mustExtract(t, "wilsoncenter/blog-post-2025"); SameStory(reprint.Article, other.Article) {
		t.Errorf("SameStory(reprint, unrelated post) = true, want false")
	}
}

// A copy that names another site's page as canonical (syndication does
// this) keeps its own URL and ID: taking the canonical would make the copy
// overwrite the original in the archive.
func TestCanonicalOnAnotherSiteIsNotTheArticlesName(t *testing.T) {
	const elsewhere = "https://www.wilsoncenter.org/blog-post/why-arctic-ports-keep-moscow-awake"
	tests := []struct {
		fixture, canonical, wantURL string
	}{
		{"moscowtimes/oped-kennan", "https://www.themoscowtimes.com/2017/09/04/why-arctic-ports-keep-moscow-awake-a58802", "https://www.themoscowtimes.com/2017/09/04/why-arctic-ports-keep-moscow-awake-a58802"},
		{"generic/unknown-site", "/opinion/2021/03/09/quiet-economics-river-ports", "https://ledger.example/opinion/2021/03/09/quiet-economics-river-ports"},
	}
	for _, tc := range tests {
		own := mustExtract(t, tc.fixture).Article
		if own.URL != tc.wantURL {
			t.Fatalf("%s: own canonical gives %s, want %s", tc.fixture, own.URL, tc.wantURL)
		}
		res, err := extractEdited(t, tc.fixture, func(s string) string {
			s = strings.ReplaceAll(s, `"`+tc.canonical+`"`, `"`+elsewhere+`"`)
			return strings.ReplaceAll(s, strings.ReplaceAll(tc.canonical, "/", `\/`), strings.ReplaceAll(elsewhere, "/", `\/`))
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.fixture, err)
		}
		a := res.Article
		if strings.Contains(a.URL, "wilsoncenter") || a.ID == archive.IDForURL(elsewhere) {
			t.Errorf("%s: url %s (by %q), id %s: the copy took the other site's name", tc.fixture, a.URL, res.Rules["url"], a.ID)
		}
		if a.ID != own.ID {
			t.Errorf("%s: id %s, want %s as with its own canonical", tc.fixture, a.ID, own.ID)
		}
	}
}

package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

// page fetches an HTML page and checks the status and content type.
func page(t *testing.T, h http.Handler, target string, status int) string {
	t.Helper()
	rec := get(t, h, target)
	if rec.Code != status {
		t.Fatalf("GET %s: status %d, want %d; body:\n%s", target, rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("GET %s: Content-Type %q", target, ct)
	}
	return rec.Body.String()
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func mustNotContain(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("page contains %q", b)
		}
	}
}

func TestSearchPageBrowse(t *testing.T) {
	f := sharedFixture(t)
	body := page(t, f.srv, "/", 200)
	mustContain(t, body,
		`35 articles, newest first`,
		`<h2 id="facet-site-h">Publication</h2>`,
		`href="/?site=Wilson%20Center"`,
		`<h2 id="facet-tag-h">Topic</h2>`,
		`<h2 id="facet-original_publisher-h">Originally published by</h2>`,
		`class="year-chart"`,
		`aria-label="2017: 2 articles"`,
		`href="/?year=2017"`,
		`<span class="current" aria-current="true">Newest</span>`,
		`href="/articles/mt-ruble-2022"`, // newest first
		`href="/?page=2"`,
		`<label for="q" class="visually-hidden">Search op-eds</label>`,
	)
	// The year chart spans 2010..2022 with gaps drawn as empty bars.
	if n := strings.Count(body, `class="bar empty"`); n != 4 {
		t.Errorf("%d empty year bars, want 4 (2011 to 2014)", n)
	}
}

func TestSearchPageSelection(t *testing.T) {
	f := sharedFixture(t)
	body := page(t, f.srv, "/?q=korea&site=The%20Moscow%20Times&year=2017", 200)
	mustContain(t, body,
		`2 results for <q>korea</q>`,
		// Each selection is removable on its own, and all at once.
		`<a class="chip" href="/?q=korea&amp;year=2017" aria-label="Remove filter Publication: The Moscow Times">`,
		`<a class="chip" href="/?q=korea&amp;site=The%20Moscow%20Times" aria-label="Remove filter Year: 2017">`,
		`<a class="clear-all" href="/?q=korea">Clear all filters</a>`,
		// The selected value is marked and its link removes it.
		`<a class="facet-value selected" href="/?q=korea&amp;year=2017">`,
		// The search box carries the filters along.
		`<input type="hidden" name="site" value="The Moscow Times">`,
		`<input type="hidden" name="year" value="2017">`,
		`value="korea"`,
		`class="bar selected"`,
	)
	// Sort links keep the state and start again at page 1.
	mustContain(t, body, `href="/?q=korea&amp;site=The%20Moscow%20Times&amp;year=2017&amp;sort=newest"`)
}

func TestSearchPageDates(t *testing.T) {
	f := sharedFixture(t)
	body := page(t, f.srv, "/?from=2019-01-01&to=2020-12-31", 200)
	mustContain(t, body, "2 articles", `value="2019-01-01"`, `value="2020-12-31"`,
		`href="/?to=2020-12-31" aria-label="Remove filter From 2019-01-01"`)
}

func TestSearchPagePagination(t *testing.T) {
	f := sharedFixture(t)
	body := page(t, f.srv, "/?q=glacier&sort=oldest", 200)
	mustContain(t, body, `25 results for <q>glacier</q>`, `<ol class="hits" start="1">`,
		`<span class="current" aria-current="page">1</span>`,
		`href="/?q=glacier&amp;sort=oldest&amp;page=2"`, `href="/?q=glacier&amp;sort=oldest&amp;page=3"`, `rel="next"`)
	mustNotContain(t, body, `rel="prev"`)

	body = page(t, f.srv, "/?q=glacier&sort=oldest&page=3", 200)
	mustContain(t, body, `<ol class="hits" start="21">`, `rel="prev"`, `href="/articles/filler-024"`)
	mustNotContain(t, body, `rel="next"`)
}

func TestSearchPageNoResults(t *testing.T) {
	f := sharedFixture(t)
	body := page(t, f.srv, "/?q=zeppelin&site=Wilson%20Center", 200)
	mustContain(t, body, `Nothing matched <q>zeppelin</q>`, `href="/?q=zeppelin">search without any filters</a>`, `sanction*`)
}

func TestSearchPageEmptyArchive(t *testing.T) {
	f := newFixture(t, nil, Config{})
	body := page(t, f.srv, "/", 200)
	mustContain(t, body, "The archive is empty", "oped import FILE", "oped crawl")
	// A search in an empty archive is just a search with no results.
	body = page(t, f.srv, "/?q=anything", 200)
	mustContain(t, body, "Nothing matched")
}

func TestSearchPageBadInput(t *testing.T) {
	f := sharedFixture(t)
	body := page(t, f.srv, "/?q=%22unbalanced", 400)
	mustContain(t, body, "That search could not be run", `value="&#34;unbalanced"`)
	body = page(t, f.srv, "/?sort=best", 400)
	mustContain(t, body, "relevance, newest, oldest")
	body = page(t, f.srv, "/no/such/page", 404)
	mustContain(t, body, "Not found")
}

// scriptish finds markup an attacker could use: tags or handlers that
// html/template should have escaped.
var scriptish = regexp.MustCompile(`(?i)<\s*(script|img|iframe|b)[\s>]|<svg\s+onload|href="javascript:`)

func TestPagesEscapeArticleContent(t *testing.T) {
	f := sharedFixture(t)
	for _, target := range []string{"/?q=strange", "/?q=thelma", "/?q=iframe", "/articles/mt-xss-2016", "/articles/mt-xss-2016/versions/1", "/?author=%22%3E%3Csvg+onload%3Dalert(3)%3E"} {
		body := page(t, f.srv, target, 200)
		// Our own templates use <script src> once, in the head.
		rest := strings.Replace(body, `<script type="module" src="`, "", 1)
		if m := scriptish.FindString(rest); m != "" {
			t.Errorf("%s: unescaped markup %q in page", target, m)
		}
	}
	body := page(t, f.srv, "/articles/mt-xss-2016", 200)
	mustContain(t, body,
		`&lt;script&gt;alert(1)&lt;/script&gt; Strange Headlines`,
		`&lt;img src=x onerror=alert(2)&gt;`,
		`Thelma &amp; Louise &lt;script&gt;x&lt;/script&gt;`,
		`&lt;b&gt;bold&lt;/b&gt;`,
	)
	// The snippet keeps its highlight and nothing else.
	body = page(t, f.srv, "/?q=thelma", 200)
	mustContain(t, body, `<mark>Thelma</mark> &amp; Louise &lt;script&gt;x&lt;/script&gt;`)
}

func TestSafeSnippet(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a <mark>b</mark> &lt;c&gt;", "a <mark>b</mark> &lt;c&gt;"},
		{"", ""},
		{"<mark>x</mark><script>y</script>", "&lt;mark&gt;x&lt;/mark&gt;&lt;script&gt;y&lt;/script&gt;"},
		{`<mark onclick="x">a</mark>`, "&lt;mark onclick=&#34;x&#34;&gt;a&lt;/mark&gt;"},
	}
	for _, tc := range tests {
		if got := string(safeSnippet(tc.in)); got != tc.want {
			t.Errorf("safeSnippet(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestArticlePageSyndication(t *testing.T) {
	f := sharedFixture(t)
	reprint := page(t, f.srv, "/articles/mt-elites-2021", 200)
	mustContain(t, reprint,
		`This is a reprint. The original: <a href="/articles/wc-elites-2021">Regional Elites and the Center</a> (Wilson Center, February 10, 2021)`,
		`Originally published by Kennan Institute`,
		`href="https://www.wilsoncenter.org/blog-post/regional-elites-and-center"`,
		`<a href="/?author=Anna%20Leskova">Anna Leskova</a>`,
		`<a href="/?tag=Regions">Regions</a>`,
		`<p>Governors answer to Moscow, but they are not powerless.</p>`,
		`<time datetime="2021-02-12">February 12, 2021</time>`,
		`Read the original on The Moscow Times`,
		`<h2 id="versions-h">Version history</h2>`,
		`first version`,
	)
	original := page(t, f.srv, "/articles/wc-elites-2021", 200)
	mustContain(t, original, `Reprinted as:`, `<a href="/articles/mt-elites-2021">Regional Elites and the Center (Op-ed)</a> (The Moscow Times, February 12, 2021)`)
	page(t, f.srv, "/articles/missing-article", 404)
}

func TestVersionPages(t *testing.T) {
	v1 := &archive.Article{
		ID: "edited-1", URL: "https://www.themoscowtimes.com/2020/01/01/edited-a30001", Site: "The Moscow Times",
		Title: "The First Headline", Authors: []string{"Ed Itor"}, Published: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		Body: "Opening paragraph stays.\n\nThe budget grew by five percent.\n\nA paragraph that will be cut.\n\nClosing words stay too.",
	}
	f := newFixture(t, []*archive.Article{v1}, Config{})
	v2 := *v1
	v2.Title = "The Corrected Headline"
	v2.Body = "Opening paragraph stays.\n\nThe budget grew by seven percent.\n\nClosing words stay too.\n\nAn added coda."
	if _, err := f.store.Put(t.Context(), &v2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ix.CatchUp(t.Context(), f.store); err != nil {
		t.Fatal(err)
	}

	art := page(t, f.srv, "/articles/edited-1", 200)
	mustContain(t, art, `<h1>The Corrected Headline</h1>`, `href="/articles/edited-1/versions/2"`, `<span class="badge">current</span>`,
		`title, body`, `href="/articles/edited-1/versions/1"`)

	diff := page(t, f.srv, "/articles/edited-1/versions/2", 200)
	mustContain(t, diff,
		`<h1>The <del>First</del> <ins>Corrected</ins> Headline</h1>`,
		`Version 2 of 2`,
		`The budget grew by <del>five</del> <ins>seven</ins> percent.`,
		`<p class="removed"><del>A paragraph that will be cut.</del></p>`,
		`<p class="added"><ins>An added coda.</ins></p>`,
		`rel="prev"`,
	)
	first := page(t, f.srv, "/articles/edited-1/versions/1", 200)
	mustContain(t, first, `<h1>The First Headline</h1>`, `<p>A paragraph that will be cut.</p>`, `rel="next"`)
	page(t, f.srv, "/articles/edited-1/versions/3", 404)
	page(t, f.srv, "/articles/edited-1/versions/x", 400)

	// The old text is still findable only through the version, not search.
	_, cur := getJSON[map[string]any](t, f.srv, "/api/v1/search?q=corrected")
	if cur["total"] != float64(1) {
		t.Errorf("search for the new title: total %v, want 1", cur["total"])
	}
}

// Articles without an original publisher (most of them) must not show up
// as a selectable blank value, nor as "Originally published by ." on a hit.
func TestBlankFacetValuesHidden(t *testing.T) {
	resp := &index.Response{
		Total: 3, Page: 1, Size: 10,
		Hits: []index.Hit{
			{ID: "own", Title: "Our Own Piece", OriginalPublisher: ""},
			{ID: "blank", Title: "Blank Publisher", OriginalPublisher: "  "},
			{ID: "reprint", Title: "A Reprint", OriginalPublisher: "Kennan Institute"},
		},
		Facets: map[string][]index.FacetValue{
			"original_publisher": {{Value: "", Count: 2}, {Value: " ", Count: 1}, {Value: "Kennan Institute", Count: 1}},
			"section":            {{Value: "", Count: 3}},
		},
	}
	v := buildSearchView(searchState{}, resp)
	var facets []string
	for _, f := range v.Facets {
		facets = append(facets, f.Name)
		for _, val := range append(f.Values, f.More...) {
			if strings.TrimSpace(val.Value) == "" {
				t.Errorf("facet %s offers the blank value %q (%d articles)", f.Name, val.Value, val.Count)
			}
		}
	}
	if !slices.Equal(facets, []string{"original_publisher"}) {
		t.Errorf("facets shown: %v; want only original_publisher (section has no real value)", facets)
	}
	if got := v.Facets[0].Values; len(got) != 1 || got[0].Value != "Kennan Institute" {
		t.Errorf("original_publisher values %+v", got)
	}
	for _, h := range v.Hits {
		if want := map[string]string{"Our Own Piece": "", "Blank Publisher": "", "A Reprint": "Kennan Institute"}[h.Title]; h.OriginalPublisher != want {
			t.Errorf("hit %q: original publisher %q, want %q", h.Title, h.OriginalPublisher, want)
		}
	}

	// Rendered, only the real publisher appears.
	f := sharedFixture(t)
	var buf strings.Builder
	if err := f.srv.pages.sets["search"].Execute(&buf, v); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	mustNotContain(t, body, "Originally published by .", `original_publisher=&`, `original_publisher="`, `original_publisher=%20`)
	if n := strings.Count(body, "Originally published by Kennan Institute."); n != 1 {
		t.Errorf(`"Originally published by Kennan Institute." appears %d times, want once`, n)
	}
}

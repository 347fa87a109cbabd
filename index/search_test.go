package index

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAnalyzerFoldsApostrophes(t *testing.T) {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	a := m.AnalyzerNamed(analyzerText)
	terms := func(s string) []string {
		var out []string
		for _, tok := range a.Analyze([]byte(s)) {
			out = append(out, string(tok.Term))
		}
		return out
	}
	tests := []struct{ in, want string }{
		{"Trump's", "trump"},
		{"Trump’s", "trump"},
		{"Trump‘s", "trump"},
		{"Trumpʼs", "trump"},
		{"Tillerson’s meetings", "tillerson meet"},
		{"O’Brien", "o'brien"},
		{"O'Brien", "o'brien"},
		{"The Kremlin’s sanctions", "kremlin sanction"},
	}
	for _, tc := range tests {
		if got := strings.Join(terms(tc.in), " "); got != tc.want {
			t.Errorf("analyze(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSearchQuerySyntax(t *testing.T) {
	ix, _ := fixtureIndex(t)
	tests := []struct {
		query string
		want  []string
	}{
		{"Trump's", []string{"nk-rhetoric", "tillerson-asia"}},
		{"Trump’s", []string{"nk-rhetoric", "tillerson-asia"}},
		{"Tillerson", []string{"nk-rhetoric", "tillerson-asia"}},
		{"Tillerson’s", []string{"nk-rhetoric", "tillerson-asia"}},
		{"manila tillerson", []string{"nk-rhetoric", "tillerson-asia"}},
		{"manila -rex", []string{"nk-rhetoric"}},
		{"manila NOT rex", []string{"nk-rhetoric"}},
		{`"fire and fury"`, []string{"nk-rhetoric"}},
		{`“fire and fury”`, []string{"nk-rhetoric"}},
		{"fire fury", []string{"nato-baltic", "nk-rhetoric"}}, // words in any order
		{`"Trump’s North Korea"`, []string{"nk-rhetoric"}},
		{`"Trump's North Korea"`, []string{"nk-rhetoric"}},
		{"navalny OR tillerson", []string{"navalny-courts", "nk-rhetoric", "tillerson-asia"}},
		{"(navalny OR nato) kremlin", []string{"nato-baltic"}},
		{"title:sanctions", []string{"sanctions-oil"}},
		{"title:tillerson", []string{"tillerson-asia"}},
		{`title:"north korea"`, []string{"nk-rhetoric"}},
		{"author:Trudolyubov", []string{"nk-rhetoric", "sanctions-oil"}},
		{"author:trudolyubov site:wilson", []string{"sanctions-oil"}},
		{`author:"anna petrova"`, []string{"navalny-courts", "tillerson-asia"}},
		{"author:O'Brien", []string{"xss-doc"}},
		{"tag:diplomacy", []string{"nk-rhetoric", "tillerson-asia"}},
		{"section:opinion", []string{"nato-baltic", "navalny-courts", "nk-rhetoric"}},
		{"year:2017", []string{"nk-rhetoric", "tillerson-asia"}},
		{"year:2016..2017", []string{"nato-baltic", "nk-rhetoric", "tillerson-asia"}},
		{"published:2017-08-01..2017-08-10", []string{"tillerson-asia"}},
		{"published:>=2020", []string{"navalny-courts", "xss-doc"}},
		{"published:<2017", []string{"nato-baltic"}},
		{"sanction*", []string{"navalny-courts", "sanctions-oil", "tillerson-asia"}},
		{"pyong*", []string{"nk-rhetoric", "tillerson-asia"}},
		{"navalnyy~1", []string{"navalny-courts"}},
		{"the ruble", []string{"no-date"}},
		{"- ruble", []string{"no-date"}},
		{"ruble - rates", []string{"no-date"}}, // a lone minus excludes nothing
		{"pyongyang AND sanctions", []string{"tillerson-asia"}},
		{"nonexistentword", nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := mustSearch(t, ix, Request{Query: tc.query, NoFacets: true})
			got := sortedIDs(res)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if len(want) == 0 {
				want = []string{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Search(%q) ids (-want +got):\n%s", tc.query, diff)
			}
			if int(res.Total) != len(got) {
				t.Errorf("Search(%q) Total = %d, hits %d", tc.query, res.Total, len(got))
			}
		})
	}
}

func TestPhraseNeedsAdjacentWords(t *testing.T) {
	ix, _ := fixtureIndex(t)
	// "fire" and "fury" both occur in nato-baltic and sanctions-oil has
	// "fire", but only nk-rhetoric has the phrase.
	res := mustSearch(t, ix, Request{Query: `"fire and fury"`, NoFacets: true})
	if got := hitIDs(res); !slices.Equal(got, []string{"nk-rhetoric"}) {
		t.Fatalf("phrase hits = %v, want [nk-rhetoric]", got)
	}
	if res.Hits[0].Snippet == "" || !strings.Contains(res.Hits[0].Snippet, "<mark>fire</mark> and <mark>fury</mark>") {
		t.Errorf("snippet = %q, want the phrase marked", res.Hits[0].Snippet)
	}
}

func TestTitleOutranksBody(t *testing.T) {
	ix, _ := fixtureIndex(t)
	res := mustSearch(t, ix, Request{Query: "sanctions", NoFacets: true})
	if len(res.Hits) == 0 || res.Hits[0].ID != "sanctions-oil" {
		t.Fatalf("sanctions: hits %v, want sanctions-oil (title match) first", hitIDs(res))
	}
}

func TestQueryErrors(t *testing.T) {
	ix, _ := fixtureIndex(t)
	tests := []struct {
		name  string
		req   Request
		code  string
		inMsg string
	}{
		{"unbalanced quote", Request{Query: `"fire and fury`}, "bad_query", "quote"},
		{"unbalanced paren", Request{Query: `(putin OR nato`}, "bad_query", "parenthesis"},
		{"stray paren", Request{Query: `putin)`}, "bad_query", "parenthesis"},
		{"empty parens", Request{Query: `()`}, "bad_query", "empty"},
		{"empty field value", Request{Query: `title:`}, "bad_query", "value"},
		{"empty field value mid", Request{Query: `title: putin`}, "bad_query", "value"},
		{"dangling OR end", Request{Query: `putin OR`}, "bad_query", "OR"},
		{"dangling OR start", Request{Query: `OR putin`}, "bad_query", "OR"},
		{"double OR", Request{Query: `putin OR OR nato`}, "bad_query", "OR"},
		{"leading wildcard", Request{Query: `*kremlin`}, "expensive_query", "wildcard"},
		{"inner wildcard", Request{Query: `kre*lin`}, "bad_query", "wildcard"},
		{"short prefix", Request{Query: `ab*`}, "expensive_query", "prefix"},
		{"regexp", Request{Query: `/kr.*/`}, "expensive_query", "regular"},
		{"fuzziness 3", Request{Query: `putin~3`}, "expensive_query", "fuzziness"},
		{"bad fuzziness", Request{Query: `putin~x`}, "bad_query", "fuzziness"},
		{"boost", Request{Query: `putin^3`}, "bad_query", "boost"},
		{"proximity", Request{Query: `"putin nato"~2`}, "bad_query", "proximity"},
		{"too long", Request{Query: strings.Repeat("kremlin ", 200)}, "expensive_query", "bytes"},
		{"too many terms", Request{Query: strings.Repeat("a1 ", 40)}, "expensive_query", "terms"},
		{"too many prefixes", Request{Query: "abc* bcd* cde* def* efg*"}, "expensive_query", "prefix"},
		{"bad year", Request{Query: "year:17"}, "bad_date", "year"},
		{"bad date", Request{Query: "published:2017-13-01"}, "bad_date", "date"},
		{"reversed range", Request{Query: "published:2018..2017"}, "bad_date", "before"},
		{"date out of range", Request{Query: "published:1200"}, "bad_date", "date"},
		{"invalid utf8", Request{Query: "kreml\xffin"}, "bad_query", "UTF-8"},
		{"size too big", Request{Size: MaxSize + 1}, "bad_size", "size"},
		{"negative size", Request{Size: -1}, "bad_size", "size"},
		{"negative page", Request{Page: -2}, "bad_page", "page"},
		{"too deep", Request{Page: 200, Size: 100}, "bad_page", "cursor"},
		{"bad sort", Request{Sort: "random"}, "bad_sort", "sort"},
		{"bad filter", Request{Filters: map[string][]string{"colour": {"red"}}}, "bad_filter", "colour"},
		{"bad cursor", Request{After: "not-a-cursor"}, "bad_cursor", "cursor"},
		{"reversed dates", Request{From: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)}, "bad_date", "before"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), tc.req)
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("Search(%+v) error = %v, want *QueryError %s", tc.req, err, tc.code)
			}
			if qe.Code != tc.code || !strings.Contains(qe.Message, tc.inMsg) {
				t.Errorf("Search(%+v) = %s: %s, want code %s with %q in the message", tc.req, qe.Code, qe.Message, tc.code, tc.inMsg)
			}
			if !IsQueryError(err) {
				t.Errorf("IsQueryError(%v) = false", err)
			}
		})
	}
}

func TestEmptyQueryBrowsesNewestFirst(t *testing.T) {
	ix, src := fixtureIndex(t)
	res := mustSearch(t, ix, Request{NoFacets: true})
	if int(res.Total) != len(src.articles) {
		t.Fatalf("Total = %d, want all %d", res.Total, len(src.articles))
	}
	if res.Sort != SortNewest {
		t.Errorf("Sort = %q, want newest for an empty query", res.Sort)
	}
	want := []string{"navalny-courts", "xss-doc", "sanctions-oil", "nk-rhetoric", "tillerson-asia", "nato-baltic", "no-date"}
	if diff := cmp.Diff(want, hitIDs(res)); diff != "" {
		t.Errorf("browse order (-want +got):\n%s", diff)
	}
	old := mustSearch(t, ix, Request{Sort: "oldest", NoFacets: true})
	if got := hitIDs(old); got[0] != "nato-baltic" || got[len(got)-1] != "no-date" {
		t.Errorf("oldest order = %v, want nato-baltic first and the undated last", got)
	}
}

func TestHitFields(t *testing.T) {
	ix, _ := fixtureIndex(t)
	res := mustSearch(t, ix, Request{Query: "export revenues", NoFacets: true})
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %v, want sanctions-oil", hitIDs(res))
	}
	h := res.Hits[0]
	h.Score = 0
	h.Snippet = ""
	want := Hit{
		ID:                "sanctions-oil",
		URL:               "https://www.wilsoncenter.org/blog-post/sanctions-and-russian-oil",
		Title:             "Sanctions and Russian Oil",
		Subtitle:          "How export revenues adapt to pressure",
		Authors:           []string{"John Walker", "Maxim Trudolyubov"},
		Published:         time.Date(2019, 3, 1, 12, 0, 0, 0, time.UTC),
		Site:              "Wilson Center",
		Section:           "The Russia File",
		Tags:              []string{"Sanctions", "Energy"},
		OriginalPublisher: "Kennan Institute",
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("hit (-want +got):\n%s", diff)
	}
	if res.Hits[0].Score <= 0 {
		t.Errorf("score = %v, want > 0", res.Hits[0].Score)
	}
}

func TestSnippetEscapesEverythingButMark(t *testing.T) {
	ix, _ := fixtureIndex(t)
	res := mustSearch(t, ix, Request{Query: "script", NoFacets: true})
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %v, want xss-doc", hitIDs(res))
	}
	s := res.Hits[0].Snippet
	for _, want := range []string{"&lt;<mark>script</mark>&gt;", "Thelma &amp; Louise", "&#34;approved&#34;", "<mark>script</mark> &amp; left"} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet %q lacks %q", s, want)
		}
	}
	rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
	if strings.ContainsAny(rest, "<>") {
		t.Errorf("snippet %q has markup besides <mark>", s)
	}
}

func TestSnippetWindow(t *testing.T) {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	an := m.AnalyzerNamed(analyzerText)
	filler := strings.Repeat("lorem ipsum dolor sit amet ", 40)
	body := filler + "The Kremlin’s sanctions policy hurt. " + filler
	mk := marks{terms: map[string]bool{"kremlin": true, "sanction": true}}
	got := snippet(body, mk, an)
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("snippet %q should be cut on both sides", got)
	}
	if !strings.Contains(got, "<mark>Kremlin’s</mark> <mark>sanctions</mark>") {
		t.Errorf("snippet %q should mark the matches as written", got)
	}
	if n := len(got); n > snippetLen+80 {
		t.Errorf("snippet is %d bytes, want about %d", n, snippetLen)
	}
	// no match: the lead of the body, escaped
	if got := snippet("a <b> c\n\nd", marks{}, an); got != "a &lt;b&gt; c d" {
		t.Errorf("lead snippet = %q", got)
	}
	// prefix and fuzzy marks
	pm := marks{prefixes: []string{"sanct"}, fuzzy: []fuzzyMark{{term: "kremln", edits: 1}}}
	if got := snippet("Kremlin sanctions now", pm, an); got != "<mark>Kremlin</mark> <mark>sanctions</mark> now" {
		t.Errorf("prefix/fuzzy snippet = %q", got)
	}
}

func TestWithinEdits(t *testing.T) {
	tests := []struct {
		a, b string
		k    int
		want bool
	}{
		{"putin", "putin", 0, true},
		{"putin", "putn", 1, true},
		{"putin", "ptun", 1, false},
		{"putin", "ptun", 2, true},
		{"kremlin", "k", 2, false},
		{"", "ab", 2, true},
	}
	for _, tc := range tests {
		if got := withinEdits(tc.a, tc.b, tc.k); got != tc.want {
			t.Errorf("withinEdits(%q, %q, %d) = %v, want %v", tc.a, tc.b, tc.k, got, tc.want)
		}
	}
}

func facetMap(values []FacetValue) map[string]FacetValue {
	m := map[string]FacetValue{}
	for _, v := range values {
		m[v.Value] = v
	}
	return m
}

func TestFacetsAreDisjunctive(t *testing.T) {
	ix, _ := fixtureIndex(t)

	all := mustSearch(t, ix, Request{})
	for _, name := range FacetNames {
		if _, ok := all.Facets[name]; !ok {
			t.Errorf("facet %s missing", name)
		}
	}
	if got := facetMap(all.Facets["site"]); got["The Moscow Times"].Count != 4 || got["Wilson Center"].Count != 3 {
		t.Errorf("site counts = %v", all.Facets["site"])
	}
	if got := facetMap(all.Facets["year"]); got["2017"].Count != 2 {
		t.Errorf("year counts = %v", all.Facets["year"])
	}
	if got := facetMap(all.Facets["original_publisher"]); got["Kennan Institute"].Count != 1 {
		t.Errorf("publisher counts = %v", all.Facets["original_publisher"])
	}

	res := mustSearch(t, ix, Request{Filters: map[string][]string{"site": {"Wilson Center"}}})
	if res.Total != 3 {
		t.Fatalf("site=Wilson: total %d, want 3", res.Total)
	}
	// The site facet ignores its own filter, so the other site is still
	// offered with its full count, and the selected one is marked.
	sites := facetMap(res.Facets["site"])
	if sites["The Moscow Times"].Count != 4 || sites["The Moscow Times"].Selected {
		t.Errorf("site facet under its own filter = %v", res.Facets["site"])
	}
	if !sites["Wilson Center"].Selected || sites["Wilson Center"].Count != 3 {
		t.Errorf("selected site not marked: %v", res.Facets["site"])
	}
	// Other facets are counted with the site filter applied.
	authors := facetMap(res.Facets["author"])
	if authors["Anna Petrova"].Count != 0 || authors["Maxim Trudolyubov"].Count != 1 {
		t.Errorf("author facet under site filter = %v", res.Facets["author"])
	}

	// Two values of one facet OR together; different facets AND.
	res = mustSearch(t, ix, Request{Filters: map[string][]string{
		"section": {"Opinion", "News"},
		"author":  {"Anna Petrova"},
	}})
	if diff := cmp.Diff([]string{"navalny-courts", "tillerson-asia"}, sortedIDs(res)); diff != "" {
		t.Errorf("section OR, author AND (-want +got):\n%s", diff)
	}
	sections := facetMap(res.Facets["section"])
	if sections["Opinion"].Count != 1 || sections["News"].Count != 1 || !sections["Opinion"].Selected {
		t.Errorf("section facet = %v", res.Facets["section"])
	}

	// A selected value with no match still appears, with count 0.
	res = mustSearch(t, ix, Request{Query: "navalny", Filters: map[string][]string{"tag": {"Navalny", "Made Up"}}})
	tagsF := facetMap(res.Facets["tag"])
	if v, ok := tagsF["Made Up"]; !ok || v.Count != 0 || !v.Selected {
		t.Errorf("tag facet = %v, want Made Up selected with 0", res.Facets["tag"])
	}
	if v := tagsF["Navalny"]; v.Count != 1 || !v.Selected {
		t.Errorf("tag facet = %v, want Navalny selected with 1", res.Facets["tag"])
	}

	none := mustSearch(t, ix, Request{NoFacets: true})
	if len(none.Facets) != 0 {
		t.Errorf("NoFacets: got facets %v", none.Facets)
	}
}

func TestDateBounds(t *testing.T) {
	ix, _ := fixtureIndex(t)
	res := mustSearch(t, ix, Request{
		From:     time.Date(2017, 8, 3, 0, 0, 0, 0, time.UTC),
		To:       time.Date(2017, 8, 14, 0, 0, 0, 0, time.UTC), // inclusive by day: 10:00 that day counts
		NoFacets: true,
	})
	if diff := cmp.Diff([]string{"nk-rhetoric", "tillerson-asia"}, sortedIDs(res)); diff != "" {
		t.Errorf("From/To (-want +got):\n%s", diff)
	}
}

func TestPagingAndCursor(t *testing.T) {
	ix := openTemp(t)
	src := newMemSource(corpusArticles(t, 57)...)
	if _, err := ix.CatchUp(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	for _, sortName := range []string{"relevance", "newest", "oldest"} {
		t.Run(sortName, func(t *testing.T) {
			q := "russia"
			full := mustSearch(t, ix, Request{Query: q, Sort: sortName, Size: 100, NoFacets: true})
			if full.Total < 20 {
				t.Fatalf("only %d hits for %q", full.Total, q)
			}
			// page 2 equals hits 10..19
			p2 := mustSearch(t, ix, Request{Query: q, Sort: sortName, Page: 2, NoFacets: true})
			if diff := cmp.Diff(hitIDs(full)[10:20], hitIDs(p2)); diff != "" {
				t.Errorf("page 2 (-want +got):\n%s", diff)
			}
			// walking the cursor visits every hit once, in order
			var walked []string
			req := Request{Query: q, Sort: sortName, Size: 7, NoFacets: true}
			for range 100 {
				res := mustSearch(t, ix, req)
				walked = append(walked, hitIDs(res)...)
				if res.NextCursor == "" {
					break
				}
				req.After = res.NextCursor
			}
			if diff := cmp.Diff(hitIDs(full), walked); diff != "" {
				t.Errorf("cursor walk (-want +got):\n%s", diff)
			}
		})
	}
	// a cursor is bound to its search
	res := mustSearch(t, ix, Request{Query: "russia", Size: 5, NoFacets: true})
	_, err := ix.Search(context.Background(), Request{Query: "kremlin", Size: 5, After: res.NextCursor})
	if !IsQueryError(err) {
		t.Errorf("cursor from another query: err = %v, want bad_cursor", err)
	}
}

func TestSearchHonoursContext(t *testing.T) {
	ix, _ := fixtureIndex(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, Request{Query: "kremlin"}); err == nil {
		t.Fatal("search with a cancelled context succeeded")
	}
}

func TestSuggest(t *testing.T) {
	ix, _ := fixtureIndex(t)
	tests := []struct {
		prefix string
		want   []Suggestion
	}{
		{"trud", []Suggestion{{Kind: "author", Text: "Maxim Trudolyubov", Count: 2}}},
		{"o’bri", []Suggestion{{Kind: "author", Text: "Peter O’Brien", Count: 1}}},
		{"navalny and the co", []Suggestion{{Kind: "title", Text: "Navalny and the Courts", ID: "navalny-courts"}}},
		{"tiller", []Suggestion{{Kind: "title", Text: "Tillerson Goes to Asia", ID: "tillerson-asia"}}},
		{"sanctions", []Suggestion{{Kind: "title", Text: "Sanctions and Russian Oil", ID: "sanctions-oil"}}},
		{"", []Suggestion{}},
		{"zzzz", []Suggestion{}},
	}
	for _, tc := range tests {
		got, err := ix.Suggest(context.Background(), tc.prefix, 5)
		if err != nil {
			t.Fatalf("Suggest(%q): %v", tc.prefix, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Suggest(%q) (-want +got):\n%s", tc.prefix, diff)
		}
	}
	got, err := ix.Suggest(context.Background(), "a", 3)
	if err != nil || len(got) > 3 {
		t.Errorf("Suggest(a, 3) = %v, %v: want at most 3", got, err)
	}
}

// quickMatches must find the same words as analysing the whole body.
func TestQuickMatchesAgreeWithFullAnalysis(t *testing.T) {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	an := m.AnalyzerNamed(analyzerText)
	mk := marks{
		terms:    map[string]bool{"kremlin": true, "sanction": true, "russia": true, "energi": true, "trump": true, "polici": true, "o'brien": true},
		prefixes: []string{"sovi", "nato"},
	}
	bodies := []string{"O’Brien met Trump‘s aides; the Kremlin's policy and Soviet-era NATO-style energy sanctions. Éclair 3.5 U.S."}
	for _, a := range corpusArticles(t, 40) {
		bodies = append(bodies, a.Body)
	}
	for i, body := range bodies {
		var want []int
		for _, tok := range an.Analyze([]byte(body)) {
			if mk.match(string(tok.Term)) {
				want = append(want, tok.Start)
			}
		}
		var got []int
		for _, tok := range quickMatches(body, mk, an) {
			got = append(got, tok.Start)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("body %d: match offsets (-full +quick):\n%s", i, diff)
		}
	}
}

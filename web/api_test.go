package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oped/oped/index"
)

func hitIDs(r index.Response) []string {
	var ids []string
	for _, h := range r.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func sorted(ids []string) []string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

func TestAPISearchParameters(t *testing.T) {
	f := sharedFixture(t)
	tests := []struct {
		name    string
		query   string
		want    []string // hit IDs in any order, unless ordered
		ordered bool
		total   int // checked when want is nil
	}{
		{name: "one word", query: "q=pyongyang", want: []string{"mt-korea-2017"}},
		{name: "phrase", query: `q="fire and fury"`, want: []string{"mt-fury-2017"}},
		{name: "two words all must match", query: "q=north+korea", want: []string{"mt-fury-2017", "mt-korea-2017"}},
		{name: "site filter", query: "site=Wilson+Center", want: []string{"wc-arctic-2020", "wc-crimea-2015", "wc-elites-2021"}},
		{name: "one facet ORs its values", query: "q=economy+OR+diplomacy&tag=Economy&tag=Arctic",
			want: []string{"mt-gas-2019", "mt-ruble-2022", "mt-sanctions-2018", "wc-arctic-2020"}},
		{name: "facets AND", query: "site=The+Moscow+Times&tag=Economy&section=Business", want: []string{"mt-gas-2019", "mt-ruble-2022"}},
		{name: "author", query: "author=Irina+Volkova", want: []string{"mt-gas-2019", "mt-korea-2017"}},
		// What the search box's author suggestion submits.
		{name: "author phrase in the query", query: `q=author:"Irina Volkova"`, want: []string{"mt-gas-2019", "mt-korea-2017"}},
		{name: "co-author", query: "author=Anna+Leskova&year=2015", want: []string{"wc-crimea-2015"}},
		{name: "years OR", query: "year=2017&year=2022", want: []string{"mt-fury-2017", "mt-korea-2017", "mt-ruble-2022"}},
		{name: "original publisher", query: "original_publisher=Kennan+Institute", want: []string{"mt-elites-2021"}},
		{name: "date range", query: "from=2019-01-01&to=2021-02-10&site=Wilson+Center&site=The+Moscow+Times",
			want: []string{"mt-gas-2019", "wc-arctic-2020", "wc-elites-2021"}},
		{name: "to is inclusive by day", query: "from=2017-08-14&to=2017-08-14", want: []string{"mt-korea-2017"}},
		{name: "newest first", query: "author=Irina+Volkova&sort=newest", want: []string{"mt-gas-2019", "mt-korea-2017"}, ordered: true},
		{name: "oldest first", query: "author=Irina+Volkova&sort=oldest", want: []string{"mt-korea-2017", "mt-gas-2019"}, ordered: true},
		{name: "nothing matches", query: "q=zeppelin", want: nil, total: 0},
		{name: "empty query lists everything", query: "", total: 10 + fillerCount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, resp := getJSON[index.Response](t, f.srv, "/api/v1/search?"+tc.query)
			if code != http.StatusOK {
				t.Fatalf("status %d, want 200", code)
			}
			got := hitIDs(resp)
			if tc.want == nil {
				if int(resp.Total) != tc.total {
					t.Errorf("total = %d, want %d (hits %v)", resp.Total, tc.total, got)
				}
				return
			}
			want := tc.want
			if !tc.ordered {
				got, want = sorted(got), sorted(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("hits (-want +got):\n%s", diff)
			}
			if int(resp.Total) != len(tc.want) {
				t.Errorf("total = %d, want %d", resp.Total, len(tc.want))
			}
		})
	}
}

func TestAPISearchPaging(t *testing.T) {
	f := sharedFixture(t)
	seen := map[string]bool{}
	for page := 1; page <= 3; page++ {
		_, resp := getJSON[index.Response](t, f.srv, "/api/v1/search?q=glacier&sort=oldest&size=10&page="+itoa(page))
		if resp.Total != fillerCount {
			t.Fatalf("page %d: total = %d, want %d", page, resp.Total, fillerCount)
		}
		wantLen := min(10, fillerCount-(page-1)*10)
		if len(resp.Hits) != wantLen || resp.Page != page || resp.Size != 10 {
			t.Fatalf("page %d: %d hits, page %d, size %d; want %d hits", page, len(resp.Hits), resp.Page, resp.Size, wantLen)
		}
		for i, h := range resp.Hits {
			if want := "filler-" + pad3((page-1)*10+i); h.ID != want {
				t.Errorf("page %d hit %d = %s, want %s", page, i, h.ID, want)
			}
			if seen[h.ID] {
				t.Errorf("page %d repeats %s", page, h.ID)
			}
			seen[h.ID] = true
		}
	}

	// The cursor walks the same order as the pages.
	var walked []string
	after := ""
	for range 10 {
		target := "/api/v1/search?q=glacier&sort=oldest&size=7"
		if after != "" {
			target += "&after=" + url.QueryEscape(after)
		}
		code, resp := getJSON[index.Response](t, f.srv, target)
		if code != http.StatusOK {
			t.Fatalf("cursor page: status %d", code)
		}
		walked = append(walked, hitIDs(resp)...)
		if resp.NextCursor == "" || len(resp.Hits) < 7 {
			break
		}
		after = resp.NextCursor
	}
	if len(walked) != fillerCount {
		t.Fatalf("cursor walk saw %d hits, want %d: %v", len(walked), fillerCount, walked)
	}
	for i, id := range walked {
		if want := "filler-" + pad3(i); id != want {
			t.Fatalf("cursor walk hit %d = %s, want %s", i, id, want)
		}
	}
}

func pad3(n int) string {
	s := itoa(n)
	return strings.Repeat("0", 3-len(s)) + s
}

func TestAPISearchErrors(t *testing.T) {
	f := sharedFixture(t)
	tests := []struct {
		name   string
		query  string
		status int
		code   string // "" accepts any code
		inMsg  string
	}{
		{"unknown sort", "sort=popular", 400, "bad_sort", "popular"},
		{"size zero", "size=0", 400, "bad_size", "size"},
		{"size too big", "size=101", 400, "bad_size", "100"},
		{"size not a number", "size=ten", 400, "bad_size", "ten"},
		{"page zero", "page=0", 400, "bad_page", "page"},
		{"page not a number", "page=2x", 400, "bad_page", "2x"},
		{"page too deep", "page=1001&size=10", 400, "bad_page", "next_cursor"},
		{"deep page with big size", "page=101&size=100", 400, "bad_page", "next_cursor"},
		{"from not a date", "from=2017-13-01", 400, "bad_date", "YYYY-MM-DD"},
		{"to not a date", "to=yesterday", 400, "bad_date", "yesterday"},
		{"from after to", "from=2020-01-01&to=2019-01-01", 400, "bad_date", "after"},
		{"year not a year", "year=last", 400, "bad_filter", "year"},
		{"unbalanced quote", `q="fire and fury`, 400, "bad_query", ""},
		{"dangling OR", "q=putin+OR", 400, "bad_query", ""},
		{"leading wildcard", "q=*ussia", 400, "", ""},
		{"regexp", "q=/pu.*n/", 400, "", ""},
		{"query too long", "q=" + strings.Repeat("a", index.MaxQueryLength+1), 400, "bad_query", "1024"},
		{"bad cursor", "after=not-a-cursor", 400, "bad_cursor", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, doc := getJSON[errorDoc](t, f.srv, "/api/v1/search?"+tc.query)
			if code != tc.status {
				t.Fatalf("status %d, want %d (%+v)", code, tc.status, doc)
			}
			if doc.Error.Code == "" || doc.Error.Message == "" {
				t.Fatalf("error document %+v lacks code or message", doc)
			}
			if tc.code != "" && doc.Error.Code != tc.code {
				t.Errorf("code %q, want %q (message %q)", doc.Error.Code, tc.code, doc.Error.Message)
			}
			if !strings.Contains(doc.Error.Message, tc.inMsg) {
				t.Errorf("message %q does not mention %q", doc.Error.Message, tc.inMsg)
			}
		})
	}
}

func facetCounts(resp index.Response, facet string) map[string]int {
	out := map[string]int{}
	for _, v := range resp.Facets[facet] {
		out[v.Value] = v.Count
	}
	return out
}

func TestAPIFacetCountsAreMultiSelect(t *testing.T) {
	f := sharedFixture(t)
	_, all := getJSON[index.Response](t, f.srv, "/api/v1/search?q=")
	wantSites := map[string]int{"The Moscow Times": 7 + fillerCount, "Wilson Center": 3}
	if diff := cmp.Diff(wantSites, facetCounts(all, "site")); diff != "" {
		t.Errorf("site counts, nothing selected (-want +got):\n%s", diff)
	}

	// Selecting a site keeps the other site's count (so it can be added
	// to the selection) and narrows every other facet.
	_, one := getJSON[index.Response](t, f.srv, "/api/v1/search?site=Wilson+Center")
	if diff := cmp.Diff(wantSites, facetCounts(one, "site")); diff != "" {
		t.Errorf("site counts with site selected (-want +got):\n%s", diff)
	}
	for _, v := range one.Facets["site"] {
		if v.Selected != (v.Value == "Wilson Center") {
			t.Errorf("site %q selected = %v", v.Value, v.Selected)
		}
	}
	wantSections := map[string]int{"Kennan Institute": 2, "The Russia File": 1}
	if diff := cmp.Diff(wantSections, facetCounts(one, "section")); diff != "" {
		t.Errorf("section counts with site selected (-want +got):\n%s", diff)
	}

	// Two facets selected: each is counted under the other's filter only.
	_, two := getJSON[index.Response](t, f.srv, "/api/v1/search?site=Wilson+Center&tag=Diplomacy")
	if diff := cmp.Diff(map[string]int{"The Moscow Times": 1, "Wilson Center": 2}, facetCounts(two, "site")); diff != "" {
		t.Errorf("site counts under tag=Diplomacy (-want +got):\n%s", diff)
	}
	tags := facetCounts(two, "tag")
	if tags["Diplomacy"] != 2 || tags["Arctic"] != 1 || tags["Regions"] != 1 || tags["Economy"] != 0 {
		t.Errorf("tag counts under site=Wilson Center = %v, want Diplomacy 2, Arctic 1, Regions 1, no Economy", tags)
	}
	if two.Total != 2 {
		t.Errorf("total = %d, want 2", two.Total)
	}

	// A selected value with no hits still shows, selected, so it can be
	// removed.
	_, none := getJSON[index.Response](t, f.srv, "/api/v1/search?q=pyongyang&author=Daniel+Marsh")
	found := false
	for _, v := range none.Facets["author"] {
		if v.Value == "Daniel Marsh" {
			found = v.Selected
		}
	}
	if !found {
		t.Errorf("selected author with no hits missing from facet: %+v", none.Facets["author"])
	}
}

func TestAPIArticle(t *testing.T) {
	f := sharedFixture(t)
	code, a := getJSON[map[string]any](t, f.srv, "/api/v1/articles/mt-elites-2021")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if a["title"] != "Regional Elites and the Center (Op-ed)" || a["syndicated_from"] != "wc-elites-2021" {
		t.Errorf("article = %v", a)
	}
	if vs, _ := a["versions"].([]any); len(vs) != 1 {
		t.Errorf("versions = %v, want one", a["versions"])
	}

	code, v := getJSON[map[string]any](t, f.srv, "/api/v1/articles/mt-elites-2021/versions/1")
	if code != http.StatusOK || v["version"] != float64(1) || v["title"] != a["title"] {
		t.Errorf("version 1: status %d, %v", code, v)
	}

	errs := []struct {
		target string
		status int
		code   string
	}{
		{"/api/v1/articles/no-such-article", 404, "not_found"},
		{"/api/v1/articles/mt-elites-2021/versions/2", 404, "not_found"},
		{"/api/v1/articles/mt-elites-2021/versions/0", 400, "bad_version"},
		{"/api/v1/articles/mt-elites-2021/versions/latest", 400, "bad_version"},
		{"/api/v1/articles/" + strings.Repeat("x", 65), 404, "not_found"},
		{"/api/v1/articles/a%20b", 404, "not_found"},
		{"/api/v1/nothing-here", 404, "not_found"},
	}
	for _, e := range errs {
		code, doc := getJSON[errorDoc](t, f.srv, e.target)
		if code != e.status || doc.Error.Code != e.code || doc.Error.Message == "" {
			t.Errorf("GET %s = %d %+v, want %d %s", e.target, code, doc, e.status, e.code)
		}
	}
}

func TestAPISuggest(t *testing.T) {
	f := sharedFixture(t)
	code, doc := getJSON[suggestDoc](t, f.srv, "/api/v1/suggest?q=volk")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	found := false
	for _, s := range doc.Suggestions {
		if s.Kind == "author" && s.Text == "Irina Volkova" {
			found = true
		}
	}
	if !found {
		t.Errorf("suggest volk = %+v, want author Irina Volkova", doc.Suggestions)
	}
	_, doc = getJSON[suggestDoc](t, f.srv, "/api/v1/suggest?q=sanctions+fat")
	if len(doc.Suggestions) == 0 || doc.Suggestions[0].Text != "Sanctions Fatigue Sets In" {
		t.Errorf("suggest 'sanctions fat' = %+v, want the title first", doc.Suggestions)
	}
	_, doc = getJSON[suggestDoc](t, f.srv, "/api/v1/suggest?q=")
	if doc.Suggestions == nil || len(doc.Suggestions) != 0 {
		t.Errorf("empty prefix: %+v, want an empty list", doc.Suggestions)
	}
	if code, e := getJSON[errorDoc](t, f.srv, "/api/v1/suggest?q=a&n=500"); code != 400 || e.Error.Code != "bad_size" {
		t.Errorf("n=500: %d %+v, want 400 bad_size", code, e)
	}
}

func TestAPIStatsAndProbes(t *testing.T) {
	f := sharedFixture(t)
	code, st := getJSON[statsDoc](t, f.srv, "/api/v1/stats")
	if code != http.StatusOK || st.Archive.Articles != 10+fillerCount || st.Index.Documents != uint64(10+fillerCount) || !st.Ready {
		t.Errorf("stats = %d %+v", code, st)
	}
	if code, h := getJSON[map[string]string](t, f.srv, "/healthz"); code != 200 || h["status"] != "ok" {
		t.Errorf("healthz = %d %v", code, h)
	}
	if code, r := getJSON[readyDoc](t, f.srv, "/readyz"); code != 200 || r.Status != "ready" || r.IndexSeq != r.ArchiveSeq {
		t.Errorf("readyz = %d %+v", code, r)
	}
}

func TestReadyzWaitsForCatchUp(t *testing.T) {
	f := newFixture(t, loadFixtureArticles(t)[:2], Config{})
	ctx := t.Context()
	if _, err := f.store.Put(ctx, fillerArticles(1)[0]); err != nil {
		t.Fatal(err)
	}
	code, r := getJSON[readyDoc](t, f.srv, "/readyz")
	if code != http.StatusServiceUnavailable || r.Status != "catching_up" || r.IndexSeq >= r.ArchiveSeq {
		t.Errorf("before catch-up: readyz = %d %+v, want 503 catching_up", code, r)
	}
	if _, err := f.ix.CatchUp(ctx, f.store); err != nil {
		t.Fatal(err)
	}
	if code, r := getJSON[readyDoc](t, f.srv, "/readyz"); code != http.StatusOK || r.Status != "ready" {
		t.Errorf("after catch-up: readyz = %d %+v, want 200 ready", code, r)
	}
}

package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oped/oped/index"
)

// layout is what every page's frame needs: the title and the search box,
// which carries the current filters along so a new query keeps them.
type layout struct {
	Title  string
	Query  string
	Hidden []hiddenField
}

type hiddenField struct{ Name, Value string }

func (s *Server) render(c *gin.Context, status int, page string, data any) {
	var buf bytes.Buffer
	if err := s.pages.sets[page].Execute(&buf, data); err != nil {
		_ = c.Error(err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("the page could not be rendered; it has been logged\n"))
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

type errorView struct {
	layout
	Status  int
	Heading string
	Message string
}

func (s *Server) renderError(c *gin.Context, ae *apiError) {
	heading := http.StatusText(ae.Status)
	switch {
	case ae.Status == http.StatusNotFound:
		heading = "Not found"
	case ae.Status == http.StatusBadRequest:
		heading = "That search could not be run"
	case ae.Status >= 500:
		heading = "Something went wrong"
	}
	s.render(c, ae.Status, "error", errorView{
		layout:  layout{Title: heading, Query: c.Query("q")},
		Status:  ae.Status,
		Heading: heading,
		Message: ae.Message,
	})
}

// facetLabels are the sidebar headings for index.FacetNames.
var facetLabels = map[string]string{
	"site":               "Publication",
	"section":            "Section",
	"author":             "Author",
	"tag":                "Topic",
	"year":               "Year",
	"original_publisher": "Originally published by",
}

func facetLabel(name string) string {
	if l, ok := facetLabels[name]; ok {
		return l
	}
	return name
}

type searchView struct {
	layout
	State      searchState
	EmptyStore bool // the archive has no articles at all
	Browsing   bool // no query: the newest articles
	Total      uint64
	Took       string
	Hits       []hitView
	FirstN     int // the number of the first hit on this page
	Facets     []facetView
	Years      *yearChart
	Active     []activeFilter
	ClearURL   string
	Sorts      []navLink
	Pages      []navLink
	PrevURL    string
	NextURL    string
	From, To   string
	DateHidden []hiddenField // the state minus the dates, for the date form
}

type hitView struct {
	URL, Source       string
	Title, Subtitle   string
	Byline            string
	Date, DateISO     string
	Site, Section     string
	Tags              []navLink
	Snippet           template.HTML
	OriginalPublisher string
	Editions          int
}

type navLink struct {
	Label   string
	URL     string
	Current bool
}

type facetView struct {
	Name, Label string
	Values      []facetLink
	More        []facetLink // shown folded
}

type facetLink struct {
	Value    string
	Count    int
	Selected bool
	URL      string
}

type activeFilter struct {
	Label     string // "Author: Maxim Trudolyubov"
	RemoveURL string
}

// foldAfter is how many values of a facet show before "more".
const foldAfter = 8

func (s *Server) searchPage(c *gin.Context) {
	st, err := parseSearch(c.Request.URL.Query())
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	resp, err := s.runSearch(ctx, st)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := buildSearchView(st, resp)
	if resp.Total == 0 && st.Query == "" && !st.hasFilters() {
		// Tell an empty archive from an index still catching up.
		n, err := s.store.Count(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.EmptyStore = n == 0
	}
	s.render(c, http.StatusOK, "search", v)
}

func buildSearchView(st searchState, resp *index.Response) searchView {
	v := searchView{
		layout:   layout{Title: "oped — op-ed search", Query: st.Query, Hidden: hiddenState(st.refined(), "q")},
		State:    st,
		Browsing: st.Query == "",
		Total:    resp.Total,
		Took:     formatTook(resp.TookMS),
		From:     st.From,
		To:       st.To,
	}
	if st.Query != "" {
		v.Title = st.Query + " — oped"
	}
	v.FirstN = (resp.Page-1)*resp.Size + 1
	if st.After != "" {
		v.FirstN = 0 // unknown on cursor pages
	}
	for _, h := range resp.Hits {
		v.Hits = append(v.Hits, newHitView(h))
	}
	for _, name := range index.FacetNames {
		values := resp.Facets[name]
		if name == "year" {
			v.Years = newYearChart(st, values)
			continue
		}
		fv := facetView{Name: name, Label: facetLabel(name)}
		for _, fvv := range values {
			if strings.TrimSpace(fvv.Value) == "" {
				// Articles without a value (most have no original
				// publisher), not a value to select: such a link would
				// be trimmed away by parseSearch and select nothing.
				continue
			}
			i := len(fv.Values) + len(fv.More)
			l := facetLink{Value: fvv.Value, Count: fvv.Count, Selected: fvv.Selected || st.selected(name, fvv.Value),
				URL: st.toggled(name, fvv.Value).url()}
			if i < foldAfter || l.Selected {
				fv.Values = append(fv.Values, l)
			} else {
				fv.More = append(fv.More, l)
			}
		}
		if len(fv.Values) > 0 {
			v.Facets = append(v.Facets, fv)
		}
	}
	for _, name := range index.FacetNames {
		for _, val := range st.Filters[name] {
			v.Active = append(v.Active, activeFilter{Label: facetLabel(name) + ": " + val, RemoveURL: st.toggled(name, val).url()})
		}
	}
	if st.From != "" {
		c := st.refined()
		c.From = ""
		v.Active = append(v.Active, activeFilter{Label: "From " + st.From, RemoveURL: c.url()})
	}
	if st.To != "" {
		c := st.refined()
		c.To = ""
		v.Active = append(v.Active, activeFilter{Label: "Until " + st.To, RemoveURL: c.url()})
	}
	if len(v.Active) > 0 {
		v.ClearURL = searchState{Query: st.Query, Sort: st.Sort, Size: st.Size}.url()
	}
	noDates := st.refined()
	noDates.From, noDates.To = "", ""
	v.DateHidden = hiddenState(noDates, "")

	current := resp.Sort
	if current == "" {
		current = st.Sort
	}
	for _, so := range sorts {
		c := st.refined()
		c.Sort = so
		label := map[string]string{"relevance": "Best match", "newest": "Newest", "oldest": "Oldest"}[so]
		v.Sorts = append(v.Sorts, navLink{Label: label, URL: c.url(), Current: so == current})
	}
	v.paginate(st, resp)
	return v
}

// paginate links numbered pages as far as plain paging reaches, and the
// cursor beyond that.
func (v *searchView) paginate(st searchState, resp *index.Response) {
	size := max(resp.Size, 1)
	if st.After != "" {
		first := st.clone()
		first.After, first.Page = "", 0
		v.PrevURL = first.url()
		if resp.NextCursor != "" && len(resp.Hits) == size {
			next := st.clone()
			next.After = resp.NextCursor
			v.NextURL = next.url()
		}
		return
	}
	pageCount := int((resp.Total + uint64(size) - 1) / uint64(size))
	reachable := min(pageCount, index.MaxFromOffset/size)
	page := max(resp.Page, 1)
	at := func(n int) string {
		c := st.clone()
		c.Page = n
		return c.url()
	}
	if page > 1 {
		v.PrevURL = at(page - 1)
	}
	switch {
	case page < reachable:
		v.NextURL = at(page + 1)
	case page < pageCount && resp.NextCursor != "":
		next := st.clone()
		next.Page, next.After = 0, resp.NextCursor
		v.NextURL = next.url()
	}
	if reachable <= 1 {
		return
	}
	// A window of pages around the current one, plus the first and last.
	lo, hi := max(1, page-3), min(reachable, page+3)
	if lo > 1 {
		v.Pages = append(v.Pages, navLink{Label: "1", URL: at(1)})
		if lo > 2 {
			v.Pages = append(v.Pages, navLink{Label: "…"})
		}
	}
	for n := lo; n <= hi; n++ {
		v.Pages = append(v.Pages, navLink{Label: itoa(n), URL: at(n), Current: n == page})
	}
	if hi < reachable {
		if hi < reachable-1 {
			v.Pages = append(v.Pages, navLink{Label: "…"})
		}
		v.Pages = append(v.Pages, navLink{Label: itoa(reachable), URL: at(reachable)})
	}
}

// hiddenState is the state as hidden form fields, except the named one
// (the form's own visible field).
func hiddenState(st searchState, except string) []hiddenField {
	var out []hiddenField
	vals := st.values()
	keys := make([]string, 0, len(vals))
	for k := range vals {
		if k != except {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range vals[k] {
			out = append(out, hiddenField{Name: k, Value: v})
		}
	}
	return out
}

func newHitView(h index.Hit) hitView {
	v := hitView{
		URL:               "/articles/" + url.PathEscape(h.ID),
		Source:            h.URL,
		Title:             h.Title,
		Subtitle:          h.Subtitle,
		Byline:            joinNames(h.Authors),
		Site:              h.Site,
		Section:           h.Section,
		Snippet:           safeSnippet(h.Snippet),
		OriginalPublisher: strings.TrimSpace(h.OriginalPublisher),
		Editions:          len(h.Editions),
	}
	if v.Title == "" {
		v.Title = "(untitled)"
	}
	if !h.Published.IsZero() {
		v.Date = formatDay(h.Published)
		v.DateISO = h.Published.Format("2006-01-02")
	}
	for _, t := range h.Tags {
		v.Tags = append(v.Tags, navLink{Label: t, URL: searchState{Filters: map[string][]string{"tag": {t}}}.url()})
	}
	return v
}

// safeSnippet trusts the index's snippet HTML only as far as it keeps its
// promise: escaped text with <mark> and </mark> as the only tags. Anything
// else is shown escaped rather than rendered.
func safeSnippet(s string) template.HTML {
	rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
	if strings.ContainsAny(rest, "<>") || strings.Contains(rest, "\"") {
		return template.HTML(template.HTMLEscapeString(s)) //nolint:gosec // escaped just now
	}
	return template.HTML(s) //nolint:gosec // checked above: only <mark> tags, all else escaped
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// formatTook shows a search's time the way a person reads it: "0.4 ms",
// "12 ms".
func formatTook(ms float64) string {
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

func formatDay(t time.Time) string { return t.UTC().Format("January 2, 2006") }

func itoa(n int) string { return strconv.Itoa(n) }

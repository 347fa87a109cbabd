package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oped/oped/index"
)

// searchState is everything a search URL holds. The UI keeps its whole
// state in the URL, so a search is bookmarkable and works without script;
// the API reads the same parameters.
type searchState struct {
	Query    string
	Filters  map[string][]string // facet name -> selected values, in selection order
	From, To string              // YYYY-MM-DD as given
	Sort     string              // "" means the default
	Page     int                 // 0 means 1
	Size     int                 // 0 means the default
	After    string
}

// Bounds on what a single request may ask for, beyond the index's own.
const (
	maxFilterValues   = 20  // per facet
	maxFilterValueLen = 200 // bytes
	maxSuggestions    = 20
	defaultSuggest    = 8
)

var sorts = []string{"relevance", "newest", "oldest"}

// parseSearch reads and validates search parameters. Every problem is a 400
// naming the parameter and what it should look like.
func parseSearch(q url.Values) (searchState, error) {
	var st searchState
	st.Query = strings.TrimSpace(q.Get("q"))
	if len(st.Query) > index.MaxQueryLength {
		return st, badRequest("bad_query", fmt.Sprintf("the query is %d bytes long; at most %d are allowed", len(st.Query), index.MaxQueryLength))
	}
	if !utf8.ValidString(st.Query) {
		return st, badRequest("bad_query", "the query is not valid UTF-8")
	}
	for _, name := range index.FacetNames {
		values := q[name]
		if len(values) == 0 {
			continue
		}
		if len(values) > maxFilterValues {
			return st, badRequest("bad_filter", fmt.Sprintf("%s: %d values selected; at most %d are allowed", name, len(values), maxFilterValues))
		}
		for _, v := range values {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if len(v) > maxFilterValueLen || !utf8.ValidString(v) {
				return st, badRequest("bad_filter", fmt.Sprintf("%s: a value must be valid UTF-8 and at most %d bytes", name, maxFilterValueLen))
			}
			if name == "year" {
				if y, err := strconv.Atoi(v); err != nil || y < 1000 || y > 9999 {
					return st, badRequest("bad_filter", fmt.Sprintf("year %q: want a four-digit year such as 2017", v))
				}
			}
			if st.Filters == nil {
				st.Filters = map[string][]string{}
			}
			if !slices.Contains(st.Filters[name], v) {
				st.Filters[name] = append(st.Filters[name], v)
			}
		}
	}
	var err error
	if st.From, err = parseDayParam(q, "from"); err != nil {
		return st, err
	}
	if st.To, err = parseDayParam(q, "to"); err != nil {
		return st, err
	}
	if st.From != "" && st.To != "" && st.From > st.To {
		return st, badRequest("bad_date", fmt.Sprintf("from %s is after to %s", st.From, st.To))
	}
	if s := q.Get("sort"); s != "" {
		if !slices.Contains(sorts, s) {
			return st, badRequest("bad_sort", fmt.Sprintf("sort %q: want one of %s", s, strings.Join(sorts, ", ")))
		}
		st.Sort = s
	}
	if st.Size, err = parseIntParam(q, "size", 1, index.MaxSize, "bad_size"); err != nil {
		return st, err
	}
	if st.Page, err = parseIntParam(q, "page", 1, index.MaxFromOffset, "bad_page"); err != nil {
		return st, err
	}
	if st.Page > 1 && (st.Page-1)*st.size()+st.size() > index.MaxFromOffset {
		return st, badRequest("bad_page", fmt.Sprintf("page %d of %d hits reaches past the first %d results; follow next_cursor with the after parameter to go deeper",
			st.Page, st.size(), index.MaxFromOffset))
	}
	st.After = q.Get("after")
	if len(st.After) > 1024 {
		return st, badRequest("bad_cursor", "the after cursor is too long; pass next_cursor from a previous response unchanged")
	}
	return st, nil
}

func parseDayParam(q url.Values, name string) (string, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return "", nil
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return "", badRequest("bad_date", fmt.Sprintf("%s %q: want a date as YYYY-MM-DD, such as 2017-08-14", name, s))
	}
	return s, nil
}

func parseIntParam(q url.Values, name string, lo, hi int, code string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badRequest(code, fmt.Sprintf("%s %q: want a whole number from %d to %d", name, s, lo, hi))
	}
	return n, nil
}

func (st searchState) size() int {
	if st.Size == 0 {
		return index.DefaultSize
	}
	return st.Size
}

func (st searchState) page() int {
	if st.Page == 0 {
		return 1
	}
	return st.Page
}

// request turns the state into an index request.
func (st searchState) request() index.Request {
	req := index.Request{
		Query:   st.Query,
		Filters: st.Filters,
		Sort:    st.Sort,
		Page:    st.page(),
		Size:    st.size(),
		After:   st.After,
	}
	// Both were validated by parseSearch.
	if st.From != "" {
		req.From, _ = time.Parse("2006-01-02", st.From)
	}
	if st.To != "" {
		req.To, _ = time.Parse("2006-01-02", st.To)
	}
	return req
}

// hasFilters reports whether anything narrows the search besides the
// query.
func (st searchState) hasFilters() bool {
	return len(st.Filters) > 0 || st.From != "" || st.To != ""
}

// values encodes the state as URL parameters, leaving out defaults so URLs
// stay short and canonical.
func (st searchState) values() url.Values {
	v := url.Values{}
	if st.Query != "" {
		v.Set("q", st.Query)
	}
	for _, name := range index.FacetNames {
		for _, val := range st.Filters[name] {
			v.Add(name, val)
		}
	}
	if st.From != "" {
		v.Set("from", st.From)
	}
	if st.To != "" {
		v.Set("to", st.To)
	}
	if st.Sort != "" {
		v.Set("sort", st.Sort)
	}
	if st.Size != 0 && st.Size != index.DefaultSize {
		v.Set("size", strconv.Itoa(st.Size))
	}
	if st.Page > 1 {
		v.Set("page", strconv.Itoa(st.Page))
	}
	if st.After != "" {
		v.Set("after", st.After)
	}
	return v
}

// url is the search page URL for the state. Parameters come in a fixed
// order (query, facets, dates, sort, paging) so equal states give equal
// URLs, and spaces are %20 rather than "+", which html/template would
// otherwise escape to &#43; in attributes.
func (st searchState) url() string {
	vals := st.values()
	var b strings.Builder
	for _, key := range paramOrder {
		for _, v := range vals[key] {
			if b.Len() == 0 {
				b.WriteString("/?")
			} else {
				b.WriteByte('&')
			}
			b.WriteString(key)
			b.WriteByte('=')
			b.WriteString(strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// paramOrder lists every parameter values() may set.
var paramOrder = append(append([]string{"q"}, index.FacetNames...), "from", "to", "sort", "size", "page", "after")

// clone copies the state deeply, so a link built from it cannot change the
// page's own state.
func (st searchState) clone() searchState {
	c := st
	c.Filters = make(map[string][]string, len(st.Filters))
	for k, v := range st.Filters {
		c.Filters[k] = slices.Clone(v)
	}
	return c
}

// refined is the state for a new result set: any change of query, filter or
// sort starts again at page 1.
func (st searchState) refined() searchState {
	c := st.clone()
	c.Page, c.After = 0, ""
	return c
}

// toggled selects value in facet, or removes it if selected.
func (st searchState) toggled(facet, value string) searchState {
	c := st.refined()
	vals := c.Filters[facet]
	if i := slices.Index(vals, value); i >= 0 {
		vals = slices.Delete(vals, i, i+1)
	} else {
		vals = append(vals, value)
	}
	if len(vals) == 0 {
		delete(c.Filters, facet)
	} else {
		c.Filters[facet] = vals
	}
	return c
}

func (st searchState) selected(facet, value string) bool {
	return slices.Contains(st.Filters[facet], value)
}

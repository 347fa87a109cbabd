package index

import (
	"errors"
	"fmt"
	"time"
)

// Request is one search. The zero value of every field means "no
// constraint" or the default.
type Request struct {
	// Query in oped's user syntax: words (all must match), "phrases",
	// -exclusion, OR, field:value (title:, author:, site:, tag:, section:,
	// year:), prefix*, and published:>=2017-01-01 style date bounds.
	Query string
	// Filters selects facet values: facet name (see FacetNames) to the
	// values selected. Values of one facet OR together; facets AND.
	Filters map[string][]string
	// From and To bound the publication date, both inclusive by day.
	From, To time.Time
	Sort     string // "relevance" (default), "newest", "oldest"
	Page     int    // 1-based; default 1
	Size     int    // hits per page; default 10, at most MaxSize
	// After is an opaque cursor from a previous Response.NextCursor; when
	// set it replaces Page for deep paging.
	After string
	// NoFacets skips facet counting (suggest and internal lookups).
	NoFacets bool
}

// FacetNames are the facets every search counts, in display order.
var FacetNames = []string{"site", "section", "author", "tag", "year", "original_publisher"}

// Limits that bound the cost of a search.
const (
	DefaultSize    = 10
	MaxSize        = 100
	MaxFromOffset  = 10000 // from+size beyond this needs the cursor
	MaxQueryLength = 1024  // bytes
	SearchTimeout  = 2 * time.Second
)

// Response is the document `oped search --json` prints and the JSON API
// serves at /api/v1/search.
type Response struct {
	Query      string                  `json:"query"`
	Total      uint64                  `json:"total"`
	TookMS     float64                 `json:"took_ms"`
	Page       int                     `json:"page"`
	Size       int                     `json:"size"`
	Sort       string                  `json:"sort"`
	Hits       []Hit                   `json:"hits"`
	Facets     map[string][]FacetValue `json:"facets"`
	NextCursor string                  `json:"next_cursor,omitempty"`
}

// Hit is one matching article.
type Hit struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Subtitle  string    `json:"subtitle"`
	Authors   []string  `json:"authors"`
	Published time.Time `json:"published,omitzero"`
	Site      string    `json:"site"`
	Section   string    `json:"section"`
	Tags      []string  `json:"tags"`
	// Snippet is HTML: matches wrapped in <mark>, everything else escaped.
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
	// OriginalPublisher and SyndicatedFrom let a UI show a reprint's
	// original; Editions lists the IDs of the other copies of the story.
	OriginalPublisher string   `json:"original_publisher,omitempty"`
	Editions          []string `json:"editions,omitempty"`
}

// FacetValue is one value of a facet with its count.
type FacetValue struct {
	Value    string `json:"value"`
	Count    int    `json:"count"`
	Selected bool   `json:"selected"`
}

// QueryError reports a query or request the user must fix: bad syntax, an
// expensive construct, a parameter out of bounds. The web layer answers it
// with 400 and its Code and Message.
type QueryError struct {
	Code    string // machine-readable: "bad_query", "expensive_query", "bad_sort", "bad_page", "bad_size", "bad_date", "bad_cursor", "bad_filter"
	Message string
}

func (e *QueryError) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// IsQueryError reports whether err is the user's to fix.
func IsQueryError(err error) bool {
	var qe *QueryError
	return errors.As(err, &qe)
}

// ErrLocked means another process (usually `oped serve`) holds the index.
var ErrLocked = errors.New("index is held by another process")

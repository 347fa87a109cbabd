package index

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/regexp"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/oped/oped/archive"
)

// schemaVersion changes whenever the mapping or the document shape does;
// an index built with another version is rebuilt on open.
const schemaVersion = "oped-index-8"

// Field names in the index. Text fields are analysed for search; the facet
// fields hold exact values for counting and filtering.
const (
	fieldTitle    = "title"
	fieldSubtitle = "subtitle"
	fieldBody     = "body" // stored for snippets, not indexed: see fieldText
	// fieldText is what unqualified words search: title, subtitle,
	// authors, tags and body, as elements of one array field (phrases do
	// not match across elements). bleve scores a disjunction over many
	// fields slowly: a three-word query over five separate fields took
	// 20 ms at 100,000 articles, over this field plus the title 8 ms.
	fieldText        = "text"
	fieldAuthorText  = "author_text"
	fieldTagText     = "tag_text"
	fieldSiteText    = "site_text"
	fieldSectionText = "section_text"
	fieldPublished   = "published"
	fieldURL         = "url"
	// fieldKey repeats the document ID in doc values, where the search
	// collector reads it (bleve's _id lives in the stored fields, and
	// reading it would decompress the body too).
	fieldKey      = "key"
	fieldEditions = "editions"
	// Display values, stored for hits.
	fieldSite      = "site"
	fieldSection   = "section"
	fieldAuthor    = "author"
	fieldTag       = "tag"
	fieldPublisher = "original_publisher"

	// fieldFacets holds every facet value of a document as one term
	// "name\x1fvalue". Counting six facets then costs one doc-values
	// visit per hit instead of six (bleve hands each term to every facet
	// request on the field, which keep their own by prefix), and filters
	// are term queries on the same field.
	fieldFacets = "facets"
	facetSep    = "\x1f"
)

// Analyzer names registered in the mapping.
const (
	analyzerText = "oped_en"   // prose: apostrophes, possessives, lowercase, stop words, Porter stemming
	analyzerName = "oped_name" // names: apostrophes, possessives, lowercase; no stemming of surnames
)

// apostropheFilterType folds typographic apostrophes into ASCII inside a
// token, so "Trump’s" and "Trump's" index the same term.
const apostropheFilterType = "oped_apostrophe"

// quoteCharFilter turns a left single quote used as an apostrophe into a
// right one before tokenizing: the word segmenter keeps ’ inside a word but
// splits at ‘. Both are three bytes, so token offsets stay valid for
// snippets.
const quoteCharFilter = "oped_left_quote"

// registerAnalysis adds oped's token filter type to bleve's registry. bleve
// resolves analysis components by name from a process-wide registry, so
// this is done once, lazily, rather than in an init function.
var registerAnalysis = sync.OnceValue(func() error {
	return registry.RegisterTokenFilter(apostropheFilterType,
		func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
			return apostropheFilter{}, nil
		})
})

// apostropheFilter rewrites ’ (U+2019), ‘ (U+2018) and ʼ (U+02BC) to '.
type apostropheFilter struct{}

func (apostropheFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, tok := range input {
		tok.Term = foldApostrophes(tok.Term)
	}
	return input
}

func foldApostrophes(term []byte) []byte {
	if bytes.IndexByte(term, 0xE2) < 0 && bytes.IndexByte(term, 0xCA) < 0 {
		return term // fast path: no candidate lead byte
	}
	out := make([]byte, 0, len(term))
	for i := 0; i < len(term); {
		r, size := utf8.DecodeRune(term[i:])
		switch r {
		case '’', '‘', 'ʼ':
			out = append(out, '\'')
		default:
			out = append(out, term[i:i+size]...)
		}
		i += size
	}
	return out
}

// newMapping builds the explicit index mapping.
func newMapping() (*mapping.IndexMappingImpl, error) {
	if err := registerAnalysis(); err != nil {
		return nil, err
	}
	im := bleve.NewIndexMapping()
	// BM25 instead of bleve's default tf-idf: it saturates term frequency
	// and normalises by field length, so a long op-ed that repeats a word
	// does not bury a short one about the same subject. tf-idf stays the
	// default in bleve only for backward compatibility.
	im.ScoringModel = "bm25"
	im.DefaultAnalyzer = analyzerText
	// No dynamic fields and no composite _all field: every field is mapped
	// below and queries name their fields, so nothing is analysed twice.
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultField = fieldText

	if err := im.AddCustomCharFilter(quoteCharFilter, map[string]any{
		"type":    regexp.Name,
		"regexp":  "‘",
		"replace": "’",
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(analyzerText, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{quoteCharFilter},
		"tokenizer":     unicode.Name,
		"token_filters": []any{apostropheFilterType, en.PossessiveName, lowercase.Name, en.StopName, porter.Name},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(analyzerName, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{quoteCharFilter},
		"tokenizer":     unicode.Name,
		"token_filters": []any{apostropheFilterType, en.PossessiveName, lowercase.Name},
	}); err != nil {
		return nil, err
	}

	text := func(analyzer string, store, vectors bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = vectors
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	// Facet values are kept exact; doc values make them countable.
	facets := bleve.NewKeywordFieldMapping()
	facets.Analyzer = keyword.Name
	facets.Store = false
	facets.IncludeInAll = false
	facets.DocValues = true
	stored := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}

	doc := bleve.NewDocumentStaticMapping()
	// Phrase queries need term vectors (positions) on every field they
	// search; without them they silently match nothing.
	doc.AddFieldMappingsAt(fieldTitle, text(analyzerText, true, true))
	doc.AddFieldMappingsAt(fieldSubtitle, text(analyzerText, true, true))
	doc.AddFieldMappingsAt(fieldText, text(analyzerText, false, true))
	body := stored()
	body.Type = "text"
	doc.AddFieldMappingsAt(fieldBody, body)
	doc.AddFieldMappingsAt(fieldAuthorText, text(analyzerName, false, true))
	doc.AddFieldMappingsAt(fieldTagText, text(analyzerText, false, true))
	doc.AddFieldMappingsAt(fieldSiteText, text(analyzerText, false, true))
	doc.AddFieldMappingsAt(fieldSectionText, text(analyzerText, false, true))

	published := bleve.NewDateTimeFieldMapping()
	published.Store = true
	published.DocValues = true // sorting by date
	published.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldPublished, published)

	doc.AddFieldMappingsAt(fieldFacets, facets)
	key := bleve.NewKeywordFieldMapping()
	key.Analyzer = keyword.Name
	key.IncludeInAll = false
	key.DocValues = true
	doc.AddFieldMappingsAt(fieldKey, key)

	doc.AddFieldMappingsAt(fieldSite, stored())
	doc.AddFieldMappingsAt(fieldSection, stored())
	doc.AddFieldMappingsAt(fieldAuthor, stored())
	doc.AddFieldMappingsAt(fieldTag, stored())
	doc.AddFieldMappingsAt(fieldPublisher, stored())
	doc.AddFieldMappingsAt(fieldURL, stored())
	doc.AddFieldMappingsAt(fieldEditions, stored())

	im.DefaultMapping = doc
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}

// document is what bleve indexes for one article. Field names match the
// mapping above.
type document struct {
	Title       string     `json:"title"`
	Subtitle    string     `json:"subtitle,omitempty"`
	Text        []string   `json:"text"`
	Body        string     `json:"body"`
	AuthorText  []string   `json:"author_text,omitempty"`
	TagText     []string   `json:"tag_text,omitempty"`
	SiteText    string     `json:"site_text,omitempty"`
	SectionText string     `json:"section_text,omitempty"`
	Published   *time.Time `json:"published,omitempty"` // nil when unknown: a zero time would sort first
	Site        string     `json:"site,omitempty"`
	Section     string     `json:"section,omitempty"`
	Author      []string   `json:"author,omitempty"`
	Tag         []string   `json:"tag,omitempty"`
	Publisher   string     `json:"original_publisher,omitempty"`
	Facets      []string   `json:"facets,omitempty"`
	Key         string     `json:"key"`
	URL         string     `json:"url,omitempty"`
	Editions    []string   `json:"editions,omitempty"`
}

func newDocument(a *archive.Article) *document {
	d := &document{
		Key:         a.ID,
		Title:       a.Title,
		Subtitle:    a.Subtitle,
		Body:        a.Body,
		Text:        textElements(a),
		AuthorText:  a.Authors,
		TagText:     a.Tags,
		SiteText:    a.Site,
		SectionText: a.Section,
		Site:        a.Site,
		Section:     a.Section,
		Author:      a.Authors,
		Tag:         a.Tags,
		Publisher:   a.OriginalPublisher,
		URL:         a.URL,
	}
	if !a.Published.IsZero() {
		published := a.Published.UTC()
		d.Published = &published
		d.Facets = append(d.Facets, facetTerm("year", strconv.Itoa(published.Year())))
	}
	add := func(name string, values ...string) {
		for _, v := range values {
			if v = strings.TrimSpace(v); v != "" {
				d.Facets = append(d.Facets, facetTerm(name, v))
			}
		}
	}
	add("site", a.Site)
	add("section", a.Section)
	add("author", a.Authors...)
	add("tag", a.Tags...)
	add("original_publisher", a.OriginalPublisher)
	if a.SyndicatedFrom != "" {
		d.Editions = append(d.Editions, a.SyndicatedFrom)
	}
	d.Editions = append(d.Editions, a.SyndicatedAs...)
	return d
}

// facetTerm is the term a facet value is indexed as. The separator cannot
// occur in values: it is removed from them.
func facetTerm(name, value string) string {
	return name + facetSep + strings.ReplaceAll(value, facetSep, "")
}

// textElements are the parts of an article that unqualified words search.
func textElements(a *archive.Article) []string {
	parts := make([]string, 0, 3+len(a.Authors)+len(a.Tags))
	parts = append(parts, a.Title, a.Subtitle)
	parts = append(parts, a.Authors...)
	parts = append(parts, a.Tags...)
	return append(parts, a.Body)
}

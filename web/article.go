package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oped/oped/archive"
)

type articleView struct {
	layout
	ID                string
	Lang              string
	Title, Subtitle   string
	Authors           []navLink
	Date, DateISO     string
	Modified          string
	Site, Section     navLink
	Kind              string
	Tags              []navLink
	Paragraphs        []string
	WordCount         int
	Source            string // the article's own URL
	ImageCredit       string
	AuthorBio         string
	OriginalPublisher string
	OriginalURL       string
	ReprintOf         *articleRef
	Reprints          []articleRef
	Related           []archive.Link
	Versions          []versionRow
	FirstSeen         string
	JSONURL           string
}

// articleRef links another stored article (an original or a reprint).
type articleRef struct {
	URL, Title, Site, Date string
	Missing                bool // linked but not (yet) in the archive
}

type versionRow struct {
	N        int
	Recorded string
	Changed  string
	URL      string
	Current  bool
}

func (s *Server) articlePage(c *gin.Context) {
	id, err := parseArticleID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	a, err := s.store.Get(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := articleView{
		layout:            layout{Title: a.Title + " — oped"},
		ID:                a.ID,
		Lang:              langOrEnglish(a.Language),
		Title:             orUntitled(a.Title),
		Subtitle:          a.Subtitle,
		Kind:              a.Kind,
		Paragraphs:        paragraphs(a.Body),
		WordCount:         a.WordCount,
		Source:            a.URL,
		ImageCredit:       a.ImageCredit,
		AuthorBio:         a.AuthorBio,
		OriginalPublisher: strings.TrimSpace(a.OriginalPublisher),
		OriginalURL:       a.OriginalURL,
		Related:           a.Related,
		JSONURL:           "/api/v1/articles/" + url.PathEscape(a.ID),
	}
	for _, name := range a.Authors {
		v.Authors = append(v.Authors, facetNav("author", name))
	}
	for _, t := range a.Tags {
		v.Tags = append(v.Tags, facetNav("tag", t))
	}
	if a.Site != "" {
		v.Site = facetNav("site", a.Site)
	}
	if a.Section != "" {
		v.Section = facetNav("section", a.Section)
	}
	if !a.Published.IsZero() {
		v.Date, v.DateISO = formatDay(a.Published), a.Published.Format("2006-01-02")
	}
	if !a.Modified.IsZero() && !sameDay(a.Modified, a.Published) {
		v.Modified = formatDay(a.Modified)
	}
	if !a.FirstSeen.IsZero() {
		v.FirstSeen = formatStamp(a.FirstSeen)
	}
	if a.SyndicatedFrom != "" {
		ref, err := s.articleRef(ctx, a.SyndicatedFrom)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.ReprintOf = &ref
	}
	for _, rid := range a.SyndicatedAs {
		ref, err := s.articleRef(ctx, rid)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Reprints = append(v.Reprints, ref)
	}
	for i := len(a.Versions) - 1; i >= 0; i-- {
		ver := a.Versions[i]
		v.Versions = append(v.Versions, versionRow{
			N:        ver.N,
			Recorded: formatStamp(ver.RecordedAt),
			Changed:  strings.Join(ver.Changed, ", "),
			URL:      fmt.Sprintf("/articles/%s/versions/%d", url.PathEscape(a.ID), ver.N),
			Current:  i == len(a.Versions)-1,
		})
	}
	s.render(c, http.StatusOK, "article", v)
}

// articleRef describes a linked article; one that is not in the archive
// (yet) is still linked, marked missing, rather than failing the page.
func (s *Server) articleRef(ctx context.Context, id string) (articleRef, error) {
	ref := articleRef{URL: "/articles/" + url.PathEscape(id), Title: id}
	other, err := s.store.Get(ctx, id)
	if errors.Is(err, archive.ErrNotFound) {
		ref.Missing = true
		return ref, nil
	}
	if err != nil {
		return ref, err
	}
	ref.Title, ref.Site = orUntitled(other.Title), other.Site
	if !other.Published.IsZero() {
		ref.Date = formatDay(other.Published)
	}
	return ref, nil
}

type versionView struct {
	layout
	ArticleURL string
	Title      string
	N, Of      int
	Recorded   string
	Changed    string
	PrevURL    string
	NextURL    string
	TitleDiff  []diffPart // when the title changed
	Diff       []diffPara // the body against the previous version
	Paragraphs []string   // the whole body, when there is no diff to show
	// BodyUnchanged: the version changed other fields, not the text.
	BodyUnchanged bool
	JSONURL       string
}

func (s *Server) versionPage(c *gin.Context) {
	id, err := parseArticleID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := parseVersionNumber(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	cur, err := s.store.Get(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	this, err := s.store.Version(ctx, id, n)
	if err != nil {
		s.fail(c, err)
		return
	}
	base := "/articles/" + url.PathEscape(id)
	v := versionView{
		layout:     layout{Title: fmt.Sprintf("Version %d of %s — oped", n, this.Title)},
		ArticleURL: base,
		Title:      orUntitled(this.Title),
		N:          n,
		Of:         len(cur.Versions),
		JSONURL:    fmt.Sprintf("/api/v1/articles/%s/versions/%d", url.PathEscape(id), n),
	}
	for _, ver := range cur.Versions {
		if ver.N == n {
			v.Recorded = formatStamp(ver.RecordedAt)
			v.Changed = strings.Join(ver.Changed, ", ")
		}
	}
	if n > 1 {
		v.PrevURL = fmt.Sprintf("%s/versions/%d", base, n-1)
		prev, err := s.store.Version(ctx, id, n-1)
		if err != nil {
			s.fail(c, err)
			return
		}
		if prev.Title != this.Title {
			v.TitleDiff = diffWords(prev.Title, this.Title)
		}
		if prev.Body == this.Body {
			v.BodyUnchanged = true
			v.Paragraphs = paragraphs(this.Body)
		} else {
			v.Diff = diffBodies(prev.Body, this.Body)
		}
	} else {
		v.Paragraphs = paragraphs(this.Body)
	}
	if n < len(cur.Versions) {
		v.NextURL = fmt.Sprintf("%s/versions/%d", base, n+1)
	}
	s.render(c, http.StatusOK, "version", v)
}

// langOrEnglish is the article's language for the lang attribute, so screen
// readers pronounce a Russian article as Russian.
func langOrEnglish(code string) string {
	if code == "" || len(code) > 12 {
		return "en"
	}
	return code
}

func facetNav(facet, value string) navLink {
	return navLink{Label: value, URL: searchState{Filters: map[string][]string{facet: {value}}}.url()}
}

func orUntitled(title string) string {
	if strings.TrimSpace(title) == "" {
		return "(untitled)"
	}
	return title
}

func sameDay(a, b time.Time) bool {
	return a.UTC().Format("2006-01-02") == b.UTC().Format("2006-01-02")
}

func formatStamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

package crawler

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// fixtureArticle is an invented op-ed served in The Moscow Times' markup
// (see shared/research/sites.md §1.10).
type fixtureArticle struct {
	ID        int
	Slug      string
	Title     string
	Author    string
	Published time.Time
	Paras     []string
}

func (a *fixtureArticle) path() string {
	return fmt.Sprintf("/%s/%s-a%d", a.Published.Format("2006/01/02"), a.Slug, a.ID)
}

// articleHTML renders a in the MT article template. canonical is where the
// page says it lives.
func articleHTML(canonical string, a *fixtureArticle) string {
	var body strings.Builder
	for i, p := range a.Paras {
		fmt.Fprintf(&body, `<div data-id="article-block-type" class="article__block article__block--html article__block--column "><p>%s</p>`, html.EscapeString(p))
		if i == 0 {
			body.WriteString(`<section y-name="banner"><div class="align-center"><!-- ad --></div></section>`)
		}
		body.WriteString("</div>\n")
	}
	pub := a.Published.Format(time.RFC3339)
	title := html.EscapeString(a.Title)
	author := html.EscapeString(a.Author)
	slug := strings.ToLower(strings.ReplaceAll(a.Author, " ", "-"))
	return `<!DOCTYPE html><html lang="en"><head>
<meta charset="utf-8">
<meta property="og:site_name" content="The Moscow Times" />
<script type="application/ld+json">{"@context":"https://schema.org","@type":"WebSite","url":"https://www.themoscowtimes.com/",}</script>
<title>` + title + `</title>
<link rel="canonical" href="` + canonical + `">
<meta name="description" content="Opinion | ` + html.EscapeString(a.Paras[0]) + `">
<meta name="author" content="` + author + `">
<meta property="og:title" content="` + title + `"><meta property="og:url" content="` + canonical + `">
<meta property="article:author" content="` + author + `"><meta property="article:section" content="news">
<meta property="article:published_time" content="` + pub + `">
</head><body class="article-item">
<article y-use="article.IsIntersecting">
 <div class="container article-container" id="article-id-` + strconv.Itoa(a.ID) + `" data-page-id="` + strconv.Itoa(a.ID) + `">
  <article class="article article--news">
   <header class="article__header ">
    <span class="label article__label label--opinion article__label--opinion">opinion</span>
    <h1><a href="` + canonical + `">` + title + `</a></h1>
    <h2>A subtitle for ` + title + `</h2>
   </header>
   <div class="article__byline byline byline--opinion "><div class="byline__details"><div class="byline__details__column">
    <div class="byline__author">By <a href="/author/` + slug + `" class="byline__author__name" title="` + author + `">` + author + `</a></div>
    <time class="byline__datetime timeago" datetime="` + pub + `" y-use="Timeago">` + a.Published.Format("Jan. 2, 2006") + `</time>
   </div></div></div>
   <div class="article__content-container"><div class="article__content" y-name="article-content">
` + body.String() + `   </div>
   <div class="article__disclaimer">The views expressed in opinion pieces do not necessarily reflect the position of The Moscow Times.</div>
   <div class="article__tags">Read more about: <a href="/tag/winter" class="tag article__tags__tag" title="Winter">Winter</a></div>
   </div></article></div>
 <div class="container"><section class="cluster"><h2 class="cluster__label header--style-3">Read more</h2></section></div>
</article>
</body></html>`
}

// listingHTML renders a section page (full, with <html>) or a script-loaded
// fragment listing the given article paths.
func listingHTML(paths []string, fragment bool) string {
	var b strings.Builder
	if !fragment {
		b.WriteString(`<!DOCTYPE html><html lang="en"><head><title>Opinion</title></head><body><section class="cluster"><h1 class="cluster__label">Opinion</h1>`)
	}
	for _, p := range paths {
		fmt.Fprintf(&b, `<div class="col-4"><div class="article-excerpt-default"><a class="article-excerpt-default__link" href="%s"><h3 class="article-excerpt-default__headline">Piece</h3></a></div></div>`+"\n", p)
	}
	if !fragment {
		b.WriteString(`<div y-use="More" data-url="/opinion/{{offset}}" data-start="5" data-step="5">View more articles</div></section></body></html>`)
	}
	return b.String()
}

// site is a fixture web site: handlers by path, an ETag on every 200
// answer and 304s for matching If-None-Match, and a log of every request.
type site struct {
	srv *httptest.Server

	mu       sync.Mutex
	pages    map[string]http.HandlerFunc
	requests []loggedRequest
}

type loggedRequest struct {
	Path        string
	Conditional bool
	At          time.Time
}

func newSite() *site {
	s := &site{pages: map[string]http.HandlerFunc{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *site) Close() { s.srv.Close() }

func (s *site) handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = h
}

// static serves fixed content with validators.
func (s *site) static(path, contentType, body string) {
	s.handle(path, func(w http.ResponseWriter, r *http.Request) { serveWithETag(w, r, contentType, []byte(body)) })
}

func serveWithETag(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(body)
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, loggedRequest{Path: r.URL.RequestURI(), Conditional: r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "", At: time.Now()})
	h := s.pages[r.URL.Path]
	s.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

// log returns the requests so far and forgets them.
func (s *site) takeLog() []loggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.requests
	s.requests = nil
	return out
}

func countPaths(log []loggedRequest) map[string]int {
	m := map[string]int{}
	for _, r := range log {
		m[r.Path]++
	}
	return m
}

func paths(log []loggedRequest) []string {
	var out []string
	for _, r := range log {
		out = append(out, r.Path)
	}
	sort.Strings(out)
	return out
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func rssXML(base string, links []string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Opinion</title><link>` + base + `/opinion</link>`)
	for _, l := range links {
		fmt.Fprintf(&b, "<item><title>Piece</title><link>%s</link><description>\n\t\tExcerpt\n\t</description><pubDate>Fri, 20 Nov 2026 09:15:00 +0300</pubDate></item>\n", html.EscapeString(l))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func sitemapIndexXML(locs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, l := range locs {
		fmt.Fprintf(&b, "<sitemap><loc>%s</loc><lastmod>2026-11-01</lastmod></sitemap>", l)
	}
	b.WriteString("</sitemapindex>")
	return b.String()
}

func urlsetXML(locs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, l := range locs {
		fmt.Fprintf(&b, "<url><loc>%s</loc></url>", l)
	}
	b.WriteString("</urlset>")
	return b.String()
}

// windows1251 encodes s, which must be representable.
func windows1251(s string) []byte {
	b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// paragraphs invents n paragraphs for article id.
func paragraphs(id, n int) []string {
	words := []string{"river", "winter", "ministry", "budget", "tram", "archive", "harbour", "letter", "province", "council", "lantern", "ferry"}
	var out []string
	for i := 0; i < n; i++ {
		var p []string
		for j := 0; j < 40; j++ {
			p = append(p, words[(id*7+i*3+j)%len(words)])
		}
		out = append(out, fmt.Sprintf("Paragraph %d of piece %d: %s.", i+1, id, strings.Join(p, " ")))
	}
	return out
}

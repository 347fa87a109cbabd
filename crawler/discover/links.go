package discover

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/oped/oped/crawler/urlnorm"
)

// Page is what an HTML page offers the crawler: its links, normalized and
// deduplicated in document order, and its canonical URL if it names one.
type Page struct {
	Links     []string
	Canonical string
}

// ParseHTML extracts links (a[href], link[rel=next]) and the
// <link rel=canonical> from an HTML page fetched from pageURL. Relative
// links resolve against <base href> when the page has one.
func ParseHTML(pageURL string, body []byte) (*Page, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("parse links of %s: %w", pageURL, err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse links of %s: %w", pageURL, err)
	}
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := base.Parse(strings.TrimSpace(href)); err == nil {
			base = b
		}
	}
	p := &Page{}
	if href, ok := doc.Find(`link[rel~="canonical"]`).First().Attr("href"); ok {
		if c, err := urlnorm.Resolve(base, href); err == nil {
			p.Canonical = c
		}
	}
	seen := map[string]bool{}
	doc.Find(`a[href], link[rel~="next"][href]`).Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		u, err := urlnorm.Resolve(base, href)
		if err != nil || seen[u] {
			return
		}
		seen[u] = true
		p.Links = append(p.Links, u)
	})
	return p, nil
}

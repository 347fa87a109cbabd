// Package discover finds URLs to crawl in fetched documents: sitemaps
// (indexes, news sitemaps, gzip), RSS/Atom feeds and HTML pages.
package discover

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Sitemap limits from sitemaps.org, applied after decompression.
const (
	MaxSitemapURLs  = 50000
	MaxSitemapBytes = 50 << 20
)

// SitemapEntry is one <url> or <sitemap> of a sitemap.
type SitemapEntry struct {
	URL     string
	LastMod time.Time // <lastmod>, or <news:publication_date> in a news sitemap
}

// Sitemap is a parsed sitemap file: either an index of other sitemaps or a
// URL set.
type Sitemap struct {
	Index   bool
	Entries []SitemapEntry
}

var gzipMagic = []byte{0x1f, 0x8b}

// ParseSitemap reads a sitemap or sitemap index, gzipped or not: gzip is
// recognised by its magic bytes, since servers label .xml.gz files every
// which way.
func ParseSitemap(body []byte) (*Sitemap, error) {
	var r io.Reader = bytes.NewReader(body)
	if bytes.HasPrefix(body, gzipMagic) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("sitemap: gunzip: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	lr := &io.LimitedReader{R: r, N: MaxSitemapBytes + 1}
	dec := xml.NewDecoder(lr)
	dec.CharsetReader = charset.NewReaderLabel
	dec.Strict = false

	sm := &Sitemap{}
	var (
		root    string
		inEntry bool
		depth   int    // of the current element below the entry
		field   string // the entry field whose text is being read
		cur     SitemapEntry
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if lr.N <= 0 {
				return sm, fmt.Errorf("sitemap: larger than %d bytes", MaxSitemapBytes)
			}
			return sm, fmt.Errorf("sitemap: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			switch {
			case root == "":
				root = name
				if name != "urlset" && name != "sitemapindex" {
					return nil, fmt.Errorf("sitemap: root element <%s>, want <urlset> or <sitemapindex>", name)
				}
				sm.Index = name == "sitemapindex"
			case (name == "url" || name == "sitemap") && !inEntry:
				inEntry, cur, depth = true, SitemapEntry{}, 0
			case inEntry:
				depth++
				// <loc> and <lastmod> count only as the entry's own
				// children: an image or video extension nests its own
				// <image:loc>, which is not the page.
				field = ""
				if (depth == 1 && (name == "loc" || name == "lastmod")) || name == "publication_date" {
					field = name
				}
			}
		case xml.CharData:
			if !inEntry {
				continue
			}
			text := strings.TrimSpace(string(t))
			switch field {
			case "loc":
				cur.URL += text
			case "lastmod", "publication_date":
				if ts, ok := parseW3CDate(text); ok && (cur.LastMod.IsZero() || field == "lastmod") {
					cur.LastMod = ts
				}
			}
		case xml.EndElement:
			switch name := t.Name.Local; {
			case inEntry && (name == "url" || name == "sitemap"):
				inEntry = false
				if cur.URL != "" {
					if len(sm.Entries) >= MaxSitemapURLs {
						return sm, fmt.Errorf("sitemap: more than %d entries", MaxSitemapURLs)
					}
					sm.Entries = append(sm.Entries, cur)
				}
			case inEntry:
				depth--
				field = ""
			}
		}
	}
	if root == "" {
		return nil, errors.New("sitemap: no XML document")
	}
	return sm, nil
}

// parseW3CDate reads the W3C datetime profile of ISO 8601 that sitemaps use.
func parseW3CDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

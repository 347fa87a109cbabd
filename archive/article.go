// Package archive is oped's system of record: the Article model and the
// store that keeps every committed article and every version of it.
//
// Everything else in oped is derived from the archive: the search index is
// rebuilt from it, the crawler resumes from it. The package imports nothing
// else of oped's.
package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Article is one op-ed (or other piece) as oped keeps it. The JSON field
// names are part of the product: the API, `oped show` and `oped extract`
// print them.
type Article struct {
	ID                string    `json:"id"`
	URL               string    `json:"url,omitempty"`
	Site              string    `json:"site"`
	Section           string    `json:"section,omitempty"`
	Kind              string    `json:"kind,omitempty"` // "op-ed", "news", "blog-post", "publication"
	Title             string    `json:"title"`
	Subtitle          string    `json:"subtitle,omitempty"`
	Authors           []string  `json:"authors"`
	Published         time.Time `json:"published,omitzero"`
	Modified          time.Time `json:"modified,omitzero"`
	Tags              []string  `json:"tags"`
	Body              string    `json:"body"`
	Language          string    `json:"language,omitempty"`
	ImageCredit       string    `json:"image_credit,omitempty"`
	AuthorBio         string    `json:"author_bio,omitempty"`
	OriginalPublisher string    `json:"original_publisher,omitempty"`
	OriginalURL       string    `json:"original_url,omitempty"`
	Related           []Link    `json:"related"`
	WordCount         int       `json:"word_count"`

	// SyndicatedFrom is the ID of the original this article reprints;
	// SyndicatedAs lists the IDs of the reprints of this article. Both are
	// links between stored articles, kept outside the content hash.
	SyndicatedFrom string   `json:"syndicated_from,omitempty"`
	SyndicatedAs   []string `json:"syndicated_as,omitempty"`

	// Fallbacks names the fields an extractor could not find with its own
	// rules and took from the generic extractor instead, so a site redesign
	// that breaks a selector shows up in the data.
	Fallbacks []string `json:"fallback_fields,omitempty"`

	// Set by the store.
	FirstSeen   time.Time `json:"first_seen,omitzero"`
	LastChanged time.Time `json:"last_changed,omitzero"`
	Versions    []Version `json:"versions,omitempty"`
	// Seq is the archive change sequence of the article's latest write; the
	// index records the highest one it has caught up to.
	Seq int64 `json:"-"`
}

// Link is a titled URL, such as a related article named in the body.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
}

// Version describes one stored content version of an article. Version N is
// the Nth distinct content the archive saw; the highest N is the current one.
type Version struct {
	N          int       `json:"n"`
	Hash       string    `json:"content_hash"`
	RecordedAt time.Time `json:"recorded_at"`
	// Changed lists the fields that differ from the previous version.
	Changed []string `json:"changed,omitempty"`
}

// content is the part of an Article that counts as its content: a change to
// any of these fields makes a new version. Store-managed fields (timestamps,
// versions, seq) and links between articles are left out on purpose.
type content struct {
	URL               string    `json:"url"`
	Site              string    `json:"site"`
	Section           string    `json:"section"`
	Kind              string    `json:"kind"`
	Title             string    `json:"title"`
	Subtitle          string    `json:"subtitle"`
	Authors           []string  `json:"authors"`
	Published         time.Time `json:"published"`
	Modified          time.Time `json:"modified"`
	Tags              []string  `json:"tags"`
	Body              string    `json:"body"`
	Language          string    `json:"language"`
	ImageCredit       string    `json:"image_credit"`
	AuthorBio         string    `json:"author_bio"`
	OriginalPublisher string    `json:"original_publisher"`
	OriginalURL       string    `json:"original_url"`
	Related           []Link    `json:"related"`
}

func (a *Article) content() content {
	return content{
		URL: a.URL, Site: a.Site, Section: a.Section, Kind: a.Kind,
		Title: a.Title, Subtitle: a.Subtitle, Authors: a.Authors,
		Published: a.Published.UTC(), Modified: a.Modified.UTC(), Tags: a.Tags,
		Body: a.Body, Language: a.Language, ImageCredit: a.ImageCredit,
		AuthorBio: a.AuthorBio, OriginalPublisher: a.OriginalPublisher,
		OriginalURL: a.OriginalURL, Related: a.Related,
	}
}

// ContentHash is a hex SHA-256 over the article's content fields. Writing an
// article whose hash equals the stored one changes nothing.
func (a *Article) ContentHash() string {
	b, _ := json.Marshal(a.content()) // a struct of strings, times and slices cannot fail to marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// changedFields names the content fields that differ between two articles,
// in the order of the JSON document.
func changedFields(old, new *Article) []string {
	var o, n map[string]json.RawMessage
	ob, _ := json.Marshal(old.content())
	nb, _ := json.Marshal(new.content())
	_ = json.Unmarshal(ob, &o)
	_ = json.Unmarshal(nb, &n)
	var changed []string
	for _, f := range contentFieldOrder {
		if string(o[f]) != string(n[f]) {
			changed = append(changed, f)
		}
	}
	return changed
}

var contentFieldOrder = []string{
	"url", "site", "section", "kind", "title", "subtitle", "authors", "published",
	"modified", "tags", "body", "language", "image_credit", "author_bio",
	"original_publisher", "original_url", "related",
}

// Normalize fills derived fields (ID, word count) and makes nil slices
// empty, so the JSON shape is the same for every article.
func (a *Article) Normalize() {
	if a.Authors == nil {
		a.Authors = []string{}
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if a.Related == nil {
		a.Related = []Link{}
	}
	a.WordCount = CountWords(a.Body)
	if a.ID == "" {
		if a.URL != "" {
			a.ID = IDForURL(a.URL)
		} else {
			a.ID = IDForContent(a.Site, a.Title, a.Published)
		}
	}
}

// CountWords counts runs of letters or digits, the way a reader would.
func CountWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '-'
		if word && !in {
			n++
		}
		in = word
	}
	return n
}

// IDForURL derives a stable article ID from its canonical URL: the same
// article under URL variants (scheme, www., trailing slash, query, a changed
// slug around a site's numeric article id) gets the same ID.
func IDForURL(raw string) string {
	return shortHash("url:" + CanonicalKey(raw))
}

// IDForContent derives an ID for an article known by no URL, such as a text
// dump that lost its "Original url:" line.
func IDForContent(site, title string, published time.Time) string {
	date := ""
	if !published.IsZero() {
		date = published.UTC().Format("2006-01-02")
	}
	return shortHash("content:" + strings.ToLower(site) + "\x00" + strings.ToLower(strings.TrimSpace(title)) + "\x00" + date)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// numericArticleID matches the Moscow Times' "-a58651" suffix: the site looks
// articles up by that number alone, so the slug and date around it may change.
var numericArticleID = regexp.MustCompile(`-a(\d+)/?$`)

// CanonicalKey reduces a URL to the key that identifies an article: host
// without "www." and lower-cased, path without trailing slash, no scheme,
// query or fragment. On hosts whose URLs end in a numeric article id, the id
// alone is the key.
func CanonicalKey(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.TrimSpace(raw)
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	path := strings.TrimRight(u.EscapedPath(), "/")
	if host == "themoscowtimes.com" {
		if m := numericArticleID.FindStringSubmatch(path); m != nil {
			return host + "/a" + m[1]
		}
	}
	return host + path
}

// SiteForHost names the publication behind a host, for the sites oped knows;
// other hosts are named by their domain.
func SiteForHost(host string) string {
	host = strings.TrimPrefix(strings.ToLower(host), "www.")
	if name, ok := knownSites[host]; ok {
		return name
	}
	return host
}

var knownSites = map[string]string{
	"themoscowtimes.com":    "The Moscow Times",
	"wilsoncenter.org":      "Wilson Center",
	"kennan-russiafile.org": "Wilson Center",
}

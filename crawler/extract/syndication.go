package extract

import (
	"hash/fnv"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/oped/oped/archive"
)

// creditLine matches "originally published by the Kennan Institute",
// "first appeared in Foreign Affairs" and the like; the group is the
// publisher as written.
var creditLine = regexp.MustCompile(`(?i)\b(?:originally|first)\s+(?:published|appeared|posted|ran)\s+(?:by|in|on|at|with)\s+(?:the\s+)?([^.;:()\n]{2,120})`)

// publisherEnd cuts the words that follow a publisher's name in a credit
// line: "by the Kennan Institute and is reprinted with permission".
var publisherEnd = regexp.MustCompile(`(?i)(\s+(and|which|where|on|under|with)\s+|,|'s\s|’s\s|\s+website|\s+blog\b).*$`)

// maxCreditChars keeps a long paragraph of prose that happens to say
// "first published in" from passing for a credit line.
const maxCreditChars = 500

// syndicationHosts publish the originals the Moscow Times reprints.
var syndicationHosts = map[string]string{
	"wilsoncenter.org":      "Wilson Center",
	"kennan-russiafile.org": "Kennan Institute",
}

// originalPath says whether a URL on a syndication host is an article, not
// a program or person page linked from a bio.
func originalPath(u *url.URL) bool {
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	switch host {
	case "kennan-russiafile.org":
		return strings.Trim(u.Path, "/") != ""
	case "wilsoncenter.org":
		for _, p := range []string{"/blog-post/", "/article/", "/publication/"} {
			if strings.HasPrefix(u.Path, p) {
				return true
			}
		}
	}
	return false
}

// publisherName turns the credit's wording into a publisher name; the
// Kennan Institute goes by several names in credits.
func publisherName(raw string) string {
	name := clean(publisherEnd.ReplaceAllString(clean(raw), ""))
	lower := strings.ToLower(raw)
	switch {
	case strings.Contains(lower, "kennan") || strings.Contains(lower, "russia file"):
		return "Kennan Institute"
	case strings.Contains(lower, "wilson center"):
		return "Wilson Center"
	}
	name = strings.TrimPrefix(name, "the ")
	return strings.TrimSpace(name)
}

// syndication looks for a credit naming the original publisher in the
// first two and last three paragraphs, sets OriginalPublisher and
// OriginalURL, queues the original for the crawler, and returns the index
// of the credit paragraph (-1 if none).
func (b *builder) syndication(paras []paragraph) int {
	candidates := make([]int, 0, 5)
	for i := len(paras) - 1; i >= 0 && i >= len(paras)-3; i-- {
		candidates = append(candidates, i)
	}
	for i := 0; i < 2 && i < len(paras)-3; i++ {
		candidates = append(candidates, i)
	}
	for _, i := range candidates {
		p := paras[i]
		var m []string
		if len(p.text) <= maxCreditChars {
			m = creditLine.FindStringSubmatch(p.text)
		}
		var original string
		for _, l := range p.links {
			if u, err := url.Parse(l.URL); err == nil && syndicationHosts[strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")] != "" && originalPath(u) {
				original = l.URL
				break
			}
		}
		if m == nil && original == "" {
			continue
		}
		publisher := ""
		if m != nil {
			publisher = publisherName(m[1])
			if original == "" {
				original = creditLink(p.links, publisher)
			}
		} else {
			u, _ := url.Parse(original)
			publisher = syndicationHosts[strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")]
			if strings.Contains(strings.ToLower(p.text), "kennan") {
				publisher = "Kennan Institute"
			}
		}
		if publisher == "" {
			continue
		}
		b.a.OriginalPublisher = publisher
		b.rules["original_publisher"] = "credit line"
		if original != "" {
			b.a.OriginalURL = original
			b.rules["original_url"] = "credit line link"
			b.links = append(b.links, original)
		}
		return i
	}
	return -1
}

// creditLink picks the link of a credit paragraph that points at the
// original: one whose text names the publisher, else the only link.
func creditLink(links []archive.Link, publisher string) string {
	for _, l := range links {
		if publisher != "" && strings.Contains(strings.ToLower(l.Title), strings.ToLower(publisher)) {
			return l.URL
		}
	}
	if len(links) == 1 {
		return links[0].URL
	}
	return ""
}

// Syndication thresholds: a reprint keeps nearly all of the original's
// text (it adds a bio, a disclaimer) and runs within weeks of it.
const (
	shingleSize       = 5
	minJaccard        = 0.8
	maxSyndicationGap = 6 * 7 * 24 * time.Hour
)

// SameStory reports whether two articles are the same piece published
// twice, such as a Kennan Institute post reprinted by the Moscow Times: the
// same authors, bodies whose 5-word shingles overlap by at least 80%
// (Jaccard), and publication dates at most six weeks apart. An article
// with no authors or no date is judged on what it has.
func SameStory(a, b *archive.Article) bool {
	if a == nil || b == nil {
		return false
	}
	if len(a.Authors) > 0 && len(b.Authors) > 0 && !slices.Equal(authorKeys(a.Authors), authorKeys(b.Authors)) {
		return false
	}
	if !a.Published.IsZero() && !b.Published.IsZero() {
		gap := a.Published.Sub(b.Published)
		if gap < 0 {
			gap = -gap
		}
		if gap > maxSyndicationGap {
			return false
		}
	}
	return jaccard(shingles(storyText(a)), shingles(storyText(b))) >= minJaccard
}

// storyText is the body without the lines a reprint adds or an original
// carries on its own: disclaimers, credit lines, and a closing author bio.
// On a short piece those few lines would otherwise decide the match.
func storyText(a *archive.Article) string {
	paras := strings.Split(a.Body, "\n\n")
	kept := paras[:0:0]
	tail := max(len(paras)-3, 0)
	for i, p := range paras {
		switch {
		case len(p) < 400 && disclaimer.MatchString(p):
		case len(p) <= maxCreditChars && creditLine.MatchString(p):
		case i >= tail && isBioLine(p, a.Authors):
		default:
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "\n\n")
}

// authorKeys normalises names so "Maxim Trudolyubov", "TRUDOLYUBOV, Maxim"
// and "Maxim  Trudolyubov." compare equal: lower-case words, sorted.
func authorKeys(names []string) []string {
	keys := make([]string, 0, len(names))
	for _, n := range names {
		words := strings.FieldsFunc(strings.ToLower(n), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})
		slices.Sort(words)
		if k := strings.Join(words, " "); k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// shingles hashes every run of shingleSize consecutive words of text.
func shingles(text string) map[uint64]struct{} {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	set := make(map[uint64]struct{}, len(words))
	if len(words) == 0 {
		return set
	}
	n := shingleSize
	if len(words) < n {
		n = len(words)
	}
	h := fnv.New64a()
	for i := 0; i+n <= len(words); i++ {
		h.Reset()
		for _, w := range words[i : i+n] {
			h.Write([]byte(w))
			h.Write([]byte{0})
		}
		set[h.Sum64()] = struct{}{}
	}
	return set
}

func jaccard(a, b map[uint64]struct{}) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	inter := 0
	for k := range a {
		if _, ok := b[k]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

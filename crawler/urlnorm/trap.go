package urlnorm

import (
	"net/url"
	"strings"
)

// MaxSegmentRepeats is how many times one path segment may occur in a URL
// the crawler follows.
const MaxSegmentRepeats = 2

// RepeatsPathSegment reports whether a URL's path holds one segment more
// than MaxSegmentRepeats times, the mark of a crawl trap: relative links
// that resolve one level deeper on every page (/a/a/a/...), or a cycle of
// them (/a/b/a/b/a/b). Heritrix rejects such paths (its
// PathologicalPathDecideRule, two repetitions by default); real article
// URLs never repeat a segment three times, so nothing worth having is lost.
func RepeatsPathSegment(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	counts := map[string]int{}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "" {
			continue
		}
		counts[seg]++
		if counts[seg] > MaxSegmentRepeats {
			return true
		}
	}
	return false
}

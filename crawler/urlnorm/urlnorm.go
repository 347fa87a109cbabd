// Package urlnorm reduces the many spellings of a URL to one, so the crawler
// fetches each page once: scheme and host lower-cased, default ports,
// fragments, tracking parameters and trailing slashes dropped, the remaining
// query sorted.
package urlnorm

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
)

// ErrUnsupported says a URL is not an http(s) URL the crawler can fetch.
var ErrUnsupported = errors.New("not an http or https URL")

// Normalize returns the normal form of an absolute http(s) URL.
func Normalize(raw string) (string, error) {
	return Resolve(nil, raw)
}

// Resolve resolves href against base (nil for an absolute href) and
// normalizes the result.
func Resolve(base *url.URL, href string) (string, error) {
	href = strings.TrimSpace(href)
	u, err := url.Parse(href)
	if err != nil {
		return "", fmt.Errorf("normalize %q: %w", href, err)
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("normalize %q: %w", href, ErrUnsupported)
	}
	if u.Host == "" {
		return "", fmt.Errorf("normalize %q: no host", href)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", fmt.Errorf("normalize %q: no host", href)
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	u.Opaque = ""

	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	// Dot segments would make one page look like many.
	clean := path.Clean(p)
	if clean != "/" {
		clean = strings.TrimRight(clean, "/")
	}
	if err := setEscapedPath(u, clean); err != nil {
		return "", fmt.Errorf("normalize %q: %w", href, err)
	}
	u.RawQuery = cleanQuery(u.RawQuery)
	u.ForceQuery = false
	return u.String(), nil
}

func setEscapedPath(u *url.URL, escaped string) error {
	unescaped, err := url.PathUnescape(escaped)
	if err != nil {
		return err
	}
	u.Path = unescaped
	u.RawPath = ""
	if u.EscapedPath() != escaped {
		u.RawPath = escaped
	}
	return nil
}

// cleanQuery drops tracking parameters and sorts the rest by key, keeping
// the order of repeated keys; parameters are kept in their original escaping.
func cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ key, pair string }
	var kept []param
	for _, pair := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		key, _, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			k = key
		}
		if isTracking(strings.ToLower(k)) {
			continue
		}
		kept = append(kept, param{k, pair})
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].key < kept[j].key })
	pairs := make([]string, len(kept))
	for i, p := range kept {
		pairs[i] = p.pair
	}
	return strings.Join(pairs, "&")
}

func isTracking(key string) bool {
	if strings.HasPrefix(key, "utm_") {
		return true
	}
	switch key {
	case "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "_ga", "_gl":
		return true
	}
	return false
}

// Host returns the lower-cased host (with port, if any) of a normalized URL.
func Host(normalized string) string {
	u, err := url.Parse(normalized)
	if err != nil {
		return ""
	}
	return u.Host
}

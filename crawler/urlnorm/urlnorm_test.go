package urlnorm

import (
	"errors"
	"net/url"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://www.themoscowtimes.com/opinion", "https://www.themoscowtimes.com/opinion"},
		{"HTTPS://WWW.TheMoscowTimes.com/opinion/", "https://www.themoscowtimes.com/opinion"},
		{"https://www.themoscowtimes.com:443/opinion#comments", "https://www.themoscowtimes.com/opinion"},
		{"http://example.org:80/", "http://example.org/"},
		{"http://example.org", "http://example.org/"},
		{"http://example.org:8080/a/", "http://example.org:8080/a"},
		{"https://example.org/a?utm_source=tw&utm_medium=social&id=3", "https://example.org/a?id=3"},
		{"https://example.org/a?fbclid=XYZ", "https://example.org/a"},
		{"https://example.org/a?gclid=1&b=2&a=1", "https://example.org/a?a=1&b=2"},
		{"https://example.org/a/./b/../c/", "https://example.org/a/c"},
		{"https://user:pw@example.org/a", "https://example.org/a"},
		{"https://example.org/caf%C3%A9", "https://example.org/caf%C3%A9"},
		{"https://example.org/a%2Fb", "https://example.org/a%2Fb"},
		{"https://example.org/?", "https://example.org/"},
		{"  https://example.org/x  ", "https://example.org/x"},
		{"https://[::1]:443/x", "https://[::1]/x"},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if err != nil {
			t.Errorf("Normalize(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeRejects(t *testing.T) {
	for _, in := range []string{"mailto:a@b.c", "javascript:alert(1)", "ftp://example.org/", "/relative", "https://", "http://exa mple.org/%zz"} {
		if got, err := Normalize(in); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", in, got)
		}
	}
	if _, err := Normalize("mailto:x@y"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("mailto: error %v does not wrap ErrUnsupported", err)
	}
}

func TestResolve(t *testing.T) {
	base, _ := url.Parse("https://www.themoscowtimes.com/opinion/19")
	tests := []struct{ href, want string }{
		{"/2017/08/14/x-a58651", "https://www.themoscowtimes.com/2017/08/14/x-a58651"},
		{"37", "https://www.themoscowtimes.com/opinion/37"},
		{"//static.themoscowtimes.com/sitemap/sitemap.xml", "https://static.themoscowtimes.com/sitemap/sitemap.xml"},
		{"#top", "https://www.themoscowtimes.com/opinion/19"},
	}
	for _, tt := range tests {
		got, err := Resolve(base, tt.href)
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.href, got, err, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"https://a.b/c?utm_x=1&d=2#f", "http://[::1]:80/", "https://x/%2e%2e/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Normalize(s)
		if err != nil {
			return
		}
		again, err := Normalize(n)
		if err != nil {
			t.Fatalf("normal form %q of %q does not normalize: %v", n, s, err)
		}
		if again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, again)
		}
	})
}

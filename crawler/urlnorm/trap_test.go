package urlnorm

import "testing"

func TestRepeatsPathSegment(t *testing.T) {
	tests := []struct {
		url  string
		trap bool
	}{
		{"https://www.themoscowtimes.com/2017/08/14/a-piece-a58651", false},
		{"https://example.org/", false},
		{"https://example.org/a/a", false},                  // twice is allowed
		{"https://example.org/a/a/a", true},                 // consecutive repeats
		{"https://example.org/cal/2026/cal/2026/cal", true}, // a cycle of two segments
		{"https://example.org/a/b/a/c/a/d", true},           // spread out, still three
		{"https://example.org/01/01/2001", false},           // dates repeat numbers, twice at most
		{"https://example.org/x?a=a&a=a&a=a", false},        // only the path counts
		{"https://example.org/A/a/a", false},                // segments are case-sensitive
		{"https://example.org/%2F/%2F/%2F", true},           // escaped segments compare escaped
	}
	for _, tt := range tests {
		if got := RepeatsPathSegment(tt.url); got != tt.trap {
			t.Errorf("RepeatsPathSegment(%q) = %v, want %v", tt.url, got, tt.trap)
		}
	}
}

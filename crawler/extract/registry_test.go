package extract

import (
	"slices"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	for _, name := range Names() {
		if fn, err := Lookup(name); err != nil || fn == nil {
			t.Errorf("Lookup(%q) = %v, %v; want an extractor", name, fn, err)
		}
	}
	if !slices.IsSorted(Names()) {
		t.Errorf("Names() = %v, want sorted", Names())
	}
	_, err := Lookup("nosuchsite")
	if err == nil || !strings.Contains(err.Error(), "generic") {
		t.Errorf("Lookup(nosuchsite) error = %v, want one that lists the known names", err)
	}
}

package extract

import (
	"fmt"
	"slices"
	"strings"
)

// extractors is the table a crawl config's extractor names refer to.
var extractors = map[string]Func{
	"generic":      Generic,
	"moscowtimes":  MoscowTimes,
	"wilsoncenter": WilsonCenter,
}

// Lookup returns the extractor a crawl config names.
func Lookup(name string) (Func, error) {
	f, ok := extractors[name]
	if !ok {
		return nil, fmt.Errorf("unknown extractor %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return f, nil
}

// Names lists the known extractors, sorted.
func Names() []string {
	names := make([]string, 0, len(extractors))
	for n := range extractors {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

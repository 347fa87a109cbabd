package index

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzSearchQuery feeds arbitrary user input through the parser, the
// compiler and a real search: the answer is hits or a *QueryError, never a
// panic or an internal error, and snippets carry no markup but <mark>.
func FuzzSearchQuery(f *testing.F) {
	for _, seed := range []string{
		"", "putin", `"fire and fury"`, "-crimea", "putin OR medvedev", "(a OR b) -c", "title:kremlin",
		`author:"anna petrova"`, "sanct*", "*x", "/re/", "putn~2", "putin~3", "year:2015..2017",
		"published:>=2017-03", "published:..2018", "tag:", "OR", "((((", `"`, "“Trump’s”", "NOT NOT x",
		"a^2", `"x"~2`, "-", "- -", "title:\"\"", "published:2017-02-30", "year:..", "∗ ¿ 中文",
	} {
		f.Add(seed)
	}
	ix, _ := fixtureIndex(f)
	f.Fuzz(func(t *testing.T, q string) {
		res, err := ix.Search(context.Background(), Request{Query: q, Size: 3})
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("Search(%q): non-user error %v", q, err)
			}
			if qe.Code == "" || qe.Message == "" {
				t.Fatalf("Search(%q): empty QueryError %+v", q, qe)
			}
			return
		}
		for _, h := range res.Hits {
			rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.Snippet)
			if strings.ContainsAny(rest, "<>") {
				t.Fatalf("Search(%q): snippet %q has markup", q, h.Snippet)
			}
		}
	})
}

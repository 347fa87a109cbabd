package index_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

// changes is a minimal index.Source over a slice of articles.
type changes []*archive.Article

func (c changes) Changes(ctx context.Context, after int64, limit int) ([]*archive.Article, error) {
	var out []*archive.Article
	for _, a := range c {
		if a.Seq > after && len(out) < limit {
			out = append(out, a)
		}
	}
	return out, nil
}

func (c changes) LastSeq(ctx context.Context) (int64, error) { return int64(len(c)), nil }

// The query language: words, "phrases", -exclusion, OR, field:value,
// prefix* and date ranges.
func ExampleIndex_Search() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "oped-example")
	defer os.RemoveAll(dir)
	ix, err := index.Open(ctx, filepath.Join(dir, "index"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ix.Close()
	src := changes{
		{ID: "a", Seq: 1, Site: "The Moscow Times", Title: "Why Trump’s Rhetoric Irks Russia", Authors: []string{"Maxim Trudolyubov"},
			Published: time.Date(2017, 8, 14, 0, 0, 0, 0, time.UTC), Body: "Threats of fire and fury unsettled the Kremlin."},
		{ID: "b", Seq: 2, Site: "Wilson Center", Title: "Sanctions and Oil", Authors: []string{"Anna Petrova"},
			Published: time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC), Body: "Sanctions reshaped the trade in crude. The fire spread."},
	}
	if _, err := ix.CatchUp(ctx, src); err != nil {
		fmt.Println(err)
		return
	}
	for _, q := range []string{
		`Trump's`, `"fire and fury"`, `fire -kremlin`, `author:trudolyubov OR sanction*`,
		`published:2019-01-01..2019-12-31`, `*ire`,
	} {
		res, err := ix.Search(ctx, index.Request{Query: q, NoFacets: true})
		if err != nil {
			fmt.Printf("%-36s %v\n", q, err)
			continue
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		fmt.Printf("%-36s %v\n", q, ids)
	}
	// Output:
	// Trump's                              [a]
	// "fire and fury"                      [a]
	// fire -kremlin                        [b]
	// author:trudolyubov OR sanction*      [b a]
	// published:2019-01-01..2019-12-31     [b]
	// *ire                                 expensive_query: leading wildcards ("*ire") are not supported
}

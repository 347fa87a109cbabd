package crawler

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A seed that belongs to a configured site outside --site is still
// fetched (a seed means "fetch this now"), and the run ends: the seed's
// queue used to have no workers while the other site's workers waited for
// it forever.
func TestSeedOfSiteOutsideSelection(t *testing.T) {
	first, _ := slowSite(t, 1, 0)
	second, articles := slowSite(t, 1, 0)
	yml := slowSiteYAML(first.srv.URL) + strings.Replace(strings.SplitN(slowSiteYAML(second.srv.URL), "sites:\n", 2)[1], "Slow Times", "Other Times", 1)
	cfg, err := ParseConfig([]byte(yml))
	if err != nil {
		t.Fatalf("%v\n%s", err, yml)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir := t.TempDir()
	sum, err := Run(ctx, openTestStore(t, dir), cfg, Options{
		WARCDir: filepath.Join(dir, "warc"), Tune: fastHTTP,
		Sites: []string{"Slow Times"}, Seeds: []string{second.srv.URL + articles[0]},
	})
	if err != nil || sum.New != 1 {
		t.Fatalf("seed run: %s, %v", sum, err)
	}
	if got := countPaths(second.takeLog()); got[articles[0]] != 1 {
		t.Errorf("requests to the seed's site: %v", got)
	}
	if got := first.takeLog(); len(got) != 0 {
		t.Errorf("a seed run crawled the selected site: %v", paths(got))
	}
}

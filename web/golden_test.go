package web

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// volatile matches what differs between runs: store timestamps and asset
// content hashes.
var volatile = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC|\?v=[0-9a-f]+`)

// TestGoldenPages pins the full markup of pages whose structure people and
// scripts rely on; run `go test ./web -run Golden -update` after an
// intended change and review the diff.
func TestGoldenPages(t *testing.T) {
	f := sharedFixture(t)
	for _, tc := range []struct{ name, target string }{
		{"article-reprint.html", "/articles/mt-elites-2021"},
		{"article-hostile.html", "/articles/mt-xss-2016"},
		{"not-found.html", "/articles/nothing-here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := volatile.ReplaceAllString(get(t, f.srv, tc.target).Body.String(), "<volatile>")
			path := filepath.Join("testdata", "golden", tc.name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("GET %s differs from %s (-want +got):\n%s", tc.target, path, diff)
			}
		})
	}
}

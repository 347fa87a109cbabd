package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oped/oped/crawler/fetch"
	"github.com/oped/oped/crawler/warc"
)

// A WARC import says which pages failed and why, not only how many, and
// keeps the list short when many fail.
func TestImportWARCReportsFailures(t *testing.T) {
	dir := t.TempDir()
	w, err := warc.NewWriter(dir, "oped-test")
	if err != nil {
		t.Fatal(err)
	}
	const broken = MaxReportedFailures + 5
	for i := range broken {
		u, _ := url.Parse(fmt.Sprintf("https://ledger.example/opinion/piece-%d", i))
		ex := &fetch.Exchange{
			Request: &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}},
			Proto:   "HTTP/1.1", Status: http.StatusOK, Time: time.Now(),
			// Labelled gzip, but not: the body cannot be decoded.
			Header: http.Header{"Content-Type": {"text/html"}, "Content-Encoding": {"gzip"}},
			Body:   []byte("<html><body><p>not compressed at all</p></body></html>"),
		}
		if _, err := w.Record(context.Background(), ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc.gz"))
	if len(files) != 1 {
		t.Fatalf("WARC files: %v", files)
	}
	sum, err := ImportWARC(context.Background(), openTestStore(t, t.TempDir()), nil, files[0])
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != broken || len(sum.Failures) != MaxReportedFailures {
		t.Fatalf("%d failed, %d reported; want %d and %d", sum.Failed, len(sum.Failures), broken, MaxReportedFailures)
	}
	if f := sum.Failures[0]; !strings.HasPrefix(f, "https://ledger.example/opinion/piece-0: ") || !strings.Contains(f, "gunzip") {
		t.Errorf("first failure %q: want the URL and the reason", f)
	}
}

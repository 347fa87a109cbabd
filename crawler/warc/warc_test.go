package warc

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"

	"github.com/oped/oped/crawler/fetch"
)

func exchange(t *testing.T, rawURL string, status int, body []byte, h http.Header) *fetch.Exchange {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	req := &http.Request{Method: "GET", URL: u, Header: http.Header{"User-Agent": {"oped-test/1.0"}}}
	if h == nil {
		h = http.Header{}
	}
	return &fetch.Exchange{Request: req, Proto: "HTTP/1.1", Status: status, Header: h, Body: body, RemoteIP: "127.0.0.1", Time: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestWriteReadBack(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, "oped-test")
	if err != nil {
		t.Fatal(err)
	}
	page := []byte("<html><body><p>Первый абзац колонки.</p></body></html>")
	exs := []*fetch.Exchange{
		exchange(t, "https://example.test/a", 200, page, http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Etag": {`"v1"`}}),
		exchange(t, "https://example.test/b", 200, gz(page), http.Header{"Content-Encoding": {"gzip"}, "Transfer-Encoding": {"chunked"}}),
		exchange(t, "https://example.test/a", 304, nil, http.Header{"Etag": {`"v1"`}}),
	}
	var refs []fetch.Ref
	for _, ex := range exs {
		ref, err := w.Record(context.Background(), ex)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if refs[0].File != refs[1].File || refs[1].Offset <= refs[0].Offset {
		t.Errorf("refs %+v: want one file, growing offsets", refs)
	}
	if _, err := os.Stat(filepath.Join(dir, refs[0].File)); err != nil {
		t.Errorf("closed file not under its final name: %v", err)
	}

	for i, ex := range exs {
		resp, err := ReadResponse(dir, refs[i].File, refs[i].Offset)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if resp.URL != ex.Request.URL.String() || resp.Status != ex.Status || !bytes.Equal(resp.Body, ex.Body) {
			t.Errorf("record %d: got %s %d %q", i, resp.URL, resp.Status, resp.Body)
		}
		if !resp.Date.Equal(ex.Time) {
			t.Errorf("record %d: date %v", i, resp.Date)
		}
	}
	r1, _ := ReadResponse(dir, refs[1].File, refs[1].Offset)
	if body, err := fetch.Decode(r1.Body, r1.Header.Get("Content-Encoding"), 1<<20); err != nil || !bytes.Equal(body, page) {
		t.Errorf("gzip body does not decode back: %v", err)
	}
	if r1.Header.Get("Transfer-Encoding") != "" {
		t.Error("stored a Transfer-Encoding for a de-chunked body")
	}
	if _, err := ReadResponse(dir, refs[0].File, refs[0].Offset+1); err == nil {
		t.Error("reading at a wrong offset succeeded")
	}

	// Strict validation: digests, lengths and headers as the standard wants.
	sr, err := gowarc.NewWarcFileReader(filepath.Join(dir, refs[0].File), 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	for rec, err := range sr.Records() {
		if err != nil {
			t.Fatalf("strict read: %v", err)
		}
		if len(rec.Validation) > 0 {
			t.Errorf("record %d: %v", records, rec.Validation)
		}
		records++
		rec.Close()
	}
	sr.Close()
	if records != 7 { // warcinfo + 3 × (request, response)
		t.Errorf("%d records, want 7", records)
	}

	var urls []string
	err = ForEachResponse(context.Background(), filepath.Join(dir, refs[0].File), func(r *Response) error {
		urls = append(urls, fmt.Sprintf("%d %s", r.Status, r.URL))
		return nil
	})
	if err != nil || strings.Join(urls, ",") != "200 https://example.test/a,200 https://example.test/b,304 https://example.test/a" {
		t.Errorf("ForEachResponse: %v %v", urls, err)
	}
}

// TestRecoverTornFile simulates a run killed while appending a record: the
// complete records stay readable, the torn tail is cut, the file is renamed.
func TestRecoverTornFile(t *testing.T) {
	src := t.TempDir()
	w, err := NewWriter(src, "oped-test")
	if err != nil {
		t.Fatal(err)
	}
	var refs []fetch.Ref
	for i := 0; i < 3; i++ {
		ref, err := w.Record(context.Background(), exchange(t, fmt.Sprintf("https://example.test/%d", i), 200, bytes.Repeat([]byte("word "), 2000), nil))
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	w.Close()
	data, err := os.ReadFile(filepath.Join(src, refs[0].File))
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	torn := filepath.Join(dir, refs[0].File+openSuffix)
	cut := refs[2].Offset + (int64(len(data))-refs[2].Offset)/2 // half of the last response record
	if err := os.WriteFile(torn, data[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	// Before repair, readers find the record under the .open name.
	if _, err := ReadResponse(dir, refs[1].File, refs[1].Offset); err != nil {
		t.Errorf("read from an open file: %v", err)
	}
	repaired, err := Recover(dir)
	if err != nil || len(repaired) != 1 {
		t.Fatalf("Recover = %v, %v", repaired, err)
	}
	fi, err := os.Stat(filepath.Join(dir, refs[0].File))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() >= cut || fi.Size() > refs[2].Offset {
		t.Errorf("repaired size %d: the torn record (from %d) was not cut", fi.Size(), refs[2].Offset)
	}
	for _, ref := range refs[:2] {
		if _, err := ReadResponse(dir, ref.File, ref.Offset); err != nil {
			t.Errorf("complete record at %d lost: %v", ref.Offset, err)
		}
	}
	n := 0
	if err := ForEachResponse(context.Background(), filepath.Join(dir, refs[0].File), func(*Response) error { n++; return nil }); err != nil || n != 2 {
		t.Errorf("after repair: %d responses, %v", n, err)
	}
	// A new writer in the directory appends to a new file.
	w2, err := NewWriter(dir, "oped-test")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := w2.Record(context.Background(), exchange(t, "https://example.test/new", 200, []byte("x"), nil))
	w2.Close()
	if err != nil || ref.File == refs[0].File {
		t.Errorf("second run wrote to %s (%v)", ref.File, err)
	}
}

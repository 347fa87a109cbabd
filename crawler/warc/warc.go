// Package warc keeps every HTTP exchange the crawler makes in WARC files
// (ISO 28500, WARC/1.1, one gzip member per record) and reads responses
// back by file and offset, so pages can be re-extracted without fetching
// them again and the captures replay in standard web-archive tools.
package warc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlnwa/gowarc/v3"

	"github.com/oped/oped/crawler/fetch"
)

// openSuffix marks a WARC file still being written (gowarc's convention).
const openSuffix = ".open"

// maxFileSize starts a new file after about 1 GiB, the WARC standard's
// recommendation.
const maxFileSize = 1 << 30

var recordOpts = []gowarc.WarcRecordOption{
	gowarc.WithAddMissingDigest(true),
	gowarc.WithBufferMaxMemBytes(16 << 20),
}

// gowarcMu serializes gowarc calls that build record options: each one
// calls uuid.EnableRandPool, an unsynchronized write to a global.
var gowarcMu sync.Mutex

// Writer appends exchanges to WARC files in a directory. It implements
// fetch.Recorder and is safe for concurrent use.
type Writer struct {
	dir string
	w   *gowarc.WarcFileWriter
}

// nameGenerator names files oped-<UTC timestamp>-<pid>-<serial>.warc, so
// runs never collide, without gowarc's default host lookup.
type nameGenerator struct {
	dir    string
	prefix string
	serial atomic.Int32
}

func (g *nameGenerator) NewWarcfileName() (string, string) {
	for {
		name := fmt.Sprintf("%s-%s-%d-%04d.warc", g.prefix, time.Now().UTC().Format("20060102150405"), os.Getpid(), g.serial.Add(1))
		// Two runs in one second with a recycled pid would otherwise collide.
		if !exists(filepath.Join(g.dir, name+".gz")) && !exists(filepath.Join(g.dir, name+".gz"+openSuffix)) {
			return g.dir, name
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// NewWriter returns a Writer that creates files in dir. Files left open by
// a killed run are repaired first (see Recover).
func NewWriter(dir, software string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("warc dir: %w", err)
	}
	if _, err := Recover(dir); err != nil {
		return nil, err
	}
	gowarcMu.Lock()
	defer gowarcMu.Unlock()
	w := gowarc.NewWarcFileWriter(
		gowarc.WithFileNameGenerator(&nameGenerator{dir: dir, prefix: "oped"}),
		gowarc.WithCompression(true),
		gowarc.WithMaxFileSize(maxFileSize),
		gowarc.WithAddWarcConcurrentToHeader(true),
		gowarc.WithRecordOptions(recordOpts...),
		gowarc.WithWarcInfoFunc(func(rb gowarc.WarcRecordBuilder) error {
			_, err := rb.WriteString("software: " + software + "\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n")
			return err
		}),
	)
	return &Writer{dir: dir, w: w}, nil
}

// Close finishes the current file (renaming it from .open).
func (w *Writer) Close() error {
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("close warc writer: %w", err)
	}
	return nil
}

// Record writes a request record and a response record for ex and returns
// the location of the response record.
func (w *Writer) Record(ctx context.Context, ex *fetch.Exchange) (fetch.Ref, error) {
	gowarcMu.Lock()
	defer gowarcMu.Unlock()
	req, err := requestRecord(ex)
	if err != nil {
		return fetch.Ref{}, fmt.Errorf("warc request record: %w", err)
	}
	resp, err := responseRecord(ex)
	if err != nil {
		req.Close()
		return fetch.Ref{}, fmt.Errorf("warc response record: %w", err)
	}
	res := w.w.Write(req, resp)
	if len(res) != 2 {
		return fetch.Ref{}, errors.New("warc writer is closed")
	}
	for _, r := range res {
		if r.Err != nil {
			return fetch.Ref{}, fmt.Errorf("write warc: %w", r.Err)
		}
	}
	return fetch.Ref{File: res[1].FileName, Offset: res[1].FileOffset}, nil
}

func requestRecord(ex *fetch.Exchange) (gowarc.WarcRecord, error) {
	rb := gowarc.NewRecordBuilder(gowarc.Request, recordOpts...)
	commonHeaders(rb, ex)
	rb.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=request")
	r := ex.Request
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", r.Method, r.URL.RequestURI(), r.URL.Host)
	r.Header.Write(&b)
	b.WriteString("\r\n")
	if _, err := rb.Write(b.Bytes()); err != nil {
		return nil, err
	}
	rec, _, err := rb.Build()
	return rec, err
}

func responseRecord(ex *fetch.Exchange) (gowarc.WarcRecord, error) {
	rb := gowarc.NewRecordBuilder(gowarc.Response, recordOpts...)
	commonHeaders(rb, ex)
	rb.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=response")
	if ex.Truncated {
		rb.AddWarcHeader(gowarc.WarcTruncated, "length")
	}
	// The body is stored as transferred (still gzip if it came gzipped) but
	// de-chunked, so the header must describe it that way.
	h := ex.Header.Clone()
	h.Del("Transfer-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(ex.Body)))
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", ex.Status, statusText(ex.Status))
	h.Write(&b)
	b.WriteString("\r\n")
	b.Write(ex.Body)
	if _, err := rb.Write(b.Bytes()); err != nil {
		return nil, err
	}
	rec, _, err := rb.Build()
	return rec, err
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Unknown"
}

func commonHeaders(rb gowarc.WarcRecordBuilder, ex *fetch.Exchange) {
	rb.AddWarcHeader(gowarc.WarcTargetURI, ex.Request.URL.String())
	rb.AddWarcHeaderTime(gowarc.WarcDate, ex.Time)
	if ex.RemoteIP != "" {
		rb.AddWarcHeader(gowarc.WarcIPAddress, ex.RemoteIP)
	}
}

// Response is a stored HTTP response.
type Response struct {
	URL    string
	Date   time.Time
	Status int
	Header http.Header
	Body   []byte // as transferred: fetch.Decode undoes its Content-Encoding
	File   string
	Offset int64
}

// resolve finds a file named in the archive: relative names live in dir,
// and a file may still carry its .open suffix if the run that wrote it was
// killed and no writer has repaired it since.
func resolve(dir, file string) (string, error) {
	path := file
	if !filepath.IsAbs(file) {
		path = filepath.Join(dir, file)
	}
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if _, err := os.Stat(path + openSuffix); err == nil {
		return path + openSuffix, nil
	}
	return "", fmt.Errorf("warc file %s: %w", path, os.ErrNotExist)
}

// ReadResponse reads the response record at offset in file.
func ReadResponse(dir, file string, offset int64) (*Response, error) {
	path, err := resolve(dir, file)
	if err != nil {
		return nil, err
	}
	gowarcMu.Lock()
	r, err := gowarc.NewWarcFileReader(path, offset, recordOpts...)
	gowarcMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer r.Close()
	rec, err := r.Next()
	if err != nil {
		return nil, fmt.Errorf("read %s@%d: %w", file, offset, err)
	}
	defer rec.Close()
	if rec.Offset != offset {
		return nil, fmt.Errorf("read %s@%d: no record starts there", file, offset)
	}
	resp, err := toResponse(rec.WarcRecord)
	if err != nil {
		return nil, fmt.Errorf("read %s@%d: %w", file, offset, err)
	}
	resp.File, resp.Offset = file, offset
	return resp, nil
}

var errNotResponse = errors.New("not an HTTP response record")

func toResponse(wr gowarc.WarcRecord) (*Response, error) {
	if wr.Type() != gowarc.Response {
		return nil, fmt.Errorf("%w: %s", errNotResponse, wr.Type())
	}
	block, ok := wr.Block().(gowarc.HttpResponseBlock)
	if !ok {
		return nil, errNotResponse
	}
	payload, err := block.PayloadBytes()
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(payload)
	if err != nil {
		return nil, err
	}
	date, _ := wr.Date()
	resp := &Response{
		URL:    strings.Trim(wr.WarcHeader().Get(gowarc.WarcTargetURI), "<>"),
		Date:   date,
		Status: block.HttpStatusCode(),
		Body:   body,
	}
	if h := block.HttpHeader(); h != nil {
		resp.Header = h.Clone()
	} else {
		resp.Header = http.Header{}
	}
	return resp, nil
}

// ForEachResponse calls fn for every HTTP response record of a .warc or
// .warc.gz file, in file order; other records are skipped.
func ForEachResponse(ctx context.Context, path string, fn func(*Response) error) error {
	gowarcMu.Lock()
	r, err := gowarc.NewWarcFileReader(path, 0, recordOpts...)
	gowarcMu.Unlock()
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer r.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s at %d: %w", path, rec.Offset, err)
		}
		resp, err := toResponse(rec.WarcRecord)
		rec.Close()
		if errors.Is(err, errNotResponse) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s at %d: %w", path, rec.Offset, err)
		}
		resp.File, resp.Offset = path, rec.Offset
		if err := fn(resp); err != nil {
			return err
		}
	}
}

// Recover repairs files a killed run left open: it keeps the complete
// records, cuts a torn last record off and drops the .open suffix. It
// returns the files it repaired. Records the archive points to were
// complete before it pointed to them, so none is lost.
func Recover(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*"+openSuffix))
	if err != nil {
		return nil, fmt.Errorf("recover warc: %w", err)
	}
	sort.Strings(matches)
	var repaired []string
	for _, path := range matches {
		end, err := lastGoodEnd(path)
		if err != nil {
			return repaired, fmt.Errorf("recover %s: %w", path, err)
		}
		if err := os.Truncate(path, end); err != nil {
			return repaired, fmt.Errorf("recover %s: %w", path, err)
		}
		final := strings.TrimSuffix(path, openSuffix)
		if err := os.Rename(path, final); err != nil {
			return repaired, fmt.Errorf("recover %s: %w", path, err)
		}
		repaired = append(repaired, final)
	}
	return repaired, nil
}

// lastGoodEnd is the offset just past the last record that reads cleanly.
func lastGoodEnd(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	gowarcMu.Lock()
	r, err := gowarc.NewWarcFileReaderFromStream(bufio.NewReader(f), 0, recordOpts...)
	gowarcMu.Unlock()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var end int64
	for {
		rec, err := r.Next()
		if err != nil {
			return end, nil // EOF or a torn record: keep what came before
		}
		// Reading the block to its end proves the record is complete.
		if _, err := io.Copy(io.Discard, mustRaw(rec.WarcRecord)); err != nil {
			rec.Close()
			return end, nil
		}
		rec.Close()
		end = rec.Offset + rec.Size
	}
}

func mustRaw(wr gowarc.WarcRecord) io.Reader {
	r, err := wr.Block().RawBytes()
	if err != nil {
		return errReader{err}
	}
	return r
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

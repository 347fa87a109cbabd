package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
)

// ErrTooLarge says a body exceeded the size limit once decompressed. The
// limit applies after decompression so a small gzip bomb cannot fill memory.
var ErrTooLarge = errors.New("body too large")

// readLimited reads at most limit bytes; one byte more is an error.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > limit {
		return b[:limit], fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// Decode undoes a Content-Encoding (gzip, deflate, identity), reading at most
// limit decompressed bytes. The crawler asks for compression itself, instead
// of letting net/http do it, so the limit applies to what decompression makes.
func Decode(raw []byte, contentEncoding string, limit int64) ([]byte, error) {
	enc := strings.ToLower(strings.TrimSpace(contentEncoding))
	switch enc {
	case "", "identity", "none":
		if int64(len(raw)) > limit {
			return raw[:limit], fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		return raw, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
		defer zr.Close()
		b, err := readLimited(zr, limit)
		if err != nil {
			return b, fmt.Errorf("gunzip: %w", err)
		}
		return b, nil
	case "deflate":
		// "deflate" should be zlib-wrapped, but servers send raw deflate too.
		var r io.ReadCloser
		if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(raw))
		}
		defer r.Close()
		b, err := readLimited(r, limit)
		if err != nil {
			return b, fmt.Errorf("inflate: %w", err)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", contentEncoding)
	}
}

// ToUTF8 decodes an HTML body to UTF-8. A charset the server or the page
// declares wins; otherwise a body that is valid UTF-8 is taken as UTF-8, and
// anything else is decoded with fallback (a site's default such as
// "windows-1251"; empty means windows-1252, the web's default).
func ToUTF8(body []byte, contentType, fallback string) ([]byte, string, error) {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if !certain {
		if utf8.Valid(body) {
			return body, "utf-8", nil
		}
		if fallback != "" {
			e, err := htmlindex.Get(fallback)
			if err != nil {
				return nil, "", fmt.Errorf("charset %q: %w", fallback, err)
			}
			enc, name = e, fallback
		}
	}
	if name == "utf-8" || enc == encoding.Nop {
		return body, name, nil
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decode %s: %w", name, err)
	}
	return out, name, nil
}

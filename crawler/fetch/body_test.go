package fetch

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestToUTF8(t *testing.T) {
	const russian = "Привет, мир: колонка о Москве"
	cp1251, _ := charmap.Windows1251.NewEncoder().String(russian)
	koi8, _ := charmap.KOI8R.NewEncoder().String(russian)
	tests := []struct {
		name, body, contentType, fallback, want string
	}{
		{"utf-8 declared", "<p>" + russian, "text/html; charset=utf-8", "", "<p>" + russian},
		{"utf-8 undeclared", "<p>" + russian, "text/html", "windows-1251", "<p>" + russian},
		{"1251 in header", "<p>" + cp1251, "text/html; charset=windows-1251", "", "<p>" + russian},
		{"1251 in meta", `<meta charset="windows-1251"><p>` + cp1251, "text/html", "", `<meta charset="windows-1251"><p>` + russian},
		{"1251 in http-equiv", `<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>` + cp1251, "", "", `<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>` + russian},
		{"1251 undeclared, site default", "<p>" + cp1251, "text/html", "windows-1251", "<p>" + russian},
		{"koi8-r in header", "<p>" + koi8, "text/html; charset=koi8-r", "windows-1251", "<p>" + russian},
	}
	for _, tt := range tests {
		got, _, err := ToUTF8([]byte(tt.body), tt.contentType, tt.fallback)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, _, err := ToUTF8([]byte("<p>\xe0\xe1\xe2"), "text/html", "no-such-charset"); err == nil {
		t.Error("unknown fallback charset: no error")
	}
}

func TestDecode(t *testing.T) {
	page := []byte("<p>hello</p>")
	var z, f bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(page)
	zw.Close()
	fw, _ := flate.NewWriter(&f, flate.BestCompression)
	fw.Write(page)
	fw.Close()
	tests := []struct {
		name, enc string
		raw       []byte
	}{
		{"identity", "", page},
		{"gzip", "gzip", gzipOf(t, page)},
		{"zlib deflate", "deflate", z.Bytes()},
		{"raw deflate", "deflate", f.Bytes()},
	}
	for _, tt := range tests {
		got, err := Decode(tt.raw, tt.enc, 1<<20)
		if err != nil || !bytes.Equal(got, page) {
			t.Errorf("%s: %q %v", tt.name, got, err)
		}
	}
	if _, err := Decode(bytes.Repeat([]byte("a"), 11), "", 10); !errors.Is(err, ErrTooLarge) {
		t.Errorf("identity over limit: %v", err)
	}
	if _, err := Decode(gzipOf(t, make([]byte, 1<<20)), "gzip", 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("gzip over limit: %v", err)
	}
	if _, err := Decode(page, "br", 1<<20); err == nil {
		t.Error("unknown encoding: no error")
	}
}

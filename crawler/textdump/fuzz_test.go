package textdump

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds malformed dumps to the parser: a dump is user input, so
// it must give an article or a *ParseError, never a panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("# Title\n\nBy \n\nOriginal url: \n"))
	f.Add([]byte("\xff\xfe\x00t\x00i\x00t\x00l\x00e"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse("fuzz.txt", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v, want *ParseError", err, err)
			}
			return
		}
		if !utf8.ValidString(a.Title) || !utf8.ValidString(a.Body) {
			t.Errorf("invalid UTF-8 in the article: title %q", a.Title)
		}
	})
}

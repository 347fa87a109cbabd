package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

//go:embed openapi.json
var openAPISpec []byte

// pages holds one template set per page: each page defines the blocks of
// the shared layout, and in a single set the last definition would win.
type pages struct {
	sets   map[string]*template.Template
	static fs.FS
	hashes map[string]string // static file name -> short content hash
}

// pageNames are the page templates; each is parsed with layout.html.
var pageNames = []string{"search", "article", "version", "error"}

func loadPages() (*pages, error) {
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	p := &pages{sets: map[string]*template.Template{}, static: static, hashes: map[string]string{}}
	err = fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		p.hashes[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	funcs := template.FuncMap{
		"asset": p.assetURL,
		"add":   func(a, b int) int { return a + b },
		"sub":   func(a, b int) int { return a - b },
	}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// assetURL names a static file by its content, so browsers may cache it
// for a year and still see a change the moment it ships.
func (p *pages) assetURL(name string) (string, error) {
	h, ok := p.hashes[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + h, nil
}

func (s *Server) staticFile(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
	h, ok := s.pages.hashes[name]
	if !ok {
		s.notFound(c)
		return
	}
	if c.Query("v") == h {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.FileFromFS(name, http.FS(s.pages.static))
}

func (s *Server) favicon(c *gin.Context) {
	c.Redirect(http.StatusMovedPermanently, "/static/favicon.svg")
}

func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPISpec)
}

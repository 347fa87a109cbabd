package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

// writeJSON encodes v like `oped search --json` does (encoding/json,
// HTML-escaped), so the API and the CLI print the same document.
func writeJSON(c *gin.Context, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		_ = c.Error(fmt.Errorf("encode response: %w", err))
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody(classify(err)))
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "application/json; charset=utf-8", append(b, '\n'))
}

// runSearch runs one search under the server's concurrency bound and time
// limit, answering repeated searches from the cache while the index stays
// the same.
func (s *Server) runSearch(ctx context.Context, st searchState) (*index.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SearchTimeout)
	defer cancel()
	req := st.request()
	seq, err := s.search.Seq()
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	return s.cache.get(ctx, st.url(), seq, func() (*index.Response, error) {
		select {
		case s.searches <- struct{}{}:
			defer func() { <-s.searches }()
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return nil, errSearchBusy
			}
			return nil, ctx.Err()
		}
		resp, err := s.search.Search(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", req.Query, err)
		}
		return resp, nil
	})
}

func (s *Server) apiSearch(c *gin.Context) {
	st, err := parseSearch(c.Request.URL.Query())
	if err != nil {
		s.fail(c, err)
		return
	}
	resp, err := s.runSearch(c.Request.Context(), st)
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, resp)
}

// articleID matches the IDs the archive hands out (hex hashes), with room
// for other schemes; anything else cannot name an article.
var articleID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func parseArticleID(c *gin.Context) (string, error) {
	id := c.Param("id")
	if !articleID.MatchString(id) {
		return "", &apiError{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("%q is not an article id", id)}
	}
	return id, nil
}

func parseVersionNumber(c *gin.Context) (int, error) {
	raw := c.Param("n")
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, badRequest("bad_version", fmt.Sprintf("version %q: want a version number, 1 or more", raw))
	}
	return n, nil
}

func (s *Server) apiArticle(c *gin.Context) {
	id, err := parseArticleID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.store.Get(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, a)
}

func (s *Server) apiVersion(c *gin.Context) {
	id, err := parseArticleID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := parseVersionNumber(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.store.Version(c.Request.Context(), id, n)
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, versionDoc{Article: a, N: n})
}

// versionDoc is an older version of an article: the article as it was,
// with the number of the version.
type versionDoc struct {
	*archive.Article
	N int `json:"version"`
}

type suggestDoc struct {
	Query       string             `json:"query"`
	Suggestions []index.Suggestion `json:"suggestions"`
}

func (s *Server) apiSuggest(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 200 {
		s.fail(c, badRequest("bad_query", "a suggestion prefix is at most 200 bytes"))
		return
	}
	n := defaultSuggest
	if raw := c.Query("n"); raw != "" {
		var err error
		if n, err = strconv.Atoi(raw); err != nil || n < 1 || n > maxSuggestions {
			s.fail(c, badRequest("bad_size", fmt.Sprintf("n %q: want a whole number from 1 to %d", raw, maxSuggestions)))
			return
		}
	}
	doc := suggestDoc{Query: q, Suggestions: []index.Suggestion{}}
	if q != "" {
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.SearchTimeout)
		defer cancel()
		got, err := s.search.Suggest(ctx, q, n)
		if err != nil {
			s.fail(c, fmt.Errorf("suggest %q: %w", q, err))
			return
		}
		if got != nil {
			doc.Suggestions = got
		}
	}
	writeJSON(c, http.StatusOK, doc)
}

type statsDoc struct {
	Archive archive.Stats `json:"archive"`
	Index   index.Stats   `json:"index"`
	Ready   bool          `json:"ready"`
}

func (s *Server) apiStats(c *gin.Context) {
	ctx := c.Request.Context()
	as, err := s.store.Stats(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	is, err := s.search.Stats()
	if err != nil {
		s.fail(c, fmt.Errorf("index stats: %w", err))
		return
	}
	writeJSON(c, http.StatusOK, statsDoc{Archive: as, Index: is, Ready: is.Seq >= as.LastSeq})
}

func (s *Server) healthz(c *gin.Context) {
	writeJSON(c, http.StatusOK, map[string]string{"status": "ok"})
}

type readyDoc struct {
	Status     string `json:"status"` // "ready" or "catching_up"
	IndexSeq   int64  `json:"index_seq"`
	ArchiveSeq int64  `json:"archive_seq"`
}

// readyz is ready when the index reflects every archive change committed
// so far. A load balancer can hold traffic back while a fresh server
// indexes a large archive.
func (s *Server) readyz(c *gin.Context) {
	last, err := s.store.LastSeq(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	seq, err := s.search.Seq()
	if err != nil {
		s.fail(c, fmt.Errorf("index watermark: %w", err))
		return
	}
	doc := readyDoc{Status: "ready", IndexSeq: seq, ArchiveSeq: last}
	status := http.StatusOK
	if seq < last {
		doc.Status = "catching_up"
		status = http.StatusServiceUnavailable
	}
	writeJSON(c, status, doc)
}

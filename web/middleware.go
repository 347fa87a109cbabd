package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// contentSecurityPolicy allows only our own scripts, styles and images: no
// inline script or style anywhere, so a stored article that slipped past
// escaping still could not run code.
const contentSecurityPolicy = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Next()
}

// maxURILength bounds the request target: a longer one is not a search a
// person typed, and the query itself is capped far below this.
const maxURILength = 8 << 10

func limitURI(c *gin.Context) {
	if len(c.Request.RequestURI) > maxURILength {
		s := &apiError{Status: http.StatusRequestURITooLong, Code: "uri_too_long",
			Message: fmt.Sprintf("the request URI is longer than %d bytes", maxURILength)}
		c.AbortWithStatusJSON(s.Status, errorBody(s))
		return
	}
	c.Next()
}

// logRequests writes one log line per request. slog quotes values, so a
// path with CR/LF in it cannot forge a second line.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.String("query", c.Request.URL.RawQuery),
		slog.Int("status", status),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("took", time.Since(start)),
		slog.String("client", c.ClientIP()),
	}
	if err := c.Errors.Last(); err != nil {
		attrs = append(attrs, slog.Any("err", err.Err))
	}
	s.log.LogAttrs(c.Request.Context(), level, "request", attrs...)
}

// recoverPanics turns a handler panic into a 500 and a log line with the
// stack, instead of a dropped connection.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(v) // the handler chose to abort the response; net/http handles it
		}
		s.log.Error("handler panic", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
		if !c.Writer.Written() {
			s.fail(c, fmt.Errorf("panic: %v", v))
		}
		c.Abort()
	}()
	c.Next()
}

package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

// apiError is an error the client can act on: an HTTP status, a stable
// machine-readable code and a message saying what was wrong.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(code, message string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: message}
}

// errSearchBusy means a search waited for a free slot until its deadline.
var errSearchBusy = &apiError{Status: http.StatusServiceUnavailable, Code: "busy",
	Message: "the server is busy with other searches; try again in a moment"}

// classify maps any error to what the client is told. This is the one place
// that decides statuses: the user's mistakes are 4xx with their message,
// everything else is a 500 whose details stay in the log.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var qe *index.QueryError
	if errors.As(err, &qe) {
		return &apiError{Status: http.StatusBadRequest, Code: qe.Code, Message: qe.Message}
	}
	if errors.Is(err, archive.ErrNotFound) {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such article"}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &apiError{Status: http.StatusServiceUnavailable, Code: "timeout",
			Message: "the search took too long and was stopped; try a more specific query"}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "internal",
		Message: "something went wrong on the server; it has been logged"}
}

type errorDoc struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func errorBody(e *apiError) errorDoc {
	var d errorDoc
	d.Error.Code, d.Error.Message = e.Code, e.Message
	return d
}

// wantsJSON tells API clients from browsers by path: the API and the
// probes always speak JSON, pages always HTML.
func wantsJSON(c *gin.Context) bool {
	p := c.Request.URL.Path
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz"
}

// fail answers a request with err, as JSON or as an HTML page.
func (s *Server) fail(c *gin.Context, err error) {
	ae := classify(err)
	if ae.Status >= 500 {
		_ = c.Error(err) // logged once, by logRequests, with the request
	}
	if ae.Status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "1")
	}
	if wantsJSON(c) {
		writeJSON(c, ae.Status, errorBody(ae))
		return
	}
	s.renderError(c, ae)
}

func (s *Server) notFound(c *gin.Context) {
	s.fail(c, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "there is nothing at " + c.Request.URL.Path})
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	c.Header("Allow", "GET, HEAD") // a 405 must say what is allowed (RFC 9110 §15.5.6)
	s.fail(c, &apiError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		Message: c.Request.Method + " is not allowed here; this server only answers GET and HEAD"})
}

// logger for a request-scoped message outside logRequests.
func (s *Server) logErr(c *gin.Context, msg string, err error) {
	s.log.LogAttrs(c.Request.Context(), slog.LevelWarn, msg, slog.String("path", c.Request.URL.Path), slog.Any("err", err))
}

package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

// Searcher is what the handlers need from the search index;
// *index.Index satisfies it.
type Searcher interface {
	Search(ctx context.Context, req index.Request) (*index.Response, error)
	Suggest(ctx context.Context, prefix string, n int) ([]index.Suggestion, error)
	Stats() (index.Stats, error)
	// Seq is the archive change sequence the index has caught up to; it
	// identifies the index contents (see resultCache).
	Seq() (int64, error)
}

// Store is what the handlers and the follower need from the archive;
// *archive.Store satisfies it.
type Store interface {
	index.Source
	Get(ctx context.Context, id string) (*archive.Article, error)
	Version(ctx context.Context, id string, n int) (*archive.Article, error)
	Count(ctx context.Context) (int, error)
	Stats(ctx context.Context) (archive.Stats, error)
}

// Follower catches the index up with the archive; *index.Index satisfies
// it.
type Follower interface {
	CatchUp(ctx context.Context, src index.Source) (int, error)
}

var (
	_ Searcher = (*index.Index)(nil)
	_ Follower = (*index.Index)(nil)
	_ Store    = (*archive.Store)(nil)
)

// Config tunes the server. The zero value is usable: every field has a
// default.
type Config struct {
	// FollowInterval is how often the follower polls the archive for
	// changes; default 1s, which keeps new articles searchable within the
	// 5 s the issue promises even with a slow catch-up.
	FollowInterval time.Duration
	// SearchTimeout bounds every search; default index.SearchTimeout.
	SearchTimeout time.Duration
	// MaxSearches is how many searches run at once; the rest wait (until
	// their deadline). Default 2 per CPU: bleve is CPU-bound, and running
	// more at once only stretches every one of them.
	MaxSearches int
	// CacheEntries is how many search responses are kept until the index
	// changes; default 512, negative turns the cache off.
	CacheEntries int
	// ShutdownTimeout is how long in-flight requests may take to finish
	// after the server is told to stop; default 10s.
	ShutdownTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.FollowInterval <= 0 {
		c.FollowInterval = time.Second
	}
	if c.SearchTimeout <= 0 {
		c.SearchTimeout = index.SearchTimeout
	}
	if c.MaxSearches <= 0 {
		c.MaxSearches = 2 * runtime.GOMAXPROCS(0)
	}
	if c.CacheEntries == 0 {
		c.CacheEntries = 512
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	return c
}

// Server is the HTTP handler for the UI and the API.
type Server struct {
	cfg      Config
	search   Searcher
	store    Store
	log      *slog.Logger
	engine   *gin.Engine
	pages    *pages
	searches chan struct{} // semaphore bounding concurrent searches
	cache    *resultCache
}

// New builds the server. It fails only if the embedded templates or assets
// are broken, which a test catches first.
func New(cfg Config, searcher Searcher, store Store, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		search:   searcher,
		store:    store,
		log:      logger,
		pages:    p,
		searches: make(chan struct{}, cfg.MaxSearches),
		cache:    newResultCache(cfg.CacheEntries),
	}
	s.engine = s.routes()
	return s, nil
}

// ServeHTTP makes the server an http.Handler. HEAD is answered as GET
// (RFC 9110 requires both of a general-purpose server, and uptime checkers
// use HEAD); net/http drops the body of a response to HEAD itself, since
// it checks the method of the request it received, not of this copy.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		r = r.Clone(r.Context())
		r.Method = http.MethodGet
	}
	s.engine.ServeHTTP(w, r)
}

// Routes lists the registered routes (method and path), for tests and docs.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

func (s *Server) routes() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// No proxy is trusted: ClientIP is the peer address, so a client cannot
	// spoof its address in the logs with X-Forwarded-For.
	_ = e.SetTrustedProxies(nil) // nil cannot fail to parse
	e.RedirectTrailingSlash = true
	e.HandleMethodNotAllowed = true
	e.Use(s.logRequests, s.recoverPanics, securityHeaders, limitURI)

	e.GET("/", s.searchPage)
	e.GET("/articles/:id", s.articlePage)
	e.GET("/articles/:id/versions/:n", s.versionPage)
	e.GET("/static/*file", s.staticFile)
	e.GET("/favicon.ico", s.favicon)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/api/openapi.json", s.openAPI)
	api := e.Group("/api/v1")
	api.GET("/search", s.apiSearch)
	api.GET("/articles/:id", s.apiArticle)
	api.GET("/articles/:id/versions/:n", s.apiVersion)
	api.GET("/suggest", s.apiSuggest)
	api.GET("/stats", s.apiStats)

	e.NoRoute(s.notFound)
	e.NoMethod(s.methodNotAllowed)
	return e
}

// Serve answers requests on ln and keeps the index caught up with the
// archive (when follower is not nil) until ctx is cancelled. Then it stops
// accepting connections, lets in-flight requests finish (up to
// Config.ShutdownTimeout) and returns once the follower has stopped too, so
// the caller may close the index right after.
func (s *Server) Serve(ctx context.Context, ln net.Listener, follower Follower) error {
	hs := &http.Server{
		Handler: s,
		// Slowloris: a client gets 5 s to send its headers.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	followCtx, stopFollowing := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		if follower != nil {
			s.follow(followCtx, follower)
		}
	}()

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	s.log.Info("serving", slog.String("addr", ln.Addr().String()))

	var err error
	select {
	case err = <-served:
		// The listener failed on its own; nothing to drain.
	case <-ctx.Done():
		s.log.Info("shutting down", slog.Duration("grace", s.cfg.ShutdownTimeout))
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
		err = hs.Shutdown(shutCtx)
		cancel()
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	stopFollowing()
	<-followed
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	return nil
}

// ListenAndServe listens on addr (host:port) and calls Serve. onListen, if
// not nil, learns the actual address (useful with port 0) before the first
// request is served.
func (s *Server) ListenAndServe(ctx context.Context, addr string, follower Follower, onListen func(net.Addr)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	if onListen != nil {
		onListen(ln.Addr())
	}
	return s.Serve(ctx, ln, follower)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oped/oped/index"
	"github.com/oped/oped/web"
)

func newServeCmd(a *app) *cobra.Command {
	var (
		addr        string
		every       time.Duration
		crawlConfig string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the search UI and the JSON API, following the archive as it grows",
		Long: `Serve opens the archive and the search index and serves a faceted search
page for browsers and a JSON API under /api/v1 (described at
/api/openapi.json), with /healthz and /readyz probes.

The server holds the index while it runs. It keeps following the archive:
articles that 'oped import' or a cron 'oped crawl' write from another
process become searchable within seconds, without a restart. A large
archive is indexed after the server starts; /readyz answers 503 until the
index has caught up.

SIGINT or SIGTERM stops it gracefully: in-flight requests finish, then the
index is closed cleanly.`,
		Example: `  oped serve
  oped serve --crawl-every 6h          # crawl the built-in sites now and every 6 hours
  oped serve --addr 0.0.0.0:8080 --data /var/lib/oped`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			log := serveLogger(a)
			if every < 0 || (every > 0 && every < time.Minute) {
				return usageError("--crawl-every %s: want 0 (off) or at least 1m", every)
			}
			cfg, err := loadCrawlConfig(crawlConfig)
			if err != nil {
				return err
			}
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			// No catch-up before listening: the server's follower does it,
			// so a big archive does not keep the port closed.
			ix, err := index.Open(ctx, a.indexDir())
			if errors.Is(err, index.ErrLocked) {
				return fmt.Errorf("%w: the index in %s is held by another process, probably another `oped serve`", err, a.indexDir())
			}
			if err != nil {
				return err
			}
			defer ix.Close() // runs before store.Close: the follower has stopped by then
			srv, err := web.New(web.Config{}, ix, store, log)
			if err != nil {
				return err
			}
			if every > 0 {
				// The same crawl as `oped crawl`, under the same lock, in this
				// process; the follower picks up what it commits.
				a.logger = log
				crawlCtx, stopCrawl := context.WithCancel(ctx)
				crawled := make(chan struct{})
				go func() {
					defer close(crawled)
					crawlEvery(crawlCtx, a, cfg, every)
				}()
				defer func() {
					stopCrawl()
					<-crawled
				}()
			}
			addrFile := filepath.Join(a.dataDir, serveAddrFile)
			var listening string
			err = srv.ListenAndServe(ctx, addr, ix, func(l net.Addr) {
				listening = l.String()
				// One-shot commands find the server here and ask it instead
				// of waiting for the index lock.
				if werr := os.WriteFile(addrFile, []byte(listening+"\n"), 0o644); werr != nil {
					log.Warn("cannot record the server address", slog.String("file", addrFile), slog.Any("err", werr))
				}
				fmt.Fprintf(a.stderr, "oped: serving %s at http://%s/\n", a.dataDir, listening)
			})
			if b, rerr := os.ReadFile(addrFile); rerr == nil && strings.TrimSpace(string(b)) == listening {
				os.Remove(addrFile)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on (port 0 picks a free one)")
	cmd.Flags().DurationVar(&every, "crawl-every", 0, "also crawl the configured sites now and then at this interval (e.g. 6h), for one process and no cron")
	cmd.Flags().StringVar(&crawlConfig, "crawl-config", "", "crawl configuration for --crawl-every (default: the built-in sites)")
	return cmd
}

// serveLogger logs at Info by default: a server's one line per request is
// its record, unlike the one-shot commands, which stay quiet unless -v.
func serveLogger(a *app) *slog.Logger {
	level := slog.LevelInfo
	if a.verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if a.logJSON {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

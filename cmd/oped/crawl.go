package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler"
	"github.com/oped/oped/crawler/syndicate"
)

func newCrawlCmd(a *app) *cobra.Command {
	var (
		configPath  string
		sites       []string
		seeds       []string
		maxPages    int
		fromArchive bool
		printConfig bool
		progress    bool
	)
	cmd := &cobra.Command{
		Use:   "crawl [--seed URL...]",
		Short: "Fetch new and changed op-eds from the configured sites into the archive",
		Long: `Crawl fetches the configured sites (built in: The Moscow Times' opinion
section and the Kennan Institute's blog) politely: robots.txt and its
Crawl-delay are obeyed, each host gets a request rate, known pages are asked
for with conditional requests, and articles are revisited on a schedule
(daily in their first week, then monthly). Every response is kept in WARC
files under DATA/warc; every article is committed to the archive as soon as
it is extracted, so an interrupted crawl loses nothing and the next one
resumes where it stopped.

--seed fetches the given URLs now, whatever their schedule says, and nothing
else. --from-archive fetches the "Original url" of imported dumps that were
never crawled and the known articles that are due.

A crawl holds a lock on the data directory; a second one exits with status 3.
It prints one summary line; failed pages go to stderr. Exit status 1 means
some pages failed (they are retried on a later run).`,
		Example: `  oped crawl
  oped crawl --site 'The Moscow Times' --max-pages 200
  oped crawl --config sites.yaml
  oped crawl --seed https://www.themoscowtimes.com/2017/08/14/moscow-ponders-trumps-fire-and-fury-north-korea-a58651
  oped crawl --from-archive
  oped crawl --print-config > sites.yaml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				if len(seeds) == 0 {
					return usageError("crawl takes no arguments; to fetch URLs, use --seed URL...")
				}
				seeds = append(seeds, args...) // --seed URL1 URL2 ...
			}
			if maxPages < 0 {
				return usageError("--max-pages must not be negative")
			}
			if len(seeds) > 0 && fromArchive {
				return usageError("--seed and --from-archive do not go together")
			}
			cfg, err := loadCrawlConfig(configPath)
			if err != nil {
				return err
			}
			if printConfig {
				_, err := a.stdout.Write(cfg.YAML())
				return err
			}
			return runCrawl(cmd.Context(), a, cfg, crawler.Options{
				Sites: sites, Seeds: seeds, MaxPages: maxPages, FromArchive: fromArchive,
			}, progress || a.isTermErr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "crawl configuration (YAML); default: the built-in sites")
	f.StringArrayVar(&sites, "site", nil, "crawl only this site (by name; repeatable)")
	f.StringArrayVar(&seeds, "seed", nil, "fetch this URL now (repeatable; further URLs may follow as arguments)")
	f.IntVar(&maxPages, "max-pages", 0, "pages to fetch per site at most (default: each site's max_pages)")
	f.BoolVar(&fromArchive, "from-archive", false, "re-visit archived URLs: dumps never crawled and articles that are due")
	f.BoolVar(&printConfig, "print-config", false, "print the crawl configuration as YAML and exit")
	f.BoolVar(&progress, "progress", false, "show progress even when stderr is not a terminal")
	return cmd
}

func runCrawl(ctx context.Context, a *app, cfg *crawler.Config, opts crawler.Options, progress bool) error {
	if progress {
		opts.Progress = a.stderr
	}
	sum, err := crawlOnce(ctx, a, cfg, opts)
	switch {
	case errors.Is(err, crawler.ErrLocked):
		return &exitError{code: exitLocked, err: err}
	case errors.Is(err, crawler.ErrUnknownSite):
		return usageError("%v", err)
	}
	fmt.Fprintln(a.stdout, sum)
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("%d pages failed; they will be retried on a later run", sum.Failed)}
	}
	return nil
}

// crawlOnce is one crawl under the data directory's lock, linking
// syndicated copies as articles are committed. `oped crawl` runs it once;
// `oped serve --crawl-every` runs it on a schedule.
func crawlOnce(ctx context.Context, a *app, cfg *crawler.Config, opts crawler.Options) (crawler.Summary, error) {
	unlock, err := crawler.Lock(a.dataDir)
	if err != nil {
		return crawler.Summary{}, err
	}
	defer unlock()
	store, err := a.openStore(ctx)
	if err != nil {
		return crawler.Summary{}, err
	}
	defer store.Close()

	opts.WARCDir = a.warcDir()
	opts.Logger = a.logger
	opts.OnCommit = func(ctx context.Context, article *archive.Article) error {
		partner, err := syndicate.Link(ctx, store, article)
		if partner != "" {
			a.logger.Debug("linked syndicated copies", "article", article.ID, "partner", partner)
		}
		return err
	}
	return crawler.Run(ctx, store, cfg, opts)
}

// crawlEvery crawls at once and then every interval until ctx ends, for
// users who want one process and no cron. A crawl that finds the lock held
// (a cron crawl is running) is skipped, not queued.
func crawlEvery(ctx context.Context, a *app, cfg *crawler.Config, every time.Duration) {
	log := a.logger.With("component", "scheduled-crawl")
	for {
		sum, err := crawlOnce(ctx, a, cfg, crawler.Options{})
		switch {
		case errors.Is(err, crawler.ErrLocked):
			log.Info("crawl skipped: another crawl holds the lock", "err", err)
		case err != nil && ctx.Err() == nil:
			log.Error("crawl failed", "err", err)
		case err == nil:
			log.Info("crawl done", "summary", sum.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

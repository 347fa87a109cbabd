package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler"
	"github.com/oped/oped/crawler/syndicate"
	"github.com/oped/oped/crawler/textdump"
)

func newImportCmd(a *app) *cobra.Command {
	var (
		progress   bool
		configPath string
	)
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import op-ed text dumps or WARC files (files, folders recursively, or - for stdin) into the archive",
		Long: `Import reads op-ed text dumps, and WARC files (.warc, .warc.gz, as the
crawler or any web-archiving tool writes them), into the archive. A folder is read
recursively; "-" reads one dump from standard input. Each file is parsed into
fields (title, subtitle, authors, date, image credit, body, related articles,
author bio, original publisher, URL).

A file that is not a dump (empty, binary, not UTF-8, no byline, date or URL)
is reported with its name and line and skipped; the rest still import, and
the exit status is 1. Re-importing the same files changes nothing; a changed
dump becomes a new version of its article.

Import writes only the archive: the search index catches up the next time
it is opened (by search, stats, reindex or a running serve).`,
		Example: `  oped import ../shared/seeds/*.txt
  oped import ~/dumps/
  cat dump.txt | oped import -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			files, problems := textdump.CollectFiles(args)
			for _, err := range problems {
				fmt.Fprintf(a.stderr, "oped: import: %v\n", err)
			}
			files, warcs := splitWARCs(files)
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()

			cfg, err := loadCrawlConfig(configPath)
			if err != nil {
				return err
			}
			for _, path := range warcs {
				sum, err := crawler.ImportWARC(ctx, store, cfg, path)
				if err != nil {
					fmt.Fprintf(a.stderr, "oped: import: %v\n", err)
					problems = append(problems, err)
					continue
				}
				fmt.Fprintf(a.stdout, "imported %s: %s\n", path, sum)
				printFailures(a, sum.Failures)
			}
			if len(files) == 0 && len(warcs) > 0 {
				if len(problems) > 0 {
					return &exitError{code: exitFailure, err: fmt.Errorf("%d of %d files failed", len(problems), len(warcs))}
				}
				return nil
			}

			var bar *progressbar.ProgressBar
			if progress || a.isTermErr {
				bar = progressbar.NewOptions(len(files),
					progressbar.OptionSetWriter(a.stderr),
					progressbar.OptionSetDescription("importing"),
					progressbar.OptionShowCount(),
					progressbar.OptionShowIts(),
					progressbar.OptionSetItsString("files"),
					progressbar.OptionThrottle(100_000_000),
					progressbar.OptionClearOnFinish())
			}
			var failures []string
			im := &textdump.Importer{
				Store: store,
				OnError: func(err error) {
					failures = append(failures, err.Error())
					if bar == nil {
						fmt.Fprintf(a.stderr, "oped: import: %v\n", err)
					}
				},
				OnCommit: func(ctx context.Context, article *archive.Article) error {
					partner, err := syndicate.Link(ctx, store, article)
					if partner != "" {
						a.logger.Debug("linked syndicated copies", "article", article.ID, "partner", partner)
					}
					return err
				},
				OnProgress: func(done int) {
					if bar != nil {
						bar.Set(done)
					}
				},
			}
			sum, err := im.Import(ctx, files, a.stdin)
			if bar != nil {
				bar.Finish()
				for _, f := range failures {
					fmt.Fprintf(a.stderr, "oped: import: %s\n", f)
				}
			}
			fmt.Fprintf(a.stdout, "imported %s\n", sum)
			if err != nil {
				return err
			}
			if failed := sum.Failed + len(problems); failed > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("%d of %d files failed", failed, sum.Files+len(problems))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&progress, "progress", false, "show a progress bar even when stderr is not a terminal")
	cmd.Flags().StringVar(&configPath, "config", "", "crawl config whose sites choose the extractor for WARC pages (default: the built-in one)")
	return cmd
}

// splitWARCs separates web-archive files, which the crawler's extractors
// read, from text dumps.
func splitWARCs(files []string) (dumps, warcs []string) {
	for _, f := range files {
		if strings.HasSuffix(f, ".warc") || strings.HasSuffix(f, ".warc.gz") {
			warcs = append(warcs, f)
		} else {
			dumps = append(dumps, f)
		}
	}
	return dumps, warcs
}

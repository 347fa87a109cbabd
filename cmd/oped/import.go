package main

import (
	"context"
	"fmt"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler/syndicate"
	"github.com/oped/oped/crawler/textdump"
)

func newImportCmd(a *app) *cobra.Command {
	var progress bool
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import op-ed text dumps (files, folders recursively, or - for stdin) into the archive",
		Long: `Import reads op-ed text dumps into the archive. A folder is read
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
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()

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
	return cmd
}

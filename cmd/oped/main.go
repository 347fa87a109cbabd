// Command oped crawls, archives, indexes and serves op-eds. This package only
// wires: flags, the data directory, and exit statuses; the work happens in
// archive, crawler, index and web.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

// Exit statuses, documented in `oped help`.
const (
	exitOK      = 0
	exitFailure = 1 // a runtime failure, or some inputs failed
	exitUsage   = 2 // bad flags or arguments
	exitLocked  = 3 // another process holds the data directory's crawl lock
)

func main() {
	// bleve allocates heavily while indexing and answering phrase queries;
	// collecting less often buys 10-35% of both (measured with oped bench)
	// for heap that a server machine has to spare. GOGC still wins if set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// app is what every command shares: where the data lives and where output
// goes. Commands get it explicitly; there is no package-level state.
type app struct {
	dataDir   string
	verbose   bool
	logJSON   bool
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	logger    *slog.Logger
	isTermErr bool // stderr is a terminal: progress bars are welcome
}

// The data directory's layout.
func (a *app) archivePath() string { return filepath.Join(a.dataDir, "archive.db") }
func (a *app) indexDir() string    { return filepath.Join(a.dataDir, "index") }
func (a *app) warcDir() string     { return filepath.Join(a.dataDir, "warc") }

func (a *app) openStore(ctx context.Context) (*archive.Store, error) {
	return archive.Open(ctx, a.archivePath())
}

// openIndex opens the search index and catches it up with the archive, as
// every command that reads the index must: import and crawl write only the
// archive.
func (a *app) openIndex(ctx context.Context, store *archive.Store) (*index.Index, error) {
	ix, err := index.Open(ctx, a.indexDir())
	if err != nil {
		if errors.Is(err, index.ErrLocked) {
			return nil, fmt.Errorf("%w: the index in %s is held by another process, probably `oped serve`; stop it or query its API", err, a.indexDir())
		}
		return nil, err
	}
	if _, err := ix.CatchUp(ctx, store); err != nil {
		ix.Close()
		return nil, fmt.Errorf("catch up index: %w", err)
	}
	return ix, nil
}

// exitError carries a specific exit status up to run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// silentFailure exits 1 without printing anything more: the command has
// already reported the details (per-file import errors, failed pages).
var silentFailure = &exitError{code: exitFailure, err: errors.New("")}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	if f, ok := stderr.(*os.File); ok {
		a.isTermErr = term.IsTerminal(int(f.Fd()))
	}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitFailure
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	} else if strings.HasPrefix(err.Error(), "unknown command") {
		code = exitUsage // cobra reports these as plain errors
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "oped: %s\n", msg)
	}
	if code == exitUsage {
		fmt.Fprintln(stderr, "Run 'oped help' for usage.")
	}
	return code
}

func newRootCmd(a *app) *cobra.Command {
	defaultData := os.Getenv("OPED_DATA")
	if defaultData == "" {
		defaultData = "oped-data"
	}
	root := &cobra.Command{
		Use:   "oped",
		Short: "A full-text search server for an archive of op-eds",
		Long: `oped crawls op-ed sites, keeps every article and every version of it in an
archive, indexes the text and serves a faceted search UI and a JSON API.

All data lives in one directory: --data, or $OPED_DATA, or ./oped-data.

Exit status: 0 success, 1 runtime failure (or some inputs failed),
2 usage error, 3 the data directory is locked by another crawl.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			a.logger = newLogger(a.stderr, a.verbose, a.logJSON)
			if a.dataDir == "" {
				return usageError("--data must not be empty")
			}
			abs, err := filepath.Abs(a.dataDir)
			if err != nil {
				return usageError("--data %q: %v", a.dataDir, err)
			}
			a.dataDir = abs
			return nil
		},
	}
	root.PersistentFlags().StringVar(&a.dataDir, "data", defaultData, "data directory (archive, index, WARC captures); $OPED_DATA sets the default")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log each step")
	root.PersistentFlags().BoolVar(&a.logJSON, "log-json", false, "write logs as JSON lines")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
	})
	root.CompletionOptions.DisableDefaultCmd = true

	for _, add := range commands {
		cmd := add(a)
		wrapArgsValidation(cmd)
		root.AddCommand(cmd)
	}
	return root
}

// commands lists the subcommand constructors; each lives in its own file.
var commands = []func(*app) *cobra.Command{
	newImportCmd,
	newSearchCmd,
	newShowCmd,
	newReindexCmd,
	newStatsCmd,
	newExtractCmd,
	newReextractCmd,
	newCrawlCmd,
	newServeCmd,
	newBenchCmd,
}

// wrapArgsValidation turns cobra's positional-argument errors into usage
// errors (exit 2), as SetFlagErrorFunc does for flags.
func wrapArgsValidation(cmd *cobra.Command) {
	if cmd.Args == nil {
		return
	}
	validate := cmd.Args
	cmd.Args = func(c *cobra.Command, args []string) error {
		if err := validate(c, args); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		return nil
	}
}

func newLogger(w io.Writer, verbose, asJSON bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

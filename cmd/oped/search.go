package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/index"
)

func newSearchCmd(a *app) *cobra.Command {
	var (
		asJSON   bool
		filters  []string
		sort     string
		page     int
		size     int
		from, to string
		after    string
	)
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search the archive: ranked hits with highlighted snippets",
		Long: `Search the index (catching it up with the archive first).

Query syntax:
  north korea              all words must match (stemmed: "sanctions" finds "sanction")
  "fire and fury"          a phrase
  kremlin -putin           exclude a word
  nato OR alliance         either word
  title:sanctions          a field: title, author, site, tag, section, year
  author:Trudolyubov
  sanction*                a prefix
  published:2017-01-01..2017-12-31   a date range (either end may be empty)

--json prints the document the JSON API serves at /api/v1/search.
If a running 'oped serve' holds the index, search asks that server.`,
		Example: `  oped search 'fire and fury'
  oped search --json --filter author='Maxim Trudolyubov' --filter year=2017 'north korea'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := index.Request{Sort: sort, Page: page, Size: size, After: after, Filters: map[string][]string{}}
			if len(args) == 1 {
				req.Query = args[0]
			}
			for _, f := range filters {
				name, value, ok := strings.Cut(f, "=")
				if !ok || !slices.Contains(index.FacetNames, name) || value == "" {
					return usageError("--filter %q: want FACET=VALUE with FACET one of %s", f, strings.Join(index.FacetNames, ", "))
				}
				req.Filters[name] = append(req.Filters[name], value)
			}
			var err error
			if req.From, err = parseDay("--from", from); err != nil {
				return err
			}
			if req.To, err = parseDay("--to", to); err != nil {
				return err
			}
			resp, err := a.search(cmd.Context(), req)
			if err != nil {
				if index.IsQueryError(err) {
					return &exitError{code: exitUsage, err: err}
				}
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(resp)
			}
			printHits(a.stdout, resp, isTerminal(a.stdout))
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the JSON API's search document")
	f.StringArrayVar(&filters, "filter", nil, "facet filter FACET=VALUE (repeatable; values of one facet OR, facets AND)")
	f.StringVar(&sort, "sort", "relevance", "relevance, newest or oldest")
	f.IntVar(&page, "page", 1, "result page")
	f.IntVar(&size, "size", index.DefaultSize, fmt.Sprintf("hits per page (at most %d)", index.MaxSize))
	f.StringVar(&from, "from", "", "published on or after YYYY-MM-DD")
	f.StringVar(&to, "to", "", "published on or before YYYY-MM-DD")
	f.StringVar(&after, "after", "", "cursor from a previous page's next_cursor, for deep pages")
	return cmd
}

func parseDay(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, usageError("%s %q: want a date as YYYY-MM-DD", flag, s)
	}
	return t, nil
}

// search runs a search on the local index, or, when a running server holds
// the index, through that server's API, so a one-shot command never hangs
// on the index lock.
func (a *app) search(ctx context.Context, req index.Request) (*index.Response, error) {
	store, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	ix, err := a.openIndex(ctx, store)
	if errors.Is(err, index.ErrLocked) {
		if addr, ok := a.serverAddr(); ok {
			return searchRemote(ctx, addr, req)
		}
	}
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	return ix.Search(ctx, req)
}

// serveAddrFile is where `oped serve` records the address it listens on.
const serveAddrFile = "serve.addr"

func (a *app) serverAddr() (string, bool) {
	b, err := os.ReadFile(filepath.Join(a.dataDir, serveAddrFile))
	if err != nil {
		return "", false
	}
	addr := strings.TrimSpace(string(b))
	return addr, addr != ""
}

func searchRemote(ctx context.Context, addr string, req index.Request) (*index.Response, error) {
	q := url.Values{}
	q.Set("q", req.Query)
	for name, values := range req.Filters {
		for _, v := range values {
			q.Add(name, v)
		}
	}
	if !req.From.IsZero() {
		q.Set("from", req.From.Format("2006-01-02"))
	}
	if !req.To.IsZero() {
		q.Set("to", req.To.Format("2006-01-02"))
	}
	q.Set("sort", req.Sort)
	q.Set("page", strconv.Itoa(req.Page))
	q.Set("size", strconv.Itoa(req.Size))
	if req.After != "" {
		q.Set("after", req.After)
	}
	u := "http://" + addr + "/api/v1/search?" + q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("the index is held by `oped serve` at %s, and asking it failed: %w", addr, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("search via %s: %w", addr, err)
	}
	if res.StatusCode != http.StatusOK {
		var apiErr struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(body, &apiErr) == nil && apiErr.Error.Message != "" {
			if res.StatusCode < 500 {
				return nil, &index.QueryError{Code: apiErr.Error.Code, Message: apiErr.Error.Message}
			}
			return nil, fmt.Errorf("search via %s: %s", addr, apiErr.Error.Message)
		}
		return nil, fmt.Errorf("search via %s: %s", addr, res.Status)
	}
	var resp index.Response
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("search via %s: %w", addr, err)
	}
	return &resp, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

var markTags = regexp.MustCompile(`</?mark>`)

// printHits writes a human-readable result list. Snippets are HTML; on a
// terminal the <mark>ed words are shown in bold, elsewhere in «guillemets».
func printHits(w io.Writer, resp *index.Response, color bool) {
	fmt.Fprintf(w, "%d hits for %q (%.1f ms)\n", resp.Total, resp.Query, resp.TookMS)
	for i, h := range resp.Hits {
		n := (resp.Page-1)*resp.Size + i + 1
		date := ""
		if !h.Published.IsZero() {
			date = h.Published.Format("2006-01-02")
		}
		fmt.Fprintf(w, "\n%3d. %s\n", n, h.Title)
		fmt.Fprintf(w, "     %s · %s · %s   [%s]\n", strings.Join(h.Authors, ", "), h.Site, date, h.ID)
		open, close := "«", "»"
		if color {
			open, close = "\x1b[1;33m", "\x1b[0m"
		}
		snippet := markTags.ReplaceAllStringFunc(h.Snippet, func(tag string) string {
			if tag == "<mark>" {
				return open
			}
			return close
		})
		if snippet = strings.TrimSpace(html.UnescapeString(snippet)); snippet != "" {
			fmt.Fprintf(w, "     %s\n", strings.ReplaceAll(snippet, "\n", " "))
		}
	}
	if resp.NextCursor != "" && len(resp.Hits) == resp.Size {
		fmt.Fprintf(w, "\nmore: --page %d (or --after %s)\n", resp.Page+1, resp.NextCursor)
	}
}

func newShowCmd(a *app) *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Print one article as JSON: every archive field and its versions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			article, err := store.Get(ctx, args[0])
			if err == nil && version > 0 {
				article, err = store.Version(ctx, args[0], version)
			}
			if err != nil {
				return err
			}
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(article)
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "print this older version (1 is the first) instead of the current one")
	return cmd
}

func newReindexCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the whole search index from the archive",
		Long: `Reindex drops the search index and rebuilds it from the archive. The index
is derived data: nothing is lost. Needed only after a change of index
mapping; a missing or damaged index is rebuilt on its own.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			start := time.Now()
			ix, err := index.Open(ctx, a.indexDir())
			if err != nil {
				return err
			}
			if err := ix.Rebuild(ctx, store); err != nil {
				ix.Close()
				return err
			}
			st, err := ix.Stats()
			if cerr := ix.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "reindexed %d articles in %s\n", st.Documents, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}

func newStatsCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Print counts: articles, versions, sites, authors, index documents, sizes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			arch, err := store.Stats(ctx)
			if err != nil {
				return err
			}
			health, err := store.Health(ctx, healthWindow)
			if err != nil {
				return err
			}
			out := struct {
				Archive any                   `json:"archive"`
				Index   any                   `json:"index"`
				Health  []archive.FieldHealth `json:"extraction_health"`
			}{Archive: arch, Health: health}
			ix, err := a.openIndex(ctx, store)
			switch {
			case errors.Is(err, index.ErrLocked):
				out.Index = map[string]string{"status": "held by a running oped serve"}
			case err != nil:
				return err
			default:
				st, err := ix.Stats()
				ix.Close()
				if err != nil {
					return err
				}
				out.Index = st
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			fmt.Fprintf(a.stdout, "articles  %d\nversions  %d\nauthors   %d\narchive   %s (%s)\n",
				arch.Articles, arch.Versions, arch.Authors, humanBytes(arch.Bytes), a.archivePath())
			for _, site := range sortedKeys(arch.Sites) {
				fmt.Fprintf(a.stdout, "site      %s: %d\n", site, arch.Sites[site])
			}
			if st, ok := out.Index.(index.Stats); ok {
				fmt.Fprintf(a.stdout, "index     %d documents, caught up to change %d of %d, %s (%s)\n",
					st.Documents, st.Seq, arch.LastSeq, humanBytes(st.Bytes), a.indexDir())
			} else {
				fmt.Fprintf(a.stdout, "index     held by a running oped serve\n")
			}
			if n, bytes := dirSize(a.warcDir()); n > 0 {
				fmt.Fprintf(a.stdout, "captures  %d WARC files, %s (%s)\n", n, humanBytes(bytes), a.warcDir())
			}
			printHealth(a.stdout, health)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// healthWindow is how many of each site's latest articles the extraction
// health figures cover: recent enough that a redesign shows at once.
const healthWindow = 200

// printHealth shows, per site, the share of recent articles that have each
// field: a field that drops means a selector broke.
func printHealth(w io.Writer, health []archive.FieldHealth) {
	if len(health) == 0 {
		return
	}
	fields := []string{"title", "authors", "published", "section", "tags", "subtitle", "image_credit", "body"}
	fmt.Fprintf(w, "\nextraction health (share of each site's latest %d articles with the field; body = 100+ words)\n", healthWindow)
	fmt.Fprintf(w, "%-20s %6s", "site", "n")
	for _, f := range fields {
		fmt.Fprintf(w, " %9s", f)
	}
	fmt.Fprintln(w)
	for _, h := range health {
		fmt.Fprintf(w, "%-20s %6d", h.Site, h.Articles)
		for _, f := range fields {
			fmt.Fprintf(w, " %8.0f%%", 100*h.Present[f])
		}
		fmt.Fprintln(w)
	}
}

// dirSize counts the files in dir and their bytes; a missing dir is empty.
func dirSize(dir string) (files int, bytes int64) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			files++
			bytes += info.Size()
		}
	}
	return files, bytes
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oped/oped/archive"
	"github.com/oped/oped/crawler"
	"github.com/oped/oped/crawler/extract"
	"github.com/oped/oped/crawler/fetch"
)

func newExtractCmd(a *app) *cobra.Command {
	var (
		extractorName string
		pageURL       string
		charset       string
		configPath    string
	)
	cmd := &cobra.Command{
		Use:   "extract [--extractor NAME] [--url URL] FILE|URL|-",
		Short: "Print the article an extractor finds on a page, and which rule found each field",
		Long: `Extract runs an extractor on one page and prints the article JSON (the
archive's field names) with the rule that found each field. It is the tool
for people who maintain extractors.

The page is a saved HTML file, - for standard input, or a URL, fetched once
under the crawler's rules (robots.txt, rate limit, size and time limits).
--url gives a saved page the address it came from. It decides the article
ID and, without --extractor, the extractor: that of the crawl config's site
the URL belongs to (--config, or the built-in sites), or generic.`,
		Example: `  oped extract --url https://www.themoscowtimes.com/2017/08/14/x-a58651 page.html
  oped extract https://www.wilsoncenter.org/blog-post/some-post`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			page := &extract.Page{URL: pageURL, Status: http.StatusOK, Header: http.Header{}}
			var raw []byte
			switch arg := args[0]; {
			case arg == "-":
				b, err := io.ReadAll(io.LimitReader(a.stdin, 32<<20))
				if err != nil {
					return fmt.Errorf("read stdin: %w", err)
				}
				raw = b
			case strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://"):
				client := fetch.New(fetch.Config{Logger: a.logger})
				defer client.Close()
				resp, err := client.Fetch(ctx, fetch.Request{URL: arg, Rate: 1})
				if err != nil {
					return err
				}
				raw, page.URL, page.Status, page.Header = resp.Body, resp.URL, resp.Status, resp.Header
			default:
				b, err := os.ReadFile(arg)
				if err != nil {
					return err
				}
				raw = b
			}
			body, _, err := fetch.ToUTF8(raw, fetch.ContentType(page.Header), charset)
			if err != nil {
				return fmt.Errorf("decode page: %w", err)
			}
			page.Body = body

			if extractorName == "" {
				cfg, err := loadCrawlConfig(configPath)
				if err != nil {
					return err
				}
				extractorName = cfg.ExtractorFor(page.URL)
			}
			run, err := extract.Lookup(extractorName)
			if err != nil {
				return usageError("--extractor: %v", err)
			}
			res, err := run(page)
			if err != nil {
				return err
			}
			out := struct {
				Extractor string            `json:"extractor"`
				Article   *archive.Article  `json:"article"`
				Rules     map[string]string `json:"rules"`
				Links     []string          `json:"links,omitempty"`
			}{extractorName, res.Article, res.Rules, res.Links}
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(out)
		},
	}
	cmd.Flags().StringVar(&extractorName, "extractor", "", "extractor to run: "+strings.Join(extract.Names(), ", ")+" (default: chosen by the page's host)")
	cmd.Flags().StringVar(&pageURL, "url", "", "the address a saved page came from")
	cmd.Flags().StringVar(&configPath, "config", "", "crawl config whose sites choose the extractor by URL (default: the built-in one)")
	cmd.Flags().StringVar(&charset, "charset", "", "charset to assume when the page does not declare one (e.g. windows-1251)")
	return cmd
}

func newReextractCmd(a *app) *cobra.Command {
	var (
		site       string
		configPath string
	)
	cmd := &cobra.Command{
		Use:   "reextract [--site NAME]",
		Short: "Re-run the extractors over the stored raw captures, without fetching",
		Long: `Reextract reads every article page the crawler stored in DATA/warc, runs
the current extractor for its site over it, and records a new version only
where the result changed. After fixing a selector, this repairs the whole
archive offline. The index catches up the next time it is opened.`,
		Example: `  oped reextract
  oped reextract --site 'The Moscow Times'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := loadCrawlConfig(configPath)
			if err != nil {
				return err
			}
			store, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			sum, err := crawler.Reextract(ctx, store, cfg, a.warcDir(), site)
			fmt.Fprintf(a.stdout, "reextracted: %s\n", sum)
			printFailures(a, sum.Failures)
			if err != nil {
				return err
			}
			if sum.Failed > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("%d captures failed to extract", sum.Failed)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&site, "site", "", "only this site's captures (a site name from the crawl config)")
	cmd.Flags().StringVar(&configPath, "config", "", "crawl config naming each site's extractor (default: the built-in one)")
	return cmd
}

// loadCrawlConfig returns the crawl config at path, or the built-in one.
func loadCrawlConfig(path string) (*crawler.Config, error) {
	if path == "" {
		return crawler.DefaultConfig(), nil
	}
	cfg, err := crawler.LoadConfig(path)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return cfg, nil
}

// printFailures lists why pages failed (the crawler keeps the first few).
func printFailures(a *app, failures []string) {
	for _, f := range failures {
		fmt.Fprintf(a.stderr, "oped: %s\n", f)
	}
}

// Package crawler fetches op-ed sites politely and keeps what it fetched:
// every exchange in WARC files, every article in the archive, and per URL
// the state that lets the next run resume, revisit on a schedule and send
// conditional requests.
package crawler

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/oped/oped/crawler/extract"
	"github.com/oped/oped/crawler/urlnorm"
)

//go:embed sites.yaml
var builtinYAML []byte

// Config is a crawl configuration: the sites to crawl and how to behave.
type Config struct {
	UserAgent             string  `yaml:"user_agent"`
	AllowPrivateAddresses bool    `yaml:"allow_private_addresses"`
	Sites                 []*Site `yaml:"sites"`

	source []byte
}

// Site is one publication to crawl.
type Site struct {
	Name          string      `yaml:"name"`
	Extractor     string      `yaml:"extractor"`
	Start         []string    `yaml:"start"`
	Feeds         []string    `yaml:"feeds"`
	Sitemaps      []string    `yaml:"sitemaps"`
	SitemapFollow string      `yaml:"sitemap_follow"`
	Follow        string      `yaml:"follow"`
	Article       string      `yaml:"article"`
	Paginate      *Pagination `yaml:"paginate"`
	Rate          float64     `yaml:"rate"`
	MaxPages      int         `yaml:"max_pages"`
	MaxDepth      int         `yaml:"max_depth"`
	Charset       string      `yaml:"charset"`

	follow, article, sitemapFollow *regexp.Regexp
	extract                        extract.Func
	hosts                          map[string]bool
}

// Pagination describes listing pages a site loads by script, which no link
// leads to: URL with {offset} replaced by First, First+Step, ...
type Pagination struct {
	URL   string `yaml:"url"`
	First int    `yaml:"first"`
	Step  int    `yaml:"step"`

	pattern *regexp.Regexp
}

// Defaults for the per-site settings.
const (
	DefaultRate     = 1.0
	DefaultMaxPages = 1000
	DefaultMaxDepth = 20
)

// DefaultUserAgent names oped and where to reach its operators.
const DefaultUserAgent = "oped/1.0 (+https://github.com/oped/oped; op-ed archive crawler)"

// DefaultConfig returns the built-in configuration: The Moscow Times'
// opinion section and the Kennan Institute's blog at wilsoncenter.org.
func DefaultConfig() *Config {
	cfg, err := ParseConfig(builtinYAML)
	if err != nil {
		panic("built-in crawl config: " + err.Error()) // a test keeps it valid
	}
	return cfg
}

// LoadConfig reads and validates a YAML crawl configuration.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("crawl config: %w", err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("crawl config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig parses and validates a YAML crawl configuration. Unknown keys
// are errors, reported with their line and column.
func ParseConfig(b []byte) (*Config, error) {
	var cfg Config
	if err := yaml.UnmarshalWithOptions(b, &cfg, yaml.Strict()); err != nil {
		return nil, errors.New(yaml.FormatError(err, false, true))
	}
	cfg.source = b
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// YAML returns the configuration as YAML: the text it was parsed from,
// comments included, when there is one.
func (c *Config) YAML() []byte {
	if c.source != nil {
		return c.source
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return []byte("# " + err.Error() + "\n")
	}
	return b
}

func (c *Config) validate() error {
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if len(c.Sites) == 0 {
		return errors.New("no sites")
	}
	names := map[string]bool{}
	for i, s := range c.Sites {
		if s == nil {
			return fmt.Errorf("sites[%d] is empty", i)
		}
		if strings.TrimSpace(s.Name) == "" {
			return fmt.Errorf("sites[%d]: name is required", i)
		}
		key := strings.ToLower(s.Name)
		if names[key] {
			return fmt.Errorf("site %q is configured twice", s.Name)
		}
		names[key] = true
		if err := s.validate(); err != nil {
			return fmt.Errorf("site %q: %w", s.Name, err)
		}
	}
	return nil
}

func (s *Site) validate() error {
	if s.Extractor == "" {
		s.Extractor = "generic"
	}
	f, err := extract.Lookup(s.Extractor)
	if err != nil {
		return err
	}
	s.extract = f
	for _, re := range []struct {
		name string
		src  string
		dst  **regexp.Regexp
	}{{"follow", s.Follow, &s.follow}, {"article", s.Article, &s.article}, {"sitemap_follow", s.SitemapFollow, &s.sitemapFollow}} {
		if re.src == "" {
			continue
		}
		compiled, err := regexp.Compile(re.src)
		if err != nil {
			return fmt.Errorf("%s: %w", re.name, err)
		}
		*re.dst = compiled
	}
	s.hosts = map[string]bool{}
	for _, list := range []struct {
		name string
		urls []string
	}{{"start", s.Start}, {"feeds", s.Feeds}, {"sitemaps", s.Sitemaps}} {
		for i, raw := range list.urls {
			n, err := urlnorm.Normalize(raw)
			if err != nil {
				return fmt.Errorf("%s: %w", list.name, err)
			}
			list.urls[i] = n
			s.hosts[bareHost(n)] = true
		}
	}
	if len(s.Start)+len(s.Feeds)+len(s.Sitemaps) == 0 && s.article == nil {
		return errors.New("needs start pages, feeds, sitemaps or an article pattern")
	}
	if p := s.Paginate; p != nil {
		if !strings.Contains(p.URL, "{offset}") {
			return errors.New("paginate: url must contain {offset}")
		}
		if err := p.compile(); err != nil {
			return fmt.Errorf("paginate: %w", err)
		}
		if p.Step <= 0 {
			return errors.New("paginate: step must be positive")
		}
	}
	switch {
	case s.Rate == 0:
		s.Rate = DefaultRate
	case s.Rate < 0:
		s.Rate = -1 // no limit: only for your own servers
	}
	if s.MaxPages < 0 || s.MaxDepth < 0 {
		return errors.New("max_pages and max_depth must not be negative")
	}
	if s.MaxPages == 0 {
		s.MaxPages = DefaultMaxPages
	}
	if s.MaxDepth == 0 {
		s.MaxDepth = DefaultMaxDepth
	}
	if s.Charset != "" {
		if _, err := htmlindex.Get(s.Charset); err != nil {
			return fmt.Errorf("charset %q: %w", s.Charset, err)
		}
	}
	return nil
}

// isArticle says whether a URL is one of the site's article pages.
func (s *Site) isArticle(u string) bool { return s.article != nil && s.article.MatchString(u) }

// isListing says whether a URL is a listing page to walk.
func (s *Site) isListing(u string) bool { return s.follow != nil && s.follow.MatchString(u) }

// pageURL is the URL of the pagination page at offset.
func (p *Pagination) pageURL(offset int) string {
	u, _ := urlnorm.Normalize(strings.ReplaceAll(p.URL, "{offset}", fmt.Sprint(offset)))
	return u
}

// pageOffset returns the offset of a pagination URL, if it is one.
func (p *Pagination) pageOffset(u string) (int, bool) {
	m := p.pattern.FindStringSubmatch(u)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// compile builds the pattern that recognises the pagination's URLs in
// their normalized form.
func (p *Pagination) compile() error {
	const marker = "987654321"
	sample, err := urlnorm.Normalize(strings.ReplaceAll(p.URL, "{offset}", marker))
	if err != nil {
		return err
	}
	if strings.Count(sample, marker) != 1 {
		return errors.New("{offset} must appear once")
	}
	p.pattern = regexp.MustCompile("^" + strings.Replace(regexp.QuoteMeta(sample), marker, `(\d+)`, 1) + "$")
	return nil
}

// siteFor finds the configured site a URL belongs to: article patterns
// first, then listing patterns, then hosts.
func (c *Config) siteFor(u string) *Site {
	for _, s := range c.Sites {
		if s.isArticle(u) {
			return s
		}
	}
	for _, s := range c.Sites {
		if s.isListing(u) {
			return s
		}
	}
	for _, s := range c.Sites {
		if s.onHost(u) {
			return s
		}
	}
	return nil
}

// onHost says whether u is on one of the site's hosts, with or without
// "www.": sites serve both and redirect one to the other.
func (s *Site) onHost(u string) bool { return s.hosts[bareHost(u)] }

func bareHost(u string) string { return strings.TrimPrefix(urlnorm.Host(u), "www.") }

// ExtractorFor names the extractor of the configured site a URL belongs
// to, or "generic" when no site claims it.
func (c *Config) ExtractorFor(rawURL string) string {
	u, err := urlnorm.Normalize(rawURL)
	if err != nil {
		return "generic"
	}
	if s := c.siteFor(u); s != nil {
		return s.Extractor
	}
	return "generic"
}

// site finds a site by name, case-insensitively.
func (c *Config) site(name string) *Site {
	for _, s := range c.Sites {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

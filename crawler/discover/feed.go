package discover

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// FeedItem is an entry of an RSS, Atom or JSON feed.
type FeedItem struct {
	URL       string
	Title     string
	Published time.Time
}

// IsFeed guesses from its first bytes whether a body is a feed rather than
// an HTML page, for seeds whose kind the configuration does not say.
func IsFeed(body []byte) bool {
	head := strings.ToLower(string(body[:min(len(body), 512)]))
	return strings.Contains(head, "<rss") || strings.Contains(head, "<feed") || strings.Contains(head, "<rdf:rdf")
}

// ParseFeed lists the entries of a feed body fetched by the crawler.
func ParseFeed(body []byte) ([]FeedItem, error) {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	items := make([]FeedItem, 0, len(feed.Items))
	for _, it := range feed.Items {
		link := strings.TrimSpace(it.Link)
		if link == "" && strings.HasPrefix(it.GUID, "http") {
			link = strings.TrimSpace(it.GUID)
		}
		if link == "" {
			continue
		}
		item := FeedItem{URL: link, Title: strings.TrimSpace(it.Title)}
		if it.PublishedParsed != nil {
			item.Published = *it.PublishedParsed
		} else if it.UpdatedParsed != nil {
			item.Published = *it.UpdatedParsed
		}
		items = append(items, item)
	}
	return items, nil
}

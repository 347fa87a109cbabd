package extract

import (
	"codeberg.org/readeck/go-readability/v2"
	"github.com/PuerkitoBio/goquery"
)

// readableText is what readability finds on a page: the main text block
// and the byline it recognised.
type readableText struct {
	paras  []paragraph
	byline string
	title  string
}

// maxReadabilityElements keeps readability's repeated scoring passes
// bounded on giant or hostile pages; real article pages have a few
// thousand elements.
const maxReadabilityElements = 30000

// readableText runs readability once per page, on a copy of the tree so
// the site rules' view of the page is unchanged.
func (b *builder) readableText() *readableText {
	if b.readable != nil {
		return b.readable
	}
	b.readable = &readableText{}
	if len(b.d.dom.Nodes) == 0 {
		return b.readable
	}
	parser := readability.NewParser()
	parser.MaxElemsToParse = maxReadabilityElements
	art, err := parser.ParseDocument(b.d.dom.Nodes[0], b.d.url)
	if err != nil {
		return b.readable
	}
	b.readable.byline = art.Byline()
	b.readable.title = art.Title()
	if art.Node != nil {
		b.readable.paras = paragraphs(b.d.base, goquery.NewDocumentFromNode(art.Node).Selection)
	}
	return b.readable
}

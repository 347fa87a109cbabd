package textdump

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/oped/oped/archive"
)

// Format renders an article as a dump in the same layout Parse reads, so
// benchmarks and tests can produce realistic dumps from generated articles.
func Format(a *archive.Article) []byte {
	var b bytes.Buffer
	title := a.Title
	if a.Kind == "op-ed" {
		title += " (Op-ed)"
	}
	b.WriteString("\n\n" + title + "\n\n")
	if a.Subtitle != "" {
		b.WriteString(a.Subtitle + "\n\n")
	}
	if len(a.Authors) > 0 {
		links := make([]string, len(a.Authors))
		for i, name := range a.Authors {
			links[i] = "[" + name + "](#)"
		}
		b.WriteString("By " + joinAnd(links) + "\n\n")
	}
	if !a.Published.IsZero() {
		b.WriteString(a.Published.Format("January 02, 2006") + "\n\n\n\n")
	}
	if a.ImageCredit != "" {
		b.WriteString(a.ImageCredit + "\n\n")
	}
	// Related articles sit between paragraphs, spread evenly, as on the site.
	paras := strings.Split(a.Body, "\n\n")
	every := len(paras)/(len(a.Related)+1) + 1
	related := a.Related
	for i, para := range paras {
		b.WriteString(para + "\n\n")
		if len(related) > 0 && (i+1)%every == 0 {
			fmt.Fprintf(&b, "Related article: [%s](#)\n\n", escapeMarkdown(related[0].Title))
			related = related[1:]
		}
	}
	for _, r := range related {
		fmt.Fprintf(&b, "Related article: [%s](#)\n\n", escapeMarkdown(r.Title))
	}
	if a.AuthorBio != "" || a.OriginalPublisher != "" {
		bio := a.AuthorBio
		if a.OriginalPublisher != "" {
			bio = strings.TrimSpace(bio + " This article was originally published by the [" + a.OriginalPublisher + "](#).")
		}
		b.WriteString(bio + "\n\n")
	}
	if a.Section == "Opinion" && a.Site != "" {
		b.WriteString("The views expressed in opinion pieces do not necessarily reflect the position of " + a.Site + ".\n\n")
	}
	if a.URL != "" {
		b.WriteString("Original url:\n\n<" + a.URL + ">")
	}
	return b.Bytes()
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func escapeMarkdown(s string) string {
	return strings.NewReplacer("(", `\(`, ")", `\)`, "[", `\[`, "]", `\]`).Replace(s)
}

package web

import (
	"regexp"
	"strings"
)

// The version page shows what changed between two versions of an article:
// paragraphs matched first, then words within the paragraphs that were
// rewritten, which is how an editor's correction reads best.

type diffOp int8

const (
	opSame diffOp = iota
	opDel
	opIns
)

type edit struct {
	Op   diffOp
	Text string
}

// maxDiffCells bounds the LCS table (tokens × tokens); past it the texts are
// shown as wholly replaced instead of spending memory on a huge rewrite.
const maxDiffCells = 4 << 20

// diffTokens is a longest-common-subsequence diff of two token lists.
func diffTokens(a, b []string) []edit {
	// Trim the common ends first: most edits touch a small middle.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []edit
	for _, t := range a[:pre] {
		out = append(out, edit{opSame, t})
	}
	out = append(out, lcsDiff(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, t := range a[len(a)-suf:] {
		out = append(out, edit{opSame, t})
	}
	return out
}

func lcsDiff(a, b []string) []edit {
	n, m := len(a), len(b)
	var out []edit
	if n*m > maxDiffCells {
		for _, t := range a {
			out = append(out, edit{opDel, t})
		}
		for _, t := range b {
			out = append(out, edit{opIns, t})
		}
		return out
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, edit{opSame, a[i]})
			i++
			j++
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, edit{opDel, a[i]})
			i++
		default:
			out = append(out, edit{opIns, b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, edit{opDel, a[i]})
	}
	for ; j < m; j++ {
		out = append(out, edit{opIns, b[j]})
	}
	return out
}

// diffPara is one paragraph of a rendered diff.
type diffPara struct {
	Kind  string // "same", "added", "removed", "changed", "skipped"
	Parts []diffPart
	// Skipped counts the unchanged paragraphs folded into a "skipped" entry.
	Skipped int
}

type diffPart struct {
	Op   string // "", "ins" or "del"
	Text string
}

var blankLines = regexp.MustCompile(`\n\s*\n`)

// paragraphs splits an article body as the archive stores it: paragraphs
// separated by blank lines, or by single newlines in text that has none.
func paragraphs(body string) []string {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if body == "" {
		return nil
	}
	parts := blankLines.Split(body, -1)
	if len(parts) == 1 {
		parts = strings.Split(body, "\n")
	}
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// diffBodies compares two article bodies, folding long unchanged stretches
// down to one paragraph of context on either side of a change.
func diffBodies(old, new string) []diffPara {
	edits := diffTokens(paragraphs(old), paragraphs(new))
	var raw []diffPara
	for k := 0; k < len(edits); {
		if edits[k].Op == opSame {
			raw = append(raw, diffPara{Kind: "same", Parts: []diffPart{{Text: edits[k].Text}}})
			k++
			continue
		}
		// A run of removed and added paragraphs: pair them up as rewrites
		// and diff their words; the leftovers are whole removals/additions.
		var dels, inss []string
		for ; k < len(edits) && edits[k].Op != opSame; k++ {
			if edits[k].Op == opDel {
				dels = append(dels, edits[k].Text)
			} else {
				inss = append(inss, edits[k].Text)
			}
		}
		pairs := min(len(dels), len(inss))
		for p := 0; p < pairs; p++ {
			raw = append(raw, diffPara{Kind: "changed", Parts: diffWords(dels[p], inss[p])})
		}
		for _, d := range dels[pairs:] {
			raw = append(raw, diffPara{Kind: "removed", Parts: []diffPart{{Op: "del", Text: d}}})
		}
		for _, in := range inss[pairs:] {
			raw = append(raw, diffPara{Kind: "added", Parts: []diffPart{{Op: "ins", Text: in}}})
		}
	}
	return foldUnchanged(raw, 1)
}

func foldUnchanged(paras []diffPara, context int) []diffPara {
	near := make([]bool, len(paras))
	for i, p := range paras {
		if p.Kind == "same" {
			continue
		}
		for j := max(0, i-context); j <= min(len(paras)-1, i+context); j++ {
			near[j] = true
		}
	}
	var out []diffPara
	for i, p := range paras {
		if p.Kind != "same" || near[i] {
			out = append(out, p)
			continue
		}
		if n := len(out); n > 0 && out[n-1].Kind == "skipped" {
			out[n-1].Skipped++
		} else {
			out = append(out, diffPara{Kind: "skipped", Skipped: 1})
		}
	}
	return out
}

// diffWords diffs two texts word by word, merging neighbouring words with
// the same fate into one part.
func diffWords(old, new string) []diffPart {
	var parts []diffPart
	for _, e := range diffTokens(strings.Fields(old), strings.Fields(new)) {
		op := [...]string{opSame: "", opDel: "del", opIns: "ins"}[e.Op]
		if n := len(parts); n > 0 && parts[n-1].Op == op {
			parts[n-1].Text += " " + e.Text
			continue
		}
		if len(parts) > 0 {
			// The space between two parts belongs to the unchanged side, so
			// a marked word never carries a stray leading blank.
			parts = append(parts, diffPart{Text: " "})
		}
		parts = append(parts, diffPart{Op: op, Text: e.Text})
	}
	return mergeSpaces(parts)
}

// mergeSpaces folds the separator parts into neighbouring plain text.
func mergeSpaces(parts []diffPart) []diffPart {
	var out []diffPart
	for _, p := range parts {
		if n := len(out); n > 0 && out[n-1].Op == "" && p.Op == "" {
			out[n-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

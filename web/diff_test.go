package web

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiffWords(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []diffPart
	}{
		{"same", "a b c", "a b c", []diffPart{{Text: "a b c"}}},
		{"replace middle", "the budget grew by five percent", "the budget grew by seven percent",
			[]diffPart{{Text: "the budget grew by "}, {Op: "del", Text: "five"}, {Text: " "}, {Op: "ins", Text: "seven"}, {Text: " percent"}}},
		{"insert at end", "a b", "a b c d", []diffPart{{Text: "a b "}, {Op: "ins", Text: "c d"}}},
		{"delete at start", "x y a b", "a b", []diffPart{{Op: "del", Text: "x y"}, {Text: " a b"}}},
		{"all new", "", "fresh text", []diffPart{{Op: "ins", Text: "fresh text"}}},
		{"all gone", "old text", "", []diffPart{{Op: "del", Text: "old text"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, diffWords(tc.old, tc.new)); diff != "" {
				t.Errorf("diffWords(%q, %q) (-want +got):\n%s", tc.old, tc.new, diff)
			}
		})
	}
}

// render flattens a diff to a compact string for table tests:
// [-del-] {+ins+} and ~N~ for folded paragraphs.
func render(paras []diffPara) string {
	var out []string
	for _, p := range paras {
		if p.Kind == "skipped" {
			out = append(out, "~"+itoa(p.Skipped)+"~")
			continue
		}
		var b strings.Builder
		for _, part := range p.Parts {
			switch part.Op {
			case "del":
				b.WriteString("[-" + part.Text + "-]")
			case "ins":
				b.WriteString("{+" + part.Text + "+}")
			default:
				b.WriteString(part.Text)
			}
		}
		out = append(out, p.Kind+":"+b.String())
	}
	return strings.Join(out, " | ")
}

func TestDiffBodies(t *testing.T) {
	long := func(extra ...string) string {
		paras := []string{"p1", "p2", "p3", "p4", "p5", "p6"}
		return strings.Join(append(paras, extra...), "\n\n")
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"unchanged folds away", "a\n\nb\n\nc", "a\n\nb\n\nc", "~3~"},
		{"one word changed keeps one paragraph of context", long(), strings.Replace(long(), "p4", "p4 edited", 1),
			"~2~ | same:p3 | changed:p4 {+edited+} | same:p5 | ~1~"},
		{"paragraph added at the end", long(), long("p7"), "~5~ | same:p6 | added:{+p7+}"},
		{"paragraph removed", "a\n\nb\n\nc", "a\n\nc", "same:a | removed:[-b-] | same:c"},
		{"rewrite pairs paragraphs", "a\n\nold one\n\nz", "a\n\nnew one\n\nz", "same:a | changed:[-old-] {+new+} one | same:z"},
		{"windows newlines and single-newline paragraphs", "x\r\ny", "x\ny\nw", "~1~ | same:y | added:{+w+}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(diffBodies(tc.old, tc.new)); got != tc.want {
				t.Errorf("diffBodies:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestDiffTokensHugeInputIsBounded(t *testing.T) {
	// Past maxDiffCells the diff gives up on alignment instead of
	// allocating a table of gigabytes.
	a := strings.Fields(strings.Repeat("a b ", 3000))
	b := strings.Fields(strings.Repeat("b a ", 3000))
	edits := lcsDiff(a, b)
	dels, ins := 0, 0
	for _, e := range edits {
		switch e.Op {
		case opDel:
			dels++
		case opIns:
			ins++
		}
	}
	if dels != len(a) || ins != len(b) {
		t.Errorf("huge diff: %d deletions, %d insertions; want %d and %d", dels, ins, len(a), len(b))
	}
}

func TestParagraphs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"one", []string{"one"}},
		{"one\n\ntwo\n \n\nthree", []string{"one", "two", "three"}},
		{"line one\nline two", []string{"line one", "line two"}},
		{"para one\nstill one\n\npara two", []string{"para one\nstill one", "para two"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, paragraphs(tc.in)); diff != "" {
			t.Errorf("paragraphs(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

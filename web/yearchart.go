package web

import (
	"slices"
	"strconv"

	"github.com/oped/oped/index"
)

// yearChart is the year facet drawn as a bar chart of articles per year.
// It is inline SVG with geometry in attributes, because the CSP forbids
// inline styles; every bar is a link that toggles its year.
type yearChart struct {
	Bars          []yearBar
	Width, Height int
	First, Last   string
	Selected      []activeFilter
}

type yearBar struct {
	Year     string
	Count    int
	Selected bool
	URL      string
	X, Y     int
	W, H     int
}

const (
	barWidth    = 10
	barGap      = 2
	chartHeight = 64
	maxGapFill  = 60 // years; a wider span shows only the years present
	minSlots    = 12
)

func newYearChart(st searchState, values []index.FacetValue) *yearChart {
	counts := map[int]int{}
	for _, v := range values {
		y, err := strconv.Atoi(v.Value)
		if err != nil {
			continue
		}
		counts[y] = v.Count
	}
	for _, v := range st.Filters["year"] {
		if y, err := strconv.Atoi(v); err == nil {
			if _, ok := counts[y]; !ok {
				counts[y] = 0
			}
		}
	}
	if len(counts) == 0 {
		return nil
	}
	years := make([]int, 0, len(counts))
	for y := range counts {
		years = append(years, y)
	}
	slices.Sort(years)
	// A timeline shows the quiet years too, so gaps read as gaps.
	if lo, hi := years[0], years[len(years)-1]; hi-lo < maxGapFill {
		years = years[:0]
		for y := lo; y <= hi; y++ {
			years = append(years, y)
		}
	}
	top := 1
	for _, n := range counts {
		top = max(top, n)
	}
	// A few years get slim bars in the middle rather than one bar
	// stretched across the sidebar.
	slots := max(len(years), minSlots)
	offset := (slots - len(years)) / 2 * (barWidth + barGap)
	ch := &yearChart{Height: chartHeight, Width: slots*(barWidth+barGap) - barGap}
	for i, y := range years {
		ys := strconv.Itoa(y)
		n := counts[y]
		h := 0
		if n > 0 {
			h = max(2, n*(chartHeight-2)/top)
		}
		b := yearBar{Year: ys, Count: n, Selected: st.selected("year", ys), X: offset + i*(barWidth+barGap), W: barWidth, H: h, Y: chartHeight - h}
		if n > 0 || b.Selected {
			b.URL = st.toggled("year", ys).url()
		}
		ch.Bars = append(ch.Bars, b)
	}
	ch.First, ch.Last = strconv.Itoa(years[0]), strconv.Itoa(years[len(years)-1])
	if ch.First == ch.Last {
		ch.Last = ""
	}
	for _, ys := range st.Filters["year"] {
		ch.Selected = append(ch.Selected, activeFilter{Label: ys, RemoveURL: st.toggled("year", ys).url()})
	}
	return ch
}

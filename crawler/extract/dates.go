package extract

import (
	"regexp"
	"strings"
	"time"
)

// machineLayouts are the timestamp forms seen in datetime attributes, meta
// tags and JSON-LD: RFC 3339 with any offset, and the common variants that
// drop the colon in the offset, the seconds or the zone altogether.
var machineLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
}

// textLayouts are dates as sites print them for people, after
// normalizeDateText: "Aug 14, 2017", "August 14, 2017", "14 August 2017".
var textLayouts = []string{
	"Jan 2, 2006",
	"January 2, 2006",
	"Jan 2 2006",
	"January 2 2006",
	"2 Jan 2006",
	"2 January 2006",
	"Jan 2, 2006 3:04 pm",
	"January 2, 2006 3:04 pm",
	"Jan 2, 2006 15:04",
	"January 2, 2006 15:04",
	"01/02/2006",
}

// datePrefix is the label some sites print before a date.
var datePrefix = regexp.MustCompile(`(?i)^(updated|published|posted( date/time)?|last updated|date)\s*:?\s*`)

// parseDate reads a machine timestamp or a printed date. Dates printed
// without a time or zone are taken as midnight UTC: the day is what the
// page states, the hour is unknown.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, layout := range machineLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	s = normalizeDateText(s)
	for _, layout := range textLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// monthAbbrev maps the spellings Go's layouts do not accept ("Sept",
// "Aug.") to ones they do.
var monthAbbrev = strings.NewReplacer("Sept ", "Sep ", "sept ", "Sep ")

func normalizeDateText(s string) string {
	s = datePrefix.ReplaceAllString(clean(s), "")
	// "Aug. 14, 2017" (the Moscow Times' date('M. j, Y')): drop the dot after
	// a month abbreviation, and ordinal suffixes like "14th".
	s = strings.ReplaceAll(s, ". ", " ")
	s = ordinal.ReplaceAllString(s, "$1")
	s = monthAbbrev.Replace(s)
	s = strings.ReplaceAll(s, "a.m.", "am")
	s = strings.ReplaceAll(s, "p.m.", "pm")
	s = strings.Replace(s, " AM", " am", 1)
	s = strings.Replace(s, " PM", " pm", 1)
	return s
}

var ordinal = regexp.MustCompile(`\b(\d{1,2})(st|nd|rd|th)\b`)

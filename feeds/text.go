package feeds

import (
	"strings"
	"time"
	"unicode/utf8"
)

// A worker keeps the strings it derives (lower- or upper-cased values,
// templates, reformatted dates) in its arena.Text: one allocation per
// 64 KB rather than one per value.

// lower is strings.ToLower, kept in the worker's text.
func (w *worker) lower(s string) string { return w.mapASCII(s, 'A', 'Z', strings.ToLower) }

// upper is strings.ToUpper, kept in the worker's text.
func (w *worker) upper(s string) string { return w.mapASCII(s, 'a', 'z', strings.ToUpper) }

// mapASCII flips the case of the letters from..to of an ASCII s (s itself
// when it has none); other text goes to slow.
func (w *worker) mapASCII(s string, from, to byte, slow func(string) string) string {
	found := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return slow(s)
		}
		found = found || from <= c && c <= to
	}
	if !found {
		return s
	}
	b := w.text.Begin(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if from <= c && c <= to {
			c ^= 'a' - 'A' // ASCII letters differ in case by this one bit
		}
		b = append(b, c)
	}
	return w.text.End(b)
}

// numericDate is a date layout made only of 2006, 01 and 02 and
// separators: the layouts of HR exports, parsed and written here without
// time.Parse's general machinery (with its very results: the tests hold
// them to it).
type numericDate struct {
	layout string
	ok     bool
}

func compileDate(layout string) numericDate {
	for i := 0; i < len(layout); {
		switch {
		case strings.HasPrefix(layout[i:], "2006"):
			i += 4
		case strings.HasPrefix(layout[i:], "01"), strings.HasPrefix(layout[i:], "02"):
			i += 2
		case strings.IndexByte("/-.", layout[i]) >= 0: // not a space: time.Parse takes a run of them
			i++
		default:
			return numericDate{layout: layout}
		}
	}
	return numericDate{layout: layout, ok: true}
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parse reads v as the layout says; handled is false when the layout is
// not a numeric one (then time.Parse decides).
func (d numericDate) parse(v string) (y, m, day int, ok, handled bool) {
	if !d.ok {
		return 0, 0, 0, false, false
	}
	if len(v) != len(d.layout) {
		return 0, 0, 0, false, true
	}
	l := d.layout
	for i := 0; i < len(l); {
		var n int
		var good bool
		switch {
		case strings.HasPrefix(l[i:], "2006"):
			n, good = digits(v[i : i+4])
			y, i = n, i+4
		case strings.HasPrefix(l[i:], "01"):
			n, good = digits(v[i : i+2])
			m, i = n, i+2
		case strings.HasPrefix(l[i:], "02"):
			n, good = digits(v[i : i+2])
			day, i = n, i+2
		default:
			good = v[i] == l[i]
			i++
		}
		if !good {
			return 0, 0, 0, false, true
		}
	}
	if m < 1 || m > 12 || day < 1 || day > daysIn(time.Month(m), y) {
		return 0, 0, 0, false, true
	}
	return y, m, day, true, true
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// format writes a date in the layout into the worker's text.
func (d numericDate) format(w *worker, y, m, day int) string {
	b := w.text.Begin(len(d.layout))
	two := func(n int) { b = append(b, byte('0'+n/10%10), byte('0'+n%10)) }
	l := d.layout
	for i := 0; i < len(l); {
		switch {
		case strings.HasPrefix(l[i:], "2006"):
			two(y / 100)
			two(y % 100)
			i += 4
		case strings.HasPrefix(l[i:], "01"):
			two(m)
			i += 2
		case strings.HasPrefix(l[i:], "02"):
			two(day)
			i += 2
		default:
			b = append(b, l[i])
			i++
		}
	}
	return w.text.End(b)
}

// date reads v in the first of the rule's layouts that takes it and
// writes it in the rule's output format.
func (hr *hrRule) date(w *worker, v string) (string, bool) {
	for i, d := range hr.dates {
		y, m, day, ok, handled := d.parse(v)
		if !handled {
			t, err := time.Parse(hr.rule.DateLayouts[i], v)
			if err != nil {
				continue
			}
			y, m, day, ok = t.Year(), int(t.Month()), t.Day(), true
		}
		if !ok {
			continue
		}
		if hr.out.ok {
			return hr.out.format(w, y, m, day), true
		}
		return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC).Format(hr.out.layout), true
	}
	return "", false
}

package feeds

import (
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// A worker keeps the strings it derives (lower- or upper-cased values,
// templates, reformatted dates) in shared blocks: one allocation per 64 KB
// rather than one per value. A block's bytes never change once a string
// points at them; new text is only appended after them.
const textBlock = 64 << 10

// room makes space for n more bytes of text.
func (w *worker) room(n int) {
	if cap(w.text)-len(w.text) < n {
		w.text = make([]byte, 0, max(textBlock, n))
	}
}

// since returns the text appended since start as a string.
func (w *worker) since(start int) string {
	if len(w.text) == start {
		return ""
	}
	return unsafe.String(&w.text[start], len(w.text)-start)
}

// lower is strings.ToLower, kept in the worker's text.
func (w *worker) lower(s string) string {
	up := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
		up = up || 'A' <= c && c <= 'Z'
	}
	if !up {
		return s
	}
	w.room(len(s))
	start := len(w.text)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		w.text = append(w.text, c)
	}
	return w.since(start)
}

// upper is strings.ToUpper, kept in the worker's text.
func (w *worker) upper(s string) string {
	low := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToUpper(s)
		}
		low = low || 'a' <= c && c <= 'z'
	}
	if !low {
		return s
	}
	w.room(len(s))
	start := len(w.text)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		w.text = append(w.text, c)
	}
	return w.since(start)
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
	w.room(len(d.layout))
	start := len(w.text)
	two := func(n int) { w.text = append(w.text, byte('0'+n/10%10), byte('0'+n%10)) }
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
			w.text = append(w.text, l[i])
			i++
		}
	}
	return w.since(start)
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

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
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && s[i]-from > to-from { // unsigned: below from wraps above
		i++
	}
	if i == len(s) {
		return s
	}
	if s[i] >= utf8.RuneSelf {
		return slow(s)
	}
	b := w.text.Begin(len(s))
	b = append(b, s...)
	out := b[len(b)-len(s):]
	for ; i < len(out); i++ {
		c := out[i]
		if c >= utf8.RuneSelf {
			return slow(s) // the copy is dropped: End was not called
		}
		if c-from <= to-from {
			out[i] = c ^ ('a' - 'A') // ASCII letters differ in case by this one bit
		}
	}
	return w.text.End(b)
}

// numericDate is a date layout made only of 2006, 01 and 02 and
// separators: the layouts of HR exports, parsed and written here without
// time.Parse's general machinery (with its very results: the tests hold
// them to it). The layout is compiled once into its parts, so a row's
// date is read and written in one pass over its bytes.
type numericDate struct {
	layout string
	ok     bool
	parts  []datePart
}

// datePart is a year (4 digits), a month or a day (2 digits), or one
// separator byte.
type datePart struct {
	kind byte // 'y', 'm', 'd', or 0 for the separator sep
	sep  byte
}

func compileDate(layout string) numericDate {
	var parts []datePart
	for i := 0; i < len(layout); {
		switch {
		case strings.HasPrefix(layout[i:], "2006"):
			parts, i = append(parts, datePart{kind: 'y'}), i+4
		case strings.HasPrefix(layout[i:], "01"):
			parts, i = append(parts, datePart{kind: 'm'}), i+2
		case strings.HasPrefix(layout[i:], "02"):
			parts, i = append(parts, datePart{kind: 'd'}), i+2
		case strings.IndexByte("/-.", layout[i]) >= 0: // not a space: time.Parse takes a run of them
			parts, i = append(parts, datePart{sep: layout[i]}), i+1
		default:
			return numericDate{layout: layout}
		}
	}
	return numericDate{layout: layout, ok: true, parts: parts}
}

// digits reads s[i:i+n] as a decimal number.
func digits(s string, i, n int) (int, bool) {
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parse reads v as the layout says; handled is false when the layout is
// not a numeric one (then time.Parse decides).
func (d *numericDate) parse(v string) (y, m, day int, ok, handled bool) {
	if !d.ok {
		return 0, 0, 0, false, false
	}
	if len(v) != len(d.layout) {
		return 0, 0, 0, false, true
	}
	i := 0
	for _, p := range d.parts {
		good := true
		switch p.kind {
		case 'y':
			y, good = digits(v, i, 4)
			i += 4
		case 'm':
			m, good = digits(v, i, 2)
			i += 2
		case 'd':
			day, good = digits(v, i, 2)
			i += 2
		default:
			good = v[i] == p.sep
			i++
		}
		if !good {
			return 0, 0, 0, false, true
		}
	}
	if m < 1 || m > 12 || day < 1 || day > daysIn(m, y) {
		return 0, 0, 0, false, true
	}
	return y, m, day, true, true
}

// daysIn is the length of month m of year y in the proleptic Gregorian
// calendar (time.Date's).
func daysIn(m, y int) int {
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 29
	}
	return int(monthDays[m])
}

var monthDays = [13]uint8{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// format writes a date in the layout into the worker's text.
func (d *numericDate) format(w *worker, y, m, day int) string {
	b := w.text.Begin(len(d.layout))
	for _, p := range d.parts {
		switch p.kind {
		case 'y':
			b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
		case 'm':
			b = append(b, byte('0'+m/10), byte('0'+m%10))
		case 'd':
			b = append(b, byte('0'+day/10), byte('0'+day%10))
		default:
			b = append(b, p.sep)
		}
	}
	return w.text.End(b)
}

// date reads v in the first of the rule's layouts that takes it and
// writes it in the rule's output format.
func (hr *hrRule) date(w *worker, v string) (string, bool) {
	for i := range hr.dates {
		y, m, day, ok, handled := hr.dates[i].parse(v)
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

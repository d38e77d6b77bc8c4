// Package termtext makes text that comes from data (feeds, Coupa, servers,
// file names) safe to print: it can never move the cursor, erase the
// screen or write to the clipboard, and it can never start a formula in a
// spreadsheet.
package termtext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Safe escapes control characters (C0 including TAB, CR and LF, DEL, and
// C1) and invalid UTF-8 as visible escapes (\n, \x1b, \u009b), so one
// value prints as one line and no escape sequence reaches the terminal.
func Safe(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean is the fast path: most text has nothing to escape.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			return utf8.ValidString(s[i:]) && !hasC1(s[i:])
		}
	}
	return true
}

func hasC1(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return true
		}
	}
	return false
}

// IsControl reports the characters a feed value may not hold: C0 other
// than TAB, CR and LF; DEL; C1.
func IsControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\r' && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f)
}

// Cell neutralises a value bound for a spreadsheet: one that starts with
// = + - @ (or a TAB or CR, which some spreadsheets skip) would be read as a
// formula, so it gets a leading apostrophe. Files uploaded to Coupa keep
// values exact and never pass through here.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// JSON escapes, in an encoded JSON document, the characters encoding/json
// leaves raw but some terminals obey: DEL and the C1 controls (U+0080 to
// U+009F). Outside strings JSON is plain ASCII, so bytes can be replaced
// in place.
func JSON(b []byte) []byte {
	if !hasRawControls(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == 0x7f:
			out = append(out, `\u007f`...)
		case b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f:
			out = append(out, fmt.Sprintf(`\u%04x`, b[i+1])...)
			i++
		default:
			out = append(out, b[i])
		}
	}
	return out
}

func hasRawControls(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] == 0x7f || (b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f) {
			return true
		}
	}
	return false
}

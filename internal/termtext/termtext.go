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
		case r >= 0x80 && r <= 0x9f, Invisible(r):
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
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || Invisible(r) {
			return true
		}
	}
	return false
}

// Invisible reports the zero-width and bidi format characters that make
// text read other than it is (U+200B–U+200F, U+202A–U+202E, U+2060,
// U+2066–U+2069, U+FEFF): a key holding one is a look-alike, and none may
// reach a terminal raw.
func Invisible(r rune) bool {
	return (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) || r == 0x2060 || (r >= 0x2066 && r <= 0x2069) || r == 0xfeff
}

// invisibleAt returns the length of the UTF-8 encoding of an invisible
// format character at b[i], or 0.
func invisibleAt(b []byte, i int) int {
	if i+2 >= len(b) {
		return 0
	}
	switch {
	case b[i] == 0xe2 && b[i+1] == 0x80 && ((b[i+2] >= 0x8b && b[i+2] <= 0x8f) || (b[i+2] >= 0xaa && b[i+2] <= 0xae)):
		return 3
	case b[i] == 0xe2 && b[i+1] == 0x81 && (b[i+2] == 0xa0 || (b[i+2] >= 0xa6 && b[i+2] <= 0xa9)):
		return 3
	case b[i] == 0xef && b[i+1] == 0xbb && b[i+2] == 0xbf:
		return 3
	}
	return 0
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
// leaves raw but some terminals obey: DEL, the C1 controls (U+0080 to
// U+009F) and the invisible format characters (see Invisible). Outside strings JSON is plain ASCII, so bytes can be replaced
// in place.
func JSON(b []byte) []byte {
	if !hasRawControls(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); i++ {
		if n := invisibleAt(b, i); n > 0 {
			r, _ := utf8.DecodeRune(b[i : i+n])
			out = append(out, fmt.Sprintf(`\u%04x`, r)...)
			i += n - 1
			continue
		}
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
		if b[i] == 0x7f || (b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f) || invisibleAt(b, i) > 0 {
			return true
		}
	}
	return false
}

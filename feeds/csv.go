package feeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/record"
)

// Problem is one defect of a file, located by physical line (header = 1) and column.
type Problem struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (p Problem) String() string {
	if p.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// ReadError lists every problem of an unreadable feed.
type ReadError struct{ Problems []Problem }

func (e *ReadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Limits on what a feed may hold: a file that breaks them is not a feed
// (a device, a binary, a runaway export) and is refused before it can
// exhaust memory.
const (
	MaxFieldBytes = 64 << 10 // one cell
	MaxLineBytes  = 1 << 20  // one physical line
	MaxFeedBytes  = 2 << 30  // a whole feed, held to be read (and to decrypt it)
)

// LineTooLong is the error of an over-long physical line.
type LineTooLong struct{ Line, Max int }

func (e *LineTooLong) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes: not a feed this tool reads", e.Line, e.Max)
}

// table is a delimited file held whole: its header, then rows read by
// the scanner, each with its physical line and its fields' positions.
type table struct {
	name    string
	sc      *scanner
	header  []string
	headPos []int // column of each header cell
	sum     chan string
	delim   rune
	extra   []int // unknown columns, carried but not compared
	// extraKeys are the record keys of extra (feed.<Header>), made once
	extraKeys []string
}

type row struct {
	line   int
	fields []string
	pos    []fieldPos
	err    error  // a record the scanner could not read
	text   string // the row's one physical line, when every field is a view of it ("" otherwise)
}

// col is the 1-based column of field i (0 when there is none).
func (r row) col(i int) int {
	if i < 0 || i >= len(r.pos) {
		return 0
	}
	return int(r.pos[i].col)
}

// openTable decodes the data, detects the delimiter and reads the header.
// An empty file is a problem at line 1. data is the file as read: its
// digest is taken from it, and decoded fields may point into it, so it
// must not change afterwards.
func openTable(data []byte, name, encoding string, delim rune) (*table, error) {
	t := &table{name: name, sum: make(chan string, 1)}
	go func(raw []byte) { // the digest is taken beside the reading
		s := sha256.Sum256(raw)
		t.sum <- hex.EncodeToString(s[:])
	}(data)
	switch strings.ToLower(encoding) {
	case "", "utf-8", "utf8":
	case "windows-1252", "cp1252":
		data, _ = charmap.Windows1252.NewDecoder().Bytes(data) // every byte decodes
	case "latin1", "iso-8859-1":
		data, _ = charmap.ISO8859_1.NewDecoder().Bytes(data)
	default:
		return nil, fmt.Errorf("unknown encoding %q (use utf-8 or windows-1252)", encoding)
	}
	start := 0
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		start = 3
	}
	if delim == 0 {
		first := data[start:min(len(data), start+64<<10)]
		if i := bytes.IndexByte(first, '\n'); i >= 0 {
			first = first[:i]
		}
		// the header's most frequent separator: CCW's |, CSV's , and the
		// ; and TAB of spreadsheets saved in other locales
		delim = ','
		best := bytes.Count(first, []byte(","))
		for _, d := range []byte{'|', ';', '\t'} {
			if n := bytes.Count(first, []byte{d}); n > best {
				delim, best = rune(d), n
			}
		}
	}
	sc := newScanner(data, delim)
	sc.off = start
	t.delim, t.sc = delim, sc
	rec, pos, err := sc.next(nil, nil)
	if err == io.EOF {
		return nil, &ReadError{[]Problem{{File: name, Line: 1, Msg: "the file is empty (a header row is required)"}}}
	}
	if err != nil {
		return nil, &ReadError{[]Problem{t.parseProblem(err)}}
	}
	t.header = rec
	for i := range rec {
		c := int(pos[i].col)
		t.headPos = append(t.headPos, c)
		if !utf8.ValidString(rec[i]) {
			return nil, &ReadError{[]Problem{badUTF8(name, pos[i], rec[i])}}
		}
		if p, bad := checkCell(name, pos[i], rec[i]); bad {
			return nil, &ReadError{[]Problem{p}}
		}
	}
	return t, nil
}

func (t *table) parseProblem(err error) Problem {
	var ll *LineTooLong
	if errors.As(err, &ll) {
		return Problem{File: t.name, Line: ll.Line, Msg: ll.Error()[len(fmt.Sprintf("line %d ", ll.Line)):]}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line {
			return Problem{File: t.name, Line: pe.StartLine, Msg: "quoted field opened here is never closed"}
		}
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrBareQuote) {
			msg = `bare " in an unquoted field (quote the whole field and double inner quotes)`
		} else if errors.Is(pe.Err, csv.ErrQuote) {
			msg = `extraneous or missing " in a quoted field`
		}
		return Problem{File: t.name, Line: pe.Line, Column: pe.Column, Msg: msg}
	}
	return Problem{File: t.name, Line: 1, Msg: err.Error()}
}

func badUTF8(name string, at fieldPos, field string) Problem {
	off := 0
	for off < len(field) {
		r, size := utf8.DecodeRuneInString(field[off:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		off += size
	}
	line, col := at.locate(field, off)
	return Problem{File: name, Line: line, Column: col,
		Msg: "invalid UTF-8 (a Windows-1252 export? read it with --encoding windows-1252)"}
}

// checkRow is the scanner's verdict on a row, with every cell's checks:
// false means the row is skipped and its problems are recorded.
func (t *table) checkRow(r row, probs *[]Problem) bool {
	if r.err != nil {
		*probs = append(*probs, t.parseProblem(r.err))
		return false
	}
	if len(r.fields) == 1 && strings.TrimSpace(r.fields[0]) == "" {
		return false // blank line
	}
	if r.text != "" && plainASCII(r.text) && len(r.fields) == len(t.header) {
		return true // the common case: one plain line holds every field, so each is plain
	}
	ok := true
	for i, v := range r.fields {
		if plainASCII(v) {
			continue // the common case: nothing to decode, nothing to refuse
		}
		if !utf8.ValidString(v) {
			*probs = append(*probs, badUTF8(t.name, r.pos[i], v))
			ok = false
		} else if p, bad := checkCell(t.name, r.pos[i], v); bad {
			*probs = append(*probs, p)
			ok = false
		}
	}
	if ok && len(r.fields) != len(t.header) {
		*probs = append(*probs, Problem{File: t.name, Line: r.line,
			Msg: fmt.Sprintf("%s, the header has %d", columns(len(r.fields)), len(t.header))})
		ok = false
	}
	return ok
}

// plainASCII reports a value of printable ASCII (TAB allowed) of at most
// MaxFieldBytes: valid UTF-8 with no control character, checked 8 bytes
// at a time.
func plainASCII(v string) bool {
	if len(v) > MaxFieldBytes {
		return false
	}
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := v[i : i+8] // of known length: no bounds checks, so the compiler loads one word
		w := uint64(x[0]) | uint64(x[1])<<8 | uint64(x[2])<<16 | uint64(x[3])<<24 |
			uint64(x[4])<<32 | uint64(x[5])<<40 | uint64(x[6])<<48 | uint64(x[7])<<56
		// a byte >= 0x80, < 0x20 or == 0x7f sets its high bit in one of these
		if (w|(w-ones*0x20)|((w^ones*0x7f)-ones))&highs != 0 {
			for _, c := range []byte(v[i : i+8]) {
				if c >= 0x80 || c < 0x20 && c != '\t' || c == 0x7f {
					return false
				}
			}
		}
	}
	for ; i < len(v); i++ {
		if c := v[i]; c >= 0x80 || c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// stops says whether the scanner cannot go on after this error: an
// unclosed quote swallows the rest of the file; an over-long line ends it.
func stops(err error) bool {
	var pe *csv.ParseError
	return !errors.As(err, &pe) || errors.Is(pe.Err, csv.ErrQuote)
}

// checkCell refuses a cell that could drive a terminal or is far too
// long: a control character (C0 other than TAB, CR and LF; DEL; C1) is a
// problem at its own line and column; a line break inside a quoted value
// stays valid.
func checkCell(name string, at fieldPos, v string) (Problem, bool) {
	line, col := int(at.line), int(at.col)
	if len(v) > MaxFieldBytes {
		return Problem{File: name, Line: line, Column: col, Msg: fmt.Sprintf("a value of %d bytes (the limit is %d)", len(v), MaxFieldBytes)}, true
	}
	for k := 0; k < len(v); k++ {
		c := v[k]
		if c >= 0x20 && c != 0x7f && c != 0xc2 {
			continue
		}
		r, _ := utf8.DecodeRuneInString(v[k:])
		if !termtext.IsControl(r) {
			continue
		}
		l, cc := at.locate(v, k) // columns count bytes, as the csv reader's do
		return Problem{File: name, Line: l, Column: cc, Msg: fmt.Sprintf("control character %U in a value (only TAB and line breaks are allowed)", r)}, true
	}
	return Problem{}, false
}

func (t *table) digest() string { return <-t.sum }

// normHeader matches headers case-insensitively, trimmed, without a trailing '*'.
func normHeader(h string) string {
	h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))
	return strings.Join(strings.Fields(strings.ToLower(h)), " ")
}

func sortedProblems(p []Problem) []Problem {
	sort.SliceStable(p, func(i, j int) bool {
		if p[i].Line != p[j].Line {
			return p[i].Line < p[j].Line
		}
		return p[i].Column < p[j].Column
	})
	return p
}

// plainRow: a row of one plain ASCII line, whose keys need no Unicode check.
func plainRow(r row) bool { return r.text != "" && plainASCII(r.text) }

// lookAlikeKeys are the fields that identify a user: an invisible
// character in one makes a second user that looks like the first.
var lookAlikeKeys = [...]string{record.Login, record.Manager, record.Email, record.EmployeeNumber}

// checkKeys refuses a key holding a zero-width or bidi format character (a
// read error at its line and column) and brings the others to Unicode NFC,
// so "José" typed in NFD is the same login as in NFC.
func (t *table) checkKeys(r row, u *record.User, probs *[]Problem) bool {
	ok := true
	for _, f := range lookAlikeKeys {
		v := u.Get(f)
		if plainASCII(v) {
			continue
		}
		if k := strings.IndexFunc(v, termtext.Invisible); k >= 0 {
			ch, _ := utf8.DecodeRuneInString(v[k:])
			line, col := r.line, 0
			for i, cell := range r.fields {
				if j := strings.IndexRune(cell, ch); j >= 0 && i < len(r.pos) {
					line, col = r.pos[i].locate(cell, j)
					break
				}
			}
			*probs = append(*probs, Problem{File: t.name, Line: line, Column: col,
				Msg: fmt.Sprintf("invisible character %U in %s \"%s\" (it would look like another user's); remove it", ch, f, termtext.Safe(v))})
			ok = false
			continue
		}
		if !norm.NFC.IsNormalString(v) {
			u.Set(f, norm.NFC.String(v))
		}
	}
	return ok
}

// columns is "1 column", "2 columns".
func columns(n int) string {
	if n == 1 {
		return "1 column"
	}
	return fmt.Sprintf("%d columns", n)
}

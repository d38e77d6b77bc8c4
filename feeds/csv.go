// Package feeds reads user feeds (CCW User files, Coupa Users CSV, HR
// exports through a mapping file) into canonical records, writes the files
// CCW and Coupa pick up, and moves them over SFTP with optional PGP.
package feeds

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
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
	MaxFeedBytes  = 2 << 30  // a whole encrypted feed, held to decrypt it
)

// lineLimiter fails a read when a physical line grows beyond MaxLineBytes.
type lineLimiter struct {
	r    io.Reader
	run  int // bytes since the last newline
	line int // physical line being read (1-based)
	max  int
}

// LineTooLong is the error of an over-long physical line.
type LineTooLong struct{ Line, Max int }

func (e *LineTooLong) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes: not a feed this tool reads", e.Line, e.Max)
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			if l.run += n - i; l.run > l.max {
				return i, &LineTooLong{Line: l.line, Max: l.max}
			}
			break
		}
		if l.run+j > l.max {
			return i, &LineTooLong{Line: l.line, Max: l.max}
		}
		l.run = 0
		l.line++
		i += j + 1
	}
	return n, err
}

// table streams a delimited file: header, then rows with their physical line.
type table struct {
	name    string
	r       *csv.Reader
	header  []string
	headPos []int // column of each header cell
	probs   []Problem
	sum     hash.Hash
	delim   rune
	extra   []int // unknown columns, carried but not compared
}

type row struct {
	line   int
	fields []string
}

// col is the 1-based column of field i of the current row (valid until the next read).
func (t *table) col(i int) int {
	if i < 0 {
		return 0
	}
	_, c := t.r.FieldPos(i)
	return c
}

// openTable detects the delimiter and reads the header. An empty file is a
// problem at line 1.
func openTable(src io.Reader, name, encoding string, delim rune) (*table, error) {
	t := &table{name: name, sum: sha256.New()}
	src = io.TeeReader(src, t.sum)
	switch strings.ToLower(encoding) {
	case "", "utf-8", "utf8":
	case "windows-1252", "cp1252":
		src = charmap.Windows1252.NewDecoder().Reader(src)
	case "latin1", "iso-8859-1":
		src = charmap.ISO8859_1.NewDecoder().Reader(src)
	default:
		return nil, fmt.Errorf("unknown encoding %q (use utf-8 or windows-1252)", encoding)
	}
	src = &lineLimiter{r: src, line: 1, max: MaxLineBytes}
	br := bufio.NewReaderSize(src, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	if delim == 0 {
		first, _ := br.Peek(br.Buffered())
		if len(first) == 0 {
			first, _ = br.Peek(4096)
		}
		if i := bytes.IndexByte(first, '\n'); i >= 0 {
			first = first[:i]
		}
		delim = ','
		if bytes.Count(first, []byte("|")) > bytes.Count(first, []byte(",")) {
			delim = '|'
		}
	}
	t.delim = delim
	t.r = csv.NewReader(br)
	t.r.ReuseRecord = true // a row's values outlive the slice, not the strings
	t.r.Comma = delim
	t.r.FieldsPerRecord = -1 // counted here, so every bad row is reported
	rec, err := t.r.Read()
	if err == io.EOF {
		return nil, &ReadError{[]Problem{{File: name, Line: 1, Msg: "the file is empty (a header row is required)"}}}
	}
	if err != nil {
		return nil, &ReadError{[]Problem{t.parseProblem(err)}}
	}
	t.header = append([]string(nil), rec...)
	for i := range rec {
		_, c := t.r.FieldPos(i)
		t.headPos = append(t.headPos, c)
		if !utf8.ValidString(rec[i]) {
			return nil, &ReadError{[]Problem{t.badUTF8(1, c, rec[i])}}
		}
		if p, bad := t.checkCell(i, rec[i]); bad {
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

func (t *table) badUTF8(line, col int, field string) Problem {
	off := 0
	for off < len(field) {
		r, size := utf8.DecodeRuneInString(field[off:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		off += size
	}
	return Problem{File: t.name, Line: line, Column: col + off,
		Msg: "invalid UTF-8 (a Windows-1252 export? read it with --encoding windows-1252)"}
}

// next returns the next row; ok is false at the end or after a fatal parse error.
func (t *table) next() (row, bool) {
	for {
		rec, err := t.r.Read()
		if err == io.EOF {
			return row{}, false
		}
		if err != nil {
			t.probs = append(t.probs, t.parseProblem(err))
			var pe *csv.ParseError
			if !errors.As(err, &pe) || errors.Is(pe.Err, csv.ErrQuote) {
				return row{}, false // an unclosed quote swallows the rest of the file; a read error ends it
			}
			continue
		}
		line, _ := t.r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		r := row{line: line, fields: rec}
		bad := false
		for i := range rec {
			if !utf8.ValidString(rec[i]) {
				l, c := t.r.FieldPos(i)
				t.probs = append(t.probs, t.badUTF8(l, c, rec[i]))
				bad = true
			} else if p, isBad := t.checkCell(i, rec[i]); isBad {
				t.probs = append(t.probs, p)
				bad = true
			}
		}
		if bad {
			continue
		}
		if len(rec) != len(t.header) {
			t.probs = append(t.probs, Problem{File: t.name, Line: line,
				Msg: fmt.Sprintf("%d columns, the header has %d", len(rec), len(t.header))})
			continue
		}
		return r, true
	}
}

// checkCell refuses a cell that could drive a terminal or is far too
// long: a control character (C0 other than TAB, CR and LF; DEL; C1) is a
// problem at its own line and column; a line break inside a quoted value
// stays valid.
func (t *table) checkCell(i int, v string) (Problem, bool) {
	if len(v) > MaxFieldBytes {
		line, col := t.r.FieldPos(i)
		return Problem{File: t.name, Line: line, Column: col, Msg: fmt.Sprintf("a value of %d bytes (the limit is %d)", len(v), MaxFieldBytes)}, true
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
		line, col := t.r.FieldPos(i)
		// columns count bytes, as the csv reader's do
		l, cc := line, col+k
		if nl := strings.LastIndexByte(v[:k], '\n'); nl >= 0 {
			l, cc = line+strings.Count(v[:k], "\n"), k-nl
		}
		return Problem{File: t.name, Line: l, Column: cc, Msg: fmt.Sprintf("control character %U in a value (only TAB and line breaks are allowed)", r)}, true
	}
	return Problem{}, false
}

func (t *table) digest() string {
	return hex.EncodeToString(t.sum.Sum(nil))
}

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

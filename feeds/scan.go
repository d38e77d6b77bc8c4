package feeds

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"io"
	"math/bits"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// scanner splits a delimited file held whole in memory into records with
// exactly encoding/csv's rules (ReuseRecord, FieldsPerRecord -1, strict
// quotes: the same fields, the same positions, the same errors; a
// differential fuzz test holds it to that), but without copying: a field
// is a string over the file's own bytes unless it had to be unescaped.
// The bytes must not change while any field is in use.
type scanner struct {
	data    []byte
	off     int // start of the next physical line
	numLine int // physical lines read, as csv counts them
	comma   rune
	commaB  []byte
	scratch []byte
	// inPlace is the physical line of the record next returned last, when
	// every field of it is a view of that line ("" otherwise): the line's
	// bytes are then its fields' bytes, separators and quotes.
	inPlace string
}

// fieldPos is where a field starts: its physical line and 1-based byte
// column (of its opening quote, when quoted).
type fieldPos struct {
	line, col int32
	quoted    bool
}

// locate is where byte k of the value v read at p sits in the file: its
// physical line and 1-based byte column. A quoted value starts one column
// after its quote, and each quote in it was written twice.
func (p fieldPos) locate(v string, k int) (line, col int) {
	line, col = int(p.line), int(p.col)
	start := 0
	if nl := strings.LastIndexByte(v[:k], '\n'); nl >= 0 {
		line += strings.Count(v[:k], "\n")
		col, start = 1, nl+1
	} else if p.quoted {
		col++
	}
	col += k - start
	if p.quoted {
		col += strings.Count(v[start:k], `"`)
	}
	return line, col
}

var errInvalidDelim = errors.New("csv: invalid field or comment delimiter")

func newScanner(data []byte, comma rune) *scanner {
	return &scanner{data: data, comma: comma, commaB: utf8.AppendRune(nil, comma)}
}

func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// readLine returns the next physical line without its terminator, and
// whether it had one ("\n", or "\r\n" taken as "\n"); at the end of the
// data ok is false. A trailing "\r" before the end is dropped, as csv does.
// A line longer than MaxLineBytes is an error at its line.
func (s *scanner) readLine() (line []byte, nl, ok bool, err error) {
	if s.off >= len(s.data) {
		s.numLine++
		return nil, false, false, nil
	}
	rest := s.data[s.off:]
	i := bytes.IndexByte(rest, '\n')
	s.numLine++
	if i < 0 {
		if len(rest) > MaxLineBytes {
			return nil, false, false, &LineTooLong{Line: s.numLine, Max: MaxLineBytes}
		}
		s.off = len(s.data)
		if rest[len(rest)-1] == '\r' {
			rest = rest[:len(rest)-1]
		}
		return rest, false, true, nil
	}
	if i > MaxLineBytes {
		return nil, false, false, &LineTooLong{Line: s.numLine, Max: MaxLineBytes}
	}
	s.off += i + 1
	line = rest[:i]
	if i > 0 && line[i-1] == '\r' {
		line = line[:i-1]
	}
	return line, true, true, nil
}

// str is a view of b as a string: b lies in data, which never changes.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// splitPlain appends the fields of a line with no quote, split at every
// delimiter c. Fields are short (a few bytes each), so the delimiters are
// found eight bytes at a time rather than by a search per field.
func splitPlain(line []byte, c byte, at int32, fields []string, pos []fieldPos) ([]string, []fieldPos) {
	const ones, lows = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	pat := ones * uint64(c)
	start := 0
	field := func(end int) {
		fields = append(fields, str(line[start:end]))
		pos = append(pos, fieldPos{line: at, col: int32(start + 1)})
		start = end + 1
	}
	i := 0
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:]) ^ pat // a zero byte where c is
		// the high bit of each zero byte, exactly (no borrow between bytes)
		m := ^(((w & lows) + lows) | w | lows)
		for ; m != 0; m &= m - 1 {
			field(i + bits.TrailingZeros64(m)/8)
		}
	}
	for ; i < len(line); i++ {
		if line[i] == c {
			field(i)
		}
	}
	field(len(line))
	return fields, pos
}

// next appends one record's fields and their positions, as csv.Reader.Read
// would read it: io.EOF at the end, a *csv.ParseError or *LineTooLong on a
// bad record (what was appended then is not a record).
func (s *scanner) next(fields []string, pos []fieldPos) ([]string, []fieldPos, error) {
	s.inPlace = ""
	if !validDelim(s.comma) {
		return fields, pos, errInvalidDelim
	}
	var line []byte
	var nl, ok bool
	var err error
	for {
		line, nl, ok, err = s.readLine()
		if err != nil {
			return fields, pos, err
		}
		if !ok {
			return fields, pos, io.EOF
		}
		if len(line) > 0 {
			break
		}
		// an empty line: csv skips it
	}
	s.inPlace = str(line)
	recLine := s.numLine
	posLine, col := s.numLine, 1
	cl := len(s.commaB)
	c0 := s.commaB[0]
	if cl == 1 && bytes.IndexByte(line, '"') < 0 {
		// The common case: no quote on the line, so each field runs to the
		// next delimiter, with nothing to check or unescape.
		fields, pos = splitPlain(line, c0, int32(posLine), fields, pos)
		return fields, pos, nil
	}
	for {
		if len(line) == 0 || line[0] != '"' {
			// unquoted
			var i int
			if cl == 1 {
				i = bytes.IndexByte(line, c0)
			} else {
				i = bytes.Index(line, s.commaB)
			}
			field := line
			if i >= 0 {
				field = line[:i]
			}
			if j := bytes.IndexByte(field, '"'); j >= 0 {
				return fields, pos, &csv.ParseError{StartLine: recLine, Line: s.numLine, Column: col + j, Err: csv.ErrBareQuote}
			}
			fields = append(fields, str(field))
			pos = append(pos, fieldPos{line: int32(posLine), col: int32(col)})
			if i < 0 {
				return fields, pos, nil
			}
			line = line[i+cl:]
			col += i + cl
			continue
		}
		// quoted
		fp := fieldPos{int32(posLine), int32(col), true}
		line = line[1:]
		col++
		// The common case, not copied: closed on the same line, no doubled quote.
		if i := bytes.IndexByte(line, '"'); i >= 0 {
			after := line[i+1:]
			if len(after) == 0 || bytes.HasPrefix(after, s.commaB) {
				fields = append(fields, str(line[:i]))
				pos = append(pos, fp)
				if len(after) == 0 {
					return fields, pos, nil
				}
				line = after[cl:]
				col += i + 1 + cl
				continue
			}
		}
		// The general case, copied: doubled quotes, line breaks, errors.
		s.inPlace = ""
		buf := s.scratch[:0]
		for {
			if i := bytes.IndexByte(line, '"'); i >= 0 {
				buf = append(buf, line[:i]...)
				line = line[i+1:]
				col += i + 1
				switch {
				case len(line) > 0 && line[0] == '"': // "" is one quote
					buf = append(buf, '"')
					line = line[1:]
					col++
					continue
				case bytes.HasPrefix(line, s.commaB) || len(line) == 0: // the field's end
					fields = append(fields, string(buf))
					pos = append(pos, fp)
					s.scratch = buf
					if len(line) == 0 {
						return fields, pos, nil
					}
					line = line[cl:]
					col += cl
				default:
					s.scratch = buf
					return fields, pos, &csv.ParseError{StartLine: recLine, Line: s.numLine, Column: col - 1, Err: csv.ErrQuote}
				}
				break
			}
			if len(line) == 0 && !nl {
				// the data ended inside the quotes
				s.scratch = buf
				return fields, pos, &csv.ParseError{StartLine: recLine, Line: posLine, Column: col, Err: csv.ErrQuote}
			}
			// the quoted value goes on over the line break
			buf = append(buf, line...)
			col += len(line)
			if nl {
				buf = append(buf, '\n')
				col++
			}
			line, nl, ok, err = s.readLine()
			if err != nil {
				s.scratch = buf
				return fields, pos, err
			}
			if !ok {
				line, nl = nil, false
			} else if len(line) > 0 || nl {
				posLine++
				col = 1
			}
		}
	}
}

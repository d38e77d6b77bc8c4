package feeds

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	gosync "sync"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/record"
)

// Kind is the layout of a feed.
type Kind string

const (
	KindCCW   Kind = "ccw"       // CCW User file (stand-alone layout, unified columns accepted)
	KindCoupa Kind = "coupa-csv" // Coupa Users CSV (import or export headers)
	KindHR    Kind = "hr"        // HR export through a mapping file
)

// Options control reading.
type Options struct {
	Encoding  string   // "" (UTF-8) or windows-1252
	Mapping   *Mapping // HR exports
	Delimiter rune     // 0: detect
	Full      *bool    // nil: detect (no Status column means full)
}

// Feed is a parsed feed.
type Feed struct {
	Name     string
	Kind     Kind
	Full     bool // no Status column: absence from the feed means "gone"
	SHA256   string
	Users    []*record.User
	Warnings []string
	Header   []string
}

// ReadFile reads a feed from disk; it must be a regular file (a FIFO
// would block for ever, a device never ends).
func ReadFile(path string, opts Options) (*Feed, error) {
	f, _, err := fileutil.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path, opts)
}

// Read parses a feed. Every problem is reported at once in a *ReadError.
func Read(src io.Reader, name string, opts Options) (*Feed, error) {
	delim := opts.Delimiter
	if opts.Mapping != nil && opts.Mapping.Delimiter != "" {
		delim = []rune(opts.Mapping.Delimiter)[0]
	}
	defer pauseGC()()
	t, err := openTable(src, name, opts.Encoding, delim)
	if err != nil {
		return nil, err
	}
	feed := &Feed{Name: filepath.Base(name), Header: t.header}
	cols := map[string]int{}
	for i, h := range t.header {
		cols[normHeader(h)] = i
	}
	var rd rowReader
	switch {
	case opts.Mapping != nil:
		feed.Kind = KindHR
		rd, err = newHRReader(t, opts.Mapping)
	case has(cols, "user id", "supervisor id", "ccw user role") || hasPrefix(cols, "master data segment"):
		feed.Kind = KindCCW
		rd, err = newCCWReader(t, cols)
	case has(cols, "login"):
		feed.Kind = KindCoupa
		rd, err = newCoupaReader(t, cols)
	default:
		return nil, &ReadError{[]Problem{{File: name, Line: 1, Msg: "unrecognised header: expected a CCW User file (User ID, ...), a Coupa Users CSV (Login, ...) or --mapping for an HR export"}}}
	}
	if err != nil {
		return nil, err
	}
	feed.Warnings = rd.warnings()
	_, hasStatus := cols["status"]
	feed.Full = !rd.hasStatus() && !(feed.Kind == KindCoupa && hasStatus)
	if opts.Full != nil {
		feed.Full = *opts.Full
	}
	for {
		r, ok := t.next()
		if !ok {
			break
		}
		if u := rd.read(r); u != nil {
			feed.Users = append(feed.Users, u)
		}
	}
	if post, ok := rd.(interface {
		finish([]*record.User) []*record.User
	}); ok {
		feed.Users = post.finish(feed.Users)
	}
	t.probs = append(t.probs, duplicates(name, feed.Users)...)
	if len(t.probs) > 0 {
		return nil, &ReadError{sortedProblems(t.probs)}
	}
	feed.SHA256 = t.digest()
	return feed, nil
}

var gcPause struct {
	sync.Mutex
	readers int
	prev    int
}

// pauseGC lets the heap grow without collections while a feed is read:
// reading builds only live records, so a collection then finds nothing to
// free and only costs time. The previous setting comes back when the last
// concurrent read ends; a memory limit still bounds the process.
func pauseGC() (resume func()) {
	gcPause.Lock()
	if gcPause.readers == 0 {
		gcPause.prev = debug.SetGCPercent(-1)
	}
	gcPause.readers++
	gcPause.Unlock()
	return func() {
		gcPause.Lock()
		if gcPause.readers--; gcPause.readers == 0 {
			debug.SetGCPercent(gcPause.prev)
		}
		gcPause.Unlock()
	}
}

type rowReader interface {
	read(row) *record.User
	warnings() []string
	hasStatus() bool
}

func has(cols map[string]int, names ...string) bool {
	for _, n := range names {
		if _, ok := cols[n]; ok {
			return true
		}
	}
	return false
}

func hasPrefix(cols map[string]int, p string) bool {
	for k := range cols {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// duplicates reports keys (login, employee number) that appear twice, naming both lines.
func duplicates(name string, users []*record.User) []Problem {
	fields := []string{record.Login, record.EmployeeNumber}
	found := make([][]Problem, len(fields))
	var wg gosync.WaitGroup
	for i, f := range fields { // one index per field, side by side
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := make(map[string]int, len(users))
			for _, u := range users {
				k := strings.ToLower(u.Get(f))
				if k == "" {
					continue
				}
				if first, ok := seen[k]; ok {
					found[i] = append(found[i], Problem{File: name, Line: u.Source.Line,
						Msg: fmt.Sprintf("duplicate %s %q (also on line %d)", f, u.Get(f), first)})
					continue
				}
				seen[k] = u.Source.Line
			}
		}()
	}
	wg.Wait()
	return append(found[0], found[1]...)
}

// isCurrencyCode is three letters (ISO 4217's shape).
func isCurrencyCode(v string) bool {
	if len(v) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c := v[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// checker validates cell values and records problems at their column.
type checker struct {
	t *table
	r row
}

func (c checker) bad(i int, f string, a ...any) {
	c.t.probs = append(c.t.probs, Problem{File: c.t.name, Line: c.r.line, Column: c.t.col(i), Msg: fmt.Sprintf(f, a...)})
}

func (c checker) email(i int, v string) {
	if v == "" || v == record.Clear {
		return
	}
	if !validEmail(v) {
		c.bad(i, "malformed email %q", v)
	}
}

// validEmail accepts local@domain.tld with no spaces, brackets or quotes:
// what Coupa's user loader takes, checked without a parser per row.
func validEmail(v string) bool {
	at := strings.IndexByte(v, '@')
	if at <= 0 || at != strings.LastIndexByte(v, '@') {
		return false
	}
	domain := v[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || dot == len(domain)-1 || strings.Contains(domain, "..") {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case ch <= ' ', ch == 0x7f, strings.IndexByte(`<>()[]\,;:"`, ch) >= 0:
			return false
		}
	}
	return true
}

func (c checker) currency(i int, v string) {
	if v != "" && v != record.Clear && !isCurrencyCode(v) {
		c.bad(i, "malformed currency code %q (want ISO 4217, e.g. USD)", v)
	}
}

// column is a resolved header position (-1 when absent).
type column int

func (c column) get(r row) string {
	if c < 0 || int(c) >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[c])
}

func find(cols map[string]int, names ...string) column {
	for _, n := range names {
		if i, ok := cols[n]; ok {
			return column(i)
		}
	}
	return -1
}

func missing(t *table, required map[string]column) error {
	var probs []Problem
	for name, c := range required {
		if c < 0 {
			probs = append(probs, Problem{File: t.name, Line: 1, Msg: fmt.Sprintf("missing required column %q", name)})
		}
	}
	if len(probs) > 0 {
		return &ReadError{sortedByMsg(probs)}
	}
	return nil
}

func sortedByMsg(p []Problem) []Problem {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].Msg < p[j-1].Msg; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
	return p
}

func unknownColumns(t *table, used map[int]bool) []string {
	var extra []string
	for i, h := range t.header {
		if !used[i] {
			extra = append(extra, strconv.Quote(h))
			t.extra = append(t.extra, i)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s: unknown columns %s are kept with each row but not compared", t.name, strings.Join(extra, ", "))}
}

// keepExtra carries the row's unknown columns as feed.<Header> fields.
func keepExtra(t *table, r row, u *record.User) {
	for _, i := range t.extra {
		u.Set("feed."+strings.TrimSpace(t.header[i]), column(i).get(r))
	}
}

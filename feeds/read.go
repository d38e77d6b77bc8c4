package feeds

import (
	"bytes"
	"fmt"
	"github.com/ccwrecon/ccwrecon/internal/arena"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"runtime"
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
	data, err := ReadAllLimited(f, path)
	if err != nil {
		return nil, err
	}
	return ReadBytes(data, path, opts)
}

// ReadAllLimited reads a whole feed, refusing one over MaxFeedBytes
// before holding it; a file's size presizes the buffer.
func ReadAllLimited(src io.Reader, name string) ([]byte, error) {
	size := 0
	if l, ok := src.(interface{ Len() int }); ok { // a bytes.Reader: what is left
		size = l.Len()
	}
	if st, ok := src.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			if fi.Size() > MaxFeedBytes {
				return nil, fmt.Errorf("%s is larger than %d bytes: not a feed this tool reads", name, MaxFeedBytes)
			}
			size = int(fi.Size())
		}
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(src, MaxFeedBytes+1)); err != nil {
		return nil, err
	}
	if buf.Len() > MaxFeedBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes: not a feed this tool reads", name, MaxFeedBytes)
	}
	return buf.Bytes(), nil
}

// Read parses a feed. Every problem is reported at once in a *ReadError.
func Read(src io.Reader, name string, opts Options) (*Feed, error) {
	data, err := ReadAllLimited(src, name)
	if err != nil {
		return nil, err
	}
	return ReadBytes(data, name, opts)
}

// ReadBytes parses a feed held whole. The feed keeps data: its values
// are read from it in place, so data must not change afterwards.
func ReadBytes(data []byte, name string, opts Options) (*Feed, error) {
	delim := opts.Delimiter
	if opts.Mapping != nil && opts.Mapping.Delimiter != "" {
		delim = []rune(opts.Mapping.Delimiter)[0]
	}
	defer pauseGC()()
	t, err := openTable(data, name, opts.Encoding, delim)
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
	var probs []Problem
	// The keys the population-wide passes compare are hashed as each row
	// is read, on every core, while the record is at hand.
	seed := maphash.MakeSeed()
	var hashes []keyHashes
	feed.Users, probs, hashes = readRows(t, rd, seed)
	// Then those passes run side by side (the duplicates on two cores, the
	// managers' references here); what the references change is changed after.
	var dups []Problem
	var numbers *partitioned
	done := make(chan struct{})
	go func() { dups, numbers = duplicates(name, feed.Users, hashes); close(done) }()
	hr, isHR := rd.(*hrReader)
	var refs *partitioned
	if isHR {
		refs = partitionHashed(managerNumber, hashes, keyRef)
	}
	<-done
	if isHR {
		hr.finish(feed.Users, numbers, refs)
	}
	probs = append(probs, dups...)
	if len(probs) > 0 {
		return nil, &ReadError{sortedProblems(probs)}
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
	// read builds one row's record (nil: the row is left out), its
	// problems and records going to w: rows are read on every core.
	read(r row, w *worker) *record.User
	warnings() []string
	hasStatus() bool
}

// worker is one core's share of the reading: its records' slab and the
// problems of the rows it is reading.
type worker struct {
	name  string
	slab  record.Slab
	probs []Problem
	text  arena.Text         // derived text (see lower)
	lists arena.Slab[string] // role lists
	split []string
}

// list splits a comma list into the worker's blocks of strings (one
// allocation per few thousand rows, not one or two per row).
func (w *worker) list(s string) []string {
	w.split = record.AppendList(w.split[:0], s)
	return w.lists.Keep(w.split)
}

// chunk is a run of rows read by the scanner, handed to a worker whole.
type chunk struct {
	rows   []row
	fields []string
	pos    []fieldPos
	out    *chunkResult
}

type chunkResult struct {
	users  []*record.User
	probs  []Problem
	hashes []keyHashes
}

const chunkRows = 2048

// chunkFields bounds a chunk by its fields as well: a feed thousands of
// columns wide fills a chunk with a few rows, so the chunks in flight
// hold a few MB whatever the width.
const chunkFields = 1 << 17

// readRows scans the rows on this goroutine and reads them into records
// on every core, a chunk at a time; records and problems come out in file
// order. Chunks are recycled, so the rows in flight stay few.
func readRows(t *table, rd rowReader, seed maphash.Seed) ([]*record.User, []Problem, []keyHashes) {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *chunk, workers)
	free := make(chan *chunk, workers+2)
	for i := 0; i < workers+2; i++ {
		// sized for a chunk of full rows: grown by append, they were 10 MB of copies a read
		width := min(chunkRows*(len(t.header)+1), chunkFields)
		free <- &chunk{fields: make([]string, 0, width), pos: make([]fieldPos, 0, width), rows: make([]row, 0, chunkRows)}
	}
	var wg gosync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{name: t.name}
			var fold []byte
			for c := range work {
				w.probs = c.out.probs
				users := make([]*record.User, 0, len(c.rows))
				hashes := make([]keyHashes, 0, len(c.rows))
				for _, r := range c.rows {
					if !t.checkRow(r, &w.probs) {
						continue
					}
					if u := rd.read(r, w); u != nil {
						if !plainRow(r) && !t.checkKeys(r, u, &w.probs) {
							continue
						}
						users = append(users, u)
						hashes = append(hashes, hashKeys(u, seed, &fold))
					}
				}
				c.out.users, c.out.probs, c.out.hashes = users, w.probs, hashes
				free <- c
			}
		}()
	}
	var results []*chunkResult
	for done := false; !done; {
		c := <-free
		c.rows, c.fields, c.pos = c.rows[:0], c.fields[:0], c.pos[:0]
		c.out = &chunkResult{}
		results = append(results, c.out)
		for len(c.rows) < chunkRows && len(c.fields) < chunkFields {
			at := len(c.fields)
			var err error
			line := t.sc.numLine + 1
			c.fields, c.pos, err = t.sc.next(c.fields, c.pos)
			if err == io.EOF {
				done = true
				break
			}
			if err != nil {
				c.fields, c.pos = c.fields[:at], c.pos[:at]
				c.rows = append(c.rows, row{line: line, err: err})
				if stops(err) {
					done = true
					break
				}
				continue
			}
			c.rows = append(c.rows, row{line: int(c.pos[at].line), fields: c.fields[at:len(c.fields):len(c.fields)], pos: c.pos[at:len(c.pos):len(c.pos)], text: t.sc.inPlace})
		}
		work <- c
	}
	close(work)
	wg.Wait()
	var users []*record.User
	var probs []Problem
	n := 0
	for _, r := range results {
		n += len(r.users)
	}
	users = make([]*record.User, 0, n)
	hashes := make([]keyHashes, 0, n)
	for _, r := range results {
		users = append(users, r.users...)
		hashes = append(hashes, r.hashes...)
		probs = append(probs, r.probs...)
	}
	return users, probs, hashes
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

// duplicates reports keys (login, employee number) that appear twice,
// naming both lines, one field on each core; it returns the partition of
// employee numbers, for the managers' references.
func duplicates(name string, users []*record.User, hashes []keyHashes) ([]Problem, *partitioned) {
	fields := []string{record.Login, record.EmployeeNumber}
	found := make([][]Problem, len(fields))
	parts := make([]*partitioned, len(fields))
	var wg gosync.WaitGroup
	for i, f := range fields {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i] = partitionHashed(f, hashes, i)
			parts[i].repeats(users, func(first, later int) {
				u := users[later]
				found[i] = append(found[i], Problem{File: name, Line: u.Source.Line,
					Msg: fmt.Sprintf("duplicate %s %q (also on line %d)", f, u.Get(f), users[first].Source.Line)})
			})
		}()
	}
	wg.Wait()
	return append(found[0], found[1]...), parts[1]
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
	w *worker
	r *row // a pointer: a checker is passed to every assignment of a row
}

func (c checker) bad(i int, f string, a ...any) {
	c.w.probs = append(c.w.probs, Problem{File: c.w.name, Line: c.r.line, Column: c.r.col(i), Msg: fmt.Sprintf(f, a...)})
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
	at, lastDot, doubleDot := -1, -1, false
	for i := 0; i < len(v); i++ { // one pass: addresses are read by the hundred thousand
		switch c := v[i]; {
		case notInEmail[c]:
			return false
		case c == '@':
			if at >= 0 {
				return false
			}
			at = i
		case c == '.' && at >= 0:
			doubleDot = doubleDot || lastDot == i-1
			lastDot = i
		}
	}
	// a local part; a dot inside the domain, not first or last; no ".."
	return at > 0 && lastDot > at+1 && lastDot < len(v)-1 && !doubleDot
}

// notInEmail marks the bytes an address may not hold: spaces and
// controls, DEL, brackets, quotes and separators.
var notInEmail = func() (t [256]bool) {
	for c := 0; c <= ' '; c++ {
		t[c] = true
	}
	t[0x7f] = true
	for _, c := range []byte(`<>()[]\,;:"`) {
		t[c] = true
	}
	return
}()

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
	return record.Trim(r.fields[c])
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

// maxKeptColumns bounds the unknown columns kept with each row: a feed
// of 50,000 unknown columns must not cost 50,000 fields a row. The rest
// are counted and named in the warning, not stored.
const maxKeptColumns = 64

func unknownColumns(t *table, used map[int]bool) []string {
	var extra []string
	n := 0
	for i, h := range t.header {
		if !used[i] {
			n++
			if len(extra) < 10 {
				extra = append(extra, strconv.Quote(h))
			}
			if len(t.extra) < maxKeptColumns {
				t.extra = append(t.extra, i)
				t.extraKeys = append(t.extraKeys, "feed."+strings.TrimSpace(h))
			}
		}
	}
	if n == 0 {
		return nil
	}
	names := strings.Join(extra, ", ")
	if n > len(extra) {
		names += fmt.Sprintf(" and %d more", n-len(extra))
	}
	if n > maxKeptColumns {
		return []string{fmt.Sprintf("%s: %d unknown columns (%s); the first %d are kept with each row but not compared, the rest are ignored", t.name, n, names, maxKeptColumns)}
	}
	return []string{fmt.Sprintf("%s: unknown columns %s are kept with each row but not compared", t.name, names)}
}

// keepExtra carries the row's unknown columns as feed.<Header> fields.
func keepExtra(t *table, r row, u *record.User) {
	for k, i := range t.extra {
		u.Set(t.extraKeys[k], column(i).get(r))
	}
}

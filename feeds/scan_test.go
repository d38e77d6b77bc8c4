package feeds

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/ccwrecon/ccwrecon/record"
)

// sameAsEncodingCSV reads data with the scanner and with encoding/csv and
// fails on the first record, position or error where they part.
func sameAsEncodingCSV(t *testing.T, data []byte, comma rune) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma, r.ReuseRecord, r.FieldsPerRecord = comma, true, -1
	s := newScanner(data, comma)
	var fields []string
	var pos []fieldPos
	for n := 0; ; n++ {
		want, werr := r.Read()
		var err error
		fields, pos, err = s.next(fields[:0], pos[:0])
		if (werr == nil) != (err == nil) || werr != nil && werr.Error() != err.Error() {
			t.Fatalf("%q record %d: error %v, encoding/csv %v", data, n, err, werr)
		}
		if errors.Is(werr, io.EOF) {
			return
		}
		if werr != nil {
			var pe *csv.ParseError
			if !errors.As(werr, &pe) || errors.Is(pe.Err, csv.ErrQuote) || errors.Is(werr, errInvalidDelim) {
				return // the reader stops here too
			}
			continue
		}
		if !reflect.DeepEqual(fields, want) {
			t.Fatalf("%q record %d: %q, encoding/csv %q", data, n, fields, want)
		}
		for _, f := range fields {
			if s.inPlace != "" && !viewOf(f, s.inPlace) {
				t.Fatalf("%q record %d: field %q is not a view of the line %q the scanner read it in place from", data, n, f, s.inPlace)
			}
		}
		for i := range want {
			l, c := r.FieldPos(i)
			if int(pos[i].line) != l || int(pos[i].col) != c {
				t.Fatalf("%q record %d field %d at %d:%d, encoding/csv %d:%d", data, n, i, pos[i].line, pos[i].col, l, c)
			}
		}
	}
}

// viewOf says whether sub lies in whole's bytes (the plain-row check
// relies on it: a plain line has only plain fields).
func viewOf(sub, whole string) bool {
	if sub == "" {
		return true
	}
	p, w := uintptr(unsafe.Pointer(unsafe.StringData(sub))), uintptr(unsafe.Pointer(unsafe.StringData(whole)))
	return p >= w && p+uintptr(len(sub)) <= w+uintptr(len(whole))
}

func TestScannerReadsAsEncodingCSV(t *testing.T) {
	t.Parallel()
	cases := []string{
		"", "\n", "\r\n", "\r", "a", "a\r", "a\n", "a,b\r\nc,d\r\n", "a,,b\n,\n", "\n\na,b\n\n",
		`"a","b"` + "\n", `"a""b",c` + "\n", `"a` + "\n" + `b",c` + "\n", `"a` + "\r\n" + `b"` + "\r\n",
		`a"b,c` + "\n", `"a"b,c` + "\n", `"abc`, `"abc` + "\n", "\"abc\n\n", `x,"abc` + "\n" + "def",
		`"",""` + "\n", `"a,b",c`, "a\rb,c\n", "a,b\r\r\n", `"a` + "\r\r\n" + `"`, "\"\n\"\n", `""""`,
		"é,ü\n", "a|b|c\n",
		// long unquoted lines, split a word at a time: delimiters at every
		// place in a word, runs of them, and the bytes one bit away (-, +)
		"abcdefgh,ijklmnop,q\n", ",,,,,,,,,,,,,,,,,\n", "a,bc,def,ghij,klmno,pqrstu,vwxyzab,cdefghij,\n",
		",-,-,-,-+,+,+,+-,-,\n", "-,-,-,-,-,-,-,-,-,-\n", "\xff,\x80\xfe,é,ü,,,aaaaaaaaaaaaaaa,\n", " \"a\",b\n", "a,\"b\"c\nd,e\n", "\"a\"\"\n\"\"b\",c\n",
	}
	for _, c := range cases {
		for _, comma := range []rune{',', '|', ';', '§', '\t'} {
			sameAsEncodingCSV(t, []byte(c), comma)
			sameAsEncodingCSV(t, []byte(strings.ReplaceAll(c, ",", string(comma))), comma)
		}
	}
	for _, comma := range []rune{'"', '\n', '\r', 0} {
		sameAsEncodingCSV(t, []byte("a,b\n"), comma)
	}
}

func FuzzScannerMatchesEncodingCSV(f *testing.F) {
	f.Add([]byte("a,\"b\"\"c\"\r\nd,\"e\nf\",g\n"), byte(','))
	f.Add([]byte("User ID|Email\nx|\"y\"z\n"), byte('|'))
	f.Fuzz(func(t *testing.T, data []byte, c byte) {
		comma := []rune{',', '|', ';', '§', '\t'}[int(c)%5]
		sameAsEncodingCSV(t, data, comma)
	})
}

// plainASCII's word-at-a-time test agrees with its byte-at-a-time
// definition for every byte at every position of a word and its tail.
func TestPlainASCII(t *testing.T) {
	t.Parallel()
	base := []byte("abcdefghijklmnopq")
	for n := 1; n <= len(base); n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := append([]byte(nil), base[:n]...)
				b[at] = byte(c)
				want := c >= 0x20 && c < 0x7f || c == '\t'
				if got := plainASCII(string(b)); got != want {
					t.Fatalf("%q: %v, want %v", b, got, want)
				}
			}
		}
	}
}

// repeats finds exactly the repeats a map of lower-cased values finds,
// each naming its first occurrence.
func TestGroupEqualMatchesAMap(t *testing.T) {
	t.Parallel()
	vals := []string{"a", "A", "b", "Ä", "ä", "İ", "i̇", "i", "", "x@Y.example", "X@y.example", "ß", "SS", "ss"}
	var users []*record.User
	for i := 0; i < 5000; i++ {
		u := record.New(record.Source{Line: i + 2})
		u.Set(record.Login, vals[(i*7+i/13)%len(vals)]+strconv.Itoa(i%300))
		users = append(users, u)
	}
	var want [][2]int
	seen := map[string]int{}
	for i, u := range users {
		k := strings.ToLower(u.Get(record.Login))
		if k == "" {
			continue
		}
		if f, ok := seen[k]; ok {
			want = append(want, [2]int{f, i})
			continue
		}
		seen[k] = i
	}
	var got [][2]int
	partitionOf(users, record.Login, maphash.MakeSeed()).repeats(users, func(first, later int) { got = append(got, [2]int{first, later}) })
	if len(want) < 1000 || !reflect.DeepEqual(got, want) {
		t.Fatalf("%d repeats, a map finds %d", len(got), len(want))
	}
}

// joinExact finds every reference a map finds, and no other.
func TestJoinMatchesAMap(t *testing.T) {
	t.Parallel()
	var users []*record.User
	for i := 0; i < 5000; i++ {
		u := record.New(record.Source{Line: i + 2})
		u.Set(record.EmployeeNumber, "E"+strconv.Itoa(i))
		if i%3 != 0 {
			u.Set("ref", "E"+strconv.Itoa((i*31)%7000)) // some point at nobody
		}
		if i%11 == 0 {
			u.Set("ref", "e"+strconv.Itoa(i/2)) // case matters
		}
		users = append(users, u)
	}
	want := map[int]int{}
	by := map[string]int{}
	for i, u := range users {
		by[u.Get(record.EmployeeNumber)] = i
	}
	for i, u := range users {
		if j, ok := by[u.Get("ref")]; ok {
			want[i] = j
		}
	}
	got := map[int]int{}
	seed := maphash.MakeSeed()
	for u, m := range joinExact(users, record.EmployeeNumber, "ref", partitionOf(users, record.EmployeeNumber, seed), partitionOf(users, "ref", seed)) {
		if m > 0 {
			got[u] = int(m - 1)
		}
	}
	if len(want) < 1000 || !reflect.DeepEqual(got, want) {
		t.Fatalf("%d found, a map finds %d", len(got), len(want))
	}
}

// The numeric date layouts read and write dates exactly as time.Parse
// and Time.Format do, refusals included.
func TestNumericDatesMatchTime(t *testing.T) {
	t.Parallel()
	layouts := []string{"01/02/2006", "2006-01-02", "02.01.2006", "20060102", "2006/02/01", "01/02/06", "Jan 2, 2006", "01 02 2006"}
	values := []string{"03/01/2019", "02/29/2020", "02/29/2019", "13/01/2019", "00/10/2019", "12/00/2019", "12/31/0000", "1/2/2019",
		"2019-03-01", "2019-02-30", "2019-3-01", "01.03.2019", "20190301", "2019/31/12", "03/01/19", "Mar 1, 2019", "03 01 2019", "03  01 2019",
		"03/01/2019 ", "ab/cd/efgh", "", "9999-12-31", "+019-03-01", "-019-03-01"}
	// every day, and the days either side of each month, of years the
	// leap-year rule treats differently
	for _, y := range []int{0, 1, 4, 100, 400, 1900, 2000, 2019, 2020, 2100, 2400, 9999} {
		for m := 0; m <= 13; m++ {
			for day := 0; day <= 32; day++ {
				values = append(values, fmt.Sprintf("%02d/%02d/%04d", m, day, y), fmt.Sprintf("%04d%02d%02d", y, m, day))
			}
		}
	}
	w := &worker{}
	for _, l := range layouts {
		d := compileDate(l)
		for _, v := range values {
			tm, err := time.Parse(l, v)
			y, m, day, ok, handled := d.parse(v)
			if !handled {
				continue
			}
			if ok != (err == nil) || ok && (y != tm.Year() || m != int(tm.Month()) || day != tm.Day()) {
				t.Errorf("%q as %q: %d-%d-%d %v, time.Parse %v %v", v, l, y, m, day, ok, tm, err)
			}
			if ok && d.format(w, y, m, day) != tm.Format(l) {
				t.Errorf("%q as %q: writes %q, Format %q", v, l, d.format(w, y, m, day), tm.Format(l))
			}
		}
	}
	if !compileDate("01/02/2006").ok || compileDate("Jan 2, 2006").ok || compileDate("01 02 2006").ok {
		t.Fatal("the numeric layouts are not the ones expected")
	}
}

// partitionOf partitions users by any field, hashed as hashKeys hashes
// the keys a reader knows.
func partitionOf(users []*record.User, field string, seed maphash.Seed) *partitioned {
	hashes := make([]keyHashes, len(users))
	var buf []byte
	for i, u := range users {
		if v := u.Get(field); v != "" {
			hashes[i][0] = max(hashFolded(seed, v, &buf), 1)
		}
	}
	return partitionHashed(field, hashes, 0)
}

// Rows are read on every core a chunk at a time; the problems still come
// out one per bad row, in line order, across chunk boundaries.
func TestProblemsAcrossChunksKeepLineOrder(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("Status|User ID|Last Name|First Name|Email\n")
	var want []string
	for i := 0; i < 3*chunkRows+17; i++ {
		line := i + 2
		email := fmt.Sprintf("u%d@acme.example", i)
		last := "Last"
		id := fmt.Sprintf("user%05d", i)
		switch {
		case i%11 == 0: // a control character refuses the row before its values are read
			last = "La\x01st"
			want = append(want, fmt.Sprintf("f.csv:%d:%d: control character", line, len("1|"+id+"|La")+1))
		case i%7 == 0:
			email = "not-an-email"
			want = append(want, fmt.Sprintf("f.csv:%d:%d: malformed email", line, len("1|"+id+"|Last|First|")+1))
		}
		fmt.Fprintf(&b, "1|%s|%s|First|%s\n", id, last, email)
	}
	_, err := Read(strings.NewReader(b.String()), "f.csv", Options{})
	var re *ReadError
	if !errors.As(err, &re) {
		t.Fatalf("%v", err)
	}
	if len(re.Problems) != len(want) {
		t.Fatalf("%d problems, want %d", len(re.Problems), len(want))
	}
	for i, p := range re.Problems {
		if !strings.HasPrefix(p.String(), want[i]) {
			t.Fatalf("problem %d: %s, want %s…", i, p, want[i])
		}
	}
}

// A worker's lower and upper are strings.ToLower and strings.ToUpper.
func TestWorkerCaseIsStringsCase(t *testing.T) {
	t.Parallel()
	w := &worker{}
	for _, s := range []string{"", "abc", "ABC", "Ab9@X.example", "Émile", "straße", "İx", "a-Z_[`{@"} {
		if got := w.lower(s); got != strings.ToLower(s) {
			t.Errorf("lower(%q) = %q", s, got)
		}
		if got := w.upper(s); got != strings.ToUpper(s) {
			t.Errorf("upper(%q) = %q", s, got)
		}
	}
}

// A key hashed in place and one folded first hash alike when they are
// equal lower-cased: duplicates and managers' references match across case.
func TestHashFoldedIsHashOfFold(t *testing.T) {
	t.Parallel()
	seed := maphash.MakeSeed()
	var buf []byte
	for _, v := range []string{"e000001", "E000001", "user@acme.example", "User@Acme.Example", "ÉLODIE", "élodie", "a", "Z", "[@]"} {
		if got, want := hashFolded(seed, v, &buf), maphash.Bytes(seed, fold(nil, v)); got != want {
			t.Errorf("%q: %x, the hash of its fold is %x", v, got, want)
		}
	}
	if hashFolded(seed, "E000001", &buf) != hashFolded(seed, "e000001", &buf) {
		t.Error("keys that differ only in case hash apart")
	}
}

// The worker's lower and upper are strings.ToLower and ToUpper, whatever
// the bytes around the letters (the characters either side of A–Z and
// a–z, non-ASCII first, in the middle or last).
func TestLowerUpperMatchStrings(t *testing.T) {
	t.Parallel()
	w := &worker{}
	edges := "@AZ[`az{09 É"
	var values []string
	for _, a := range edges {
		for _, b := range edges {
			for _, c := range edges {
				values = append(values, string([]rune{a, b, c}), "x"+string([]rune{a, b, c})+"Y")
			}
		}
	}
	values = append(values, "", "User000001@Acme.Example", "ÉLODIE", "already lower", "ALL UPPER")
	for _, v := range values {
		if got, want := w.lower(v), strings.ToLower(v); got != want {
			t.Errorf("lower(%q) = %q, want %q", v, got, want)
		}
		if got, want := w.upper(v), strings.ToUpper(v); got != want {
			t.Errorf("upper(%q) = %q, want %q", v, got, want)
		}
	}
}

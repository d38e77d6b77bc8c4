package feeds

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// checkErr: no panic, and every problem names a line.
func checkErr(t *testing.T, err error) {
	if err == nil {
		return
	}
	var re *ReadError
	if !errors.As(err, &re) {
		return // I/O-style errors (unknown encoding) carry no line
	}
	if len(re.Problems) == 0 {
		t.Fatal("a ReadError with no problem")
	}
	for _, p := range re.Problems {
		if p.Line < 1 {
			t.Fatalf("problem without a line: %+v", p)
		}
	}
}

func seed(f *testing.F, files ...string) {
	for _, name := range files {
		if b, err := os.ReadFile(fx + name); err == nil {
			f.Add(b)
		}
	}
}

func FuzzReadCCW(f *testing.F) {
	seed(f, "ccw_delta.csv", "ccw_full.csv", "bad/errors.csv", "bad/unterminated.csv", "bad/cp1252.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Read(bytes.NewReader(data), "fuzz.csv", Options{})
		checkErr(t, err)
	})
}

func FuzzReadCoupaCSV(f *testing.F) {
	seed(f, "coupa_users.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Read(bytes.NewReader(append([]byte("Login,Email,Status,User Role Names,Default Account Code\n"), data...)), "fuzz.csv", Options{})
		checkErr(t, err)
	})
}

func FuzzReadHR(f *testing.F) {
	seed(f, "workday.csv")
	m, err := LoadMapping(fx + "workday.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Read(bytes.NewReader(data), "fuzz.csv", Options{Mapping: m})
		checkErr(t, err)
	})
}

func FuzzParseMapping(f *testing.F) {
	seed(f, "workday.yaml", "bamboohr.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data, "fuzz.yaml")
		checkErr(t, err)
		if err == nil {
			_, err = Read(bytes.NewReader([]byte("a,b\n1,2\n")), "x.csv", Options{Mapping: m})
			checkErr(t, err)
		}
	})
}

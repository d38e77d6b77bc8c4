package feeds

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// rows100k builds a realistic 100,000-row file of each kind.
func ccw100k() []byte {
	var b bytes.Buffer
	b.WriteString("Status|User ID|Last Name|First Name|Middle Name|Email|CCW User Role|Supervisor ID|Job Title|Spend Limit|SSO Attribute|Work Location Code|Master Data Segment 1 Name|Master Data Segment 2 Name|Master Data Segment 3 Name\n")
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&b, "1|user%06d|Lastname%d|First%d||user%06d@acme.example|Engaging Manager|user%06d|Engineer|1000.00|user%06d@acme.example|SFO|Acme US|Engineering|Contract Labour\n",
			i, i, i, i, i/8, i)
	}
	return b.Bytes()
}

func coupa100k() []byte {
	var b bytes.Buffer
	b.WriteString(`"Login","Status","Email","First Name","Last Name","Employee Number","Approver Login","User Role Names","Default Currency","Default Account Code Segment-1","Default Account Code Segment-2"` + "\n")
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&b, `"user%06d","active","user%06d@acme.example","First%d","Lastname%d","E%06d","user%06d","User,Buyer","USD","100","4100"`+"\n", i, i, i, i, i, i/8)
	}
	return b.Bytes()
}

func hr100k() []byte {
	var b bytes.Buffer
	b.WriteString("EmployeeID,WorkerType,PreferredFirstName,LastName,EmailAddress,ManagerEmployeeID,Active,HireDate,CostCenter,Company,CurrencyCode\n")
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&b, "E%06d,Contractor,First%d,Lastname%d,User%06d@acme.example,E%06d,1,03/01/2019,4100,100,USD\n", i, i, i, i, i/8)
	}
	return b.Bytes()
}

// hrWide100k is an HR export as HR systems write them: 60 columns, most
// of which the mapping does not use (they are counted, a few kept).
func hrWide100k() []byte {
	var b bytes.Buffer
	b.WriteString("EmployeeID,WorkerType,PreferredFirstName,LastName,EmailAddress,ManagerEmployeeID,Active,HireDate,CostCenter,Company,CurrencyCode")
	for c := 0; c < 49; c++ {
		fmt.Fprintf(&b, ",Extra Attribute %d", c)
	}
	b.WriteString("\n")
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&b, "E%06d,Contractor,First%d,Lastname%d,User%06d@acme.example,E%06d,1,03/01/2019,4100,100,USD", i, i, i, i, i/8)
		for c := 0; c < 49; c++ {
			fmt.Fprintf(&b, ",value %d", c)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func benchRead(b *testing.B, data []byte, opts Options) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var live uint64
	for i := 0; i < b.N; i++ {
		f, err := Read(bytes.NewReader(data), "bench.csv", opts)
		if err != nil || len(f.Users) != 100_000 {
			b.Fatalf("%v", err)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = ms.HeapAlloc // the parsed feed (and the input bytes) still alive
		runtime.KeepAlive(f)
		b.StartTimer()
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MB")
}

func BenchmarkReadCCW100k(b *testing.B)      { benchRead(b, ccw100k(), Options{}) }
func BenchmarkReadCoupaCSV100k(b *testing.B) { benchRead(b, coupa100k(), Options{}) }
func BenchmarkReadHR100k(b *testing.B) {
	m, err := LoadMapping(fx + "workday.yaml")
	if err != nil {
		b.Fatal(err)
	}
	benchRead(b, hr100k(), Options{Mapping: m})
}

// BenchmarkReadCCW100kPeakRSS parses a 100,000-row CCW file in a child
// process and reports that process's peak resident memory.
func BenchmarkReadCCW100kPeakRSS(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ccw100k.csv")
	if err := os.WriteFile(path, ccw100k(), 0o644); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReadChild$")
		cmd.Env = append(os.Environ(), "CCWRECON_READ_CHILD="+path)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}

// TestReadChild is the process BenchmarkReadCCW100kPeakRSS measures.
func TestReadChild(t *testing.T) {
	path := os.Getenv("CCWRECON_READ_CHILD")
	if path == "" {
		t.Skip("helper process")
	}
	f, err := ReadFile(path, Options{})
	if err != nil || len(f.Users) != 100_000 {
		t.Fatalf("%v", err)
	}
}

// csvFloor reads the same bytes with encoding/csv alone, reusing records
// and keeping nothing: the floor a feed reader is measured against.
func csvFloor(b *testing.B, data []byte, comma rune) {
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma, r.ReuseRecord, r.FieldsPerRecord = comma, true, -1
		n := 0
		for {
			if _, err := r.Read(); err != nil {
				break
			}
			n++
		}
		if n != 100_001 {
			b.Fatalf("%d rows", n)
		}
	}
}

// BenchmarkParse100k measures each reader next to its floor, in one run.
func BenchmarkParse100k(b *testing.B) {
	m, err := LoadMapping(fx + "workday.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []struct {
		name  string
		data  []byte
		comma rune
		opts  Options
	}{{"ccw", ccw100k(), '|', Options{}}, {"coupa-csv", coupa100k(), ',', Options{}}, {"hr", hr100k(), ',', Options{Mapping: m}},
		{"hr-60-columns", hrWide100k(), ',', Options{Mapping: m}}} {
		b.Run(k.name+"/floor", func(b *testing.B) { csvFloor(b, k.data, k.comma) })
		b.Run(k.name+"/read", func(b *testing.B) { benchRead(b, k.data, k.opts) })
	}
}

// BenchmarkScanHR100k is the scanner alone on the HR export: the part of
// a read that runs on one goroutine while the rows are built on every core.
func BenchmarkScanHR100k(b *testing.B) {
	data := hr100k()
	b.SetBytes(int64(len(data)))
	var fields []string
	var pos []fieldPos
	for i := 0; i < b.N; i++ {
		s := newScanner(data, ',')
		n := 0
		for {
			var err error
			if fields, pos, err = s.next(fields[:0], pos[:0]); err != nil {
				break
			}
			n++
		}
		if n != 100_001 {
			b.Fatalf("%d records", n)
		}
	}
}

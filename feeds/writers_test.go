package feeds

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/record"
)

var update = flag.Bool("update", false, "rewrite golden files")

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./feeds -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

// segmented is a user with names and codes in every segment.
func segmented(login string) *record.User {
	u := record.New(record.Source{})
	for f, v := range map[string]string{record.Login: login, record.FirstName: "Ann", record.LastName: "Lee",
		record.Email: login + "@acme.example", record.Manager: "boss", record.MentionName: "annlee", record.PhoneWork: "+1 415-5550100",
		record.Currency: "USD", record.EmployeeNumber: "E1"} {
		u.Set(f, v)
	}
	u.Roles = []string{"Engaging Manager"}
	for n := 1; n <= record.MaxSegments; n++ {
		u.SetSegment(n, record.Segment{Name: "Name" + string(rune('A'+n-1)), Code: "C" + string(rune('0'+n%10))})
	}
	return u
}

// The CCW User file in the published layout: Name columns for segments
// 1–7, Code columns for 8–11; the other layouts when asked for.
func TestCCWWriterLayouts(t *testing.T) {
	t.Parallel()
	users := []*record.User{segmented("alee")}
	var pub bytes.Buffer
	if err := WriteCCW(&pub, users, CCWOptions{Delta: true}); err != nil {
		t.Fatal(err)
	}
	head := strings.SplitN(pub.String(), "\n", 2)[0]
	want := "Status|User ID|Last Name|First Name|Middle Name|Email|CCW User Role|Supervisor ID|Job Title|Spend Limit|SSO Attribute|Work Location Code|" +
		"Master Data Segment 1 Name|Master Data Segment 2 Name|Master Data Segment 3 Name|Master Data Segment 4 Name|Master Data Segment 5 Name|" +
		"Master Data Segment 6 Name|Master Data Segment 7 Name|Master Data Segment 8 Code|Master Data Segment 9 Code|Master Data Segment 10 Code|Master Data Segment 11 Code"
	if head != want {
		t.Fatalf("published header:\n%s\nwant\n%s", head, want)
	}
	goldenFile(t, "ccw_published.golden", pub.Bytes())
	o := CCWOptions{Delta: false, Delimiter: ',', Unified: true}
	o.Segments[2], o.Segments[9] = SegmentBoth, SegmentName
	var other bytes.Buffer
	if err := WriteCCW(&other, users, o); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "ccw_full_unified_both.golden", other.Bytes())
	back, err := Read(bytes.NewReader(other.Bytes()), "x.csv", Options{})
	if err != nil || !back.Full || back.Users[0].Segment(2) != users[0].Segment(2) || back.Users[0].Get(record.PhoneWork) != "+1 415-5550100" {
		t.Fatalf("%v %+v", err, back)
	}
}

// Coupa's Users CSV carries the Contingent Workforce licence: Yes where the
// load grants it, blank where it leaves it as Coupa holds it.
func TestCoupaCSVLicenceColumn(t *testing.T) {
	t.Parallel()
	a, b := segmented("grant"), segmented("keep")
	b.Set(record.EmployeeNumber, "E2")
	a.Set(record.CCWUser, "true")
	a.Set(record.SegmentField(1), "100")
	files, err := WriteCoupaCSV([]*record.User{a, b}, map[string]bool{"grant": true}, time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC), 0, 0)
	if err != nil || len(files) != 1 {
		t.Fatal(err)
	}
	goldenFile(t, "users_licence.golden", files[0].Data)
	back, err := Read(bytes.NewReader(files[0].Data), files[0].Name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Users[0].Get(record.CCWUser) != "Yes" || back.Users[1].Get(record.CCWUser) != "" {
		t.Fatalf("licence: %q %q", back.Users[0].Get(record.CCWUser), back.Users[1].Get(record.CCWUser))
	}
}

package sync

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// A value Coupa lacks is listed once with every user it holds back, and
// written as a Lookup Values CSV.
func TestMissingValuesAreListedOncePerValue(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(fx + "ccw_delta.csv")
	if err != nil {
		t.Fatal(err)
	}
	// two users in a cost centre Coupa does not have
	text := strings.Replace(string(data), "|Acme US|Engineering|", "|Acme US|Quantum Lab|", 1)
	text = strings.Replace(text, "|Acme Europe|Engineering|", "|Acme Europe|Quantum Lab|", 1)
	path := filepath.Join(t.TempDir(), "feed.csv")
	os.WriteFile(path, []byte(text), 0o600)
	f, err := feeds.ReadFile(path, feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Diff(f, acmeSnapshot(t), Config{SegmentLookups: lookups})
	if err != nil {
		t.Fatal(err)
	}
	var quantum *MissingValue
	for i, m := range p.MissingValues {
		if m.Name == "Quantum Lab" {
			if quantum != nil {
				t.Fatal("listed twice")
			}
			quantum = &p.MissingValues[i]
		}
	}
	if quantum == nil || quantum.Lookup != "Cost Center" || quantum.Segment != 2 || strings.Join(quantum.Users, ",") != "mokafor,lrossi" {
		t.Fatalf("%+v", p.MissingValues)
	}
	var buf bytes.Buffer
	if err := WriteMissingValues(&buf, p.MissingValues); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || strings.Join(rows[0], ",") != "Name,Active,Lookup,Description,External Ref Num" {
		t.Fatalf("%v %v", rows, err)
	}
	found := false
	for _, r := range rows[1:] {
		found = found || r[0] == "Quantum Lab" && r[1] == "Yes" && r[2] == "Cost Center" && r[4] == ""
	}
	if !found {
		t.Fatalf("%v", rows)
	}
	var out bytes.Buffer
	WriteText(&out, p, style.Plain())
	if strings.Count(out.String(), `lookup Cost Center: "Quantum Lab"`) != 1 || !strings.Contains(out.String(), "holds back 2 users: mokafor, lrossi") {
		t.Fatalf("%s", out.String())
	}
}

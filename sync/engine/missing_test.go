package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// A value Coupa lacks is listed once with every user it holds back, and
// written as a Lookup Values CSV.
func TestMissingValuesAreListedOncePerValue(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(synctest.Fx + "ccw_delta.csv")
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
	p, err := Diff(f, synctest.AcmeSnapshot(t), Config{SegmentLookups: synctest.Lookups})
	if err != nil {
		t.Fatal(err)
	}
	var quantum *plans.MissingValue
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
}

package engine

import (
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// A value Coupa lacks is listed once with every user it holds back, and
// written as a Lookup Values CSV.
func TestMissingValuesAreListedOncePerValue(t *testing.T) {
	t.Parallel()
	f := synctest.QuantumLabFeed(t)
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

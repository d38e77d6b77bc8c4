package views

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// The text plan of the CCW delta counts what the plan counts, says what is
// shown and not selected, and draws each change.
func TestCCWDeltaPlanText(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }
	p, err := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), synctest.AcmeSnapshot(t), engine.Config{SegmentLookups: synctest.Lookups, Now: now, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	WriteText(&text, p, style.Plain())
	if !strings.Contains(text.String(), "Plan: 2 to create, 2 to update, 1 to deactivate, 1 to reactivate (36 changes to 6 users).") ||
		!strings.Contains(text.String(), "Shown, not selected: 6 informational differences, 4 users with problems.") ||
		strings.Contains(text.String(), "partly selected") ||
		!strings.Contains(text.String(), `~ email "lrossi@acme.example" -> "luca.rossi@acme.example"`) {
		t.Errorf("text plan:\n%s", text.String())
	}
}

// A held login change is said, with the flag that releases it.
func TestNotSelectedLineNamesTheLoginFlag(t *testing.T) {
	if l := NotSelectedLine(plans.Unselected{Logins: 1}); !strings.Contains(l, "--allow-login-change") {
		t.Fatal(l)
	}
}

// Values Coupa lacks are written as a Lookup Values CSV, and the text plan
// names each once with the users it holds back.
func TestMissingValuesViews(t *testing.T) {
	t.Parallel()
	f := synctest.QuantumLabFeed(t)
	p, err := engine.Diff(f, synctest.AcmeSnapshot(t), engine.Config{SegmentLookups: synctest.Lookups})
	if err != nil {
		t.Fatal(err)
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

// The load status says whether Coupa finished (refusing rows) or is still
// loading.
func TestLoadStatusSaysFinishedOrStillLoading(t *testing.T) {
	t.Parallel()
	refused := &followup.LoadStatus{Files: []followup.FileStatus{{File: "a.csv", Status: followup.LoadDone, RowError: []followup.RowError{{Row: 1, Messages: []string{"Email taken"}}}}}}
	if s := LoadStatusText(refused); !strings.Contains(s, "Coupa finished loading every file, refusing what is listed above") {
		t.Fatal(s)
	}
	pending := &followup.LoadStatus{Files: []followup.FileStatus{{File: "a.csv", Status: followup.LoadDone}, {File: "b.csv", Status: "Pending"}}}
	if s := LoadStatusText(pending); !strings.Contains(s, "Coupa has not loaded every file yet") || !pending.Pending() {
		t.Fatal(s)
	}
}

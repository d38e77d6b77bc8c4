package plans

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
)

// FuzzParsePlan: whatever bytes a plan file holds, loading it never
// panics, and whatever it accepts round-trips to the same digest.
func FuzzParsePlan(f *testing.F) {
	// a small valid plan: large seeds make the fuzzer slow to minimise
	p := &Plan{Format: PlanFormat, Instance: "https://acme.coupahost.com", CreatedAt: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
		Users: []*UserPlan{
			{Key: "jbrown", Action: Deactivate, Selected: true, Fingerprint: &Fingerprint{ID: 7, Hash: "ab"},
				Changes: []Change{{Field: "active", Op: OpChange, Before: Bool(true), After: Bool(false), Selected: true}},
				Same:    []FieldValue{{"roles", Roles([]string{"User"})}, {"phone-work", PhoneValue(Phone{Number: "5550100"})}}},
			{Key: "spatel", Action: Update, Selected: true, Fingerprint: &Fingerprint{ID: 4, Hash: "cd"},
				Changes: []Change{{Field: "user-groups", Op: OpChange, Before: Roles([]string{"Finance Approvers"}), After: Roles([]string{"IT Requesters"}), Selected: true},
					{Field: "requisition-approval-limit", Op: OpAdd, Before: Text(""), After: Text("750.00 EUR"), Selected: true},
					{Field: "purchasing-user", Op: OpChange, Before: Bool(true), After: Bool(false), Selected: true}}},
			{Key: "wlee", Action: Error, Line: 9, Problems: []Problem{{Kind: ProblemSupervisor, Line: 9, Users: []string{"wlee", "HUMJINK"}, Message: "supervisor HUMJINK is nowhere"}},
				Changes: []Change{{Field: "email", Op: OpAdd, Before: Text(""), After: Text("w@x.example")}}},
		}}
	p.Recount()
	p.Digest = DigestOf(p)
	var seed bytes.Buffer
	if err := WriteJSON(&seed, p); err != nil {
		f.Fatal(err)
	}
	if _, err := ParsePlan(seed.Bytes()); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(`{"format":"ccwrecon-plan/2","instance":"x","digest":"d","users":[{"key":"a","action":"update","changes":[{"field":"active","op":"change","coupa":"true","feed":"false","before":true,"after":"0"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePlan(b)
		if err != nil {
			return
		}
		if DigestOf(p) != p.Digest {
			t.Fatal("an accepted plan's digest does not match")
		}
		if err := CheckSelection(p, Rules{Guard: Guard{Max: 25, Pct: 5}}); err == nil {
			for _, u := range p.Users {
				if u.Action == Error && u.SelectedCount() > 0 {
					t.Fatal("an error user is selected")
				}
			}
		}
		// the streamed writer of record is held to encoding/json on every
		// plan the loader accepts (a differential test, not an example)
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&got, p); err != nil {
			t.Fatal(err)
		}
		if w := termtext.JSON(want.Bytes()); !bytes.Equal(got.Bytes(), w) {
			t.Fatalf("the streamed plan differs from encoding/json's\n got %q\nwant %q", got.String(), w)
		}
	})
}

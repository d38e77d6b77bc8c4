package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/record"
)

// The streamed writer must write exactly what one json.Encoder with a
// two-space indent writes (then escaped), across block boundaries, with
// no users, and with text that JSON escapes.
func TestWriteJSONMatchesEncoder(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 1023, 1024, 2500} {
		p := &Plan{Format: PlanFormat, Instance: "https://a<b>.example", Warnings: []string{"w\u007f1"}, Users: []*UserPlan{}}
		for i := 0; i < n; i++ {
			p.Users = append(p.Users, &UserPlan{Key: fmt.Sprintf("u%d&<x>\u0085", i), Action: Update, Line: i + 2,
				Changes: []Change{{Field: "firstname", Op: OpChange, Before: Text("A"), After: Text("B\"\n"), Selected: true}}})
			if i%3 == 0 {
				u := p.Users[i]
				u.Name, u.Inferred, u.Unchanged = "Zoë <Z>", true, 2
				u.Changes = append(u.Changes, Change{Field: "roles", Op: OpChange, Before: Roles([]string{"User"}), After: Roles([]string{"Buyer", "User"}), Informational: true, Note: "n"},
					Change{Field: "active", Op: OpChange, Before: Bool(true), After: Bool(false), Selected: true},
					Change{Field: "phone-work", Op: OpAdd, Before: None("phone-work"), After: PhoneValue(Phone{CountryCode: "1", Number: "555"})})
				u.Problems = []Problem{{Kind: ProblemCycle, Line: 3, Users: []string{"a", "b"}, Message: "cycle a → b"}}
				u.Same = []FieldValue{{"email", Text("a@b.c")}, {"account-security-type", Int(2)}}
				u.Fingerprint = &Fingerprint{ID: i, UpdatedAt: "2026-01-01T00:00:00Z", Hash: "abc"}
				u.CoupaAccount = &AccountSeen{Chart: "Acme", Segments: map[int]string{1: "200", 10: "x"}}
				u.CCWSegments = SegmentSet{{2, record.Segment{Name: "Fin", Code: "42"}}, {11, record.Segment{Code: "z"}}}
				u.CCWHeld = SegmentSet{{3, record.Segment{Name: "H"}}}
			}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteJSON(&got, p); err != nil {
			t.Fatal(err)
		}
		if w := termtext.JSON(want.Bytes()); !bytes.Equal(got.Bytes(), w) {
			t.Fatalf("%d users: streamed JSON differs\n got %q\nwant %q", n, got.String()[:min(got.Len(), 400)], string(w[:min(len(w), 400)]))
		}
	}
}

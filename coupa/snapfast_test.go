package coupa

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func fastSample(t testing.TB) *Snapshot {
	yes := true
	s := &Snapshot{Format: SnapshotFormat, Instance: "https://acme.coupahost.com", HighWater: "2026-11-01T00:00:00Z",
		Currencies: []Currency{{ID: 1, Code: "EUR", Enabled: &yes}}, Warnings: []string{"lookups not read"}}
	s.Users = []User{
		{ID: 1, Login: "ann", Email: "ann@x.com", Firstname: "Ann", Lastname: "Ng", Active: true, AccountSecurityType: 2,
			Roles: []Role{{ID: 1, Name: "User"}, {ID: 2, Name: "Buyer", Omnipotent: true}}},
		{ID: 2, Login: "bo\"b\\", Email: "b@x.com", Firstname: "Bö \u2028 <tag>&", Lastname: "Tab\tNew\nline", Middlename: "\u007f",
			UpdatedBy: &Ref{ID: 9, Login: "api"}, DefaultCurrency: &Currency{ID: 3, Code: "USD"}, Manager: &Ref{ID: 1, Login: "ann"},
			DefaultAccountType: &Ref{ID: 4, Name: "Acme"}, PhoneWork: &Phone{CountryCode: "1", AreaCode: "415", Number: "5550100", Extension: "7"},
			DefaultAccount: &Account{ID: 5, Name: "A-1", Active: &yes, AccountType: &Ref{ID: 4, Name: "Acme"}, Segments: map[int]string{1: "200", 3: "61"}},
			AccountGroups:  []Ref{{ID: 7, Name: "EU"}}, CCWUser: true, APIUser: true, Roles: []Role{},
			CustomFields: map[string]any{"cost-centre": "CC-1", "grade": 7.5, "flag": true, "lk": map[string]any{"id": 3.0, "name": "x"}}},
		{ID: 3, Login: "cy", Roles: nil},
	}
	return s
}

// The fast decoder must give exactly what encoding/json gives for every
// field kind, escapes included.
func TestFastSnapshotMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	s := fastSample(t)
	var buf bytes.Buffer
	if err := s.encode(&buf); err != nil {
		t.Fatal(err)
	}
	fast, err := decodeFast(buf.String())
	if err != nil {
		t.Fatalf("fast path refused our own layout: %v", err)
	}
	var slow Snapshot
	if err := json.Unmarshal(buf.Bytes(), &slow); err != nil {
		t.Fatal(err)
	}
	for i := range fast.Users {
		if fast.Users[i].raw == "" {
			t.Fatal("a decoded user keeps its line, to be written back as it is")
		}
		fast.Users[i].raw = ""
	}
	if !reflect.DeepEqual(fast, &slow) {
		t.Fatalf("fast and encoding/json differ:\nfast %+v\nslow %+v", fast.Users, slow.Users)
	}
	if !reflect.DeepEqual(fast.Users, s.Users) {
		t.Fatalf("round trip lost something:\n got %+v\nwant %+v", fast.Users, s.Users)
	}
}

// Other valid layouts load through encoding/json; broken ones fail with
// the file named.
func TestSnapshotOtherLayouts(t *testing.T) {
	t.Parallel()
	s := fastSample(t)
	dir := t.TempDir()
	pretty, _ := json.MarshalIndent(s, "", "  ")
	p := filepath.Join(dir, "pretty.json")
	os.WriteFile(p, pretty, 0o600)
	got, err := LoadSnapshot(p)
	if err != nil || !reflect.DeepEqual(got.Users, s.Users) {
		t.Fatalf("pretty-printed snapshot: %v", err)
	}
	var buf bytes.Buffer
	s.encode(&buf)
	broken := strings.Replace(buf.String(), `"login":"cy"`, `"login":cy`, 1)
	p = filepath.Join(dir, "broken.json")
	os.WriteFile(p, []byte(broken), 0o600)
	if _, err := LoadSnapshot(p); err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Fatalf("broken snapshot: %v", err)
	}
	unknown := strings.Replace(buf.String(), `"login":"cy"`, `"login":"cy","nickname":"c"`, 1)
	if fast, err := decodeFast(unknown); err == nil || fast != nil {
		t.Fatal("an unknown user field must leave the fast path")
	}
}

// The high water read as text is the one time.Parse finds.
func TestHighWaterFastPathAgreesWithParse(t *testing.T) {
	for _, c := range [][]string{
		{"2026-03-15T19:40:00Z", "2026-03-15T19:40:01Z", "2025-12-31T23:59:59Z"},
		{"2026-03-15T19:40:00Z", "2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z"},
		{"2026-03-15T19:40:00Z", "2026-03-15T21:40:00+03:00", "2026-03-15T19:41:00Z"},
		{"2026-03-15T19:40:00+01:00", "2026-03-15T19:00:00Z", "bad"},
	} {
		users := make([]User, len(c))
		for i := range c {
			users[i].UpdatedAt = c[i]
		}
		best, bestT := "", time.Time{}
		for _, v := range c {
			if tm, err := time.Parse(time.RFC3339, v); err == nil && tm.After(bestT) {
				best, bestT = v, tm
			}
		}
		if got := highWater(users); got != best {
			t.Errorf("%q: %q, time.Parse finds %q", c, got, best)
		}
	}
}

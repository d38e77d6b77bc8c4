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
			ApprovalGroups: []Ref{{ID: 8, Name: "Finance Approvers"}}, PurchasingUser: true, AnalyticsUser: true,
			RequisitionApprovalLimit: &ApprovalLimit{ID: 2, Name: "1000.00 USD", Amount: "1000.00", Currency: &Currency{ID: 3, Code: "USD"}},
			DefaultLocale:            "en-GB", BusinessGroupSecurityType: 1, DefaultAddress: &Address{ID: 4, Name: "HQ", LocationCode: "SF-HQ"},
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
	if _, err := s.encode(&buf, nil); err != nil {
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
	s.encode(&buf, nil)
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

// users builds n varied users, as Coupa sends them.
func manyUsers(n int) []User {
	yes, no := true, false
	out := make([]User, n)
	for i := range out {
		u := &out[i]
		u.ID, u.Login, u.Email = i+1, "user"+strings.Repeat("x", i%7)+string(rune('a'+i%26)), "u@x.example"
		u.Firstname, u.Lastname, u.UpdatedAt, u.Active = "Fïrst", "Last \"q\"", "2026-03-15T19:40:00Z", i%3 != 0
		u.AccountSecurityType = i % 3
		if i%2 == 0 {
			u.Roles = []Role{{ID: 3, Name: "User"}, {ID: i, Name: "R", SystemRole: i%4 == 0}}
		} else if i%5 == 0 {
			u.Roles = []Role{}
		}
		if i%3 == 0 {
			u.Manager = &Ref{ID: i, Login: "boss"}
			u.DefaultCurrency = &Currency{ID: 1, Code: "EUR", Enabled: &yes}
			u.DefaultAccount = &Account{ID: i, Code: "1-2", Active: &no, Segments: map[int]string{1: "1", 2: "2", 20: "x"}}
		}
		if i%11 == 0 {
			u.PhoneWork = &Phone{Number: "555", Extension: "1"}
			u.UserGroups, u.ContentGroups = []Ref{}, []Ref{{ID: 1, Name: "g"}}
			u.CustomFields = map[string]any{"k": float64(i), "s": "v", "n": nil}
		}
	}
	return out
}

// A cache file holds the snapshot's JSON, then the users in binary: read
// back, every user is what the JSON says, with its own line kept; a file
// whose either part is damaged is refused, and a plain JSON cache (an
// earlier version's) still reads.
func TestCacheFileReadsAsItsJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, s := range []*Snapshot{fastSample(t), {Format: SnapshotFormat, Instance: "x", Users: manyUsers(9000)}, {Format: SnapshotFormat, Instance: "empty"}} {
		path := filepath.Join(dir, s.Instance+".cache")
		if err := s.SaveCache(path); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if !isCacheFile(b) {
			t.Fatal("no trailer")
		}
		tr, _ := readTrailer(b)
		fromJSON, err := decodeSnapshot("json", b[:tr.jsonLen])
		if err != nil {
			t.Fatal(err)
		}
		got, err := loadCache(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, fromJSON) {
			for i := range got.Users {
				if !reflect.DeepEqual(got.Users[i], fromJSON.Users[i]) {
					t.Fatalf("%s user %d:\n cache %+v\n  json %+v", s.Instance, i, got.Users[i], fromJSON.Users[i])
				}
			}
			t.Fatalf("%s: the cache and its JSON differ", s.Instance)
		}
		// written again from the lines it keeps, the JSON is the same bytes
		var again bytes.Buffer
		got.encode(&again, nil)
		if again.String() != string(b[:tr.jsonLen]) {
			t.Fatalf("%s: the JSON written back differs", s.Instance)
		}
		for _, at := range []uint64{tr.jsonLen / 2, tr.jsonLen + tr.binLen/2, uint64(len(b)) - 20} {
			bad := append([]byte(nil), b...)
			bad[at] ^= 0x20
			p := filepath.Join(dir, "bad")
			os.WriteFile(p, bad, 0o600)
			if _, err := loadCache(p); err == nil {
				t.Fatalf("%s: a byte changed at %d of %d went unnoticed", s.Instance, at, len(b))
			}
			if LoadCachedFrom(p, s.Instance) != nil {
				t.Fatal("a damaged cache was used")
			}
		}
		plain := filepath.Join(dir, "plain.json")
		os.WriteFile(plain, b[:tr.jsonLen], 0o600)
		if old := LoadCachedFrom(plain, s.Instance); old == nil || len(old.Users) != len(s.Users) {
			t.Fatalf("%s: a plain JSON cache is not read", s.Instance)
		}
	}
}

// Whatever the bytes, reading a cache never panics and never takes a
// damaged file.
func FuzzDecodeCache(f *testing.F) {
	s := &Snapshot{Format: SnapshotFormat, Instance: "x", Users: manyUsers(40)}
	path := filepath.Join(f.TempDir(), "c")
	if err := s.SaveCache(path); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	f.Add(b, uint(0), byte(0))
	f.Fuzz(func(t *testing.T, b []byte, at uint, x byte) {
		if len(b) > 0 {
			b[int(at%uint(len(b)))] ^= x
		}
		decodeCache(b)
	})
}

// FuzzFastSnapshotMatchesEncodingJSON holds the fast snapshot decoder to
// encoding/json: whatever document the fast path accepts, it decodes to
// what encoding/json decodes; and any snapshot encoding/json reads, once
// written in the cache's layout, the fast path reads back the same.
func FuzzFastSnapshotMatchesEncodingJSON(f *testing.F) {
	var buf bytes.Buffer
	if _, err := fastSample(f).encode(&buf, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format":"ccwrecon-snapshot/1","instance":"x","users":[{"id":1,"login":"a","purchasing-user":true,"default-locale":"fr"}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var slow Snapshot
		slowErr := json.Unmarshal(doc, &slow)
		if fast, err := decodeFast(string(doc)); err == nil {
			if slowErr != nil {
				t.Fatalf("the fast path accepted what encoding/json refuses (%v)", slowErr)
			}
			for i := range fast.Users {
				fast.Users[i].raw = ""
			}
			if !reflect.DeepEqual(fast, &slow) {
				t.Fatalf("fast and encoding/json differ:\nfast %+v\nslow %+v", fast.Users, slow.Users)
			}
		}
		if slowErr != nil {
			return
		}
		var again bytes.Buffer
		if _, err := slow.encode(&again, nil); err != nil {
			return
		}
		var want Snapshot
		if err := json.Unmarshal(again.Bytes(), &want); err != nil {
			t.Fatalf("encode wrote what encoding/json cannot read: %v", err)
		}
		if fast, err := decodeFast(again.String()); err == nil { // else the slow path reads what the fast one declines
			for i := range fast.Users {
				fast.Users[i].raw = ""
			}
			if !reflect.DeepEqual(fast, &want) {
				t.Fatalf("written and read back differ:\nfast %+v\nslow %+v", fast.Users, want.Users)
			}
		}
		// and the cache's binary part (the third codec) keeps every user as it is
		path := filepath.Join(t.TempDir(), "cache")
		if err := want.SaveCache(path); err != nil {
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cached, ok, err := decodeCache(b)
		if !ok || err != nil {
			t.Fatalf("a cache just written does not read: %v", err)
		}
		for i := range cached.Users {
			cached.Users[i].raw = ""
		}
		if !reflect.DeepEqual(cached.Users, want.Users) && !(len(cached.Users) == 0 && len(want.Users) == 0) {
			t.Fatalf("the cache and encoding/json differ:\ncache %+v\n json %+v", cached.Users, want.Users)
		}
	})
}

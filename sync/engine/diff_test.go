package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fixedNow() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }

func TestCCWDeltaPlan(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	p, err := Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, Config{SegmentLookups: synctest.Lookups, Now: fixedNow, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	want := plans.Summary{Create: 2, Update: 4, Deactivate: 1, Reactivate: 1, Unchanged: 1, Errors: 4, Problems: 4}
	if p.Summary != want {
		t.Fatalf("summary %+v, want %+v", p.Summary, want)
	}
	checks := map[string]plans.Action{"mokafor": plans.Unchanged, "lrossi": plans.Update, "akim": plans.Update, "jbrown": plans.Deactivate,
		"tnakamura": plans.Reactivate, "nsingh": plans.Create, "kmorgan": plans.Create, "wlee": plans.Error, "cgarcia": plans.Error, "yueda": plans.Error,
		"bito": plans.Update, "dwong": plans.Error, "rvarga": plans.Update}
	for k, a := range checks {
		if u := synctest.User(p, k); u == nil || u.Action != a {
			t.Errorf("%s: got %+v, want %s", k, u, a)
		}
	}
	if u := synctest.User(p, "bito"); u.Selected {
		t.Error("a user whose only difference is an unselected role change is not selected")
	}
	if c := synctest.User(p, "akim").Change(record.SegmentField(2)); c == nil || c.Coupa() != "4100" || c.Feed() != "4300" {
		t.Errorf("segment names must compare as codes: %+v", c)
	}
	if c := synctest.User(p, "rvarga").Change(record.SegmentField(2)); c != nil {
		t.Errorf("Finance must translate through Cost Center (4200), not Legacy Cost Center: %+v", c)
	}
	if !strings.Contains(problems(synctest.User(p, "cgarcia")), "cgarcia → yueda → cgarcia") {
		t.Errorf("cycle must name its members: %v", synctest.User(p, "cgarcia").Problems)
	}
	// creates: the manager comes before the report
	var order []string
	for _, u := range p.Users {
		if u.Action == plans.Create {
			order = append(order, u.Key)
		}
	}
	if strings.Join(order, ",") != "nsingh,kmorgan" {
		t.Errorf("create order %v", order)
	}
	golden(t, "ccw_delta.plan.json", p)
}

func problems(u *plans.UserPlan) string {
	var out []string
	for _, p := range u.Problems {
		out = append(out, p.String())
	}
	return strings.Join(out, "\n")
}

func golden(t *testing.T, name string, p *plans.Plan) {
	t.Helper()
	p.Instance = "http://emulator" // the emulator's port differs per run
	p.Digest = plans.DigestOf(p)
	var buf bytes.Buffer
	plans.WriteJSON(&buf, p)
	path := filepath.Join("testdata", name)
	if *update {
		os.WriteFile(path, buf.Bytes(), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sync -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, buf.String())
	}
}

func TestFullFeedInfersDeactivationsButNeverSelectsThem(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	f := synctest.ReadFeed(t, "ccw_full.csv", feeds.Options{})
	p, err := Diff(f, snap, Config{SegmentLookups: synctest.Lookups, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var inferred []string
	for _, u := range p.Users {
		if u.Inferred {
			inferred = append(inferred, u.Key)
			if u.Selected || u.Changes[0].Selected {
				t.Fatalf("%s selected by default", u.Key)
			}
		}
	}
	// active CCW users not in the file; mlopez (no CCW licence), integration (API user)
	// and tnakamura (already inactive) are out of scope.
	for _, k := range inferred {
		if k == "mlopez" || k == "integration" || k == "tnakamura" {
			t.Fatalf("%s is not a candidate", k)
		}
	}
	if len(inferred) != 13 {
		t.Fatalf("%d candidates: %v", len(inferred), inferred)
	}
	if c := synctest.User(p, "mokafor").Change(record.PhoneWork); c != nil {
		t.Errorf("phones compare by digits: %+v", c)
	}
	// asking for them selects them, unless the guard trips
	p, _ = Diff(f, snap, Config{SegmentLookups: synctest.Lookups, IncludeDeactivations: true})
	if plans.Deactivations(p) != 13 {
		t.Fatalf("selected %d", plans.Deactivations(p))
	}
	p, _ = Diff(f, snap, Config{SegmentLookups: synctest.Lookups, IncludeDeactivations: true, MaxDeactivations: 5, MaxDeactivationPct: 10})
	if plans.Deactivations(p) != 0 || len(p.Warnings) == 0 {
		t.Fatalf("guard did not trip: %d selected", plans.Deactivations(p))
	}
	p, _ = Diff(f, snap, Config{SegmentLookups: synctest.Lookups, IncludeDeactivations: true, MaxDeactivations: 5, MaxDeactivationPct: 10, AllowMassDeactivation: true})
	if plans.Deactivations(p) != 13 {
		t.Fatal("override ignored")
	}
}

func TestCoupaCSVRolesAreTheWholeSet(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	p, err := Diff(synctest.ReadFeed(t, "coupa_users.csv", feeds.Options{}), snap, Config{SegmentLookups: synctest.Lookups})
	if err != nil {
		t.Fatal(err)
	}
	h := synctest.User(p, "hjenkins")
	if h.Action != plans.Unchanged {
		t.Errorf("hjenkins: %+v", h)
	}
	s := synctest.User(p, "spatel")
	if c := s.Change(record.Roles); c == nil || c.Feed() != "Engaging Manager, User" || !c.Selected || !strings.Contains(c.Note, "removes") {
		t.Errorf("spatel must lose Buyer: %+v", c)
	}
	if o := synctest.User(p, "oquinn"); o.Action != plans.Deactivate || !o.Selected {
		t.Errorf("an explicit deactivation is selected: %+v", o)
	}
	if x := synctest.User(p, "xzhang"); x.Change(record.Currency) != nil || x.Change(record.AccountType) == nil {
		t.Errorf("currency compares upper-case; missing chart is a change: %+v", x.Changes)
	}
	n := synctest.User(p, "pnew")
	if n.Action != plans.Create || n.Change(record.Roles).Feed() != "Buyer, User" {
		t.Errorf("pnew: %+v", n)
	}
}

func TestHRFeedResolvesManagersThroughCoupa(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	m, err := feeds.LoadMapping(synctest.Fx + "workday.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := synctest.ReadFeed(t, "workday.csv", feeds.Options{Mapping: m})
	p, err := Diff(f, snap, Config{MatchOn: "employee-number"})
	if err != nil {
		t.Fatal(err)
	}
	j := synctest.User(p, "jbrown")
	if j == nil || j.Action != plans.Deactivate || j.Change(record.Manager) != nil {
		t.Fatalf("jbrown (manager E1003 = spatel in Coupa): %+v", j)
	}
	for _, u := range p.Users {
		if u.Action != plans.Create && u.Change(record.Login) != nil {
			t.Fatalf("the sample mapping renames %s", u.Key)
		}
	}
	if o := synctest.User(p, "ohaddad"); o == nil || o.Action != plans.Create {
		t.Fatalf("new contractor: %+v", o)
	}
}

// A login is an identity: a feed that would rename a user shows it, and
// only --allow-login-change selects it.
func TestLoginChangesAreNotSelectedByDefault(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	yaml, _ := os.ReadFile(synctest.Fx + "workday.yaml")
	renaming := strings.Replace(string(yaml), `{{localpart(EmailAddress)}}`, `{{EmailAddress}}`, 1)
	path := filepath.Join(t.TempDir(), "renaming.yaml")
	os.WriteFile(path, []byte(renaming), 0o600)
	m, err := feeds.LoadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	f := synctest.ReadFeed(t, "workday.csv", feeds.Options{Mapping: m})
	for _, allow := range []bool{false, true} {
		p, err := Diff(f, snap, Config{MatchOn: "employee-number", AllowLoginChange: allow})
		if err != nil {
			t.Fatal(err)
		}
		k := synctest.User(p, "akim")
		c := k.Change(record.Login)
		if c == nil || c.Feed() != "akim@acme.example" || c.Selected != allow {
			t.Fatalf("allow %v: %+v", allow, k.Changes)
		}
		if !allow && (c.Note != plans.LoginNote || p.NotSelected.Logins == 0) {
			t.Fatalf("not said why: %q %+v", c.Note, p.NotSelected)
		}
		if allow && p.NotSelected.Logins != 0 {
			t.Fatalf("%+v", p.NotSelected)
		}
	}
}

func TestDuplicateCoupaKeysAreProblems(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	snap.Users[5].EmployeeNumber = snap.Users[4].EmployeeNumber // two Coupa users share E1004
	p, _ := Diff(synctest.ReadFeed(t, "ccw_full.csv", feeds.Options{}), snap, Config{SegmentLookups: synctest.Lookups})
	u := synctest.User(p, "lrossi")
	if u.Action != plans.Error || !strings.Contains(problems(u), "held by 2 Coupa users") {
		t.Fatalf("%+v", u)
	}
}

func TestPlanRoundTripAndValidation(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	p, _ := Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, Config{SegmentLookups: synctest.Lookups})
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	back, _, err := plans.LoadPlan(path)
	if err != nil || back.Summary != p.Summary || len(back.Users) != len(plans.Saved(p.Users)) || back.Selected != p.Selected {
		t.Fatalf("%v", err)
	}
	var m map[string]any
	b, _ := os.ReadFile(path)
	json.Unmarshal(b, &m)
	m["format"] = "ccwrecon-plan/99"
	b, _ = json.Marshal(m)
	os.WriteFile(path, b, 0o644)
	if _, _, err := plans.LoadPlan(path); err == nil || !strings.Contains(err.Error(), "unknown plan format") {
		t.Fatalf("unknown version accepted: %v", err)
	}
	for _, secret := range []string{emulator.DefaultAPIKey, emulator.DefaultClientSecret} {
		if bytes.Contains(b, []byte(secret)) {
			t.Fatal("plan holds a secret")
		}
	}
}

// Every problem kind the engine knows, one row each, against the golden plan.
func TestEveryProblemKind(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	p, err := Diff(synctest.ReadFeed(t, "ccw_problems.csv", feeds.Options{}), snap, Config{SegmentLookups: synctest.Lookups, Now: fixedNow, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"hjenkins":      "line 2: hjenkins cannot be their own supervisor",
		"dwong":         "line 3: supervisor tnakamura is inactive in Coupa",
		"rvarga":        "line 5: supervisor psmith is deactivated by this feed (line 4)",
		"bito":          `line 6: role "Wizard" is not a role of this Coupa instance`,
		"newbie":        "line 7: cannot create newbie: firstname is empty",
		"dup.email":     "line 8: cannot create dup.email: email akim@acme.example belongs to Coupa user akim",
		"fdiaz":         "line 9: currency JPY is not enabled in Coupa",
		"gevans":        `line 10: segment 1 code "999" is not a value of lookup Company`,
		"orphan.lead":   "line 11: supervisor nobody is not in Coupa or in the feed",
		"orphan.report": "line 12: supervisor orphan.lead cannot be created (see its problems)",
	}
	for key, problem := range want {
		u := synctest.User(p, key)
		if u == nil || u.Action != plans.Error || !strings.Contains(problems(u), problem) || u.Selected {
			t.Errorf("%s: want error %q, got %+v", key, problem, u)
		}
	}
	if u := synctest.User(p, "psmith"); u.Action != plans.Deactivate || !u.Selected {
		t.Errorf("psmith: %+v", u)
	}
	// when Coupa's lookups could not be read, "no lookup assigned" is a
	// problem of every row that carries names
	blind := *snap
	blind.Lookups = nil
	q, _ := Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), &blind, Config{SegmentLookups: map[int]string{1: "Company", 2: "Cost Center"}})
	if u := synctest.User(q, "akim"); u.Action != plans.Error || !strings.Contains(u.Problems[0].Message, "segment 3: no lookup assigned") {
		t.Errorf("no lookup: %+v", u)
	}
	golden(t, "ccw_problems.plan.json", p)
}

// Wrong engagement settings are refused once, before any row, naming the
// nearest existing names and listing them.
func TestWrongSettingsAreRefusedOnce(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	feed := synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{})
	cases := []struct {
		cfg  Config
		want []string
	}{
		{Config{SegmentLookups: map[int]string{1: "Company", 2: "CostCenter", 3: "GL Account"}},
			[]string{`--segment-lookup 2=CostCenter: Coupa has no lookup "CostCenter" (did you mean Cost Center?)`, "Company (", "GL Account ("}},
		{Config{SegmentLookups: map[int]string{1: "Company", 2: "Cost Center"}},
			[]string{"the feed names values of CCW segment 3", "add --segment-lookup 3=LOOKUP", "GL Account ("}},
		{Config{Chart: "Acme Corp", SegmentLookups: synctest.Lookups}, []string{`chart of accounts "Acme Corp" is not in Coupa (did you mean Acme Corporate?)`}},
	}
	for _, c := range cases {
		p, err := Diff(feed, snap, c.cfg)
		if !errors.Is(err, ErrConfig) || p != nil {
			t.Errorf("%+v: %v", c.cfg, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q lacks %q", err, w)
			}
		}
	}
}

func TestEachProblemIsReportedOnce(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	p, _ := Diff(synctest.ReadFeed(t, "ccw_problems.csv", feeds.Options{}), snap, Config{SegmentLookups: synctest.Lookups})
	for _, u := range p.Users {
		seen := map[string]bool{}
		for _, pr := range u.Problems {
			if seen[pr.String()] {
				t.Errorf("%s: %q twice", u.Key, pr)
			}
			seen[pr.String()] = true
		}
	}
	if probs := synctest.User(p, "hjenkins").Problems; len(probs) != 1 {
		t.Errorf("self-supervision is one problem, not also a cycle: %v", probs)
	}
}

// The fixture stays what the emulator serves for testdata/instance.json.
func TestSnapshotFixtureMatchesTheEmulator(t *testing.T) {
	t.Parallel()
	_, _, live := synctest.Acme(t)
	fixture := synctest.AcmeSnapshot(t)
	a, _ := json.Marshal(live.Users)
	b, _ := json.Marshal(fixture.Users)
	if !bytes.Equal(a, b) {
		t.Fatal("testdata/acme.snapshot.json (at the repository root) is out of date: refresh it with ccwrecon fetch against ccwrecon emulate")
	}
}

// A row that changes nothing keeps no matching fields while it is
// compared; if it has a problem later (here its supervisor leaves in the
// same feed), its matching fields are the ones a changing row would list.
func TestAnUnchangedRowWithALaterProblemListsItsMatchingFields(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	var u, m *coupa.User
	for i := range snap.Users {
		if c := &snap.Users[i]; c.Active && c.CCWUser && c.Manager != nil {
			for j := range snap.Users {
				if snap.Users[j].ID == c.Manager.ID && snap.Users[j].Active {
					u, m = c, &snap.Users[j]
				}
			}
		}
	}
	if u == nil {
		t.Fatal("the fixture has no active user with an active manager")
	}
	row := func(status string, c *coupa.User, mgr string) string {
		return fmt.Sprintf("%s|%s|%s|%s|%s|%s\n", status, c.Login, c.Lastname, c.Firstname, c.Email, mgr)
	}
	data := "Status|User ID|Last Name|First Name|Email|Supervisor ID\n" + row("1", u, m.Login) + row("0", m, "")
	f, err := feeds.Read(strings.NewReader(data), "feed.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Diff(f, snap, Config{SegmentLookups: synctest.Lookups})
	if err != nil {
		t.Fatal(err)
	}
	got := synctest.User(p, u.Login)
	if got.Action != plans.Error || len(got.Changes) != 0 {
		t.Fatalf("%s: %s with %d changes, want an error with none", u.Login, got.Action, len(got.Changes))
	}
	var names []string
	for _, s := range got.Same {
		names = append(names, s.Field)
	}
	want := []string{record.Login, record.Email, record.FirstName, record.LastName, record.Manager, record.CCWUser}
	if !reflect.DeepEqual(names, want) || got.Unchanged != len(want) {
		t.Fatalf("same %v (%d unchanged), want %v", names, got.Unchanged, want)
	}
}

// FingerprintOf writes every value as the value's text (Value.String),
// roles included, without building them: the same bytes, the same hash
// as plans already written carry.
func TestFingerprintTextIsTheValuesText(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	users := append([]coupa.User(nil), snap.Users...)
	u := users[0]
	u.Roles = []coupa.Role{{Name: "buyer"}, {Name: "Admin"}, {Name: "user"}, {Name: "Buyer"}, {Name: "Éditeur"}, {Name: "admin"}}
	u.AccountSecurityType, u.Active, u.CCWUser = 123, false, true
	u.PhoneWork = &coupa.Phone{CountryCode: "44", AreaCode: "20", Number: "7946 0000", Extension: "12"}
	users = append(users, u, coupa.User{ID: 999, Login: "bare"})
	for i := range users {
		u := &users[i]
		var want []byte
		for _, f := range plans.Compared {
			want = append(append(append(append(want, f...), '='), plans.CoupaValue(u, f).String()...), '\n')
		}
		var got []byte
		for i, f := range plans.Compared {
			if f == record.Roles {
				got = append(plans.AppendRoleNames(append(append(got, f...), '='), u.Roles), '\n')
				continue
			}
			got = append(plans.AppendValueText(append(append(got, f...), '='), plans.ComparedAccess[i](u)), '\n')
		}
		if string(got) != string(want) {
			t.Fatalf("%s:\n got %q\nwant %q", u.Login, got, want)
		}
		// and the whole fingerprint is the one the earlier code computed
		if u.DefaultAccount != nil {
			for n := 1; n <= 20; n++ {
				if v := u.DefaultAccount.Segments[n]; v != "" {
					want = append(append(append(append(want, record.SegmentField(n)...), '='), v...), '\n')
				}
			}
		}
		keys := make([]string, 0, len(u.CustomFields))
		for k := range u.CustomFields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			want = append(append(append(append(want, record.CustomField(k)...), '='), plans.CoupaValue(u, record.CustomField(k)).String()...), '\n')
		}
		sum := sha256.Sum256(want)
		if fp := plans.FingerprintOf(u); fp.Hash != hex.EncodeToString(sum[:8]) {
			t.Fatalf("%s: fingerprint %s, the earlier code's %x", u.Login, fp.Hash, sum[:8])
		}
	}
}

// A user to create whose email two Coupa users hold is refused naming the
// first of them in Coupa's order, however the scan is split over cores.
func TestEmailTakenNamesTheFirstHolder(t *testing.T) {
	t.Parallel()
	snap := &coupa.Snapshot{Format: coupa.SnapshotFormat, Instance: "https://acme.coupahost.com"}
	for i := 1; i <= 20_000; i++ {
		snap.Users = append(snap.Users, coupa.User{ID: i, Login: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.com", i), Active: true,
			Roles: []coupa.Role{{Name: "User"}}})
	}
	snap.Users[17_000].Email, snap.Users[9_000].Email = "Taken@Example.com", "taken@example.com"
	data := "Status|User ID|Last Name|First Name|Email|CCW User Role|Supervisor ID|Employee Number\n1|newbie|New|Bie|taken@example.com|User||\n"
	feed, err := feeds.Read(strings.NewReader(data), "new.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Diff(feed, snap, Config{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	u := synctest.User(p, "newbie")
	if u.Action != plans.Error || len(u.Problems) != 1 || !strings.Contains(u.Problems[0].Message, "belongs to Coupa user u9001") {
		t.Fatalf("%s %+v", u.Action, u.Problems)
	}
}

// The settings check reads the rows on every core; the row it names is
// still the first that needs the missing lookup.
func TestUnassignedSegmentNamesTheFirstRow(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("Status|User ID|Last Name|First Name|Email|CCW User Role|Master Data Segment 1 Name|Master Data Segment 3 Name\n")
	for i := 0; i < 20_000; i++ {
		seg3 := ""
		if i == 17_000 || i == 12_345 {
			seg3 = fmt.Sprintf("Team %d", i)
		}
		fmt.Fprintf(&b, "1|u%d|L|F|u%d@example.com|User|Acme US|%s\n", i, i, seg3)
	}
	feed, err := feeds.Read(strings.NewReader(b.String()), "many.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Diff(feed, synctest.AcmeSnapshot(t), Config{SegmentLookups: map[int]string{1: "Company", 2: "Cost Center"}})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `segment 3 ("Team 12345", line 12347)`) {
		t.Fatal(err)
	}
}

package engine

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Every cause in the table is triggered by a fixture, and lands on the
// change or problem it explains.
func TestEveryCauseHasAFixture(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	seen := map[string]bool{}
	collect := func(p *plans.Plan) {
		for _, u := range p.Users {
			for _, c := range u.Changes {
				seen[c.Cause] = true
				if c.Field == "login" && c.Op != plans.OpChange && c.Cause != "" { // a new user's login renames nobody
					t.Errorf("%s: login %s explained as %q", u.Key, c.Op, c.Cause)
				}
			}
			for _, pr := range u.Problems {
				seen[pr.Cause] = true
				if strings.Contains(pr.Message, "belongs to Coupa user with employee number") && pr.Cause != plans.CauseText["match-login"] {
					t.Errorf("%q explained as %q", pr.Message, pr.Cause)
				}
			}
		}
	}
	edited := func(name string, pairs ...string) *feeds.Feed {
		data, err := os.ReadFile(synctest.Fx + name)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		for i := 0; i+1 < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("%s lacks %q", name, pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		path := filepath.Join(t.TempDir(), name)
		os.WriteFile(path, []byte(s), 0o600)
		f, err := feeds.ReadFile(path, feeds.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	diff := func(f *feeds.Feed, cfg Config) {
		p, err := Diff(f, snap, cfg)
		if err != nil {
			t.Fatal(err)
		}
		collect(p)
	}
	diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), Config{SegmentLookups: synctest.Lookups})
	diff(synctest.ReadFeed(t, "ccw_problems.csv", feeds.Options{}), Config{SegmentLookups: synctest.Lookups})
	// a name differing only in case; a login the feed would change (matched by employee number)
	diff(edited("coupa_users.csv", `"Helen","Jenkins"`, `"Helen","JENKINS"`, `"+1 415-5550101"`, `"not a phone"`), Config{})
	dup := *snap
	dup.Users = append(dup.Users[:0:0], snap.Users...)
	dup.Users[5].EmployeeNumber = dup.Users[4].EmployeeNumber
	p, _ := Diff(synctest.ReadFeed(t, "ccw_full.csv", feeds.Options{}), &dup, Config{SegmentLookups: synctest.Lookups})
	collect(p)
	blind := *snap
	blind.Lookups = nil
	p, _ = Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), &blind, Config{SegmentLookups: map[int]string{1: "Company", 2: "Cost Center"}})
	collect(p)
	// a login whose Coupa user has another employee number; a row without
	// an employee number when matching on it
	diff(edited("coupa_users.csv", `"E1001"`, `"E9999"`), Config{})
	diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), Config{MatchOn: "employee-number", SegmentLookups: synctest.Lookups})
	yaml, _ := os.ReadFile(synctest.Fx + "workday.yaml")
	mpath := filepath.Join(t.TempDir(), "renaming.yaml")
	os.WriteFile(mpath, []byte(strings.Replace(string(yaml), "{{localpart(EmailAddress)}}", "{{EmailAddress}}", 1)), 0o600)
	m, err := feeds.LoadMapping(mpath)
	if err != nil {
		t.Fatal(err)
	}
	diff(synctest.ReadFeed(t, "workday.csv", feeds.Options{Mapping: m}), Config{MatchOn: "employee-number"})
	// groups, licences, limits: a group Coupa lacks
	access, err := feeds.LoadMapping(synctest.Fx + "workday_access.yaml")
	if err != nil {
		t.Fatal(err)
	}
	diff(synctest.ReadFeed(t, "workday_access.csv", feeds.Options{Mapping: access}), Config{MatchOn: "employee-number"})

	var missing []string
	for key, text := range plans.CauseText {
		if !seen[text] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("causes no fixture triggers: %v", missing)
	}
}

package apply

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// The registry describes every field completely, and the files' table
// (record.FileFields) describes the same fields.
func TestTheRegistryDescribesEveryField(t *testing.T) {
	t.Parallel()
	for _, s := range plans.Registry {
		if s.Read == nil || s.Write == nil || s.Explain == "" {
			t.Errorf("%s: read, write and explanation are required", s.Name)
		}
		if _, ok := record.FileFieldOf(s.Name); !ok {
			t.Errorf("%s: no file description (record.FileFields)", s.Name)
		}
		if s.ClearThenSet && s.Kind != plans.KindRoles {
			t.Errorf("%s: clear-then-set is for sets", s.Name)
		}
		if !plans.ValidField(s.Name) {
			t.Errorf("%s: a plan may not name it", s.Name)
		}
	}
	for _, f := range record.FileFields {
		if plans.Spec(f.Name) == nil {
			t.Errorf("%s: in the files' table, not in the registry", f.Name)
		}
	}
}

// sample is a value of each registered field that differs from what
// spatel holds in the Acme instance (as the Users CSV writes it).
var sample = map[string]string{
	record.UserGroups: "IT Requesters", record.ContentGroups: "Acme US", record.AccountGroups: "EU Cost Centers",
	record.ApprovalGroups: "Procurement Approvers, Finance Approvers",
	record.PurchasingUser: "No", record.ExpenseUser: "Yes", record.SourcingUser: "Yes", record.InventoryUser: "Yes",
	record.ContractsUser: "Yes", record.AnalyticsUser: "Yes",
	"requisition-approval-limit": "750 EUR", "expense-approval-limit": "100 USD", "invoice-approval-limit": "2500.5 USD",
	"contract-approval-limit": "1,000,000 USD", "requisition-self-approval-limit": "50 USD", "expense-self-approval-limit": "75 GBP",
	"invoice-self-approval-limit": "10 EUR", "contract-self-approval-limit": "0 USD",
	record.DefaultLocale: "fr", record.AuthenticationMethod: "LDAP", record.BusinessGroupSecurityType: "1", record.DefaultAddress: "AUS-02",
}

// Each registered field: a Users CSV changing it diffs to that change,
// applies through the emulator, reads back, and converges.
func TestEachRegisteredFieldDiffsAppliesAndConverges(t *testing.T) {
	t.Parallel()
	for _, s := range plans.Registry {
		if !record.Generic(s.Name) {
			continue
		}
		s := s
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			v, ok := sample[s.Name]
			if !ok {
				t.Fatalf("no sample value for %s", s.Name)
			}
			ff, _ := record.FileFieldOf(s.Name)
			data := "Login,Email," + ff.UsersCSV + "\nspatel,spatel@acme.example,\"" + v + "\"\n"
			_, c, snap := synctest.Acme(t)
			read := func() *plans.Plan {
				f, err := feeds.Read(strings.NewReader(data), "users.csv", feeds.Options{})
				if err != nil {
					t.Fatal(err)
				}
				p, err := engine.Diff(f, snap, engine.Config{})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			p := read()
			u := synctest.User(p, "spatel")
			if u == nil || u.Change(s.Name) == nil || !u.Change(s.Name).Selected {
				t.Fatalf("no selected change of %s: %+v", s.Name, u)
			}
			path := filepath.Join(t.TempDir(), "p.json")
			p, b := synctest.SavedPlan(t, p, path)
			rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules, LockDir: t.TempDir()})
			if err != nil || !rep.OK() || rep.Changes.Verified != p.Selected.Changes {
				t.Fatalf("%v: %s %+v", err, rep.Summary(), rep.NotStored)
			}
			if snap, err = c.Fetch(context.Background(), nil, nil); err != nil {
				t.Fatal(err)
			}
			if again := read(); again.Selected.Changes != 0 {
				t.Fatalf("does not converge: %+v", synctest.User(again, "spatel").Changes)
			}
		})
	}
}

// A role that exists in Coupa's catalogue but that no user holds yet is a
// valid role; without the catalogue it is a problem.
func TestARoleNoUserHoldsIsValid(t *testing.T) {
	t.Parallel()
	_, _, snap := synctest.Acme(t)
	f, err := feeds.Read(strings.NewReader("Login,Email,User Role Names\nspatel,spatel@acme.example,\"User,Hiring Manager,Engaging Manager,Buyer\"\n"), "users.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := engine.Diff(f, snap, engine.Config{})
	if u := synctest.User(p, "spatel"); u.Action == plans.Error {
		t.Fatalf("a catalogued role is refused: %+v", u.Problems)
	}
	snap.RoleCatalogue = nil
	p, _ = engine.Diff(f, snap, engine.Config{})
	if u := synctest.User(p, "spatel"); u.Action != plans.Error {
		t.Fatalf("without the catalogue Hiring Manager must be unknown: %+v", u)
	}
}

// An employee-number change written as a Users CSV carries the row's Coupa
// Id, so Coupa's loader takes it; keyed by Login alone it is refused.
func TestAnEmployeeNumberChangeByFileIsKeyedByID(t *testing.T) {
	t.Parallel()
	srv, _, snap := synctest.Acme(t)
	f, err := feeds.Read(strings.NewReader("Login,Email,Employee Number\nspatel,spatel@acme.example,E9003\n"), "users.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := engine.Diff(f, snap, engine.Config{MatchOn: "login"})
	if c := synctest.User(p, "spatel").Change(record.EmployeeNumber); c == nil || !c.Selected {
		t.Fatalf("no employee-number change: %+v", synctest.User(p, "spatel"))
	}
	files, err := PlanFiles(p, &SFTPTarget{Format: FormatCore})
	if err != nil || len(files) != 1 {
		t.Fatalf("%v %d files", err, len(files))
	}
	number := func() string {
		for _, u := range srv.Users() {
			if u.Login == "spatel" {
				return u.EmployeeNumber
			}
		}
		return ""
	}
	byLogin := strings.Replace(string(files[0].Data), `"4","spatel"`, `"","spatel"`, 1)
	if byLogin == string(files[0].Data) {
		t.Fatalf("the row carries no Id:\n%s", files[0].Data)
	}
	<-srv.LoadUsersCSV("by-login.csv", []byte(byLogin))
	if number() != "E1003" {
		t.Fatal("the emulator took an employee-number change keyed by Login")
	}
	<-srv.LoadUsersCSV(files[0].Name, files[0].Data)
	if number() != "E9003" {
		t.Fatalf("keyed by Id the change did not load:\n%s", files[0].Data)
	}
}

// The README's field table lists every field of the registry.
func TestTheREADMEListsEveryField(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plans.Registry {
		if !strings.Contains(string(b), "| `"+s.Name+"` |") {
			t.Errorf("README's field table lacks %s", s.Name)
		}
	}
}

// A Workday-style export mapped to groups, licences, locale, authentication
// and limits, written as a Users CSV and loaded by the emulator, converges.
func TestTheAccessExportConvergesByUsersCSV(t *testing.T) {
	t.Parallel()
	srv, c, snap := synctest.Acme(t)
	m, err := feeds.LoadMapping(synctest.Fx + "workday_access.yaml")
	if err != nil {
		t.Fatal(err)
	}
	diff := func() *plans.Plan {
		p, err := engine.Diff(synctest.ReadFeed(t, "workday_access.csv", feeds.Options{Mapping: m}), snap, engine.Config{MatchOn: "employee-number"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := diff()
	if p.Selected.Changes < 15 {
		t.Fatalf("only %d changes selected", p.Selected.Changes)
	}
	files, err := PlanFiles(p, &SFTPTarget{Format: FormatCore})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		<-srv.LoadUsersCSV(f.Name, f.Data)
	}
	if snap, err = c.Fetch(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if again := diff(); again.Selected.Changes != 0 {
		for _, u := range again.Users {
			if u.SelectedCount() > 0 {
				t.Errorf("%s: %+v", u.Key, u.SelectedChanges())
			}
		}
		t.Fatalf("the load did not converge:\n%s", files[0].Data)
	}
}

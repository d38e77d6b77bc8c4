package apply

import (
	"context"
	"errors"
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

// An appended journal line naming another Coupa id for a user is never
// followed: resume refuses the journal, naming the line, and writes nothing.
func TestAnEditedJournalCannotRedirectAWrite(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		`{"user":"spatel","op":"note","phase":"skipped","coupa-id":1}`,
		`{"user":"spatel","op":"update","phase":"done","coupa-id":1}`,
		`{"user":"someone-else","op":"update","phase":"intent"}`,
	} {
		srv, c, snap := synctest.Acme(t)
		p, path, b := rolePlan(t, c, snap, t.TempDir())
		dir := RunDir(path, b)
		j, err := OpenJournal(dir, b)
		if err != nil {
			t.Fatal(err)
		}
		j.Append(Entry{User: "spatel", Op: OpRolesClear, Phase: PhaseIntent})
		j.Close()
		f, _ := os.OpenFile(filepath.Join(dir, "journal.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString(line + "\n")
		f.Close()
		before := srv.Users()
		_, err = Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Resume: true, Rules: synctest.DefaultRules, LockDir: t.TempDir()})
		var je *JournalError
		if !errors.As(err, &je) || je.Line != 2 || !strings.Contains(err.Error(), "journal.jsonl:2") {
			t.Fatalf("%s: got %v", line, err)
		}
		unwritten(t, before, srv.Users())
	}
}

// The lock and the journal are opened only as regular files: a symlink
// planted in their place is refused and its target left as it was.
func TestRunFolderSymlinksAreRefused(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"lock", "journal.jsonl"} {
		srv, c, snap := synctest.Acme(t)
		p, path, b := rolePlan(t, c, snap, t.TempDir())
		dir := RunDir(path, b)
		os.MkdirAll(dir, 0o700)
		victim := filepath.Join(t.TempDir(), "precious")
		os.WriteFile(victim, []byte("keep me\n"), 0o600)
		if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		before := srv.Users()
		_, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules, LockDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Fatalf("%s: got %v", name, err)
		}
		if got, _ := os.ReadFile(victim); string(got) != "keep me\n" {
			t.Fatalf("%s: the link's target became %q", name, got)
		}
		unwritten(t, before, srv.Users())
	}
}

// Copies of one plan under other names are one run: while one holds the
// lock, the others are refused at once.
func TestCopiesOfAPlanShareOneLock(t *testing.T) {
	t.Parallel()
	_, c, snap := synctest.Acme(t)
	p, path, b := rolePlan(t, c, snap, t.TempDir())
	locks := t.TempDir()
	held, err := takeRunLock(locks, p, RunDir(path, b))
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy-of-plan.json")
	os.WriteFile(copyPath, b, 0o600)
	cp, cb, err := plans.LoadPlan(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Apply(context.Background(), c, cp, ApplyOptions{PlanPath: copyPath, PlanBytes: cb, Rules: synctest.DefaultRules, LockDir: locks})
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("a copy applied while the original held the lock: %v", err)
	}
	held.Unlock()
	if _, err := Apply(context.Background(), c, cp, ApplyOptions{PlanPath: copyPath, PlanBytes: cb, Rules: synctest.DefaultRules, LockDir: locks}); err != nil {
		t.Fatalf("once released: %v", err)
	}
}

// A plan whose recorded scope was widened (and its digest recomputed, as
// anyone can) passes no more deactivations than Coupa now allows: the
// guard counts its scope live.
func TestTheGuardCountsItsScopeInCoupaNow(t *testing.T) {
	t.Parallel()
	srv, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_full.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups, IncludeDeactivations: true, MaxDeactivations: 100})
	if plans.Deactivations(p) != 13 {
		t.Fatalf("%d selected", plans.Deactivations(p))
	}
	p.Settings.Scope = 100000 // 13 of 100,000 would pass any percentage
	p.Digest = plans.DigestOf(p)
	path := filepath.Join(t.TempDir(), "p.json")
	p, b := synctest.SavedPlan(t, p, path)
	rules := plans.Rules{Guard: plans.Guard{Max: 5, Pct: 10}, IncludeInferred: true}
	if err := plans.CheckSelection(p, rules); err != nil {
		t.Fatalf("the plan's own scope lets it through: %v", err)
	}
	live := func(ctx context.Context) (int, error) {
		s, err := c.Fetch(ctx, nil, nil)
		if err != nil {
			return 0, err
		}
		return engine.GuardScope(s, p.Feed.Kind, nil), nil
	}
	before := srv.Users()
	_, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: rules, Scope: live, LockDir: t.TempDir()})
	var ge *plans.GuardError
	if !errors.As(err, &ge) || ge.N != 13 || ge.Scope >= 100 {
		t.Fatalf("got %v", err)
	}
	unwritten(t, before, srv.Users())
}

// A login change diff held back stays unselected through every selection
// path, and apply refuses a plan selecting one without its flag.
func TestTheLoginHoldIsKeptEverywhere(t *testing.T) {
	t.Parallel()
	u := plans.UserPlan{Key: "spatel", Action: plans.Update, Fingerprint: &plans.Fingerprint{ID: 4},
		Changes: []plans.Change{
			{Field: record.Login, Before: plans.Text("spatel"), After: plans.Text("sunita.patel"), Note: plans.LoginNote},
			{Field: record.FirstName, Before: plans.Text("Sunita"), After: plans.Text("Sunny"), Selected: true},
		}, Selected: true}
	p := &plans.Plan{Users: []*plans.UserPlan{&u}}
	plans.SelectUser(&u, true)
	plans.SelectAll(p.Users, true, true)
	plans.SelectOnly(p, map[string]bool{"spatel": true})
	if err := plans.SelectChange(&u, record.Login, true); err == nil {
		t.Fatal("the login change could be selected on its own")
	}
	if u.Change(record.Login).Selected || !u.Change(record.FirstName).Selected {
		t.Fatalf("after every selection path: %+v", u.Changes)
	}
	u.Change(record.Login).Selected = true // a hand-edited selection
	if err := plans.CheckSelection(p, synctest.DefaultRules); err == nil || !strings.Contains(err.Error(), "--allow-login-change") {
		t.Fatalf("got %v", err)
	}
	allowed := synctest.DefaultRules
	allowed.AllowLoginChange = true
	if err := plans.CheckSelection(p, allowed); err != nil {
		t.Fatal(err)
	}
}

// Select-all counts the users it selects: a user with only informational
// differences is not one of them.
func TestSelectAllCountsOnlyWhatItSelects(t *testing.T) {
	t.Parallel()
	info := &plans.UserPlan{Key: "a", Action: plans.Update, Changes: []plans.Change{{Field: record.Roles, Before: plans.Roles([]string{"User"}), After: plans.Roles([]string{"User", "Buyer"}), Informational: true}}}
	if n := plans.SelectAll([]*plans.UserPlan{info}, true, false); n != 0 || info.Selected {
		t.Fatalf("%d selected, user selected %v", n, info.Selected)
	}
	real := &plans.UserPlan{Key: "b", Action: plans.Update, Changes: []plans.Change{{Field: record.FirstName, Before: plans.Text("A"), After: plans.Text("B")}}}
	if n := plans.SelectAll([]*plans.UserPlan{info, real}, true, false); n != 1 || !real.Selected {
		t.Fatalf("%d selected", n)
	}
}

// One exit rule for the command line and the console.
func TestExitStatusIsOneRule(t *testing.T) {
	t.Parallel()
	ok := &Report{Changes: Tally{Applied: 1, Verified: 1}, Users: Tally{Applied: 1, Verified: 1}}
	for _, c := range []struct {
		rep  *Report
		err  error
		want int
	}{
		{ok, nil, 0},
		{ok, errors.New("the report could not be written"), 1},
		{nil, errors.New("refused"), 1},
		{&Report{Interrupted: true}, ErrInterrupted, 130},
		{&Report{Changes: Tally{Failed: 1}, Users: Tally{Failed: 1}}, nil, 1},
	} {
		if got := ExitStatus(c.rep, c.err); got != c.want {
			t.Errorf("%+v %v: %d, want %d", c.rep, c.err, got, c.want)
		}
	}
}

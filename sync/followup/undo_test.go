package followup

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// comparedState is what a user holds in every field the engine compares.
func comparedState(u coupa.User) string {
	m := map[string]string{}
	for _, s := range plans.Registry {
		m[s.Name] = plans.CoupaValue(&u, s.Name).String()
	}
	if u.DefaultAccount != nil {
		for n, v := range u.DefaultAccount.Segments {
			m[record.SegmentField(n)] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func applyPlan(t *testing.T, c *coupa.Client, p *plans.Plan, name string, o apply.ApplyOptions) (*apply.Report, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	p, b := synctest.SavedPlan(t, p, path)
	o.PlanPath, o.PlanBytes, o.Rules = path, b, plans.Rules{Guard: plans.Guard{Max: 100, Pct: 100}}
	if o.LockDir == "" {
		o.LockDir = t.TempDir()
	}
	rep, err := apply.Apply(context.Background(), c, p, o)
	if err != nil && err != apply.ErrInterrupted {
		t.Fatalf("%s: %v", name, err)
	}
	return rep, apply.RunDir(path, b)
}

// Two runs (updates, creates, a deactivation, a reactivation, then a role
// removal) undone in turn leave every user that existed as it was, and the
// created ones inactive; an undo is itself a plan that can be undone.
func TestUndoPutsCoupaBack(t *testing.T) {
	t.Parallel()
	srv, c, snap := synctest.Acme(t)
	before := map[string]string{}
	for _, u := range srv.Users() {
		before[u.Login] = comparedState(u)
	}
	p1, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	rep1, run1 := applyPlan(t, c, p1, "p1.json", apply.ApplyOptions{})
	if !rep1.OK() {
		t.Fatal(rep1.Summary())
	}
	snap, _ = c.Fetch(context.Background(), nil, nil)
	f, _ := feeds.Read(strings.NewReader("Login,Email,User Role Names\nspatel,spatel@acme.example,\"User,Engaging Manager\"\n"), "users.csv", feeds.Options{})
	p2, _ := engine.Diff(f, snap, engine.Config{})
	rep2, run2 := applyPlan(t, c, p2, "p2.json", apply.ApplyOptions{})
	if !rep2.OK() {
		t.Fatal(rep2.Summary())
	}
	// undo the role removal, then the first run
	u2, err := Undo(context.Background(), c, run2, UndoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := applyPlan(t, c, u2, "u2.json", apply.ApplyOptions{}); !rep.OK() {
		t.Fatal(rep.Summary())
	}
	u1, err := Undo(context.Background(), c, run1, UndoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, undoRun := applyPlan(t, c, u1, "u1.json", apply.ApplyOptions{})
	if !rep.OK() {
		t.Fatalf("%s %+v", rep.Summary(), rep.Lines)
	}
	for _, u := range srv.Users() {
		want, existed := before[u.Login]
		switch {
		case !existed && u.Active:
			t.Errorf("%s was created by the run and is still active", u.Login)
		case existed && comparedState(u) != want:
			t.Errorf("%s:\n now  %s\n was  %s", u.Login, comparedState(u), want)
		}
	}
	// the undo undone: the first run's changes are back (created users reactivated)
	uu, err := Undo(context.Background(), c, undoRun, UndoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if uu.Selected.Changes != u1.Selected.Changes {
		t.Fatalf("undo of the undo: %d changes, the undo had %d", uu.Selected.Changes, u1.Selected.Changes)
	}
}

// A user changed in Coupa after the run is an error user naming the
// change, and the undo leaves it alone.
func TestUndoLeavesUsersChangedSinceTheRun(t *testing.T) {
	t.Parallel()
	_, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	_, run := applyPlan(t, c, p, "p.json", apply.ApplyOptions{})
	email := "luca@elsewhere.example"
	if _, err := c.UpdateUser(context.Background(), 5, coupa.UserPatch{Email: &email}); err != nil {
		t.Fatal(err)
	}
	u, err := Undo(context.Background(), c, run, UndoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lr := synctest.User(u, "lrossi")
	if lr == nil || lr.Action != plans.Error || lr.Selected || !strings.Contains(lr.Problems[0].Message, "changed in Coupa since the run") {
		t.Fatalf("%+v", lr)
	}
	if synctest.User(u, "akim") == nil || !synctest.User(u, "akim").Selected {
		t.Fatal("the other users are undone")
	}
}

// An undo stopped part-way resumes like any plan.
func TestAnInterruptedUndoResumes(t *testing.T) {
	t.Parallel()
	srv, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	_, run := applyPlan(t, c, p, "p.json", apply.ApplyOptions{})
	u, err := Undo(context.Background(), c, run, UndoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	locks := t.TempDir()
	path := filepath.Join(t.TempDir(), "u.json")
	u.Save(path)
	u, b, _ := plans.LoadPlan(path)
	once := false
	rep, _ := apply.Apply(context.Background(), c, u, apply.ApplyOptions{PlanPath: path, PlanBytes: b, Rules: plans.Rules{Guard: plans.Guard{Max: 100, Pct: 100}}, LockDir: locks, Workers: 1, Stop: stop,
		Progress: func(apply.Event) {
			if !once {
				once = true
				close(stop)
			}
		}})
	if rep == nil || !rep.Interrupted {
		t.Fatalf("not interrupted: %+v", rep)
	}
	rep, err = apply.Apply(context.Background(), c, u, apply.ApplyOptions{PlanPath: path, PlanBytes: b, Resume: true, Rules: plans.Rules{Guard: plans.Guard{Max: 100, Pct: 100}}, LockDir: locks})
	if err != nil || !rep.OK() {
		t.Fatalf("resume: %v %s", err, rep.Summary())
	}
	for _, x := range srv.Users() {
		if (x.Login == "nsingh" || x.Login == "kmorgan") && x.Active {
			t.Fatalf("%s still active after the resumed undo", x.Login)
		}
	}
}

package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

func str(s string) *string { return &s }
func boolp(b bool) *bool   { return &b }

// clock is a settable clock for the emulator: tests move it, never sleep.
type clock struct {
	mu  gosync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func planFor(t testing.TB, c *coupa.Client, f *feeds.Feed, dir string) (*plans.Plan, string, []byte) {
	snap, err := c.Fetch(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Diff(f, snap, engine.Config{IgnoreCCWLicence: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "plan.json")
	p2, b := synctest.SavedPlan(t, p, path)
	return p2, path, b
}

// expectFinal checks the emulator holds exactly the planned result.
func expectFinal(t *testing.T, srv *emulator.Server, users, n, m int) {
	t.Helper()
	got := srv.Users()
	if len(got) != users+m {
		t.Fatalf("%d users in Coupa, want %d (duplicates or missing creates)", len(got), users+m)
	}
	logins := map[string]int{}
	for _, u := range got {
		logins[u.Login]++
	}
	for i := 0; i < m; i++ {
		l := fmt.Sprintf("new.hire%d", i)
		if logins[l] != 1 {
			t.Fatalf("%s exists %d times", l, logins[l])
		}
	}
	renamed := 0
	for _, u := range got[:n+1] {
		if strings.HasSuffix(u.Firstname, "-renamed") {
			renamed++
		}
	}
	if renamed != n {
		t.Fatalf("%d users renamed, want %d", renamed, n)
	}
	byLogin := map[string]coupa.User{}
	for _, u := range got {
		byLogin[u.Login] = u
	}
	for i := 1; i < m; i++ {
		u := byLogin[fmt.Sprintf("new.hire%d", i)]
		if u.Manager == nil || u.Manager.Login != fmt.Sprintf("new.hire%d", i-1) {
			t.Fatalf("%s reports to %+v", u.Login, u.Manager)
		}
	}
}

func TestApplyUnderFaultsEndsInTheExpectedState(t *testing.T) {
	t.Parallel()
	seed, feed := synctest.Population(t, 120, 40, 6)
	srv, base := synctest.Serve(t, seed, emulator.Options{Rate: 40, Burst: 10, FineRetryAfter: true})
	// above the server's limit: it will meet 429s; with enough retries that
	// workers competing on a loaded machine do not exhaust them (giving up
	// is tested elsewhere)
	c, err := coupa.New(coupa.Config{BaseURL: base, APIKey: emulator.DefaultAPIKey, Rate: 80, Burst: 10, MaxRetries: 30, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, path, b := planFor(t, synctest.NewClient(t, base, 100, 20), feed, t.TempDir())
	srv.InjectFaults(4, 5) // 503s before, then 500s after the next writes (creates included)
	rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Users.Applied != 46 || rep.Changes.Verified != rep.Changes.Applied || rep.Changes.Applied != p.Selected.Changes {
		t.Fatalf("report: %s %+v", rep.Summary(), rep)
	}
	if srv.Throttled.Load() == 0 {
		t.Fatal("expected 429s")
	}
	expectFinal(t, srv, 120, 40, 6)
	// the report files are the service's (and views') to write: see cmd's tests
	for _, name := range []string{"journal.jsonl", "plan.json"} {
		if _, err := os.Stat(filepath.Join(rep.RunDir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStalePlanIsRefusedBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	seed, feed := synctest.Population(t, 30, 10, 2)
	clk := &clock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	srv, base := synctest.Serve(t, seed, emulator.Options{Now: clk.Now})
	c := synctest.NewClient(t, base, 100, 20)
	p, path, b := planFor(t, c, feed, t.TempDir())
	clk.Add(2 * time.Second)
	if _, err := c.UpdateUser(context.Background(), 5, coupa.UserPatch{Lastname: str("Changed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(context.Background(), coupa.UserPatch{Login: str("new.hire1"), Email: str("n1@x.example"), Firstname: str("A"), Lastname: str("B")}); err != nil {
		t.Fatal(err)
	}
	before := srv.Users()
	_, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules})
	var se *StaleError
	if !errors.As(err, &se) || len(se.Users) != 2 || !strings.Contains(err.Error(), "new.hire1: now exists") ||
		!strings.Contains(err.Error(), `lastname now "Changed"`) {
		t.Fatalf("got %v", err)
	}
	unwritten(t, before, srv.Users())
}

// A supervisor the plan relies on, deactivated between diff and apply,
// makes the plan stale.
func TestSupervisorDeactivatedSinceThePlanIsStale(t *testing.T) {
	t.Parallel()
	srv, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	path := filepath.Join(t.TempDir(), "p.json")
	p.Save(path)
	p, b, _ := plans.LoadPlan(path)
	if _, err := c.UpdateUser(context.Background(), 3, coupa.UserPatch{Active: boolp(false)}); err != nil { // mokafor, nsingh's supervisor
		t.Fatal(err)
	}
	before := srv.Users()
	_, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules})
	if err == nil || !strings.Contains(err.Error(), "supervisor mokafor: inactive in Coupa now") {
		t.Fatalf("got %v", err)
	}
	unwritten(t, before, srv.Users())
}

// unwritten fails if any user's updated-at moved between two reads.
func unwritten(t *testing.T, before, after []coupa.User) {
	t.Helper()
	for i := range before {
		if before[i].UpdatedAt != after[i].UpdatedAt {
			t.Fatalf("user %s was written", after[i].Login)
		}
	}
}

func TestRoleRemovalIsClearThenSetAndRestoresOnFailure(t *testing.T) {
	t.Parallel()
	_, c, snap := synctest.Acme(t)
	f := synctest.ReadFeed(t, "coupa_users.csv", feeds.Options{})
	p, _ := engine.Diff(f, snap, engine.Config{SegmentLookups: synctest.Lookups})
	only := []*plans.UserPlan{synctest.User(p, "spatel")}
	p.Users = only
	dir := t.TempDir()
	path := filepath.Join(dir, "p.json")
	p.Save(path)
	p, b, _ := plans.LoadPlan(path)
	// make the second call fail: ask for a role that vanished from Coupa after planning
	p.Users[0].Change(record.Roles).After = plans.Roles([]string{"Engaging Manager", "User", "No Such Role"})
	var dry bytes.Buffer
	Apply(context.Background(), c, p, ApplyOptions{DryRun: true, DryRunOut: &dry, Rules: synctest.DefaultRules})
	if !strings.Contains(dry.String(), "\"roles\": []") {
		t.Fatalf("removal must clear first:\n%s", dry.String())
	}
	rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changes.Failed != 1 || !strings.Contains(rep.Lines[len(rep.Lines)-1].Message, "were restored") || rep.OK() {
		t.Fatalf("%+v", rep.Lines)
	}
	u, _ := c.GetUser(context.Background(), 4)
	if record.JoinRoles(u.RoleNames()) != "Buyer, Engaging Manager, User" {
		t.Fatalf("roles after a failed set: %v", u.RoleNames())
	}
}

// The guard's limits come from the current settings, never from the plan.
func TestMassDeactivationGuardRefusesWhateverThePlanSays(t *testing.T) {
	t.Parallel()
	srv, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_full.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups, IncludeDeactivations: true, MaxDeactivations: 100})
	if plans.Deactivations(p) != 13 {
		t.Fatalf("%d selected", plans.Deactivations(p))
	}
	before := srv.Users()
	rules := plans.Rules{Guard: plans.Guard{Max: 5, Pct: 10}, IncludeInferred: true}
	_, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: filepath.Join(t.TempDir(), "p.json"), PlanBytes: []byte("x"), Rules: rules})
	var ge *plans.GuardError
	if !errors.As(err, &ge) || ge.N != 13 {
		t.Fatalf("got %v", err)
	}
	// inferred deactivations the plan selects need --include-deactivations
	rules = plans.Rules{Guard: plans.Guard{Max: 100, Pct: 100}}
	_, err = Apply(context.Background(), c, p, ApplyOptions{PlanPath: filepath.Join(t.TempDir(), "p.json"), PlanBytes: []byte("x"), Rules: rules})
	if err == nil || !strings.Contains(err.Error(), "--include-deactivations") {
		t.Fatalf("got %v", err)
	}
	unwritten(t, before, srv.Users())
}

// TestKilledApplyResumes kills a real apply process with SIGKILL part-way
// and resumes it: the final state is the same as an uninterrupted run.
func TestKilledApplyResumes(t *testing.T) {
	t.Parallel()
	if os.Getenv("CCWRECON_APPLY_CHILD") != "" {
		return
	}
	seed, feed := synctest.Population(t, 200, 60, 8)
	srv, base := synctest.Serve(t, seed, emulator.Options{})
	dir := t.TempDir()
	_, path, b := planFor(t, synctest.NewClient(t, base, 100, 20), feed, dir)
	child := exec.Command(os.Args[0], "-test.run=^TestApplyChild$")
	child.Env = append(os.Environ(), "CCWRECON_APPLY_CHILD="+base, "CCWRECON_APPLY_PLAN="+path)
	var out bytes.Buffer
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	renamed := func() int {
		n := 0
		for _, u := range srv.Users() {
			if strings.HasSuffix(u.Firstname, "-renamed") {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(20 * time.Second); renamed() < 15 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // polling a child process: at 20 requests/s, kill it about a quarter of the way
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	mid := renamed()
	if mid == 0 || mid == 60 {
		t.Fatalf("the kill did not land mid-apply (%d of 60 renamed)\n%s", mid, out.String())
	}
	p, _, _ := plans.LoadPlan(path)
	c := synctest.NewClient(t, base, 100, 20)
	if _, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules}); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("a half-applied plan must need --resume: %v", err)
	}
	rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Resume: true, Rules: synctest.DefaultRules})
	if err != nil {
		t.Fatal(err)
	}
	// resume verifies what the whole run did, not just its own part
	if !rep.OK() || rep.Changes.Verified != p.Selected.Changes {
		t.Fatalf("%s\n%+v", rep.Summary(), rep.Lines)
	}
	expectFinal(t, srv, 200, 60, 8)
}

// TestApplyChild is the process TestKilledApplyResumes kills.
func TestApplyChild(t *testing.T) {
	base := os.Getenv("CCWRECON_APPLY_CHILD")
	if base == "" {
		t.Skip("helper process")
	}
	path := os.Getenv("CCWRECON_APPLY_PLAN")
	p, b, err := plans.LoadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	c := synctest.NewClient(t, base, 20, 1)
	Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Workers: 1, Rules: synctest.DefaultRules})
}

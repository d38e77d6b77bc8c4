package apply

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// holdingProxy forwards to Coupa but holds every role set (a PUT whose
// roles are not empty) until the test says what to do with it: forward it,
// or drop it unanswered as a killed process would never have sent it.
type holdingProxy struct {
	held    chan string // the path of a held request
	forward chan bool   // true: send it on; false: drop it
}

// newHoldingProxy holds requests whose body holds marker: before sending
// them on, or (afterAnswer) once Coupa answered, before the answer goes back.
func newHoldingProxy(t *testing.T, target, marker string, afterAnswer bool) (*holdingProxy, string) {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	h := &holdingProxy{held: make(chan string, 16), forward: make(chan bool, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if afterAnswer && bytes.Contains(body, []byte(marker)) {
				rec := httptest.NewRecorder()
				rp.ServeHTTP(rec, r)
				h.held <- r.URL.Path
				<-h.forward
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
				return
			}
			if bytes.Contains(body, []byte(marker)) {
				h.held <- r.URL.Path
				if !<-h.forward {
					http.Error(w, "dropped", http.StatusBadGateway)
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return h, srv.URL
}

// rolePlan is the Acme plan of the Users CSV cut to spatel, whose Buyer
// role it removes (Coupa's clear, then set).
func rolePlan(t *testing.T, c *coupa.Client, snap *coupa.Snapshot, dir string) (*plans.Plan, string, []byte) {
	f := synctest.ReadFeed(t, "coupa_users.csv", feeds.Options{})
	p, _ := engine.Diff(f, snap, engine.Config{SegmentLookups: synctest.Lookups})
	p.Users = []*plans.UserPlan{synctest.User(p, "spatel")}
	for _, c := range p.Users[0].Changes {
		if c.Field != record.Roles {
			p.Users[0].Change(c.Field).Selected = false
		}
	}
	p.Recount()
	path := filepath.Join(dir, "p.json")
	p, b := synctest.SavedPlan(t, p, path)
	return p, path, b
}

func rolesOf(t *testing.T, srv *emulator.Server, login string) string {
	for _, u := range srv.Users() {
		if u.Login == login {
			return record.JoinRoles(u.RoleNames())
		}
	}
	t.Fatalf("%s is not in Coupa", login)
	return ""
}

// A stop that arrives once a user's clear is answered, before its set is
// sent, still lets the set go: the user never stays without roles.
func TestAStopBetweenARoleRemovalsRequestsFinishesTheUser(t *testing.T) {
	t.Parallel()
	srv, c, snap := synctest.Acme(t)
	proxy, pbase := newHoldingProxy(t, c.Instance(), `"roles":[]`, true)
	pc, err := coupa.New(coupa.Config{BaseURL: pbase, APIKey: emulator.DefaultAPIKey, Rate: 500, Burst: 50})
	if err != nil {
		t.Fatal(err)
	}
	snap.Instance = pbase
	p, path, b := rolePlan(t, pc, snap, t.TempDir())
	stop := make(chan struct{})
	done := make(chan *Report, 1)
	go func() {
		rep, _ := Apply(context.Background(), pc, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules, Stop: stop, LockDir: t.TempDir()})
		done <- rep
	}()
	<-proxy.held
	if got := rolesOf(t, srv, "spatel"); got != "" {
		t.Fatalf("the clear was not sent first: roles %q", got)
	}
	close(stop)           // the operator's Ctrl+C, between the two requests
	proxy.forward <- true // the clear's answer goes back
	rep := <-done
	if got := rolesOf(t, srv, "spatel"); got != "Engaging Manager, User" {
		t.Fatalf("after a stop between clear and set spatel holds %q\n%+v", got, rep.Lines)
	}
}

// A process killed between a role removal's clear and its set leaves the
// user with no roles; --resume recognises its own half-done work, finishes
// it and does not call the plan stale.
func TestAKillBetweenARoleRemovalsRequestsIsFinishedByResume(t *testing.T) {
	t.Parallel()
	if os.Getenv("CCWRECON_UNIT_CHILD") != "" {
		return
	}
	srv, proxy, pbase, pc, snap := heldAcme(t, `"roles":[{`)
	dir := t.TempDir()
	locks := t.TempDir()
	p, path, b := rolePlan(t, pc, snap, dir)
	killAtHeldRequest(t, proxy, pbase, path, locks)
	if got := rolesOf(t, srv, "spatel"); got != "" {
		t.Fatalf("the kill did not land between the requests: %q", got)
	}
	rep, err := Apply(context.Background(), pc, p, ApplyOptions{PlanPath: path, PlanBytes: b, Resume: true, Rules: synctest.DefaultRules, LockDir: locks})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("%s\n%+v", rep.Summary(), rep.Lines)
	}
	if got := rolesOf(t, srv, "spatel"); got != "Engaging Manager, User" {
		t.Fatalf("after resume spatel holds %q", got)
	}
}

// heldAcme is the Acme instance behind a proxy that holds the first
// request whose body holds marker, a client of the proxy, and a snapshot
// naming the proxy as its instance.
func heldAcme(t *testing.T, marker string) (*emulator.Server, *holdingProxy, string, *coupa.Client, *coupa.Snapshot) {
	t.Helper()
	srv, c, snap := synctest.Acme(t)
	proxy, pbase := newHoldingProxy(t, c.Instance(), marker, false)
	snap.Instance = pbase
	pc, _ := coupa.New(coupa.Config{BaseURL: pbase, APIKey: emulator.DefaultAPIKey, Rate: 500, Burst: 50})
	return srv, proxy, pbase, pc, snap
}

// killAtHeldRequest runs the plan at path in a child process through the
// proxy, SIGKILLs it once the proxy holds a request, drops that request
// (it dies with the process) and lets every later request through.
func killAtHeldRequest(t *testing.T, proxy *holdingProxy, pbase, path, locks string) {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^TestUnitChild$")
	child.Env = append(os.Environ(), "CCWRECON_UNIT_CHILD="+pbase, "CCWRECON_UNIT_PLAN="+path, "CCWRECON_UNIT_LOCKS="+locks)
	var out bytes.Buffer
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-proxy.held:
	case <-time.After(20 * time.Second):
		child.Process.Kill()
		t.Fatalf("the held request never came\n%s", out.String())
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	proxy.forward <- false // the request dies with the process
	go func() {
		for range proxy.held {
			proxy.forward <- true
		}
	}()
}

// TestUnitChild is the process the kill test kills.
func TestUnitChild(t *testing.T) {
	base := os.Getenv("CCWRECON_UNIT_CHILD")
	if base == "" {
		t.Skip("helper process")
	}
	path := os.Getenv("CCWRECON_UNIT_PLAN")
	p, b, err := plans.LoadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := coupa.New(coupa.Config{BaseURL: base, APIKey: emulator.DefaultAPIKey, Rate: 500, Burst: 50, Timeout: time.Minute})
	Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules, LockDir: os.Getenv("CCWRECON_UNIT_LOCKS")})
}

// The other multi-step operations cut by a kill between their requests
// (a create then its default account; a chart change then its segments)
// are finished by --resume, which does not call them stale.
func TestAKillBetweenAnyTwoStepsIsFinishedByResume(t *testing.T) {
	t.Parallel()
	if os.Getenv("CCWRECON_UNIT_CHILD") != "" {
		return
	}
	for _, login := range []string{"nsingh", "tnakamura"} {
		srv, proxy, pbase, pc, snap := heldAcme(t, `"default-account":{`)
		dir, locks := t.TempDir(), t.TempDir()
		p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
		p.Users = []*plans.UserPlan{synctest.User(p, login)}
		p.Recount()
		path := filepath.Join(dir, "p.json")
		p, b := synctest.SavedPlan(t, p, path)
		killAtHeldRequest(t, proxy, pbase, path, locks)
		rep, err := Apply(context.Background(), pc, p, ApplyOptions{PlanPath: path, PlanBytes: b, Resume: true, Rules: synctest.DefaultRules, LockDir: locks})
		if err != nil {
			t.Fatalf("%s: resume: %v", login, err)
		}
		if !rep.OK() || rep.Changes.Verified != p.Selected.Changes {
			t.Fatalf("%s: %s\n%+v", login, rep.Summary(), rep.Lines)
		}
		n := 0
		for _, u := range srv.Users() {
			if u.Login == login {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%s exists %d times", login, n)
		}
	}
}

// A membership removal killed between its clear and its set is finished
// by resume, as a role removal is.
func TestAKillBetweenAMembershipRemovalsRequestsIsFinishedByResume(t *testing.T) {
	t.Parallel()
	if os.Getenv("CCWRECON_UNIT_CHILD") != "" {
		return
	}
	srv, proxy, pbase, pc, snap := heldAcme(t, `"user-groups":[{`)
	dir, locks := t.TempDir(), t.TempDir()
	f, err := feeds.Read(strings.NewReader("Login,Email,Groups\nspatel,spatel@acme.example,IT Requesters\n"), "users.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := engine.Diff(f, snap, engine.Config{})
	path := filepath.Join(dir, "p.json")
	p, b := synctest.SavedPlan(t, p, path)
	killAtHeldRequest(t, proxy, pbase, path, locks)
	for _, u := range srv.Users() {
		if u.Login == "spatel" && len(u.UserGroups) != 0 {
			t.Fatalf("the kill did not land between the requests: %+v", u.UserGroups)
		}
	}
	rep, err := Apply(context.Background(), pc, p, ApplyOptions{PlanPath: path, PlanBytes: b, Resume: true, Rules: synctest.DefaultRules, LockDir: locks})
	if err != nil || !rep.OK() {
		t.Fatalf("resume: %v %+v", err, rep)
	}
	for _, u := range srv.Users() {
		if u.Login == "spatel" && (len(u.UserGroups) != 1 || u.UserGroups[0].Name != "IT Requesters") {
			t.Fatalf("after resume: %+v", u.UserGroups)
		}
	}
}

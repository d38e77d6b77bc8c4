package tui

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/feeds"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// updating: go test ./tui -update (the flag is x/exp/golden's, which teatest brings)
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// env is a real emulator, an embedded SFTP server and a service wired as
// the command line wires it.
type env struct {
	srv  *emulator.Server
	svc  *ccsync.Service
	base string
	sftp string
	dir  string
}

func newEnv(t testing.TB, opts emulator.Options) *env {
	t.Helper()
	seed, err := emulator.LoadSeed("../testdata/instance.json")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: emulator.New(seed, opts), dir: t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if e.base, err = e.srv.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ss, err := feeds.StartSFTPServer(ctx, "demo", "pw")
	if err != nil {
		t.Fatal(err)
	}
	e.sftp = ss.Addr
	kh := filepath.Join(e.dir, "known_hosts")
	os.WriteFile(kh, []byte(ss.KnownHostsLine()), 0o600)
	cfg := feeds.SFTPConfig{Addr: ss.Addr, User: "demo", Password: "pw", KnownHosts: kh}
	conn, err := feeds.DialSFTP(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn.MkdirAll("/Incoming/CCW")
	conn.Close()
	e.svc = ccsync.NewService(ccsync.Engagement{
		Feed:   "../testdata/feeds/ccw_delta.csv",
		Config: engine.Config{SegmentLookups: map[int]string{1: "Company", 2: "Cost Center", 3: "GL Account"}, ToolVersion: "test"},
		Rules:  plans.Rules{Guard: plans.Guard{Max: 25, Pct: 5}},
		Coupa:  coupa.Config{BaseURL: e.base, APIKey: emulator.DefaultAPIKey, Rate: -1},
		SFTP:   cfg,
		Cache:  func(string) (string, error) { return filepath.Join(e.dir, "cache.json"), nil },
	})
	return e
}

// loaded is a console with a loaded session, without a Program.
func loaded(t testing.TB, w, h int) (*Model, *env) {
	return open(t, newEnv(t, emulator.Options{}), w, h)
}

// open is a console on an existing environment (each gets a fresh plan).
func open(t testing.TB, e *env, w, h int) (*Model, *env) {
	m := New(e.svc, Options{PlanDir: e.dir}, style.Plain())
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	sess, err := e.svc.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Update(loadedMsg{sess: sess})
	return m, e
}

// press sends keys, running the commands they return (and the messages
// those produce) the way a Program would.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "down", "up", "enter", "tab", "esc", "space", "ctrl+c", "ctrl+r", "left", "right":
			msg = tea.KeyMsg{Type: map[string]tea.KeyType{"down": tea.KeyDown, "up": tea.KeyUp, "enter": tea.KeyEnter,
				"tab": tea.KeyTab, "esc": tea.KeyEsc, "space": tea.KeySpace, "ctrl+c": tea.KeyCtrlC, "ctrl+r": tea.KeyCtrlR,
				"left": tea.KeyLeft, "right": tea.KeyRight}[k]}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		_, cmd := m.Update(msg)
		run(m, cmd, 0)
	}
}

// run executes a command synchronously, feeding its messages back (but
// never blocking on the background channels of loads and applies).
func run(m *Model, cmd tea.Cmd, depth int) {
	if cmd == nil || depth > 8 {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(500 * time.Millisecond): // a timer (a cursor's blink), not a result
		return
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			run(m, c, depth+1)
		}
	case nil, tea.QuitMsg:
	default:
		if _, ok := msg.(interface{ Tag() int }); ok {
			return
		}
		_, next := m.Update(msg)
		run(m, next, depth+1)
	}
}

var (
	urlRe    = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
	sftpRe   = regexp.MustCompile(`127\.0\.0\.1:\d+:/`)
	digestRe = regexp.MustCompile(regexp.QuoteMeta(plans.DigestPrefix) + `[0-9a-f]{64}`)
	portRe   = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	stampRe  = regexp.MustCompile(`\d{8}_\d{6}Z`)
	tmpRe    = regexp.MustCompile(`/tmp/\S+`)
)

// screen is the frame as text, with the run's random parts named.
func screen(m *Model, e *env) string {
	s := ansi.Strip(m.View())
	s = urlRe.ReplaceAllString(s, "http://emulator")
	s = sftpRe.ReplaceAllString(s, "sftp-host:/")
	s = digestRe.ReplaceAllString(s, plans.DigestPrefix+"<digest>")
	s = portRe.ReplaceAllString(s, "emulator:port")
	s = stampRe.ReplaceAllString(s, "YYYYMMDD_HHMMSSZ")
	s = strings.ReplaceAll(s, e.dir, "/work")
	return tmpRe.ReplaceAllString(s, "/tmp/…")
}

// golden compares a frame with its golden file; no frame may hold a value
// cut by the layout (the "…" of a truncation).
func golden(t *testing.T, name, got string) {
	t.Helper()
	if strings.Contains(strings.ReplaceAll(got, "/tmp/…", ""), "…") {
		t.Errorf("%s: a value is cut by the layout:\n%s", name, got)
	}
	for i, l := range strings.Split(got, "\n") {
		if ansi.StringWidth(l) > widthOf(name) {
			t.Errorf("%s: line %d is wider than the screen", name, i+1)
		}
	}
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./tui -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from its golden file; got:\n%s", name, got)
	}
}

func widthOf(name string) int {
	var w, h int
	fmt.Sscanf(name[strings.LastIndex(name, "_")+1:], "%dx%d", &w, &h)
	return w
}

// A golden per component, at 80×24 and 160×48.
func TestComponentGoldens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		tag := fmt.Sprintf("_%dx%d", size[0], size[1])
		check := func(name string, keys ...string) {
			m, e := open(t, e, size[0], size[1])
			press(m, keys...)
			golden(t, name+tag, screen(m, e))
		}
		check("users")
		check("users_segments", "down", "enter")
		check("users_error", "down", "down", "down", "down", "down", "down")
		check("users_unchanged", "=")
		check("help", "?")
		check("hierarchy", "2")
		check("roles", "3")
		check("segments", "4")
		check("problems", "5")
		check("plan", "6")
		check("route", "A")
		check("preview_api", "A", "1")
		check("preview_sftp", "d", "2")
		check("confirm", "A", "1", "y")
	}
}

// Selection goes through the engine's rules: an error user refuses with a
// reason, undo puts the last change back, U the default.
func TestSelectionUndoAndDefault(t *testing.T) {
	t.Parallel()
	m, _ := loaded(t, 80, 24)
	plan := m.Plan()
	start := plan.Selected
	press(m, "space") // lrossi off
	if plan.Selected.Users != start.Users-1 || plan.User("lrossi").SelectedCount() != 0 {
		t.Fatalf("%+v", plan.Selected)
	}
	press(m, "u")
	if plan.Selected != start {
		t.Fatalf("undo: %+v", plan.Selected)
	}
	press(m, "n", "u")
	if plan.Selected != start {
		t.Fatalf("undo of none: %+v", plan.Selected)
	}
	press(m, "n", "U")
	if plan.Selected != start || !strings.Contains(m.status, "default selection") {
		t.Fatalf("default: %+v %q", plan.Selected, m.status)
	}
	// wlee has problems: space says why and selects nothing
	press(m, "g", "down", "down", "down", "down", "down", "down", "space")
	if !strings.Contains(m.status, "wlee cannot be selected, it has problems") || plan.User("wlee").SelectedCount() != 0 {
		t.Fatalf("%q", m.status)
	}
	// select all never takes informational differences
	press(m, "a")
	for _, u := range plan.Users {
		for _, c := range u.Changes {
			if c.Informational && c.Selected {
				t.Fatalf("%s %s selected by a", u.Key, c.Field)
			}
		}
	}
	// a partly selected user has its own mark
	press(m, "g", "down", "enter", "space", "esc")
	if userMark(plan.User("akim")) != style.Partly {
		t.Fatalf("akim: %s", userMark(plan.User("akim")))
	}
}

// enter on a problem or a hierarchy row goes to that user.
func TestEnterJumpsToTheUser(t *testing.T) {
	t.Parallel()
	m, _ := loaded(t, 80, 24)
	press(m, "5", "down", "enter")
	if m.active != 0 || m.users.current().Key != "wlee" {
		t.Fatalf("tab %d user %v", m.active, m.users.current())
	}
	press(m, "2")
	m.View()
	for i := 0; i < 40 && !strings.Contains(m.tabs[1].(*page).lines[m.tabs[1].(*page).cursor].text, "kmorgan"); i++ {
		press(m, "down")
	}
	press(m, "enter")
	if m.users.current().Key != "kmorgan" {
		t.Fatalf("%v", m.users.current())
	}
}

// The filter understands field:value, action:, is: and free text on keys
// and names only.
func TestFilterQueries(t *testing.T) {
	t.Parallel()
	m, _ := loaded(t, 80, 24)
	keys := func(q string) []string {
		m.users.query = q
		m.users.refilter()
		var out []string
		for _, r := range m.users.rows {
			out = append(out, m.Plan().Users[r].Key)
		}
		return out
	}
	for q, want := range map[string]string{
		"manager":               "", // a word matches keys and names, not "Engaging Manager"
		"action:create":         "nsingh,kmorgan",
		"is:problem kind:cycle": "cgarcia,yueda",
		"email:luca":            "lrossi",
		"field:segment-2":       "akim,tnakamura,nsingh,kmorgan,wlee",
		"is:informational ros":  "lrossi",
	} {
		if got := strings.Join(keys(q), ","); got != want {
			t.Errorf("%q: %s, want %s", q, got, want)
		}
	}
}

// A whole flow through a real Program: load → select → undo → dry-run →
// apply → ctrl+c mid-apply → stop → resume → report → quit.
func TestConsoleFlowWithInterruptAndResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{Latency: 120 * time.Millisecond})
	m := New(e.svc, Options{PlanDir: e.dir}, style.Plain())
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	key := func(k tea.KeyType) { tm.Send(tea.KeyMsg{Type: k}) }
	text := func(s string) { tm.Type(s) }
	wait("12 of 13 users")
	key(tea.KeySpace) // lrossi off
	wait("unsaved")
	text("u")
	text("d")
	wait("route")
	text("1")
	wait("Dry run: the exact requests")
	key(tea.KeyEsc) // back to the choice of route
	wait("which route")
	key(tea.KeyEsc) // back to the list
	text("A")
	wait("which route")
	text("1")
	wait("y continue")
	text("y")
	wait("Type the instance name")
	text("127.0.0.1")
	key(tea.KeyEnter)
	wait("changes ·")
	key(tea.KeyCtrlC) // stops sending at once: no question first
	wait("Apply interrupted")
	if code := m.ExitCode(); code != 130 || !strings.Contains(m.ExitMessage(), "--via api") || !strings.Contains(m.ExitMessage(), "--resume") {
		t.Fatalf("interrupted: exit %d %q", code, m.ExitMessage())
	}
	text("r")
	wait("Apply complete: 36 changes to 6 users applied and verified.")
	// u on the report: the plan that puts Coupa back, previewed and confirmed like any
	text("u")
	wait("undo of")
	text("A")
	wait("y continue")
	text("y")
	wait("Type the instance name")
	text("127.0.0.1")
	key(tea.KeyEnter)
	wait("Apply complete: 12 changes to 6 users applied and verified.")
	text("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if code := m.ExitCode(); code != 0 {
		t.Fatalf("after resume: exit %d %q", code, m.ExitMessage())
	}
	n := 0
	for _, u := range e.srv.Users() {
		if u.Login == "nsingh" || u.Login == "kmorgan" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d creates after a resume (want 2)", n)
	}
	for _, u := range e.srv.Users() {
		if (u.Login == "nsingh" || u.Login == "kmorgan") && u.Active {
			t.Fatalf("%s is active after the undo", u.Login)
		}
	}
}

// A reload keeps the manual choices that still apply and says so.
func TestReloadKeepsChoices(t *testing.T) {
	t.Parallel()
	m, _ := loaded(t, 80, 24)
	press(m, "space") // lrossi off: a manual choice
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlR})
	msg := tea.Batch(cmd)
	_ = msg
	for i := 0; i < 50 && m.state != stMain; i++ {
		m.Update(<-m.loadCh)
	}
	if !strings.Contains(m.status, "kept 1 choice") || m.Plan().User("lrossi").SelectedCount() != 0 {
		t.Fatalf("%q", m.status)
	}
}

// At 100,000 users a keypress costs the same as at ten: the list renders
// its visible rows only, and a toggle adjusts the counts, not recounts.
func BenchmarkKeypress100k(b *testing.B) {
	plan := &plans.Plan{Instance: "https://acme.coupahost.com"}
	for i := 0; i < 100000; i++ {
		plan.Users = append(plan.Users, &plans.UserPlan{Key: fmt.Sprintf("user%06d", i), Name: "Ann Lee", Action: plans.Update,
			Selected: true, Line: i + 2, Fingerprint: &plans.Fingerprint{ID: i + 1},
			Changes: []plans.Change{{Field: "email", Op: plans.OpChange, Before: plans.Text("a@x.example"), After: plans.Text("b@x.example"), Selected: true}}})
	}
	plan.Recount()
	m := New(ccsync.NewService(ccsync.Engagement{}), Options{}, style.Plain())
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.Update(loadedMsg{sess: &ccsync.Session{Plan: plan, Instance: plan.Instance, FeedName: "feed.csv"}})
	m.View()
	b.Run("cursor", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m.Update(tea.KeyMsg{Type: tea.KeyDown})
			_ = m.View()
		}
	})
	b.Run("toggle", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m.Update(tea.KeyMsg{Type: tea.KeySpace})
			_ = m.View()
		}
		if plan.Selected.Users == 100000 {
			b.Fatal("nothing toggled")
		}
	})
	b.Run("first-frame", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m.Update(loadedMsg{sess: &ccsync.Session{Plan: plan, Instance: plan.Instance, FeedName: "feed.csv"}})
			_ = m.View()
		}
	})
}

// runningConsole is the console on the sample instance in a 100×30
// terminal, once it shows the comparison.
func runningConsole(t *testing.T) (*Model, *teatest.TestModel) {
	t.Helper()
	e := newEnv(t, emulator.Options{})
	m := New(e.svc, Options{PlanDir: e.dir}, style.Plain())
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("12 of 13 users")) },
		teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	return m, tm
}

// Keys typed quickly arrive as one message: each moves the cursor, as if
// typed one by one.
func TestAKeyBurstIsSeveralKeys(t *testing.T) {
	t.Parallel()
	m, tm := runningConsole(t)
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if got := m.users.cursor; got != 3 {
		t.Fatalf("the cursor is on row %d after jjj in one message, want 3", got)
	}
	if code := m.ExitCode(); code != 0 {
		t.Fatalf("q exits %d", code)
	}
}

// Leaving with Ctrl+C exits 130, even before any apply.
func TestCtrlCExitsNonZero(t *testing.T) {
	t.Parallel()
	m, tm := runningConsole(t)
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if code := m.ExitCode(); code != 130 || !strings.Contains(m.ExitMessage(), "Ctrl+C") {
		t.Fatalf("exit %d %q", code, m.ExitMessage())
	}
}

// Quitting after "Could not load" exits 1 and says why.
func TestQuittingAfterAFailedLoadExits1(t *testing.T) {
	t.Parallel()
	svc := ccsync.NewService(ccsync.Engagement{Feed: filepath.Join(t.TempDir(), "missing.csv"), Snapshot: "../testdata/acme.snapshot.json"})
	m := New(svc, Options{}, style.Plain())
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Could not load")) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if code := m.ExitCode(); code != 1 || !strings.Contains(m.ExitMessage(), "Could not load") {
		t.Fatalf("exit %d %q", code, m.ExitMessage())
	}
}

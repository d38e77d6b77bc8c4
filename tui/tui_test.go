package tui

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
)

func init() {
	lipgloss.SetColorProfile(termenv.Ascii) // goldens do not depend on the terminal
	lipgloss.SetHasDarkBackground(true)
}

// env is a real emulator, a real client and a backend wired like cmd's.
type env struct {
	srv     *emulator.Server
	client  *coupa.Client
	backend Backend
	dir     string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	seed, err := emulator.LoadSeed("../testdata/instance.json")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: emulator.New(seed, emulator.Options{}), dir: t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	base, err := e.srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.client, err = coupa.New(coupa.Config{BaseURL: base, APIKey: emulator.DefaultAPIKey, Rate: 500, Burst: 50})
	if err != nil {
		t.Fatal(err)
	}
	lookups := map[int]string{1: "Company", 2: "Cost Center", 3: "GL Account"}
	e.backend = Backend{
		Load: func(ctx context.Context, progress func(ccsync.Progress)) (*Session, error) {
			f, err := feeds.ReadFile("../testdata/feeds/ccw_delta.csv", feeds.Options{})
			if err != nil {
				return nil, err
			}
			snap, err := e.client.Fetch(ctx, nil, nil)
			if err != nil {
				return nil, err
			}
			p, err := ccsync.Diff(f, snap, ccsync.Config{SegmentLookups: lookups})
			if err != nil {
				return nil, err
			}
			return &Session{Plan: p, Instance: p.Instance, FeedName: f.Name, Vias: []string{"api"}}, nil
		},
		DryRun: func(ctx context.Context, p *ccsync.Plan, via string) (string, error) {
			var b bytes.Buffer
			_, err := ccsync.Apply(ctx, nil, p, ccsync.ApplyOptions{DryRun: true, DryRunOut: &b, Rules: rules})
			return b.String(), err
		},
		Apply: func(ctx context.Context, p *ccsync.Plan, via string, progress func(ccsync.Event)) (*ccsync.Report, error) {
			path := filepath.Join(e.dir, "plan.json")
			if err := p.Save(path); err != nil {
				return nil, err
			}
			saved, b, err := ccsync.LoadPlan(path)
			if err != nil {
				return nil, err
			}
			return ccsync.Apply(ctx, e.client, saved, ccsync.ApplyOptions{PlanPath: path, PlanBytes: b, Progress: progress, Rules: rules})
		},
		SavePlan: func(p *ccsync.Plan) (string, error) {
			path := filepath.Join(e.dir, "saved.json")
			return path, p.Save(path)
		},
	}
	return e
}

var rules = ccsync.Rules{Guard: ccsync.Guard{Max: 25, Pct: 5}, IncludeInferred: true}

// loaded returns a model with a loaded session, without a Program.
func loaded(t testing.TB, w, h int) (*Model, *env) {
	e := newEnv(t)
	m := New(e.backend)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	sess, err := e.backend.Load(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sess.Instance = "https://acme.coupahost.com" // stable goldens
	m.Update(loadedMsg{sess: sess})
	return m, e
}

func keys(m *Model, ks ...string) {
	for _, k := range ks {
		var msg tea.KeyMsg
		switch k {
		case "down", "up", "enter", "tab", "esc", "space":
			msg = tea.KeyMsg{Type: map[string]tea.KeyType{"down": tea.KeyDown, "up": tea.KeyUp, "enter": tea.KeyEnter,
				"tab": tea.KeyTab, "esc": tea.KeyEsc, "space": tea.KeySpace}[k]}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		_, cmd := m.Update(msg)
		// run synchronous follow-ups (filtering) so the test sees their result
		deliver(m, cmd)
	}
}

// deliver runs a command (and batches) and feeds filter results back.
func deliver(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch r := runCmd(cmd).(type) {
	case filteredMsg:
		m.Update(r)
	case tea.BatchMsg:
		for _, c := range r {
			deliver(m, c)
		}
	}
}

func runCmd(cmd tea.Cmd) tea.Msg {
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		return msg
	case <-time.After(100 * time.Millisecond): // blink timers and the like
		return nil
	}
}

func TestSelectionKeys(t *testing.T) {
	m, _ := loaded(t, 80, 24)
	u := m.list.current()
	if u.Key != "lrossi" || !u.Selected {
		t.Fatalf("first row %s selected=%v", u.Key, u.Selected)
	}
	keys(m, "space") // deselect and move on
	if u.Selected || m.list.current().Key != "akim" || !m.dirty {
		t.Fatal("space must deselect the user and move down")
	}
	keys(m, "up", "enter", "space") // detail pane: toggle the first field back on
	if !u.Selected || !u.Changes[0].Selected || u.Changes[1].Selected {
		t.Fatalf("field toggle: %+v", u.Changes)
	}
	keys(m, "esc")
	// a user with problems cannot be selected
	for m.list.current().Action != ccsync.Error {
		keys(m, "down")
	}
	keys(m, "space")
	if m.list.current().Selected && !strings.Contains(m.status, "problems") {
		t.Fatal("an error user was selected")
	}
}

func TestFilterAndActionFilter(t *testing.T) {
	m, _ := loaded(t, 80, 24)
	keys(m, "/", "k", "m", "o", "enter")
	if len(m.list.rows) != 1 || m.list.current().Key != "kmorgan" {
		t.Fatalf("filter 'kmo': %d rows", len(m.list.rows))
	}
	keys(m, "/", "esc")
	keys(m, "f") // create
	for _, r := range m.list.rows {
		if m.Plan().Users[r].Action != ccsync.Create {
			t.Fatal("action filter leaked")
		}
	}
	if len(m.list.rows) != 2 {
		t.Fatalf("%d creates", len(m.list.rows))
	}
}

func TestSelectAllLeavesInferredDeactivationsAlone(t *testing.T) {
	m, _ := loaded(t, 80, 24)
	inferred := &ccsync.UserPlan{Key: "gone", Action: ccsync.Deactivate, Inferred: true,
		Changes: []ccsync.Change{{Field: record.Active, Op: ccsync.OpChange, Before: ccsync.Bool(true), After: ccsync.Bool(false)}}}
	m.Plan().Users = append(m.Plan().Users, inferred)
	m.setSession(m.sess)
	keys(m, "n", "a")
	if inferred.Selected {
		t.Fatal("select all selected an inferred deactivation")
	}
	keys(m, "f", "f", "f", "a") // filter on deactivations, then all
	if !inferred.Selected {
		t.Fatal("an explicit select on the deactivation filter must select it")
	}
}

func TestQuitAsksWhenSelectionIsUnsaved(t *testing.T) {
	m, _ := loaded(t, 80, 24)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("clean state quits at once")
	}
	m, _ = loaded(t, 80, 24)
	keys(m, "space")
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	if !m.quitting || !strings.Contains(ansi.Strip(m.View()), "Quit anyway? (y/N)") {
		t.Fatal("unsaved selection must ask before quitting")
	}
	keys(m, "n")
	if m.quitting {
		t.Fatal("n keeps the console open")
	}
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlC}) // asks
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("ctrl+c twice quits")
	}
	m, _ = loaded(t, 80, 24)
	keys(m, "space")
	_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("w")})
	m.Update(cmd())
	if m.dirty {
		t.Fatal("w saves the selection")
	}
}

func TestViewGoldens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m, _ := loaded(t, size[0], size[1])
		for tab := range tabNames {
			m.tab = tab
			name := fmt.Sprintf("%s_%dx%d", strings.ToLower(tabNames[tab]), size[0], size[1])
			view := ansi.Strip(m.View())
			lines := strings.Split(view, "\n")
			if len(lines) > size[1] {
				t.Fatalf("%s: %d lines on a %d-line screen", name, len(lines), size[1])
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > size[0] {
					t.Fatalf("%s: line wider than %d: %q", name, size[0], l)
				}
			}
			goldenView(t, name, view)
		}
	}
	m, _ := loaded(t, 80, 24)
	keys(m, "?")
	goldenView(t, "help_80x24", ansi.Strip(m.View()))
}

func goldenView(t *testing.T, name, got string) {
	t.Helper()
	t.Run(name, func(t *testing.T) { golden.RequireEqual(t, []byte(got)) }) // -update rewrites
}

// TestConsoleFlow drives the whole program: load, select, dry-run, apply
// against the emulator, report.
func TestConsoleFlow(t *testing.T) {
	e := newEnv(t)
	tm := teatest.NewTestModel(t, New(e.backend), teatest.WithInitialTermSize(120, 40))
	wait := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
	}
	wait("lrossi")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	tm.Send(tea.KeyMsg{Type: tea.KeySpace}) // deselect akim
	tm.Type("d")
	wait("POST /api/users")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	wait("users shown") // the main screen must be painted before the next preview
	tm.Type("A")
	wait("exactly what would be sent")
	tm.Type("y")
	wait("Type the instance name")
	tm.Type("127.0.0.1")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	wait("Apply complete: 8 applied, 0 failed, 0 skipped.")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	users := map[string]coupa.User{}
	for _, u := range e.srv.Users() {
		users[u.Login] = u
	}
	if _, ok := users["nsingh"]; !ok {
		t.Fatal("nsingh was not created")
	}
	if users["akim"].Manager.Login != "mokafor" {
		t.Fatal("akim was deselected but changed")
	}
	if users["jbrown"].Active {
		t.Fatal("jbrown still active")
	}
}

// big builds a plan of n users for the benchmarks.
func big(n int) *Model {
	p := &ccsync.Plan{Instance: "https://acme.coupahost.com"}
	for i := 0; i < n; i++ {
		a := []ccsync.Action{ccsync.Update, ccsync.Create, ccsync.Unchanged, ccsync.Error}[i%4]
		u := &ccsync.UserPlan{Key: fmt.Sprintf("user%06d", i), Name: fmt.Sprintf("First%d Last%d", i, i%977), Action: a, Line: i + 2,
			Changes: []ccsync.Change{{Field: record.Email, Op: ccsync.OpChange, Before: ccsync.Text("a@x.example"), After: ccsync.Text("b@x.example"), Selected: true}}}
		p.Users = append(p.Users, u)
	}
	p.Recount()
	m := New(Backend{})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.setSession(&Session{Plan: p, Instance: p.Instance, FeedName: "big.csv", Vias: []string{"api"}})
	return m
}

// BenchmarkKeypressFrame100k: one key (Update) and the frame it causes (View).
func BenchmarkKeypressFrame100k(b *testing.B) {
	m := big(100_000)
	down := tea.KeyMsg{Type: tea.KeyDown}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(down)
		_ = m.View()
	}
}

// BenchmarkFilter100k: the incremental filter (run in a Cmd, off the UI loop).
func BenchmarkFilter100k(b *testing.B) {
	m := big(100_000)
	l := m.list
	l.query = "last97"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = l.compute()
	}
}

func TestUnchangedFieldsExpand(t *testing.T) {
	m, _ := loaded(t, 80, 40)
	if !strings.Contains(ansi.Strip(m.View()), "8 unchanged fields hidden (u shows them)") {
		t.Fatal("collapsed by default")
	}
	keys(m, "u")
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "= firstname") || !strings.Contains(v, "Luca") {
		t.Fatalf("expanded:\n%s", v)
	}
}

package tui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// component is a tab or a step of an apply: it owns its keys and help,
// takes its size, and returns lines exactly as tall as it was given.
type component interface {
	Update(tea.Msg) (tea.Cmd, string) // a command, and a status message ("" keeps it)
	View() []string
	SetSize(w, h int)
	keys() []key.Binding
	help() []helpGroup
}

type tab interface {
	component
	title() string
}

// promptMsg asks a yes/no question; the command runs only on yes (the
// confirmation wraps the command it guards).
type promptMsg struct {
	question string
	yes      func() tea.Cmd
}

type (
	loadProgressMsg ccsync.Progress
	loadedMsg       struct {
		sess *ccsync.Session
		err  error
	}
	savedMsg struct {
		paths []string
		what  string
		err   error
	}
)

type state int

const (
	stLoading state = iota
	stFailed
	stMain
	stFlow
	stSetup // choosing the chart and segment lookups
)

// Model is the root of the console: it routes messages to the active
// component and renders only it.
type Model struct {
	c        *programContext
	state    state
	spin     spinner.Model
	loadCh   chan tea.Msg
	loadProg ccsync.Progress
	err      error
	setupV   *setupView // the setup screen, while it is open
	drift    *driftTab
	users    *usersTab
	tabs     []tab
	active   int
	flow     component
	flowName string
	prompt   *promptMsg
	showHelp bool
	status   string
	// what the next load does with the selection
	carryFrom  *plans.Plan
	carryDef   plans.Selection
	retryUsers map[string]bool
	// the apply in progress
	via      plans.Route
	applying bool
	running  *runningView
	applyCh  chan tea.Msg
	// the last apply, for the exit status and message
	report   *apply.Report
	applyErr error
	saved    []string
	// a second Ctrl+C left during an apply; resumeCmd continues its run
	forced    bool
	resumeCmd atomic.Pointer[string]
	// the console was left with Ctrl+C (ctrlC: the key being handled is one)
	interrupted, ctrlC bool
}

// New builds the console over the engine's service.
func New(svc *ccsync.Service, opts Options, theme *style.Theme) *Model {
	c := &programContext{svc: svc, opts: opts, theme: theme, width: 80, height: 24, quit: make(chan struct{})}
	sp := spinner.New()
	sp.Spinner = spinner.Line
	m := &Model{c: c, spin: sp, users: newUsersTab(c), drift: newDriftTab(c)}
	m.tabs = []tab{m.users, newPage(c, "Hierarchy", buildHierarchy), newPage(c, "Roles", buildRoles),
		newPage(c, "Segments", buildSegments), newPage(c, "Problems", buildProblems), newPage(c, "Plan", buildPlan), m.drift}
	return m
}

// Init starts loading.
func (m *Model) Init() tea.Cmd { return m.load() }

func (m *Model) load() tea.Cmd {
	return m.open(func(ctx context.Context, progress func(ccsync.Progress)) (*ccsync.Session, error) {
		return m.c.svc.Open(ctx, progress)
	})
}

// undoRun opens the undo plan of a run in place of the comparison: the
// same views, preview and typed confirmation as any plan.
func (m *Model) undoRun(runDir string) tea.Cmd {
	return m.open(func(ctx context.Context, _ func(ccsync.Progress)) (*ccsync.Session, error) {
		return m.c.svc.UndoSession(ctx, runDir, followup.UndoOptions{})
	})
}

// open loads a session in the background.
func (m *Model) open(opener func(context.Context, func(ccsync.Progress)) (*ccsync.Session, error)) tea.Cmd {
	m.state = stLoading
	m.loadProg = ccsync.Progress{}
	ch := make(chan tea.Msg, 64)
	m.loadCh = ch
	c := m.c
	go func() {
		ctx, cancel := c.context()
		defer cancel()
		sess, err := opener(ctx, func(p ccsync.Progress) {
			select {
			case ch <- loadProgressMsg(p):
			default: // progress is best-effort; never block the fetch
			}
		})
		select {
		case ch <- loadedMsg{sess, err}:
		case <-c.quit:
		}
	}()
	return tea.Batch(m.spin.Tick, waitFor(ch))
}

// waitFor re-arms on a channel: the canonical "consume a channel with Cmds".
func waitFor(ch chan tea.Msg) tea.Cmd { return func() tea.Msg { return <-ch } }

// Plan is the loaded plan (tests).
func (m *Model) Plan() *plans.Plan { return m.c.plan() }

// Saved lists the files the operator saved or exported, and run folders.
func (m *Model) Saved() []string { return m.saved }

// ExitCode is the console's exit status: non-zero when the last apply was
// interrupted (130) or did not fully apply (1).
func (m *Model) ExitCode() int {
	switch {
	case m.forced:
		return 130
	case m.report != nil || m.applyErr != nil:
		return apply.ExitStatus(m.report, m.applyErr) // the rule apply exits by
	case m.interrupted:
		return 130
	case m.state == stFailed:
		return 1
	}
	return 0
}

// setupFixes reports a load error that choosing the chart or the segment
// lookups fixes.
func setupFixes(err error) bool {
	var se *engine.SetupError
	return errors.As(err, &se)
}

// ExitMessage says, after the console closes, what the last apply did and
// how to continue ("" when there was none).
func (m *Model) ExitMessage() string {
	switch {
	case m.forced:
		msg := "Left with a second Ctrl+C while an apply was stopping: the journal records what was sent."
		if r := m.resumeCmd.Load(); r != nil && *r != "" {
			msg += " Continue with: " + *r
		}
		return msg
	case m.report != nil && m.report.Interrupted:
		return m.report.Summary() + " Continue with: " + m.report.Resume
	case m.report != nil && !m.report.OK():
		return m.report.Summary() + " See " + m.report.RunDir + "/report.txt"
	case m.report != nil:
		return m.report.Summary()
	case m.applyErr != nil && strings.Contains(m.applyErr.Error(), "nothing was applied"):
		return m.applyErr.Error()
	case m.applyErr != nil:
		return "Nothing was applied: " + m.applyErr.Error()
	case m.state == stFailed && m.err != nil:
		return "Could not load: " + m.err.Error()
	case m.interrupted:
		return "Left with Ctrl+C; nothing was applied."
	}
	return ""
}

func (m *Model) quit() tea.Cmd {
	if m.ctrlC {
		m.interrupted = true
	}
	select {
	case <-m.c.quit:
	default:
		close(m.c.quit)
	}
	return tea.Quit
}

// Update handles every message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	c := m.c
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.width, c.height = msg.Width, msg.Height
		return m, nil
	case spinner.TickMsg:
		if m.state == stLoading {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
		return m, nil
	case loadProgressMsg:
		m.loadProg = ccsync.Progress(msg)
		return m, waitFor(m.loadCh)
	case loadedMsg:
		return m, m.loaded(msg)
	case promptMsg:
		m.prompt = &msg
		return m, nil
	case setupLoadedMsg:
		if m.setupV != nil {
			cmd, status := m.setupV.Update(msg)
			if status != "" {
				m.status = status
			}
			return m, tea.Batch(cmd, m.drain())
		}
		return m, nil
	case driftLoadedMsg:
		cmd, status := m.drift.Update(msg)
		if status != "" {
			m.status = status
		}
		return m, cmd
	case setupDoneMsg:
		m.setupV = nil
		return m, m.load()
	case jumpMsg:
		m.active = 0
		m.layout()
		if !m.users.jump(msg.key) {
			m.status = safe(msg.key) + " is not in this plan"
		}
		return m, nil
	case savedMsg:
		switch {
		case msg.err != nil:
			m.status = msg.what + " failed: " + safe(msg.err.Error())
		case msg.what == "save":
			m.saved = append(m.saved, msg.paths...)
			c.dirty = false
			m.status = "plan saved to " + safe(msg.paths[0]) + "; apply it with: ccwrecon apply " + safe(msg.paths[0]) + " --via api|sftp"
		default:
			m.saved = append(m.saved, msg.paths...)
			m.status = "exported the diff: " + safe(strings.Join(msg.paths, ", "))
		}
		return m, nil
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			return m.Update(tea.KeyMsg{Type: tea.KeyUp})
		case tea.MouseButtonWheelDown:
			return m.Update(tea.KeyMsg{Type: tea.KeyDown})
		}
		return m, nil
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			// keys typed quickly (or held over SSH) arrive as one message:
			// each is a key of its own, as if typed slowly
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}), m.drain())
			}
			return m, tea.Batch(cmds...)
		}
		cmd := m.key(msg)
		return m, tea.Batch(cmd, m.drain())
	}
	if m.state == stFlow {
		return m, m.flowMsg(msg)
	}
	// anything else belongs to the tabs (filter results)
	cmd, status := m.users.Update(msg)
	if status != "" {
		m.status = status
	}
	return m, cmd
}

// drain handles the messages components posted, at once.
func (m *Model) drain() tea.Cmd {
	var cmds []tea.Cmd
	for i := 0; i < 16 && len(m.c.posted) > 0; i++ {
		msg := m.c.posted[0]
		m.c.posted = m.c.posted[1:]
		_, cmd := m.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// loaded takes a fresh session, carrying the operator's choices or
// selecting a retry when asked to.
func (m *Model) loaded(msg loadedMsg) tea.Cmd {
	c := m.c
	if msg.err != nil {
		m.state, m.err = stFailed, msg.err
		return nil
	}
	c.sess = msg.sess
	c.undo = nil
	c.dirty = false
	c.version++
	m.state = stMain
	m.flow = nil
	m.users.built = false
	m.status = ""
	plan := msg.sess.Plan
	switch {
	case m.retryUsers != nil:
		before := plan.Selection()
		n := plans.SelectOnly(plan, m.retryUsers)
		c.selectionChanged(before)
		m.status = fmt.Sprintf("compared again; selected only the %s that did not fully apply (u undoes it)", plural(n, "user", "users"))
		m.retryUsers = nil
	case m.carryFrom != nil:
		kept, dropped := plans.CarrySelection(m.carryFrom, m.carryDef, plan)
		m.status = "compared again"
		if kept > 0 {
			m.status += "; kept " + plural(kept, "choice", "choices")
			c.dirty = true
		}
		if len(dropped) > 0 {
			m.status += "; dropped (no longer the same change): " + safe(strings.Join(dropped, ", "))
		}
		m.carryFrom = nil
	}
	return nil
}

// layout gives the active component its size: the body between the
// header, the tabs, the status and the keys.
func (m *Model) layout() int {
	w, h := m.c.width, m.c.height
	bodyH := max(3, h-3-len(m.statusLines(w)))
	switch {
	case m.state == stFlow && m.flow != nil:
		m.flow.SetSize(w, bodyH)
	case m.state == stMain:
		m.tabs[m.active].SetSize(w, bodyH)
	}
	return bodyH
}

// key routes a key: a prompt first, then help, then the global keys,
// then the active component.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	c := m.c
	m.ctrlC = k.String() == "ctrl+c" // a quit this key causes is an interruption
	m.layout()
	if m.prompt != nil {
		p := m.prompt
		m.prompt = nil
		if s := k.String(); s == "y" || s == "Y" || s == "ctrl+c" {
			return p.yes()
		}
		m.status = "not done"
		return nil
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	switch m.state {
	case stLoading:
		if key.Matches(k, gk.Quit) {
			return m.quit()
		}
		return nil
	case stFailed:
		switch {
		case key.Matches(k, gk.Quit):
			return m.quit()
		case k.String() == "r" || key.Matches(k, gk.Reload):
			return m.load()
		case k.String() == "s" && setupFixes(m.err):
			v, cmd := newSetup(c)
			m.setupV, m.state = v, stSetup
			return cmd
		}
		return nil
	case stSetup:
		switch {
		case k.String() == "ctrl+c":
			return m.quit()
		case key.Matches(k, sk.Back):
			m.setupV, m.state = nil, stFailed
			return nil
		}
		cmd, status := m.setupV.Update(k)
		if status != "" {
			m.status = status
		}
		return cmd
	case stFlow:
		if key.Matches(k, gk.Help) {
			m.showHelp = true
			return nil
		}
		if _, running := m.flow.(*runningView); !running {
			if k.String() == "ctrl+c" || (k.String() == "q" && m.flowName == "report") {
				return m.quitAsk()
			}
		}
		cmd, status := m.flow.Update(k)
		if status != "" {
			m.status = status
		}
		return cmd
	}
	if m.active == 0 && m.users.filtering { // typing a filter takes every key
		cmd, status := m.users.Update(k)
		if status != "" {
			m.status = status
		}
		return cmd
	}
	m.status = ""
	plan := c.plan()
	switch {
	case key.Matches(k, gk.Quit):
		return m.quitAsk()
	case key.Matches(k, gk.Help):
		m.showHelp = true
		return nil
	case key.Matches(k, gk.NextTab) && !(m.active == 0 && m.users.focus && k.String() == "l"):
		m.active = (m.active + 1) % len(m.tabs)
		return nil
	case key.Matches(k, gk.PrevTab) && !(m.active == 0 && m.users.focus && k.String() == "h"):
		m.active = (m.active + len(m.tabs) - 1) % len(m.tabs)
		return nil
	case key.Matches(k, gk.GoTab):
		m.active = int(k.String()[0] - '1')
		return nil
	case key.Matches(k, gk.Save):
		svc, dir, out := c.svc, c.opts.PlanDir, c.opts.Out
		return func() tea.Msg { p, err := svc.SavePlan(plan, dir, out); return savedMsg{[]string{p}, "save", err} }
	case key.Matches(k, gk.Export):
		svc, dir := c.svc, c.opts.PlanDir
		return func() tea.Msg { p, err := svc.Export(plan, dir); return savedMsg{p, "export", err} }
	case key.Matches(k, gk.DryRun):
		return m.startFlow(false)
	case key.Matches(k, gk.Apply):
		return m.startFlow(true)
	case key.Matches(k, gk.Reload):
		m.carryFrom, m.carryDef = plan, c.sess.Default
		return m.load()
	case key.Matches(k, gk.Undo):
		if len(c.undo) == 0 {
			m.status = "nothing to undo"
			return nil
		}
		last := c.undo[len(c.undo)-1]
		c.undo = c.undo[:len(c.undo)-1]
		plan.Restore(last)
		c.version++
		c.dirty = true
		m.status = "undone: " + plural(last.Len(), "user's selection", "users' selection") + " put back"
		return nil
	case key.Matches(k, gk.Default):
		before := plan.Selection()
		plan.Restore(c.sess.Default)
		c.selectionChanged(before)
		m.status = "back to the default selection (u undoes it)"
		return nil
	}
	cmd, status := m.tabs[m.active].Update(k)
	if status != "" {
		m.status = status
	}
	return cmd
}

// quitAsk quits, asking first when the selection is not saved.
func (m *Model) quitAsk() tea.Cmd {
	if m.c.dirty && m.state == stMain {
		m.prompt = &promptMsg{question: "The selection is not saved (w saves it). Quit anyway? (y/N)", yes: m.quit}
		return nil
	}
	return m.quit()
}

// startFlow begins a dry run or an apply: choose the route, then preview.
func (m *Model) startFlow(apply bool) tea.Cmd {
	c := m.c
	switch {
	case c.plan().Selected.Changes == 0:
		m.status = "nothing is selected (space selects a user, a selects all shown)"
		return nil
	case len(c.sess.Vias) == 0:
		m.status = "no route is configured: COUPA_URL and credentials for the API, or --sftp-addr for SFTP"
		return nil
	}
	m.state, m.flow = stFlow, &viaChooser{ctx: c, apply: apply}
	m.flowName = "route"
	m.applying = apply
	if len(c.sess.Vias) == 1 {
		c.post(viaMsg{c.sess.Vias[0]})
	}
	return nil
}

// flowMsg moves an apply through its steps.
func (m *Model) flowMsg(msg tea.Msg) tea.Cmd {
	c := m.c
	switch msg := msg.(type) {
	case backMsg:
		if _, previewing := m.flow.(*previewView); previewing && len(c.sess.Vias) > 1 {
			// back from a route's preview is back to the choice of route
			m.flow, m.flowName = &viaChooser{ctx: c, apply: m.applying}, "route"
			m.layout()
			return nil
		}
		m.state, m.flow = stMain, nil
		return nil
	case viaMsg:
		m.via = msg.via
		plan, svc := c.plan(), c.svc
		m.status = "preparing the dry run…"
		return func() tea.Msg {
			ctx, cancel := c.context()
			defer cancel()
			p, err := svc.Preview(ctx, plan, msg.via)
			return previewMsg{p, err}
		}
	case previewMsg:
		m.status = ""
		if msg.err != nil {
			m.state, m.flow = stMain, nil
			m.status = "dry run refused: " + safe(msg.err.Error())
			return nil
		}
		m.flow, m.flowName = newPreview(c, msg.p, m.applying), "preview"
		return nil
	case confirmMsg:
		m.flow, m.flowName = newConfirm(c, m.via), "confirm"
		return textinput.Blink
	case startApplyMsg:
		return m.runApply(msg.via, "")
	case resumeMsg:
		return m.runApply(m.via, m.report.Plan)
	case retryMsg:
		m.retryUsers = m.report.FailedUsers()
		return m.load()
	case reloadMsg:
		return m.load()
	case undoRunMsg:
		return m.undoRun(msg.runDir)
	case forceQuitMsg:
		m.forced = true
		return m.quit()
	case applyEventMsg:
		if m.running != nil {
			m.running.Update(msg)
		}
		return waitFor(m.applyCh)
	case appliedMsg:
		m.report, m.applyErr = msg.rep, msg.err
		if msg.rep != nil && msg.rep.RunDir != "" {
			m.saved = append(m.saved, msg.rep.Plan, msg.rep.RunDir)
		}
		m.running = nil
		m.flow, m.flowName = newReport(c, msg.rep, msg.err), "report"
		m.status = ""
		return nil
	}
	if m.flow != nil {
		cmd, status := m.flow.Update(msg)
		if status != "" {
			m.status = status
		}
		return cmd
	}
	return nil
}

// forceQuitMsg is a second Ctrl+C while an apply is stopping: leave now.
type forceQuitMsg struct{}

// runApply starts an apply (or resumes the last one) in the background;
// progress comes back as messages, and nothing waits on a channel nobody
// reads once the console quits.
func (m *Model) runApply(via plans.Route, resumePlan string) tea.Cmd {
	c := m.c
	run := newRunning(c, via)
	m.running, m.flow, m.flowName = run, run, "running"
	ch := make(chan tea.Msg, 256)
	m.applyCh = ch
	plan, svc, dir := c.plan(), c.svc, c.opts.PlanDir
	go func() {
		ctx, cancel := c.context()
		defer cancel()
		req := ccsync.ApplyRequest{Via: via, Stop: run.stop, OnScreen: true, Started: func(resume string) { m.resumeCmd.Store(&resume) }, Progress: func(e apply.Event) {
			select {
			case ch <- applyEventMsg(e):
			case <-c.quit:
			}
		}}
		var rep *apply.Report
		var err error
		if resumePlan != "" {
			rep, err = svc.Resume(ctx, resumePlan, req)
		} else {
			rep, err = svc.SaveAndApply(ctx, plan, dir, req)
		}
		select {
		case ch <- appliedMsg{rep, err}:
		case <-c.quit:
		}
	}()
	c.dirty = false
	return waitFor(ch)
}

// --- view ---------------------------------------------------------------------

// View renders the screen: header, tabs, the active component, status, keys.
func (m *Model) View() string {
	c := m.c
	w := c.width
	var lines []string
	switch m.state {
	case stLoading:
		stage := "connecting to Coupa"
		if m.loadProg.Stage != "" {
			stage = "reading " + m.loadProg.Stage
		}
		lines = []string{c.theme.Header.Render("ccwrecon"), "", m.spin.View() + " " + stage}
		if p := m.loadProg; p.Total > 0 {
			lines = append(lines, fmt.Sprintf("%d of %d pages (%d%%)", p.Done, p.Total, p.Done*100/p.Total))
		} else if p.Done > 0 {
			lines = append(lines, plural(p.Done, "page", "pages"))
		}
		lines = append(lines, "", c.theme.Dim.Render("q quit"))
		return strings.Join(fitWidth(lines, w), "\n")
	case stFailed:
		lines = []string{c.theme.Header.Render("ccwrecon"), ""}
		for _, l := range wrap("Could not load: "+safe(errText(m.err)), w) {
			lines = append(lines, c.theme.Problem.Render(l))
		}
		keys := []key.Binding{bind([]string{"r"}, "r", "retry"), gk.Quit}
		if setupFixes(m.err) {
			keys = append([]key.Binding{bind([]string{"s"}, "s", "choose the chart and segment lookups")}, keys...)
		}
		lines = append(lines, "", c.shortHelp(keys))
		return strings.Join(fitWidth(lines, w), "\n")
	case stSetup:
		lines = []string{c.theme.Header.Render("ccwrecon · setup"), ""}
		m.setupV.SetSize(w, max(1, c.height-5))
		lines = append(lines, m.setupV.View()...)
		lines = append(fitLines(lines, c.height-2), safe(m.status), c.shortHelp(m.setupV.keys()))
		return strings.Join(fitWidth(lines, w), "\n")
	}
	status := m.statusLines(w)
	bodyH := m.layout()
	var body []string
	var keys []key.Binding
	var groups []helpGroup
	if m.state == stFlow {
		body, keys, groups = m.flow.View(), m.flow.keys(), m.flow.help()
	} else {
		t := m.tabs[m.active]
		body, keys, groups = t.View(), t.keys(), t.help()
		groups = append(groups, helpGroup{"Plan", []key.Binding{gk.Undo, gk.Default, gk.Save, gk.Export, gk.DryRun, gk.Apply, gk.Reload}},
			helpGroup{"Console", []key.Binding{gk.NextTab, gk.PrevTab, gk.GoTab, gk.Help, gk.Quit}})
	}
	if m.showHelp {
		body = fitLines(append(c.fullHelp(groups, bodyH-1), c.theme.Dim.Render("any key closes the help")), bodyH)
	}
	lines = append(lines, m.header(w), m.tabLine(w))
	lines = append(lines, fitLines(body, bodyH)...)
	lines = append(lines, status...)
	lines = append(lines, c.shortHelp(keys))
	return strings.Join(fitWidth(lines, w), "\n")
}

// statusLines are the message line(s): a prompt, or the last message,
// wrapped so its important first part (which users) always shows.
func (m *Model) statusLines(w int) []string {
	t := m.c.theme
	switch {
	case m.prompt != nil:
		var out []string
		for _, l := range wrap(m.prompt.question, w) {
			out = append(out, t.Problem.Render(l))
		}
		return out
	case m.active == 0 && m.users.filtering && m.state == stMain:
		return []string{m.users.input.View()}
	case m.status != "":
		lines := wrap(m.status, w)
		if len(lines) > 3 {
			lines = lines[:3]
		}
		return lines
	}
	return []string{""}
}

// header names the instance, the feed and the selection in apply's units;
// parts that do not fit are left out whole, never cut.
func (m *Model) header(w int) string {
	c := m.c
	t := c.theme
	s := c.sess
	sel := s.Plan.Selected
	host := s.Instance
	if u, err := url.Parse(s.Instance); err == nil && u.Host != "" {
		host = u.Host
	}
	age := "live"
	if s.SnapshotAge > 0 {
		age = "snapshot " + s.SnapshotAge.Round(time.Second).String() + " old"
	}
	counts := fmt.Sprintf("+%d ~%d -%d ↺%d selected", sel.Create, sel.Update, sel.Deactivate, sel.Reactivate)
	if e := s.Plan.Summary.Errors; e > 0 {
		counts += fmt.Sprintf(" · !%d", e)
	}
	parts := []string{t.Header.Render("ccwrecon"), safe(host), safe(s.FeedName), counts, age}
	if c.dirty {
		parts = append(parts, t.Change.Render("unsaved"))
	}
	for len(parts) > 1 {
		line := strings.Join(parts, t.Dim.Render(" · "))
		if ansi.StringWidth(line) <= w {
			return line
		}
		parts = parts[:len(parts)-1]
	}
	return parts[0]
}

func (m *Model) tabLine(w int) string {
	t := m.c.theme
	if m.state == stFlow {
		steps := []string{"route", "preview", "confirm", "running", "report"}
		verb := "Dry run"
		if m.applying {
			verb = "Apply"
		}
		var parts []string
		for _, s := range steps {
			if !m.applying && s != "route" && s != "preview" {
				continue
			}
			if s == m.flowName {
				parts = append(parts, t.Bold.Render(style.Cursor+s))
			} else {
				parts = append(parts, t.Dim.Render(" "+s))
			}
		}
		return t.Bold.Render(verb) + strings.Join(parts, " ")
	}
	labels := make([]string, len(m.tabs))
	for i, tb := range m.tabs {
		labels[i] = fmt.Sprintf("%d %s", i+1, tb.title())
		if tb.title() == "Problems" && m.c.plan().Summary.Problems > 0 {
			labels[i] += fmt.Sprintf(" (%d)", m.c.plan().Summary.Problems)
		}
	}
	// padded tabs; when they do not fit, the same labels closer together
	tabs := func(on, off func(...string) string, sep string) string {
		parts := make([]string, len(labels))
		for i, label := range labels {
			if i == m.active {
				parts[i] = on(style.Cursor + label)
			} else {
				parts[i] = off(" " + label)
			}
		}
		return strings.Join(parts, sep)
	}
	line := tabs(t.TabOn.Render, t.Tab.Render, "")
	if ansi.StringWidth(line) > w {
		line = tabs(t.TabOn.UnsetPadding().Render, fmtPlain, " ")
	}
	if ansi.StringWidth(line) > w { // narrow: numbers and the active name only
		var parts []string
		for i, tb := range m.tabs {
			if i == m.active {
				parts = append(parts, t.TabOn.Render(fmt.Sprintf("%s%d %s", style.Cursor, i+1, tb.title())))
			} else {
				parts = append(parts, t.Tab.Render(fmt.Sprintf("%d", i+1)))
			}
		}
		line = strings.Join(parts, "")
	}
	return line
}

// fitWidth keeps every line inside the screen (components already fit;
// this only guards against an overflow breaking the layout).
func fitWidth(lines []string, w int) []string {
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return lines
}

package tui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
)

// Session is a loaded reconciliation.
type Session struct {
	Plan        *ccsync.Plan
	Instance    string
	FeedName    string
	SnapshotAge time.Duration
	Vias        []string // "api", "sftp"
}

// Backend is everything the console asks of the rest of ccwrecon.
type Backend struct {
	Load     func(ctx context.Context, progress func(ccsync.Progress)) (*Session, error)
	DryRun   func(ctx context.Context, plan *ccsync.Plan, via string) (string, error)
	Apply    func(ctx context.Context, plan *ccsync.Plan, via string, progress func(ccsync.Event)) (*ccsync.Report, error)
	SavePlan func(plan *ccsync.Plan) (string, error)
}

type state int

const (
	stLoading state = iota
	stLoadFailed
	stMain
	stChooseVia
	stPreview
	stConfirm
	stApplying
	stReport
)

var tabNames = []string{"Users", "Hierarchy", "Roles", "Segments", "Problems", "Plan"}

const (
	tabUsers = iota
	tabHierarchy
	tabRoles
	tabSegments
	tabProblems
	tabPlan
)

// Model is the root of the console.
type Model struct {
	backend Backend
	ctx     context.Context
	cancel  context.CancelFunc
	keys    keyMap
	help    help.Model
	width   int
	height  int
	state   state
	sess    *Session
	err     error
	status  string

	// loading
	spin     spinner.Model
	bar      progress.Model
	loadCh   chan tea.Msg
	loadProg ccsync.Progress

	// main
	tab       int
	list      userList
	detail    bool // focus in the detail pane
	fieldCur  int
	showSame  bool
	pages     [6]page // non-user tabs
	filtering bool
	filterIn  textinput.Model
	showHelp  bool
	quitting  bool
	dirty     bool

	// apply flow
	via       string
	preview   viewport.Model
	previewOK bool // the preview belongs to the apply flow (y continues)
	confirmIn textinput.Model
	applyCh   chan tea.Msg
	applyLog  []string
	applyDone int
	applyTot  int
	report    *ccsync.Report
	failed    map[string]bool
}

// New builds the console.
func New(b Backend) *Model {
	ctx, cancel := context.WithCancel(context.Background())
	fi := textinput.New()
	fi.Prompt = "/ "
	fi.Placeholder = "login, name or field"
	ci := textinput.New()
	ci.Prompt = "› "
	sp := spinner.New()
	sp.Spinner = spinner.Line
	m := &Model{backend: b, ctx: ctx, cancel: cancel, keys: newKeyMap(), help: help.New(), width: 80, height: 24,
		spin: sp, bar: progress.New(progress.WithDefaultGradient(), progress.WithoutPercentage()),
		filterIn: fi, confirmIn: ci}
	m.list.sortBy = sortByLine
	return m
}

// Messages.
type (
	loadProgressMsg ccsync.Progress
	loadedMsg       struct {
		sess *Session
		err  error
	}
	filteredMsg struct {
		seq  int
		rows []int
	}
	previewMsg struct {
		text string
		err  error
	}
	applyEventMsg ccsync.Event
	appliedMsg    struct {
		report *ccsync.Report
		err    error
	}
	savedMsg struct {
		path string
		err  error
	}
)

// Init starts loading.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.spin.Tick, m.startLoad()) }

func (m *Model) startLoad() tea.Cmd {
	m.state = stLoading
	m.loadCh = make(chan tea.Msg, 64)
	ch := m.loadCh
	go func() {
		sess, err := m.backend.Load(m.ctx, func(p ccsync.Progress) {
			select {
			case ch <- loadProgressMsg(p):
			default: // progress is best-effort; never block the fetch
			}
		})
		ch <- loadedMsg{sess, err}
	}()
	return waitFor(ch)
}

// waitFor re-arms on a channel: the canonical "consume a channel with Cmds".
func waitFor(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

// Update handles every message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.bar.Width = max(10, min(60, msg.Width-20))
		m.preview.Width, m.preview.Height = msg.Width, max(3, msg.Height-4)
		return m, nil
	case spinner.TickMsg:
		if m.state == stLoading || m.state == stApplying {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
		return m, nil
	case loadProgressMsg:
		m.loadProg = ccsync.Progress(msg)
		return m, waitFor(m.loadCh)
	case loadedMsg:
		if msg.err != nil {
			m.state, m.err = stLoadFailed, msg.err
			return m, nil
		}
		m.setSession(msg.sess)
		return m, nil
	case filteredMsg:
		if msg.seq == m.list.seq {
			m.list.rows = msg.rows
			m.list.clamp(m.listHeight())
		}
		return m, nil
	case previewMsg:
		if msg.err != nil {
			m.state, m.status = stMain, "dry-run failed: "+msg.err.Error()
			return m, nil
		}
		// wrap, so long JSON bodies stay readable at any width
		m.preview.SetContent(lipgloss.NewStyle().Width(max(20, m.width-1)).Render(msg.text))
		m.preview.GotoTop()
		m.state = stPreview
		return m, nil
	case applyEventMsg:
		ev := ccsync.Event(msg)
		m.applyDone, m.applyTot = ev.Done, ev.Total
		line := fmt.Sprintf("%s %s %s", statusGlyph(ev.Status), ev.User, ev.Op)
		if ev.Message != "" {
			line += ": " + ev.Message
		}
		m.applyLog = append(m.applyLog, line)
		return m, waitFor(m.applyCh)
	case appliedMsg:
		m.report, m.err = msg.report, msg.err
		m.state = stReport
		m.failed = map[string]bool{}
		if msg.report != nil {
			for _, l := range msg.report.Lines {
				if l.Status != "applied" {
					m.failed[l.User] = true
				}
			}
		}
		return m, nil
	case savedMsg:
		if msg.err != nil {
			m.status = "save failed: " + msg.err.Error()
		} else {
			m.status = "plan saved to " + msg.path + "  (ccwrecon apply " + msg.path + " --via api|sftp)"
			m.dirty = false
		}
		return m, nil
	case tea.MouseMsg:
		if msg.Button == tea.MouseButtonWheelUp {
			return m.Update(tea.KeyMsg{Type: tea.KeyUp})
		}
		if msg.Button == tea.MouseButtonWheelDown {
			return m.Update(tea.KeyMsg{Type: tea.KeyDown})
		}
		return m, nil
	case tea.KeyMsg:
		return m.onKey(msg)
	}
	return m, nil
}

func statusGlyph(s string) string {
	switch s {
	case "applied":
		return "✓"
	case "failed":
		return "✗"
	}
	return "–"
}

func (m *Model) setSession(s *Session) {
	m.sess = s
	m.state = stMain
	m.list.plan = s.Plan
	m.list.rows = m.list.compute()
	m.list.cursor, m.list.offset = 0, 0
	m.rebuildPages()
}

func (m *Model) onKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if k.String() == "ctrl+c" && m.state != stMain {
		m.cancel()
		return m, tea.Quit
	}
	switch m.state {
	case stLoading:
		if key.Matches(k, m.keys.Quit) {
			m.cancel()
			return m, tea.Quit
		}
		return m, nil
	case stLoadFailed:
		if key.Matches(k, m.keys.Quit) || k.String() == "esc" {
			return m, tea.Quit
		}
		if k.String() == "r" {
			return m, tea.Batch(m.spin.Tick, m.startLoad())
		}
		return m, nil
	case stChooseVia:
		return m.onChooseVia(k)
	case stPreview:
		return m.onPreview(k)
	case stConfirm:
		return m.onConfirm(k)
	case stApplying:
		return m, nil // the run finishes or is cancelled with ctrl+c
	case stReport:
		return m.onReport(k)
	}
	return m.onMainKey(k)
}

func (m *Model) onMainKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.quitting {
		if k.String() == "y" || k.String() == "Y" || k.String() == "ctrl+c" {
			m.cancel()
			return m, tea.Quit
		}
		m.quitting = false
		return m, nil
	}
	if m.showHelp {
		m.showHelp = false
		return m, nil
	}
	if m.filtering {
		switch k.String() {
		case "enter", "esc":
			m.filtering = false
			m.filterIn.Blur()
			if k.String() == "esc" {
				m.filterIn.SetValue("")
				return m, m.refilter()
			}
			return m, nil
		}
		var cmd tea.Cmd
		before := m.filterIn.Value()
		m.filterIn, cmd = m.filterIn.Update(k)
		if m.filterIn.Value() != before {
			return m, tea.Batch(cmd, m.refilter())
		}
		return m, cmd
	}
	m.status = ""
	switch {
	case key.Matches(k, m.keys.Quit):
		if m.dirty {
			m.quitting = true
			return m, nil
		}
		m.cancel()
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.showHelp = true
		return m, nil
	case k.String() == "esc":
		m.detail = false
		return m, nil
	case key.Matches(k, m.keys.NextTab) && !(m.detail && k.String() == "l"):
		m.tab = (m.tab + 1) % len(tabNames)
		m.detail = false
		return m, nil
	case key.Matches(k, m.keys.PrevTab):
		m.tab = (m.tab + len(tabNames) - 1) % len(tabNames)
		m.detail = false
		return m, nil
	case key.Matches(k, m.keys.Tab1):
		m.tab = int(k.String()[0] - '1')
		m.detail = false
		return m, nil
	case key.Matches(k, m.keys.Save):
		plan := m.sess.Plan
		return m, func() tea.Msg { p, err := m.backend.SavePlan(plan); return savedMsg{p, err} }
	case key.Matches(k, m.keys.DryRun):
		return m.startVia(false)
	case key.Matches(k, m.keys.Apply):
		return m.startVia(true)
	}
	if m.tab == tabUsers {
		return m.onUsersKey(k)
	}
	p := &m.pages[m.tab]
	switch {
	case key.Matches(k, m.keys.Up):
		p.move(-1, m.bodyHeight())
	case key.Matches(k, m.keys.Down):
		p.move(1, m.bodyHeight())
	case key.Matches(k, m.keys.PageUp):
		p.move(-m.bodyHeight(), m.bodyHeight())
	case key.Matches(k, m.keys.PageDown):
		p.move(m.bodyHeight(), m.bodyHeight())
	case key.Matches(k, m.keys.Top):
		p.move(-len(p.lines), m.bodyHeight())
	case key.Matches(k, m.keys.Bottom):
		p.move(len(p.lines), m.bodyHeight())
	case key.Matches(k, m.keys.Focus):
		if g := p.group(); g != "" {
			p.folded[g] = !p.folded[g]
			m.rebuildPages()
		}
	case key.Matches(k, m.keys.Collapse):
		p.foldAll = !p.foldAll
		for g := range p.groups {
			p.folded[g] = p.foldAll
		}
		m.rebuildPages()
	}
	return m, nil
}

func (m *Model) onUsersKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	l := &m.list
	h := m.listHeight()
	u := l.current()
	if m.detail && u != nil {
		switch {
		case key.Matches(k, m.keys.Up):
			m.fieldCur = max(0, m.fieldCur-1)
		case key.Matches(k, m.keys.Down):
			m.fieldCur = min(max(0, len(u.Changes)-1), m.fieldCur+1)
		case key.Matches(k, m.keys.Toggle):
			if m.fieldCur < len(u.Changes) {
				c := u.Changes[m.fieldCur]
				if err := ccsync.SelectChange(u, c.Field, !c.Selected); err != nil {
					m.status = err.Error()
				} else {
					m.dirty = true
				}
				m.rebuildPages()
			}
		case key.Matches(k, m.keys.Unchanged):
			m.showSame = !m.showSame
		case key.Matches(k, m.keys.Focus):
			m.detail = false
		}
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		l.move(-1, h)
	case key.Matches(k, m.keys.Down):
		l.move(1, h)
	case key.Matches(k, m.keys.PageUp):
		l.move(-h, h)
	case key.Matches(k, m.keys.PageDown):
		l.move(h, h)
	case key.Matches(k, m.keys.Top):
		l.move(-len(l.rows), h)
	case key.Matches(k, m.keys.Bottom):
		l.move(len(l.rows), h)
	case key.Matches(k, m.keys.Focus):
		if u != nil && len(u.Changes) > 0 {
			m.detail, m.fieldCur = true, 0
		}
	case key.Matches(k, m.keys.Toggle):
		if u != nil {
			if err := ccsync.SelectUser(u, !u.Selected); err != nil {
				m.status = err.Error()
			} else {
				m.dirty = true
				m.rebuildPages()
			}
			l.move(1, h)
		}
	case key.Matches(k, m.keys.All), key.Matches(k, m.keys.None):
		on := key.Matches(k, m.keys.All)
		shown := make([]*ccsync.UserPlan, len(l.rows))
		for i, r := range l.rows {
			shown[i] = l.plan.Users[r]
		}
		// inferred deactivations only when the operator filtered on deactivations
		n := ccsync.SelectAll(shown, on, l.action == ccsync.Deactivate)
		m.dirty = true
		m.status = fmt.Sprintf("%d users %s", n, map[bool]string{true: "selected", false: "deselected"}[on])
		if on && l.action != ccsync.Deactivate {
			m.status += " (deactivations inferred from absence are left alone: filter with f to select them)"
		}
		m.rebuildPages()
	case key.Matches(k, m.keys.Filter):
		m.filtering = true
		m.filterIn.Focus()
		return m, textinput.Blink
	case key.Matches(k, m.keys.ActionFilter):
		l.action = nextAction(l.action)
		return m, m.refilter()
	case key.Matches(k, m.keys.Sort):
		l.sortBy = (l.sortBy + 1) % sortKinds
		return m, m.refilter()
	case key.Matches(k, m.keys.Unchanged):
		m.showSame = !m.showSame
	}
	return m, nil
}

// refilter computes the visible rows off the UI loop; stale results are dropped by sequence.
func (m *Model) refilter() tea.Cmd {
	m.list.seq++
	m.list.query = m.filterIn.Value()
	snap := m.list // copy of the parameters
	return func() tea.Msg { return filteredMsg{seq: snap.seq, rows: snap.compute()} }
}

func (m *Model) startVia(apply bool) (tea.Model, tea.Cmd) {
	if m.sess.Plan.Selected.Changes == 0 {
		m.status = "nothing is selected"
		return m, nil
	}
	m.previewOK = apply
	if len(m.sess.Vias) == 1 {
		m.via = m.sess.Vias[0]
		return m, m.runPreview()
	}
	m.state = stChooseVia
	return m, nil
}

func (m *Model) onChooseVia(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "1", "a":
		m.via = "api"
	case "2", "s":
		m.via = "sftp"
	case "esc", "q":
		m.state = stMain
		return m, nil
	default:
		return m, nil
	}
	return m, m.runPreview()
}

func (m *Model) runPreview() tea.Cmd {
	plan, via := m.sess.Plan, m.via
	return func() tea.Msg {
		text, err := m.backend.DryRun(m.ctx, plan, via)
		return previewMsg{text, err}
	}
}

func (m *Model) onPreview(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "esc", "q":
		m.state = stMain
		return m, nil
	case "y":
		if m.previewOK {
			m.state = stConfirm
			m.confirmIn.SetValue("")
			m.confirmIn.Focus()
			return m, textinput.Blink
		}
	}
	var cmd tea.Cmd
	m.preview, cmd = m.preview.Update(k)
	return m, cmd
}

// instanceHost is what the operator types to confirm.
func (m *Model) instanceHost() string {
	if u, err := url.Parse(m.sess.Instance); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return m.sess.Instance
}

func (m *Model) onConfirm(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "esc":
		m.state = stMain
		m.status = "apply cancelled; nothing was sent"
		return m, nil
	case "enter":
		if strings.TrimSpace(m.confirmIn.Value()) != m.instanceHost() {
			m.status = "that is not " + m.instanceHost() + "; type it exactly, or esc to cancel"
			return m, nil
		}
		return m, m.startApply()
	}
	var cmd tea.Cmd
	m.confirmIn, cmd = m.confirmIn.Update(k)
	return m, cmd
}

func (m *Model) startApply() tea.Cmd {
	m.state = stApplying
	m.status = ""
	m.applyLog, m.applyDone, m.applyTot = nil, 0, 0
	m.applyCh = make(chan tea.Msg, 256)
	ch, plan, via := m.applyCh, m.sess.Plan, m.via
	go func() {
		rep, err := m.backend.Apply(m.ctx, plan, via, func(e ccsync.Event) { ch <- applyEventMsg(e) })
		ch <- appliedMsg{rep, err}
	}()
	return tea.Batch(m.spin.Tick, waitFor(ch))
}

func (m *Model) onReport(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Quit):
		m.cancel()
		return m, tea.Quit
	case key.Matches(k, m.keys.Retry) && len(m.failed) > 0:
		// Coupa changed under the plan: retry on a fresh plan with only the failures selected.
		failed := m.failed
		loader := m.backend.Load
		m.backend.Load = func(ctx context.Context, p func(ccsync.Progress)) (*Session, error) {
			s, err := loader(ctx, p)
			if err == nil {
				ccsync.SelectAll(s.Plan.Users, false, true)
				for _, u := range s.Plan.Users {
					if failed[u.Key] {
						ccsync.SelectUser(u, true)
					}
				}
			}
			return s, err
		}
		m.tab = tabPlan
		return m, tea.Batch(m.spin.Tick, m.startLoad())
	case k.String() == "esc" || k.String() == "enter":
		// the applied plan is spent: reload for a fresh comparison
		m.tab = tabUsers
		return m, tea.Batch(m.spin.Tick, m.startLoad())
	}
	return m, nil
}

func (m *Model) bodyHeight() int { return max(3, m.height-4) }

// listHeight is the users list's height: the detail pane takes the rest
// below it on narrow terminals.
func (m *Model) listHeight() int {
	if m.wide() {
		return m.bodyHeight()
	}
	return max(3, m.bodyHeight()/2)
}

func (m *Model) wide() bool { return m.width >= 120 }

// Plan exposes the loaded plan (tests).
func (m *Model) Plan() *ccsync.Plan {
	if m.sess == nil {
		return nil
	}
	return m.sess.Plan
}

package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

// Each step of an apply is a component: choose the route, preview,
// confirm, running, report. The root moves between them on messages.

type (
	viaMsg     struct{ via plans.Route }
	previewMsg struct {
		p   *ccsync.Preview
		err error
	}
	confirmMsg    struct{}
	backMsg       struct{}
	applyEventMsg apply.Event
	appliedMsg    struct {
		rep *apply.Report
		err error
	}
	stopMsg    struct{}
	resumeMsg  struct{}
	retryMsg   struct{}
	reloadMsg  struct{ carry bool }
	undoRunMsg struct{ runDir string } // u on a report: the plan that puts Coupa back
)

// post is a component's way to move the flow: handled before the next key.
func (c *programContext) postCmd(msg tea.Msg) tea.Cmd { c.post(msg); return nil }

// --- choose the route ---------------------------------------------------------

type viaChooser struct {
	ctx   *programContext
	apply bool
	w, h  int
}

func (v *viaChooser) SetSize(w, h int) { v.w, v.h = w, h }
func (v *viaChooser) keys() []key.Binding {
	return []key.Binding{fk.API, fk.SFTP, fk.Back, gk.Help, gk.Quit}
}
func (v *viaChooser) help() []helpGroup { return []helpGroup{{"Route", v.keys()}} }

func (v *viaChooser) Update(msg tea.Msg) (tea.Cmd, string) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, fk.API):
			return v.ctx.postCmd(viaMsg{plans.RouteAPI}), ""
		case key.Matches(k, fk.SFTP):
			return v.ctx.postCmd(viaMsg{plans.RouteSFTP}), ""
		case key.Matches(k, fk.Back):
			return v.ctx.postCmd(backMsg{}), ""
		}
	}
	return nil, ""
}

func (v *viaChooser) View() []string {
	t := v.ctx.theme
	sel := v.ctx.plan().Selected
	verb := "Preview"
	if v.apply {
		verb = "Apply"
	}
	out := []string{t.Bold.Render(fmt.Sprintf("%s %s to %s: which route?", verb, plural(sel.Changes, "change", "changes"), plural(sel.Users, "user", "users"))), ""}
	for i, via := range v.ctx.sess.Vias {
		label := "Coupa API, live: "
		if via == plans.RouteSFTP {
			label = "SFTP, loaded by Coupa minutes later: "
		}
		for j, l := range wrap(label+safe(v.ctx.svc.Destination(via)), v.w-6) {
			prefix := fmt.Sprintf("  %d  ", i+1)
			if j > 0 {
				prefix = "     "
			}
			out = append(out, prefix+l)
		}
	}
	return fitLines(out, v.h)
}

// --- preview ------------------------------------------------------------------

type previewView struct {
	ctx   *programContext
	p     *ccsync.Preview
	apply bool
	table bool
	vp    viewport.Model
	w, h  int
}

func newPreview(c *programContext, p *ccsync.Preview, apply bool) *previewView {
	v := &previewView{ctx: c, p: p, apply: apply, table: len(p.Files) > 0, vp: viewport.New(c.width, 10)}
	v.vp.SetHorizontalStep(8)
	v.refill()
	return v
}

func (v *previewView) SetSize(w, h int) {
	v.w, v.h = w, h
	v.vp.Width, v.vp.Height = w, max(1, h-2)
	v.refill()
}

func (v *previewView) refill() {
	var lines []string
	if v.table && len(v.p.Files) > 0 {
		for _, f := range v.p.Files {
			for _, l := range wrap(safe(f.Path)+fmt.Sprintf(" (%s)", plural(len(f.Rows), "row", "rows")), max(20, v.w)) {
				lines = append(lines, v.ctx.theme.Bold.Render(l))
			}
			table := tableLines(f)
			if wide := ansi.StringWidth(table[0]); wide <= v.w {
				lines = append(lines, table...)
			} else { // too wide for the screen: each row as its cells, nothing hidden
				lines = append(lines, recordLines(f, max(20, v.w))...)
			}
			lines = append(lines, "")
		}
	} else { // the exact text, wrapped so nothing hides off screen
		for _, l := range strings.Split(strings.TrimRight(v.p.Text, "\n"), "\n") {
			lines = append(lines, wrap(safe(l), max(20, v.w))...)
		}
	}
	v.vp.SetContent(strings.Join(lines, "\n"))
}

// tableLines aligns a file's columns, leaving out columns empty in every row.
func tableLines(f ccsync.FileTable) []string {
	keep := make([]bool, len(f.Header))
	width := make([]int, len(f.Header))
	for i, h := range f.Header {
		width[i] = ansi.StringWidth(h)
	}
	for _, r := range f.Rows {
		for i := range f.Header {
			if i < len(r) && r[i] != "" {
				keep[i] = true
				width[i] = max(width[i], ansi.StringWidth(safe(r[i])))
			}
		}
	}
	row := func(cells []string) string {
		var b strings.Builder
		for i := range f.Header {
			if !keep[i] {
				continue
			}
			c := ""
			if i < len(cells) {
				c = safe(cells[i])
			}
			b.WriteString(pad(c, width[i]) + "  ")
		}
		return strings.TrimRight(b.String(), " ")
	}
	out := []string{row(f.Header)}
	for _, r := range f.Rows {
		out = append(out, row(r))
	}
	return out
}

// recordLines shows each row of a file as "Header: value" cells, wrapped,
// leaving out the cells that are empty.
func recordLines(f ccsync.FileTable, w int) []string {
	var out []string
	for n, r := range f.Rows {
		var cells []string
		for i, h := range f.Header {
			if i < len(r) && r[i] != "" {
				// no-break spaces keep a cell together when the row wraps
				cells = append(cells, strings.ReplaceAll(h+": "+safe(r[i]), " ", "\u00a0"))
			}
		}
		out = append(out, hang(fmt.Sprintf("row %d · %s", n+1, strings.Join(cells, " · ")), w, 4)...)
	}
	return out
}

func (v *previewView) keys() []key.Binding {
	ks := []key.Binding{mk.Down, fk.Back, gk.Help, gk.Quit}
	if len(v.p.Files) > 0 {
		ks = append([]key.Binding{fk.Table}, ks...)
	}
	if v.table && len(v.p.Files) > 0 {
		ks = append([]key.Binding{fk.Left}, ks...) // the table scrolls sideways; the text wraps
	}
	if v.apply {
		ks = append([]key.Binding{fk.Continue}, ks...)
	}
	return ks
}

func (v *previewView) help() []helpGroup {
	return []helpGroup{{"Preview", append(v.keys(), mk.Up, mk.PageUp, mk.PageDown, mk.Top, mk.Bottom)}}
}

func (v *previewView) Update(msg tea.Msg) (tea.Cmd, string) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, ""
	}
	switch {
	case key.Matches(k, fk.Back), k.String() == "q":
		return v.ctx.postCmd(backMsg{}), ""
	case key.Matches(k, fk.Continue) && v.apply:
		return v.ctx.postCmd(confirmMsg{}), ""
	case key.Matches(k, fk.Table) && len(v.p.Files) > 0:
		v.table = !v.table
		v.refill()
	case key.Matches(k, fk.Left) && v.table:
		v.vp.ScrollLeft(8)
	case key.Matches(k, fk.Right) && v.table:
		v.vp.ScrollRight(8)
	default:
		scroll(&v.vp, k)
	}
	return nil, ""
}

func (v *previewView) View() []string {
	t := v.ctx.theme
	what := "requests"
	if v.p.Via == plans.RouteSFTP {
		what = "file"
	}
	head := fmt.Sprintf("Dry run: the exact %s for %s; nothing is sent", what, safe(v.p.Destination))
	pos := fmt.Sprintf("lines %d–%d of %d", v.vp.YOffset+1, min(v.vp.YOffset+v.vp.Height, v.vp.TotalLineCount()), v.vp.TotalLineCount())
	var out []string
	for _, l := range wrap(head, v.w) {
		out = append(out, t.Header.Render(l))
	}
	v.vp.Height = max(1, v.h-1-len(out))
	out = append(out, strings.Split(v.vp.View(), "\n")...)
	out = fitLines(out, v.h-1)
	return append(out, t.Dim.Render(pos))
}

// --- confirm --------------------------------------------------------------------

type confirmView struct {
	ctx   *programContext
	via   plans.Route
	input textinput.Model
	w, h  int
}

func newConfirm(c *programContext, via plans.Route) *confirmView {
	in := textinput.New()
	in.Prompt = style.Cursor + " "
	in.Focus()
	return &confirmView{ctx: c, via: via, input: in}
}

func (v *confirmView) SetSize(w, h int) { v.w, v.h = w, h }

func (v *confirmView) host() string {
	return plans.ConfirmWord(v.ctx.sess.Instance, v.ctx.svc.Engagement().SFTP.Addr)
}

func (v *confirmView) keys() []key.Binding {
	return []key.Binding{bind([]string{"enter"}, "enter", "apply"), fk.Back}
}
func (v *confirmView) help() []helpGroup { return []helpGroup{{"Confirm", v.keys()}} }

func (v *confirmView) Update(msg tea.Msg) (tea.Cmd, string) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		var cmd tea.Cmd
		v.input, cmd = v.input.Update(msg)
		return cmd, ""
	}
	switch k.String() {
	case "esc":
		return v.ctx.postCmd(backMsg{}), "apply cancelled; nothing was sent"
	case "enter":
		if !plans.Confirmed(v.host(), v.input.Value()) {
			return nil, "that is not " + safe(v.host()) + ": type it exactly, or esc to cancel"
		}
		return v.ctx.postCmd(startApplyMsg{via: v.via}), ""
	}
	var cmd tea.Cmd
	v.input, cmd = v.input.Update(k)
	return cmd, ""
}

type startApplyMsg struct{ via plans.Route }

func (v *confirmView) View() []string {
	t := v.ctx.theme
	p := v.ctx.plan()
	sel := p.Selected
	var out []string
	add := func(st func(...string) string, s string) {
		for _, l := range wrap(s, v.w) {
			out = append(out, st(l))
		}
	}
	add(t.Bold.Render, fmt.Sprintf("Apply %s to %s on %s via %s.", plural(sel.Changes, "change", "changes"), plural(sel.Users, "user", "users"), safe(v.host()), v.via))
	add(t.Bold.Render, "Destination: "+safe(v.ctx.svc.Destination(v.via)))
	add(fmtPlain, views.PlanLine(sel))
	if l := views.NotSelectedLine(p.NotSelected); l != "" {
		add(t.Dim.Render, l)
	}
	add(t.Dim.Render, "Plan digest "+p.Digest)
	out = append(out, "")
	add(fmtPlain, fmt.Sprintf("Type the instance name (%s) and press enter:", safe(v.host())))
	out = append(out, v.input.View(), "")
	add(t.Dim.Render, "esc cancels; nothing has been sent. Once started, q stops after the requests in flight.")
	return fitLines(out, v.h)
}

func fmtPlain(s ...string) string { return strings.Join(s, "") }

// --- running --------------------------------------------------------------------

type runningView struct {
	ctx      *programContext
	via      plans.Route
	bar      progress.Model
	log      []string
	ev       apply.Event
	stop     chan struct{}
	stopping bool
	w, h     int
}

func newRunning(c *programContext, via plans.Route) *runningView {
	return &runningView{ctx: c, via: via, stop: make(chan struct{}),
		bar: progress.New(progress.WithDefaultGradient(), progress.WithoutPercentage())}
}

func (v *runningView) SetSize(w, h int) {
	v.w, v.h = w, h
	v.bar.Width = max(10, min(50, w-30))
}

func (v *runningView) keys() []key.Binding {
	if v.stopping {
		return nil
	}
	return []key.Binding{fk.Stop}
}
func (v *runningView) help() []helpGroup { return []helpGroup{{"Applying", v.keys()}} }

func (v *runningView) Update(msg tea.Msg) (tea.Cmd, string) {
	switch msg := msg.(type) {
	case applyEventMsg:
		v.ev = apply.Event(msg)
		word := apply.StatusWord(v.ev.Op, v.ev.Status)
		line := fmt.Sprintf("%s %s %s", style.Status(word), safe(v.ev.User), v.ev.Op)
		if v.ev.Message != "" {
			line += ": " + safe(v.ev.Message)
		}
		v.log = append(v.log, line)
	case stopMsg:
		if !v.stopping {
			v.stopping = true
			close(v.stop)
		}
		return nil, "stopping: the requests in flight finish and are recorded; nothing new is sent"
	case tea.KeyMsg:
		// The first q or Ctrl+C stops sending at once (a user under way is
		// finished, never left half-done); a second Ctrl+C leaves now.
		switch {
		case key.Matches(msg, fk.Stop) && !v.stopping:
			return v.ctx.postCmd(stopMsg{}), ""
		case msg.String() == "ctrl+c" && v.stopping:
			return v.ctx.postCmd(forceQuitMsg{}), ""
		}
	}
	return nil, ""
}

func (v *runningView) View() []string {
	t := v.ctx.theme
	e := v.ev
	frac := 0.0
	if e.Total > 0 {
		frac = float64(e.Done) / float64(e.Total)
	}
	verb := "Applying"
	if v.stopping {
		verb = "Stopping: nothing new is sent, the requests in flight finish (Ctrl+C again leaves now)"
	}
	progress := v.bar.ViewAs(frac) + fmt.Sprintf(" %d/%d changes · %d/%d users", e.Done, e.Total, e.UsersDone, e.Users)
	if e.Total == 0 && !v.stopping {
		// before the first request: the plan's users are read again (the
		// stale check), which takes a moment on a large plan
		progress = "checking the plan's users in Coupa before the first write…"
	}
	out := []string{t.Bold.Render(fmt.Sprintf("%s via %s to %s", verb, v.via, safe(v.ctx.svc.Destination(v.via)))), progress, ""}
	room := v.h - len(out)
	var log []string
	for _, l := range v.log {
		log = append(log, hang(l, v.w, 2)...)
	}
	if len(log) > room {
		log = log[len(log)-room:]
	}
	for _, l := range log {
		st := t.Add.Render
		switch {
		case strings.HasPrefix(l, style.StatusFailed):
			st = t.Problem.Render
		case strings.HasPrefix(l, style.StatusSkipped):
			st = t.Dim.Render
		}
		out = append(out, st(l))
	}
	return fitLines(out, v.h)
}

// --- report ---------------------------------------------------------------------

type reportView struct {
	ctx  *programContext
	rep  *apply.Report
	err  error
	vp   viewport.Model
	w, h int
	// load is Coupa's load of the uploaded files (l, then every 5 s until
	// each is Done or Failed); loadErr why it could not be read.
	load     *followup.LoadStatus
	loadErr  error
	checking bool
}

// loadStatusMsg carries one look at Coupa's data file sources.
type loadStatusMsg struct {
	st  *followup.LoadStatus
	err error
}

// loadAgainMsg asks for another look.
type loadAgainMsg struct{}

// loadPollEvery is how often the report looks again while a load runs.
const loadPollEvery = 5 * time.Second

func (v *reportView) checkLoad() tea.Cmd {
	c, dir := v.ctx, v.rep.RunDir
	v.checking = true
	return func() tea.Msg {
		ctx, cancel := c.context()
		defer cancel()
		st, err := c.svc.Status(ctx, dir, ccsync.StatusOptions{})
		return loadStatusMsg{st, err}
	}
}

func (v *reportView) loadPending() bool { return v.load.Pending() }

func newReport(c *programContext, rep *apply.Report, err error) *reportView {
	return &reportView{ctx: c, rep: rep, err: err, vp: viewport.New(c.width, 10)}
}

func (v *reportView) SetSize(w, h int) {
	v.w, v.h = w, h
	v.vp.Width, v.vp.Height = w, max(1, h)
	v.vp.SetContent(strings.Join(v.lines(), "\n"))
}

// undoable: the run applied something through the API (or its file can be
// undone through it) and left a run folder.
func (v *reportView) undoable() bool {
	return v.rep != nil && v.rep.RunDir != "" && v.rep.Changes.Applied > 0 && !plans.IsBaseline(v.rep.Instance)
}

// resumable: the run stopped part-way and can continue.
func (v *reportView) resumable() bool {
	return v.rep != nil && (v.rep.Interrupted || errors.Is(v.err, apply.ErrJournal))
}

func (v *reportView) keys() []key.Binding {
	ks := []key.Binding{mk.Down, fk.Again, gk.Quit}
	if v.rep != nil {
		ks = append([]key.Binding{fk.Files}, ks...)
	}
	if v.rep != nil && len(v.rep.Files) > 0 {
		ks = append([]key.Binding{fk.Load}, ks...)
	}
	if v.undoable() {
		ks = append([]key.Binding{fk.Undo}, ks...)
	}
	if v.resumable() || (v.rep != nil && !v.rep.OK()) {
		ks = append([]key.Binding{fk.Retry}, ks...)
	}
	return ks
}
func (v *reportView) help() []helpGroup {
	return []helpGroup{{"Report", v.keys()}, {"Move", []key.Binding{mk.Up, mk.Down, mk.PageUp, mk.PageDown, mk.Top, mk.Bottom}}}
}

func (v *reportView) lines() []string {
	t := v.ctx.theme
	var out []string
	add := func(st func(...string) string, s string) {
		for _, l := range wrap(s, v.w) {
			out = append(out, st(l))
		}
	}
	if v.rep == nil {
		add(t.Problem.Render, "Nothing was applied: "+safe(errText(v.err)))
		add(t.Dim.Render, "enter compares again (the plan may be stale, or a setting missing).")
		return out
	}
	r := v.rep
	add(t.Bold.Render, r.Summary())
	if v.err != nil && !errors.Is(v.err, apply.ErrInterrupted) {
		add(t.Problem.Render, safe(v.err.Error()))
	}
	switch {
	case v.resumable():
		add(t.Change.Render, "r resumes the run here; or later: "+safe(r.Resume))
	case !r.OK():
		add(t.Change.Render, "r compares again and selects only the users that did not fully apply")
	}
	if r.Next != "" && !v.resumable() {
		add(t.Dim.Render, safe(r.Next))
	}
	for _, w := range r.Warnings {
		add(t.Change.Render, "Warning: "+safe(w))
	}
	if len(r.NotStored) > 0 {
		add(t.Problem.Render, "Accepted by Coupa but not stored (read back after the run):")
		for _, m := range r.NotStored {
			add(t.Problem.Render, "  "+style.StatusWarn+" "+m.String())
		}
	}
	out = append(out, "")
	for _, l := range r.Lines {
		word := apply.StatusWord(l.Op, l.Status)
		line := fmt.Sprintf("%s %-10s %s %s", style.Status(word), word, safe(l.User), l.Op)
		if l.Op == apply.OpUpload {
			line = fmt.Sprintf("%s %-10s %s", style.Status(word), word, safe(l.User))
		}
		if len(l.Fields) > 0 {
			line += " (" + strings.Join(l.Fields, ", ") + ")"
		}
		if l.Message != "" {
			line += ": " + safe(l.Message)
		}
		st := fmtPlain
		switch l.Status {
		case apply.StatusFailed, apply.StatusUncertain:
			st = t.Problem.Render
		case apply.StatusSkipped:
			st = t.Dim.Render
		}
		for _, x := range hang(line, v.w, 13) {
			out = append(out, st(x))
		}
	}
	if len(r.Files) > 0 {
		out = append(out, "")
		switch {
		case v.loadErr != nil:
			add(t.Problem.Render, "Coupa's load could not be read: "+safe(v.loadErr.Error()))
		case v.load != nil:
			add(t.Bold.Render, "Coupa's load:")
			for _, l := range strings.Split(strings.TrimRight(views.LoadStatusText(v.load), "\n"), "\n") {
				st := fmtPlain
				if strings.HasPrefix(strings.TrimSpace(l), "!") {
					st = t.Problem.Render
				}
				for _, x := range hang(l, v.w, 4) {
					out = append(out, st(x))
				}
			}
			if v.loadPending() {
				add(t.Dim.Render, "looking again every 5 s…")
			}
		case v.checking:
			add(t.Dim.Render, "reading Coupa's load of the files…")
		default:
			add(t.Dim.Render, "l follows Coupa's load of the files (data file sources; the CCW User file has none: verify reads the users back)")
		}
	}
	if r.RunDir != "" {
		out = append(out, "")
		add(t.Dim.Render, "Journal and reports (txt, json, csv): "+safe(r.RunDir))
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (v *reportView) Update(msg tea.Msg) (tea.Cmd, string) {
	if m, ok := msg.(loadStatusMsg); ok {
		v.load, v.loadErr, v.checking = m.st, m.err, false
		v.vp.SetContent(strings.Join(v.lines(), "\n"))
		switch {
		case m.err != nil:
			return nil, "Coupa's load could not be read"
		case v.loadPending():
			return tea.Tick(loadPollEvery, func(time.Time) tea.Msg { return loadAgainMsg{} }), "Coupa is still loading; looking again in 5 s"
		case m.st.OK():
			return nil, "Coupa loaded every file without refusing a row"
		}
		return nil, "Coupa's load is in: see the report"
	}
	if _, ok := msg.(loadAgainMsg); ok && !v.checking {
		return v.checkLoad(), ""
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, ""
	}
	switch {
	case key.Matches(k, fk.Load) && v.rep != nil && len(v.rep.Files) > 0 && !v.checking:
		cmd := v.checkLoad()
		v.vp.SetContent(strings.Join(v.lines(), "\n"))
		return cmd, "reading Coupa's load of the files"
	case key.Matches(k, fk.Retry) && v.resumable():
		return v.ctx.postCmd(resumeMsg{}), ""
	case key.Matches(k, fk.Retry) && v.rep != nil && !v.rep.OK():
		return v.ctx.postCmd(retryMsg{}), ""
	case key.Matches(k, fk.Files) && v.rep != nil:
		return nil, "report files: " + safe(v.rep.RunDir) + "/report.txt, report.json, report.csv"
	case key.Matches(k, fk.Undo) && v.undoable():
		return v.ctx.postCmd(undoRunMsg{v.rep.RunDir}), "reading Coupa to make the undo plan"
	case key.Matches(k, fk.Again):
		return v.ctx.postCmd(reloadMsg{}), ""
	default:
		scroll(&v.vp, k)
	}
	return nil, ""
}

func (v *reportView) View() []string {
	return fitLines(strings.Split(v.vp.View(), "\n"), v.h)
}

// scroll moves a text view by the movement keys; false when k is not one.
func scroll(vp *viewport.Model, k tea.KeyMsg) bool {
	switch {
	case key.Matches(k, mk.Up):
		vp.ScrollUp(1)
	case key.Matches(k, mk.Down):
		vp.ScrollDown(1)
	case key.Matches(k, mk.PageUp):
		vp.PageUp()
	case key.Matches(k, mk.PageDown):
		vp.PageDown()
	case key.Matches(k, mk.Top):
		vp.GotoTop()
	case key.Matches(k, mk.Bottom):
		vp.GotoBottom()
	default:
		return false
	}
	return true
}

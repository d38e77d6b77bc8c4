package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

type sortKey int // how the users list is ordered

const (
	sortByLine sortKey = iota
	sortByAction
	sortByKey
	sortByChanges
	sortKinds
)

func (s sortKey) String() string {
	return [...]string{"feed order", "action", "login", "most changes"}[s]
}

// actionCycle is what f steps through.
var actionCycle = []plans.Action{"", plans.Create, plans.Reactivate, plans.Update, plans.Deactivate, plans.Error, plans.Unchanged}

// usersTab is the virtualised users list with its detail pane: only the
// visible rows are rendered, so a keypress costs the same at 100,000 users.
type usersTab struct {
	ctx       *programContext
	rows      []int // indexes into plan.Users
	cursor    int
	offset    int
	query     string
	action    plans.Action
	sortBy    sortKey
	seq       int
	built     bool
	filtering bool
	input     textinput.Model
	focus     bool // the detail pane has the keys
	detail    *detailPane
	w, h      int
}

type filteredMsg struct {
	seq  int
	rows []int
}

func newUsersTab(c *programContext) *usersTab {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "login or name; action:update is:selected is:problem field:email email:acme"
	return &usersTab{ctx: c, input: in, detail: &detailPane{ctx: c}}
}

func (t *usersTab) title() string { return "Users" }

func (t *usersTab) SetSize(w, h int) { t.w, t.h = w, h }

// compute filters and sorts; it reads the plan only, so it runs off the UI loop.
func compute(plan *plans.Plan, q query, action plans.Action, by sortKey) []int {
	if plan == nil {
		return nil
	}
	rows := make([]int, 0, len(plan.Users))
	for i, u := range plan.Users {
		if action != "" && u.Action != action {
			continue
		}
		if action == "" && q.action == "" && u.Action == plans.Unchanged && q.empty() {
			continue // unchanged users are counted in the header; f shows them
		}
		if !q.match(u) {
			continue
		}
		rows = append(rows, i)
	}
	users := plan.Users
	switch by {
	case sortByKey:
		sort.SliceStable(rows, func(a, b int) bool { return strings.ToLower(users[rows[a]].Key) < strings.ToLower(users[rows[b]].Key) })
	case sortByAction:
		sort.SliceStable(rows, func(a, b int) bool { return users[rows[a]].Action.Rank() < users[rows[b]].Action.Rank() })
	case sortByChanges:
		sort.SliceStable(rows, func(a, b int) bool { return len(users[rows[a]].Changes) > len(users[rows[b]].Changes) })
	}
	return rows
}

// refilter computes the visible rows in a command; stale results are
// dropped by sequence number.
func (t *usersTab) refilter() tea.Cmd {
	t.seq++
	seq, plan, q, action, by := t.seq, t.ctx.plan(), parseQuery(t.query), t.action, t.sortBy
	if plan != nil && len(plan.Users) < 5000 { // small plans: at once, no flicker
		t.rows = compute(plan, q, action, by)
		t.clamp()
		return nil
	}
	return func() tea.Msg { return filteredMsg{seq: seq, rows: compute(plan, q, action, by)} }
}

// ensure builds the rows once per session.
func (t *usersTab) ensure() {
	if !t.built {
		t.rows = compute(t.ctx.plan(), parseQuery(t.query), t.action, t.sortBy)
		t.built = true
	}
}

func (t *usersTab) current() *plans.UserPlan {
	t.ensure()
	p := t.ctx.plan()
	if p == nil || t.cursor < 0 || t.cursor >= len(t.rows) {
		return nil
	}
	return p.Users[t.rows[t.cursor]]
}

func (t *usersTab) wide() bool { return t.w >= 120 }

// listHeight is the rows the list shows (its title excluded).
func (t *usersTab) listHeight() int {
	if t.wide() {
		return max(1, t.h-1)
	}
	if t.focus {
		// in a user's fields the fields need the room: the list keeps
		// three rows around the user, enough to see where one is
		return 3
	}
	return max(3, (t.h-2)/2)
}

func (t *usersTab) clamp() {
	h := t.listHeight()
	t.cursor = max(0, min(t.cursor, len(t.rows)-1))
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, t.offset)
}

func (t *usersTab) move(d int) {
	t.cursor += d
	t.clamp()
	t.detail.cursor, t.detail.offset = 0, 0
}

// jump puts the cursor on a user, clearing filters that hide it.
func (t *usersTab) jump(key string) bool {
	p := t.ctx.plan()
	find := func() bool {
		for i, r := range t.rows {
			if p.Users[r].Is(key) {
				t.cursor = i
				t.clamp()
				t.detail.cursor, t.detail.offset = 0, 0
				return true
			}
		}
		return false
	}
	if find() {
		return true
	}
	t.ensure()
	t.query, t.action = "", ""
	t.input.SetValue("")
	t.rows = compute(p, query{}, "", t.sortBy)
	if find() {
		return true
	}
	t.action = p.User(key).Action // an unchanged user is listed under its action only
	t.rows = compute(p, query{}, t.action, t.sortBy)
	return find()
}

func (t *usersTab) keys() []key.Binding {
	if t.filtering {
		return []key.Binding{bind([]string{"enter"}, "enter", "keep filter"), bind([]string{"esc"}, "esc", "clear filter")}
	}
	if t.focus {
		return []key.Binding{lk.Toggle, lk.Back, gk.DryRun, gk.Apply, gk.Undo, gk.Help, gk.Quit}
	}
	return []key.Binding{lk.Toggle, lk.Fields, lk.Filter, gk.DryRun, gk.Apply, gk.Help, gk.Quit}
}

func (t *usersTab) help() []helpGroup {
	return []helpGroup{
		{"Move", []key.Binding{mk.Up, mk.Down, mk.PageUp, mk.PageDown, mk.Top, mk.Bottom}},
		{"Users", []key.Binding{lk.Toggle, lk.All, lk.None, lk.Fields, lk.Back, lk.Unchanged}},
		{"Find", []key.Binding{lk.Filter, lk.Action, lk.Sort}},
	}
}

// toggle changes the selection through the engine's rules.
func (t *usersTab) toggle(u *plans.UserPlan, field string) string {
	p := t.ctx.plan()
	before := plans.SelectionOf(u)
	var err error
	if field == "" {
		on := u.SelectedCount() == 0
		err = p.Edit(u, func() error { return plans.SelectUser(u, on) })
	} else {
		c := u.Change(field)
		err = p.Edit(u, func() error { return plans.SelectChange(u, field, !(c.Selected && u.Selected)) })
	}
	if err != nil {
		return safe(err.Error())
	}
	t.ctx.selectionChanged(before)
	if field != "" {
		if c := u.Change(field); c.Informational && c.Selected {
			return "selected an informational difference: " + field + " of " + safe(u.Key) + " is not applied by default (CCW syncs Role only at initial sync)"
		}
		if field == "login" && u.Change(field).Selected {
			return "selected a login change for " + safe(u.Key) + ": a login is an identity (SSO, integrations, CCW's User ID)"
		}
	}
	return ""
}

func (t *usersTab) Update(msg tea.Msg) (tea.Cmd, string) {
	switch msg := msg.(type) {
	case filteredMsg:
		if msg.seq == t.seq {
			t.rows = msg.rows
			t.clamp()
		}
		return nil, ""
	case tea.KeyMsg:
		return t.key(msg)
	}
	return nil, ""
}

func (t *usersTab) key(k tea.KeyMsg) (tea.Cmd, string) {
	t.ensure()
	if t.filtering {
		switch k.String() {
		case "enter":
			t.filtering = false
			t.input.Blur()
			if q := parseQuery(t.query); q.bad != "" {
				return nil, "filter: " + q.bad + " is not understood (is: takes " + strings.Join(isTerms, ", ") + ")"
			}
			return nil, ""
		case "esc":
			t.filtering = false
			t.input.Blur()
			t.input.SetValue("")
			t.query = ""
			return t.refilter(), ""
		}
		var cmd tea.Cmd
		t.input, cmd = t.input.Update(k)
		if t.input.Value() != t.query {
			t.query = t.input.Value()
			return tea.Batch(cmd, t.refilter()), ""
		}
		return cmd, ""
	}
	u := t.current()
	if t.focus && u != nil {
		switch {
		case key.Matches(k, mk.Up):
			t.detail.cursor = max(0, t.detail.cursor-1)
		case key.Matches(k, mk.Down):
			t.detail.cursor = min(max(0, len(u.Changes)-1), t.detail.cursor+1)
		case key.Matches(k, lk.Toggle):
			if t.detail.cursor < len(u.Changes) {
				return nil, t.toggle(u, u.Changes[t.detail.cursor].Field)
			}
		case key.Matches(k, lk.Unchanged):
			t.detail.showSame = !t.detail.showSame
		case key.Matches(k, lk.Back), key.Matches(k, lk.Fields):
			t.focus = false
		}
		return nil, ""
	}
	h := t.listHeight()
	switch {
	case key.Matches(k, mk.Up):
		t.move(-1)
	case key.Matches(k, mk.Down):
		t.move(1)
	case key.Matches(k, mk.PageUp):
		t.move(-h)
	case key.Matches(k, mk.PageDown):
		t.move(h)
	case key.Matches(k, mk.Top):
		t.move(-len(t.rows))
	case key.Matches(k, mk.Bottom):
		t.move(len(t.rows))
	case key.Matches(k, lk.Fields):
		if u != nil && len(u.Changes) > 0 {
			t.focus, t.detail.cursor = true, 0
		}
	case key.Matches(k, lk.Toggle):
		if u == nil {
			return nil, ""
		}
		msg := t.toggle(u, "")
		if msg == "" {
			t.move(1)
		}
		return nil, msg
	case key.Matches(k, lk.All), key.Matches(k, lk.None):
		on := key.Matches(k, lk.All)
		p := t.ctx.plan()
		shown := make([]*plans.UserPlan, len(t.rows))
		for i, r := range t.rows {
			shown[i] = p.Users[r]
		}
		before := plans.SelectionOf(shown...)
		// inferred deactivations only when the operator filtered on deactivations
		n := plans.SelectAll(shown, on, t.action == plans.Deactivate)
		p.Recount()
		if plans.SelectionOf(shown...).Equal(before) {
			// nothing moved (only informational differences, or all selected already)
			if on {
				return nil, "nothing more to select: informational differences and users with problems are never selected by a"
			}
			return nil, "nothing to deselect"
		}
		t.ctx.selectionChanged(before)
		if on {
			msg := fmt.Sprintf("%s selected; informational differences and users with problems are left out", plural(n, "user", "users"))
			if t.action != plans.Deactivate && p.NotSelected.Candidates > 0 {
				msg += "; deactivation candidates only with f on deactivate"
			}
			return nil, msg
		}
		return nil, plural(n, "user", "users") + " deselected (u undoes it)"
	case key.Matches(k, lk.Filter):
		t.filtering = true
		t.input.SetValue(t.query)
		t.input.Focus()
		return textinput.Blink, ""
	case key.Matches(k, lk.Action):
		for i, a := range actionCycle {
			if a == t.action {
				t.action = actionCycle[(i+1)%len(actionCycle)]
				break
			}
		}
		return t.refilter(), ""
	case key.Matches(k, lk.Sort):
		t.sortBy = (t.sortBy + 1) % sortKinds
		return t.refilter(), ""
	case key.Matches(k, lk.Unchanged):
		t.detail.showSame = !t.detail.showSame
	}
	return nil, ""
}

func (t *usersTab) View() []string {
	t.ensure()
	t.clamp()
	u := t.current()
	listW := t.w
	if t.wide() {
		dw := min(max(t.detail.natural(u), t.w*45/100), t.w-44-3)
		// what the list does not need (its longest visible row) goes to the
		// fields, so long values do not wrap beside blank columns
		dw = max(dw, t.w-t.listNatural()-3)
		listW = t.w - dw - 3
		t.detail.w, t.detail.h = dw, t.h
	} else {
		t.detail.w, t.detail.h = t.w, t.h-t.listHeight()-2
	}
	list := t.listView(listW)
	detail := t.detail.view(u, t.focus)
	if t.wide() {
		out := make([]string, t.h)
		sep := t.ctx.theme.Dim.Render(" │ ")
		for i := range out {
			out[i] = pad(list[i], listW) + sep + detail[i]
		}
		return out
	}
	out := append(list, t.ctx.theme.Dim.Render(strings.Repeat("─", t.w)))
	return fitLines(append(out, detail...), t.h)
}

// listNatural is the width the list's visible rows need in full (at
// least 44 columns).
func (t *usersTab) listNatural() int {
	p := t.ctx.plan()
	if p == nil {
		return 44
	}
	keyW, nameW, infoW := 8, 0, 0
	for i := t.offset; i < len(t.rows) && i < t.offset+t.listHeight(); i++ {
		u := p.Users[t.rows[i]]
		keyW = max(keyW, ansi.StringWidth(safe(u.Key)))
		nameW = max(nameW, ansi.StringWidth(safe(u.Name)))
		infoW = max(infoW, ansi.StringWidth(rowInfo(u)))
	}
	return max(44, 12+keyW+nameW+infoW+2)
}

// listView is the title and the visible rows (exactly listHeight+1 lines,
// or h lines when wide).
func (t *usersTab) listView(w int) []string {
	th := t.ctx.theme
	p := t.ctx.plan()
	total := len(p.Users)
	title := fmt.Sprintf("%d of %d users", len(t.rows), total)
	if t.action != "" {
		title += " · " + string(t.action)
	}
	title += " · " + t.sortBy.String()
	if t.query != "" && !t.filtering {
		title += " · /" + safe(t.query)
	}
	lines := []string{th.Dim.Render(pad(title, w))}
	h := t.listHeight()
	keyW := 8 // the visible keys, in full where the width allows
	for i := t.offset; i < len(t.rows) && i < t.offset+h; i++ {
		keyW = max(keyW, ansi.StringWidth(safe(p.Users[t.rows[i]].Key)))
	}
	keyW = min(keyW, w/2)
	for i := t.offset; i < len(t.rows) && len(lines) <= h; i++ {
		lines = append(lines, t.row(p.Users[t.rows[i]], i == t.cursor, w, keyW))
	}
	if len(t.rows) == 0 {
		lines = append(lines, th.Dim.Render("  no user matches (f cycles the action filter, / filters)"))
	}
	return fitLines(lines, h+1)
}

// userMark is a user's selection: [x] all its default changes, [~] part of
// them, [ ] none, [!] a user with problems (never selectable).
func userMark(u *plans.UserPlan) string {
	switch {
	case u.Action == plans.Error:
		return style.Locked
	case u.Partly():
		return style.Partly
	case u.SelectedCount() > 0:
		return style.On
	}
	return style.Off
}

func (t *usersTab) row(u *plans.UserPlan, cursor bool, w, keyW int) string {
	th := t.ctx.theme
	g := " "
	if cursor && !t.focus {
		g = style.Cursor
	}
	info := rowInfo(u)
	nameW := max(0, w-12-keyW-ansi.StringWidth(info))
	row := fmt.Sprintf("%s %s %s %s  %s  %s", g, userMark(u), u.Action.Symbol(), pad(safe(u.Key), keyW), pad(safe(u.Name), nameW), info)
	row = pad(row, w)
	if cursor && !t.focus {
		return th.Cursor.Render(row)
	}
	return th.Action(string(u.Action)).Render(row)
}

// rowInfo is a list row's right column: its changes, or its problems (a
// user with problems is never applied: they are what to read, and the name
// keeps the room; its changes show in its fields).
func rowInfo(u *plans.UserPlan) string {
	info := plural(len(u.Changes), "change", "changes")
	if n := len(u.Problems); n > 0 {
		info = plural(n, "problem", "problems")
	}
	if u.Inferred {
		info += " · inferred"
	}
	return info
}

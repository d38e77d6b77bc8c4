package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

// pageLine is one screen line of a page tab.
type pageLine struct {
	text  string
	style func(...string) string
	jump  string // the user enter goes to
	group string // set on a foldable header
}

// page is a scrollable list of lines with foldable groups, built from the
// plan when its tab is shown and the selection or the width changed.
type page struct {
	ctx     *programContext
	name    string
	build   func(b *builder)
	lines   []pageLine
	cursor  int
	offset  int
	folded  map[string]bool
	version int
	width   int
	w, h    int
}

func newPage(c *programContext, name string, build func(b *builder)) *page {
	return &page{ctx: c, name: name, build: build, folded: map[string]bool{}, version: -1}
}

func (p *page) title() string    { return p.name }
func (p *page) SetSize(w, h int) { p.w, p.h = w, h }

// builder makes a page's lines, wrapping each item at the page's width.
type builder struct {
	p     *page
	plain func(...string) string
}

func (b *builder) line(st func(...string) string, jump, text string) {
	indent := len(text) - len(strings.TrimLeft(text, " "))
	for i, l := range wrap(text, b.p.w-2-indent-2) { // continuation lines hang, and still fit
		if i > 0 {
			l = strings.Repeat(" ", indent+2) + l
		}
		b.p.lines = append(b.p.lines, pageLine{text: l, style: st, jump: jump})
	}
}

// header adds a foldable group header and reports whether it is open.
func (b *builder) header(group string, st func(...string) string, text string) bool {
	g := style.Expanded
	if b.p.folded[group] {
		g = style.Folded
	}
	b.p.lines = append(b.p.lines, pageLine{text: g + " " + text, style: st, group: group})
	return !b.p.folded[group]
}

func (p *page) refresh() {
	if p.version == p.ctx.version && p.width == p.w {
		return
	}
	p.version, p.width = p.ctx.version, p.w
	p.lines = p.lines[:0]
	p.build(&builder{p: p, plain: func(s ...string) string { return strings.Join(s, "") }})
	p.cursor = max(0, min(p.cursor, len(p.lines)-1))
}

func (p *page) move(d int) {
	p.cursor = max(0, min(len(p.lines)-1, p.cursor+d))
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+p.h {
		p.offset = p.cursor - p.h + 1
	}
}

func (p *page) keys() []key.Binding {
	return []key.Binding{pk.Open, gk.DryRun, gk.Apply, gk.NextTab, gk.Help, gk.Quit}
}

func (p *page) help() []helpGroup {
	return []helpGroup{{"Move", []key.Binding{mk.Up, mk.Down, mk.PageUp, mk.PageDown, mk.Top, mk.Bottom}},
		{p.name, []key.Binding{pk.Open, pk.FoldAll}}}
}

// jumpMsg asks the root to show a user in the Users tab.
type jumpMsg struct{ key string }

func (p *page) Update(msg tea.Msg) (tea.Cmd, string) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, ""
	}
	p.refresh()
	switch {
	case key.Matches(k, mk.Up):
		p.move(-1)
	case key.Matches(k, mk.Down):
		p.move(1)
	case key.Matches(k, mk.PageUp):
		p.move(-p.h)
	case key.Matches(k, mk.PageDown):
		p.move(p.h)
	case key.Matches(k, mk.Top):
		p.move(-len(p.lines))
	case key.Matches(k, mk.Bottom):
		p.move(len(p.lines))
	case key.Matches(k, pk.Open):
		if p.cursor < len(p.lines) {
			l := p.lines[p.cursor]
			if l.jump != "" {
				return p.ctx.postCmd(jumpMsg{l.jump}), ""
			}
			if l.group != "" {
				p.folded[l.group] = !p.folded[l.group]
				p.version = -1
			}
		}
	case key.Matches(k, pk.FoldAll):
		all := true
		for _, l := range p.lines {
			if l.group != "" {
				all = all && p.folded[l.group]
			}
		}
		for _, l := range p.lines {
			if l.group != "" {
				p.folded[l.group] = !all
			}
		}
		p.version = -1
	}
	return nil, ""
}

func (p *page) View() []string {
	p.refresh()
	p.move(0)
	var out []string
	for i := p.offset; i < len(p.lines) && len(out) < p.h; i++ {
		l := p.lines[i]
		g := "  "
		text := l.style(l.text)
		if i == p.cursor {
			g = style.Cursor + " "
			text = p.ctx.theme.Bold.Render(l.text)
		}
		out = append(out, g+text)
	}
	return fitLines(out, p.h)
}

// --- the pages --------------------------------------------------------------

func changeMark(u *plans.UserPlan, c *plans.Change) string { return mark(u, c) }

// buildHierarchy shows, for each affected supervisor, who joins and who
// leaves, then the supervisor problems, naming people as the feed does.
func buildHierarchy(b *builder) {
	c := b.p.ctx
	t := c.theme
	plan := c.plan()
	teams := plans.TeamChanges(plan)
	b.line(t.Dim.Render, "", "Each supervisor whose team changes: who joins (+) and who leaves (-). enter goes to the user; enter on a supervisor folds.")
	for _, tc := range teams {
		name := safe(tc.Supervisor)
		if mu := plan.User(tc.Key); mu != nil && mu.Name != "" {
			name += " · " + safe(mu.Name)
		}
		head := fmt.Sprintf("%s  (%d joining, %d leaving)", name, len(tc.Joins), len(tc.Leaves))
		if !b.header("h:"+tc.Key, t.Bold.Render, head) {
			continue
		}
		for _, mv := range tc.Joins {
			b.line(t.Add.Render, mv.User.Key, fmt.Sprintf("    %s + %s joins, from %s%s", changeMark(mv.User, mv.Change), safe(mv.User.Key), safe(orNone(mv.Other)), problemNote(mv.User)))
		}
		for _, mv := range tc.Leaves {
			b.line(t.Remove.Render, mv.User.Key, fmt.Sprintf("    %s - %s leaves, to %s%s", changeMark(mv.User, mv.Change), safe(mv.User.Key), safe(orNone(mv.Other)), problemNote(mv.User)))
		}
	}
	probs := plans.ProblemsWhere(plan, plans.ProblemKind.Hierarchy)
	if len(probs) > 0 && b.header("h:problems", t.Problem.Render, fmt.Sprintf("Supervisor problems (%d)", len(probs))) {
		for _, up := range probs {
			b.line(t.Problem.Render, up.User.Key, "    ! "+safe(up.User.Key)+": "+safe(up.Problem.String()))
		}
	}
	if len(teams) == 0 && len(probs) == 0 {
		b.line(t.Dim.Render, "", "No supervisor changes.")
	}
}

// orNone names a missing supervisor.
func orNone(s string) string {
	if s == "" {
		return "no supervisor"
	}
	return s
}

func problemNote(u *plans.UserPlan) string {
	if len(u.Problems) > 0 {
		return "  (has problems)"
	}
	return ""
}

// buildRoles lists, per role, who gains or loses it.
func buildRoles(b *builder) {
	c := b.p.ctx
	t := c.theme
	plan := c.plan()
	roles := plans.RoleChanges(plan)
	b.line(t.Dim.Render, "", "Per role, who gains (+) or loses (-) it. [i]: CCW syncs Role only at initial sync, so a CCW role on an existing user is informational.")
	for _, r := range roles {
		if !b.header("r:"+r.Name, t.Bold.Render, fmt.Sprintf("%s  (+%d -%d)", safe(r.Name), r.Gains, r.Losses)) {
			continue
		}
		for _, mv := range r.Moves {
			sym, st := "+", t.Add.Render
			if !mv.Gain {
				sym, st = "-", t.Remove.Render
			}
			b.line(st, mv.User.Key, fmt.Sprintf("    %s %s %s%s", changeMark(mv.User, mv.Change), sym, safe(mv.User.Key), problemNote(mv.User)))
		}
	}
	for _, up := range plans.ProblemsWhere(plan, func(k plans.ProblemKind) bool { return k == plans.ProblemRole }) {
		b.line(t.Problem.Render, up.User.Key, "! "+safe(up.User.Key)+": "+safe(up.Problem.String()))
	}
	if len(roles) == 0 {
		b.line(t.Dim.Render, "", "No role changes.")
	}
}

// buildSegments lists, per account segment, the value changes with names
// and codes, then the values Coupa lacks.
func buildSegments(b *builder) {
	c := b.p.ctx
	t := c.theme
	plan := c.plan()
	d := &detailPane{ctx: c}
	groups := plans.AccountChanges(plan)
	chart := plan.Settings.Chart
	if chart == "" {
		chart = "(none)"
	}
	b.line(t.Dim.Render, "", "Chart "+safe(chart)+". Segment values compare as codes (a lookup value's external-ref-num); names are shown with their code.")
	for _, g := range groups {
		if !b.header("s:"+g.Field, t.Bold.Render, fmt.Sprintf("%s  (%s)", d.label(nil, g.Field), plural(len(g.Users), "user", "users"))) {
			continue
		}
		for _, u := range g.Users {
			ch := u.Change(g.Field)
			from, to := d.values(u, ch)
			b.line(t.Action(string(u.Action)).Render, u.Key, fmt.Sprintf("    %s %s %s: %s %s %s%s", changeMark(u, ch), ch.Symbol(), safe(u.Key), from, style.Arrow, to, problemNote(u)))
		}
	}
	probs := plans.ProblemsWhere(plan, func(k plans.ProblemKind) bool { return k == plans.ProblemSegment })
	if len(probs) > 0 && b.header("s:problems", t.Problem.Render, fmt.Sprintf("Segment problems (%d)", len(probs))) {
		for _, up := range probs {
			b.line(t.Problem.Render, up.User.Key, "    ! "+safe(up.User.Key)+": "+safe(up.Problem.String()))
		}
	}
	if len(groups) == 0 && len(probs) == 0 {
		b.line(t.Dim.Render, "", "No segment changes.")
	}
}

// buildProblems groups every problem by kind, users first.
func buildProblems(b *builder) {
	c := b.p.ctx
	t := c.theme
	plan := c.plan()
	for _, w := range plan.Warnings {
		b.line(t.Change.Render, "", "Warning: "+safe(w))
	}
	total := 0
	for _, kind := range plans.ProblemKinds {
		probs := plans.ProblemsWhere(plan, func(k plans.ProblemKind) bool { return k == kind })
		if len(probs) == 0 {
			continue
		}
		total += len(probs)
		if !b.header("p:"+string(kind), t.Problem.Render, fmt.Sprintf("%s (%d)", kind.Title(), len(probs))) {
			continue
		}
		for _, up := range probs {
			b.line(t.Problem.Render, up.User.Key, "    ! "+safe(up.User.Key)+"  "+safe(up.Problem.String()))
		}
	}
	if total == 0 {
		b.line(t.Dim.Render, "", "No problems: every feed row can be applied.")
	} else {
		b.line(t.Dim.Render, "", "A user with problems is never selected. Fix the feed or Coupa, then compare again (ctrl+r).")
	}
}

// buildPlan is the plan in the units apply uses, and how it will go.
func buildPlan(b *builder) {
	c := b.p.ctx
	t := c.theme
	plan := c.plan()
	b.line(t.Bold.Render, "", views.PlanLine(plan.Selected))
	if l := views.NotSelectedLine(plan.NotSelected); l != "" {
		b.line(t.Dim.Render, "", l)
	}
	b.line(b.plain, "", "")
	for _, row := range plans.ActionTable(plan) {
		a := row.Action
		if a == plans.Unchanged {
			b.line(t.Dim.Render, "", fmt.Sprintf("  %s %-10s %5d", a.Symbol(), a, row.Total))
			continue
		}
		b.line(t.Action(string(a)).Render, "", fmt.Sprintf("  %s %-10s %5d selected of %d", a.Symbol(), a, row.Selected, row.Total))
	}
	b.line(b.plain, "", "")
	b.line(t.Bold.Render, "", "How it will be applied")
	for _, via := range c.sess.Vias {
		b.line(b.plain, "", "  "+string(via)+": "+safe(c.svc.Destination(via)))
	}
	for _, l := range plans.ApplyOrder {
		b.line(t.Dim.Render, "", "  "+l)
	}
	b.line(t.Dim.Render, "", "  Plan digest "+plan.Digest)
}

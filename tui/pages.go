package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/style"
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

func changeMark(u *ccsync.UserPlan, c *ccsync.Change) string { return mark(u, c) }

// buildHierarchy shows, for each affected supervisor, who joins and who
// leaves, then the supervisor problems, naming people as the feed does.
func buildHierarchy(b *builder) {
	c := b.p.ctx
	t := c.theme
	plan := c.plan()
	type move struct {
		u     *ccsync.UserPlan
		c     *ccsync.Change
		other string
	}
	joins, leaves := map[string][]move{}, map[string][]move{}
	spelling := map[string]string{}
	for _, u := range plan.Users {
		ch := u.Change("manager")
		if ch == nil {
			continue
		}
		to, from := ch.Feed(), ch.Coupa()
		if to != "" {
			joins[strings.ToLower(to)] = append(joins[strings.ToLower(to)], move{u, ch, from})
			spelling[strings.ToLower(to)] = to
		}
		if from != "" {
			leaves[strings.ToLower(from)] = append(leaves[strings.ToLower(from)], move{u, ch, to})
			spelling[strings.ToLower(from)] = from
		}
	}
	var managers []string
	for m := range spelling {
		managers = append(managers, m)
	}
	sort.Strings(managers)
	b.line(t.Dim.Render, "", "Each supervisor whose team changes: who joins (+) and who leaves (-). enter goes to the user; enter on a supervisor folds.")
	for _, m := range managers {
		name := safe(spelling[m])
		if mu := plan.User(m); mu != nil && mu.Name != "" {
			name += " · " + safe(mu.Name)
		}
		head := fmt.Sprintf("%s  (%d joining, %d leaving)", name, len(joins[m]), len(leaves[m]))
		if !b.header("h:"+m, t.Bold.Render, head) {
			continue
		}
		for _, mv := range joins[m] {
			from := mv.other
			if from == "" {
				from = "no supervisor"
			}
			b.line(t.Add.Render, mv.u.Key, fmt.Sprintf("    %s + %s joins, from %s%s", changeMark(mv.u, mv.c), safe(mv.u.Key), safe(from), problemNote(mv.u)))
		}
		for _, mv := range leaves[m] {
			to := mv.other
			if to == "" {
				to = "no supervisor"
			}
			b.line(t.Remove.Render, mv.u.Key, fmt.Sprintf("    %s - %s leaves, to %s%s", changeMark(mv.u, mv.c), safe(mv.u.Key), safe(to), problemNote(mv.u)))
		}
	}
	n := 0
	for _, u := range plan.Users {
		for _, p := range u.Problems {
			if p.Kind.Hierarchy() {
				n++
			}
		}
	}
	if n > 0 && b.header("h:problems", t.Problem.Render, fmt.Sprintf("Supervisor problems (%d)", n)) {
		for _, u := range plan.Users {
			for _, p := range u.Problems {
				if p.Kind.Hierarchy() {
					b.line(t.Problem.Render, u.Key, "    ! "+safe(u.Key)+": "+safe(p.String()))
				}
			}
		}
	}
	if len(managers) == 0 && n == 0 {
		b.line(t.Dim.Render, "", "No supervisor changes.")
	}
}

func problemNote(u *ccsync.UserPlan) string {
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
	type entry struct {
		u    *ccsync.UserPlan
		c    *ccsync.Change
		gain bool
	}
	byRole := map[string][]entry{}
	for _, u := range plan.Users {
		ch := u.Change("roles")
		if ch == nil {
			continue
		}
		before, after := lowerSet(ch.Before.RoleList()), lowerSet(ch.After.RoleList())
		for _, r := range ch.After.RoleList() {
			if !before[strings.ToLower(r)] {
				byRole[r] = append(byRole[r], entry{u, ch, true})
			}
		}
		for _, r := range ch.Before.RoleList() {
			if !after[strings.ToLower(r)] {
				byRole[r] = append(byRole[r], entry{u, ch, false})
			}
		}
	}
	names := make([]string, 0, len(byRole))
	for r := range byRole {
		names = append(names, r)
	}
	sort.Strings(names)
	b.line(t.Dim.Render, "", "Per role, who gains (+) or loses (-) it. [i]: CCW syncs Role only at initial sync, so a CCW role on an existing user is informational.")
	for _, r := range names {
		gain, lose := 0, 0
		for _, e := range byRole[r] {
			if e.gain {
				gain++
			} else {
				lose++
			}
		}
		if !b.header("r:"+r, t.Bold.Render, fmt.Sprintf("%s  (+%d -%d)", safe(r), gain, lose)) {
			continue
		}
		for _, e := range byRole[r] {
			sym, st := "+", t.Add.Render
			if !e.gain {
				sym, st = "-", t.Remove.Render
			}
			b.line(st, e.u.Key, fmt.Sprintf("    %s %s %s%s", changeMark(e.u, e.c), sym, safe(e.u.Key), problemNote(e.u)))
		}
	}
	for _, u := range plan.Users {
		for _, p := range u.Problems {
			if p.Kind == ccsync.ProblemRole {
				b.line(t.Problem.Render, u.Key, "! "+safe(u.Key)+": "+safe(p.String()))
			}
		}
	}
	if len(names) == 0 {
		b.line(t.Dim.Render, "", "No role changes.")
	}
}

func lowerSet(l []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range l {
		m[strings.ToLower(x)] = true
	}
	return m
}

// buildSegments lists, per account segment, the value changes with names
// and codes, then the values Coupa lacks.
func buildSegments(b *builder) {
	c := b.p.ctx
	t := c.theme
	plan := c.plan()
	d := &detailPane{ctx: c}
	byField := map[string][]*ccsync.UserPlan{}
	for _, u := range plan.Users {
		for _, ch := range u.Changes {
			if ch.Segment > 0 || ch.Field == "default-account-type" || ch.Field == "account-security-type" {
				byField[ch.Field] = append(byField[ch.Field], u)
			}
		}
	}
	fields := make([]string, 0, len(byField))
	for f := range byField {
		fields = append(fields, f)
	}
	sort.Slice(fields, func(i, j int) bool {
		a, b := ccsync.SegmentOf(fields[i]), ccsync.SegmentOf(fields[j])
		if a != b {
			return a < b
		}
		return fields[i] < fields[j]
	})
	chart := plan.Settings.Chart
	if chart == "" {
		chart = "(none)"
	}
	b.line(t.Dim.Render, "", "Chart "+safe(chart)+". Segment values compare as codes (a lookup value's external-ref-num); names are shown with their code.")
	for _, f := range fields {
		if !b.header("s:"+f, t.Bold.Render, fmt.Sprintf("%s  (%s)", d.label(nil, f), plural(len(byField[f]), "user", "users"))) {
			continue
		}
		for _, u := range byField[f] {
			ch := u.Change(f)
			from, to := d.values(u, ch)
			b.line(t.Action(string(u.Action)).Render, u.Key, fmt.Sprintf("    %s %s %s: %s %s %s%s", changeMark(u, ch), ch.Symbol(), safe(u.Key), from, style.Arrow, to, problemNote(u)))
		}
	}
	n := 0
	for _, u := range plan.Users {
		for _, p := range u.Problems {
			if p.Kind == ccsync.ProblemSegment {
				n++
			}
		}
	}
	if n > 0 && b.header("s:problems", t.Problem.Render, fmt.Sprintf("Segment problems (%d)", n)) {
		for _, u := range plan.Users {
			for _, p := range u.Problems {
				if p.Kind == ccsync.ProblemSegment {
					b.line(t.Problem.Render, u.Key, "    ! "+safe(u.Key)+": "+safe(p.String()))
				}
			}
		}
	}
	if len(fields) == 0 && n == 0 {
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
	for _, kind := range ccsync.ProblemKinds {
		n := 0
		for _, u := range plan.Users {
			for _, p := range u.Problems {
				if p.Kind == kind {
					n++
				}
			}
		}
		if n == 0 {
			continue
		}
		total += n
		if !b.header("p:"+string(kind), t.Problem.Render, fmt.Sprintf("%s (%d)", kind.Title(), n)) {
			continue
		}
		for _, u := range plan.Users {
			for _, p := range u.Problems {
				if p.Kind == kind {
					b.line(t.Problem.Render, u.Key, "    ! "+safe(u.Key)+"  "+safe(p.String()))
				}
			}
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
	b.line(t.Bold.Render, "", ccsync.PlanLine(plan.Selected))
	if l := ccsync.NotSelectedLine(plan.NotSelected); l != "" {
		b.line(t.Dim.Render, "", l)
	}
	b.line(b.plain, "", "")
	counts := map[ccsync.Action][2]int{}
	for _, u := range plan.Users {
		x := counts[u.Action]
		x[0]++
		if u.SelectedCount() > 0 {
			x[1]++
		}
		counts[u.Action] = x
	}
	for _, a := range ccsync.PlanOrder {
		x := counts[a]
		if a == ccsync.Unchanged {
			b.line(t.Dim.Render, "", fmt.Sprintf("  %s %-10s %5d", a.Symbol(), a, x[0]))
			continue
		}
		b.line(t.Action(string(a)).Render, "", fmt.Sprintf("  %s %-10s %5d selected of %d", a.Symbol(), a, x[1], x[0]))
	}
	b.line(b.plain, "", "")
	b.line(t.Bold.Render, "", "How it will be applied")
	for _, via := range c.sess.Vias {
		b.line(b.plain, "", "  "+via+": "+safe(c.svc.Destination(via)))
	}
	b.line(t.Dim.Render, "", "  API: creates first (managers before their reports), then updates and reactivations, then deactivations; segments in a second request once the chart is stored; removing a role is clear-then-set; every written user is read back.")
	b.line(t.Dim.Render, "", "  SFTP: one file, supervisors first, optionally PGP-encrypted; Coupa loads it minutes later (check with ccwrecon verify).")
	b.line(t.Dim.Render, "", "  Every touched user is re-read first: a plan whose users moved in Coupa is refused.")
	b.line(t.Dim.Render, "", "  Plan digest "+plan.Digest)
}

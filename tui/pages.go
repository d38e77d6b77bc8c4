package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/ccwrecon/ccwrecon/record"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
)

// page is a scrollable list of lines with foldable groups (non-user tabs).
type page struct {
	lines   []pageLine
	cursor  int
	offset  int
	folded  map[string]bool
	groups  map[string]bool
	foldAll bool
}

type pageLine struct {
	text  string
	style lipgloss.Style
	group string // set on a foldable header line
}

func (p *page) move(d, height int) {
	p.cursor = max(0, min(len(p.lines)-1, p.cursor+d))
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+height {
		p.offset = p.cursor - height + 1
	}
}

func (p *page) group() string {
	if p.cursor < len(p.lines) {
		return p.lines[p.cursor].group
	}
	return ""
}

type builder struct {
	p *page
}

func (b builder) line(style lipgloss.Style, f string, a ...any) {
	b.p.lines = append(b.p.lines, pageLine{text: fmt.Sprintf(f, a...), style: style})
}

// header adds a foldable group header and reports whether it is open.
func (b builder) header(group string, style lipgloss.Style, f string, a ...any) bool {
	b.p.groups[group] = true
	g := glyphExpanded
	if b.p.folded[group] {
		g = glyphFolded
	}
	b.p.lines = append(b.p.lines, pageLine{text: g + " " + fmt.Sprintf(f, a...), style: style, group: group})
	return !b.p.folded[group]
}

func mark(selected bool) string {
	if selected {
		return glyphOn
	}
	return glyphOff
}

// rebuildPages renders the plan into the non-user tabs (after loading and
// after every selection change).
func (m *Model) rebuildPages() {
	plan := m.sess.Plan
	for i := range m.pages {
		p := &m.pages[i]
		if p.folded == nil {
			p.folded = map[string]bool{}
		}
		p.groups = map[string]bool{}
		p.lines = nil
	}
	m.buildHierarchy(builder{&m.pages[tabHierarchy]}, plan)
	m.buildRoles(builder{&m.pages[tabRoles]}, plan)
	m.buildSegments(builder{&m.pages[tabSegments]}, plan)
	m.buildProblems(builder{&m.pages[tabProblems]}, plan)
	m.buildPlan(builder{&m.pages[tabPlan]}, plan)
	for i := range m.pages {
		p := &m.pages[i]
		p.cursor = max(0, min(p.cursor, len(p.lines)-1))
	}
}

// buildHierarchy draws the supervisor tree of what moves: each new
// supervisor with the reports moving under it (old → new), then problems.
func (m *Model) buildHierarchy(b builder, plan *ccsync.Plan) {
	children := map[string][]*ccsync.UserPlan{}
	moved := map[string]bool{}
	for _, u := range plan.Users {
		c := u.Change(record.Manager)
		if c == nil {
			continue
		}
		to := strings.ToLower(c.Feed())
		children[to] = append(children[to], u)
		moved[strings.ToLower(u.Key)] = true
	}
	var roots []string
	for mgr := range children {
		if !moved[mgr] {
			roots = append(roots, mgr)
		}
	}
	sort.Strings(roots)
	if len(roots) == 0 && len(children) > 0 { // everything moves: a cycle; start anywhere
		for mgr := range children {
			roots = append(roots, mgr)
		}
		sort.Strings(roots)
	}
	seen := map[string]bool{}
	var walk func(mgr, indent string)
	walk = func(mgr, indent string) {
		for _, u := range children[mgr] {
			c := u.Change(record.Manager)
			from := c.Coupa()
			if from == "" {
				from = "(none)"
			}
			text := fmt.Sprintf("%s%s %s %s  %s → %s", indent, mark(u.Selected && c.Selected), u.Action.Symbol(), u.Key, from, c.Feed())
			if u.Action == ccsync.Error {
				text += "  ! " + supervisorProblem(u)
			}
			if k := strings.ToLower(u.Key); len(children[k]) > 0 && !seen[k] {
				seen[k] = true
				if b.header("h:"+k, actionStyle(u.Action), "%s", strings.TrimPrefix(text, indent)) {
					walk(k, indent+"    ")
				}
				continue
			}
			b.line(actionStyle(u.Action), "%s", text)
		}
	}
	b.line(sDim, "Supervisor tree of the moves in this plan (old → new); enter folds, c folds all.")
	for _, r := range roots {
		if seen[r] {
			continue
		}
		seen[r] = true
		if b.header("h:"+r, sBold, "%s  (%d moving in)", r, len(children[r])) {
			walk(r, "    ")
		}
	}
	// what is left moves in a circle: every member also moves
	var rest []string
	for mgr := range children {
		if !seen[mgr] {
			rest = append(rest, mgr)
		}
	}
	sort.Strings(rest)
	for _, r := range rest {
		if seen[r] {
			continue
		}
		seen[r] = true
		if b.header("h:"+r, sProblem, "⟳ %s  (in a supervisor cycle)", r) {
			walk(r, "    ")
		}
	}
	var probs []string
	for _, u := range plan.Users {
		for _, p := range u.Problems {
			if p.Kind.Hierarchy() {
				probs = append(probs, u.Key+": "+p.String())
			}
		}
	}
	if len(probs) > 0 {
		if b.header("h:problems", sProblem, "Hierarchy problems (%d)", len(probs)) {
			for _, p := range probs {
				b.line(sProblem, "    ! %s", p)
			}
		}
	}
	if len(children) == 0 && len(probs) == 0 {
		b.line(sDim, "No supervisor changes.")
	}
}

func supervisorProblem(u *ccsync.UserPlan) string {
	for _, p := range u.Problems {
		if p.Kind.Hierarchy() {
			return p.String()
		}
	}
	if len(u.Problems) > 0 {
		return u.Problems[0].String()
	}
	return ""
}

// buildRoles lists, per role, who gains or loses it.
func (m *Model) buildRoles(b builder, plan *ccsync.Plan) {
	type entry struct {
		u    *ccsync.UserPlan
		c    *ccsync.Change
		gain bool
	}
	byRole := map[string][]entry{}
	for _, u := range plan.Users {
		c := u.Change(record.Roles)
		if c == nil {
			continue
		}
		before, after := set(c.Before.RoleList()), set(c.After.RoleList())
		for r := range after {
			if !before[r] {
				byRole[r] = append(byRole[r], entry{u, c, true})
			}
		}
		for r := range before {
			if !after[r] {
				byRole[r] = append(byRole[r], entry{u, c, false})
			}
		}
	}
	names := make([]string, 0, len(byRole))
	for r := range byRole {
		names = append(names, r)
	}
	sort.Strings(names)
	b.line(sDim, "Per role, who gains (+) or loses (-) it. CCW syncs Role only at initial sync: such changes are shown, not selected.")
	for _, r := range names {
		gain, lose := 0, 0
		for _, e := range byRole[r] {
			if e.gain {
				gain++
			} else {
				lose++
			}
		}
		if b.header("r:"+r, sBold, "%s  (+%d -%d)", r, gain, lose) {
			for _, e := range byRole[r] {
				sym, st := "+", sAdd
				if !e.gain {
					sym, st = "-", sRemove
				}
				text := fmt.Sprintf("    %s %s %s", mark(e.u.Selected && e.c.Selected), sym, e.u.Key)
				if e.c.Note != "" {
					text += "  # " + e.c.Note
				}
				b.line(st, "%s", text)
			}
		}
	}
	for _, u := range plan.Users {
		for _, p := range u.Problems {
			if p.Kind == ccsync.ProblemRole {
				b.line(sProblem, "! %s: %s", u.Key, p)
			}
		}
	}
	if len(names) == 0 {
		b.line(sDim, "No role changes.")
	}
}

func set(l []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range l {
		m[x] = true
	}
	return m
}

// buildSegments lists, per account segment, the value changes and the
// name → code translations, then unknown values.
func (m *Model) buildSegments(b builder, plan *ccsync.Plan) {
	byField := map[string][]*ccsync.UserPlan{}
	for _, u := range plan.Users {
		for _, c := range u.Changes {
			if strings.HasPrefix(c.Field, "default-account") || c.Field == record.SecurityType {
				byField[c.Field] = append(byField[c.Field], u)
			}
		}
	}
	fields := make([]string, 0, len(byField))
	for f := range byField {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	lk := []string{}
	for n, l := range plan.Settings.SegmentLookups {
		lk = append(lk, fmt.Sprintf("segment %d ← %s", n, l))
	}
	sort.Strings(lk)
	b.line(sDim, "Chart %q; %s. Values compare as codes (a lookup value's external-ref-num).", plan.Settings.Chart, strings.Join(lk, ", "))
	for _, f := range fields {
		if b.header("s:"+f, sBold, "%s  (%d users)", f, len(byField[f])) {
			for _, u := range byField[f] {
				c := u.Change(f)
				from := c.Coupa()
				if from == "" {
					from = "(none)"
				}
				text := fmt.Sprintf("    %s %s %s: %s → %s", mark(u.Selected && c.Selected), u.Action.Symbol(), u.Key, from, c.Feed())
				if c.Note != "" {
					text += "  # " + c.Note
				}
				b.line(actionStyle(u.Action), "%s", text)
			}
		}
	}
	var unknown []string
	for _, u := range plan.Users {
		for _, p := range u.Problems {
			if p.Kind == ccsync.ProblemSegment {
				unknown = append(unknown, u.Key+": "+p.String())
			}
		}
	}
	if len(unknown) > 0 && b.header("s:unknown", sProblem, "Unknown values (%d)", len(unknown)) {
		for _, p := range unknown {
			b.line(sProblem, "    ! %s", p)
		}
	}
	if len(fields) == 0 && len(unknown) == 0 {
		b.line(sDim, "No segment changes.")
	}
}

func (m *Model) buildProblems(b builder, plan *ccsync.Plan) {
	n := 0
	for _, w := range plan.Warnings {
		b.line(sChange, "Warning: %s", w)
	}
	for _, u := range plan.Users {
		for _, p := range u.Problems {
			b.line(sProblem, "! %-12s %s", u.Key, p)
			n++
		}
	}
	if n == 0 {
		b.line(sDim, "No problems: every feed row can be applied.")
	}
}

func (m *Model) buildPlan(b builder, plan *ccsync.Plan) {
	counts := map[ccsync.Action][2]int{}
	for _, u := range plan.Users {
		c := counts[u.Action]
		c[0]++
		if len(u.SelectedChanges()) > 0 {
			c[1]++
		}
		counts[u.Action] = c
	}
	b.line(sBold, "%s", ccsync.PlanLine(plan.Selected))
	for _, a := range []ccsync.Action{ccsync.Create, ccsync.Update, ccsync.Reactivate, ccsync.Deactivate, ccsync.Error} {
		c := counts[a]
		b.line(actionStyle(a), "  %s %-10s %4d selected of %d", a.Symbol(), a, c[1], c[0])
	}
	inferred := 0
	for _, u := range plan.Users {
		if u.Inferred {
			inferred++
		}
	}
	if inferred > 0 {
		b.line(sRemove, "  %d deactivations are only inferred (absent from a full feed); never selected by default.", inferred)
	}
	b.line(sDim, "")
	b.line(sBold, "How it will be applied")
	b.line(sDim, "  API: creates first (managers before reports), then updates, then deactivations;")
	b.line(sDim, "       segments in a second request once the chart is stored; role removal is clear-then-set.")
	b.line(sDim, "  SFTP: one CCW User delta file (supervisors first), optionally PGP-encrypted, to %s.", "/Incoming/CCW")
	b.line(sDim, "  Every touched user is re-read first; a plan whose users moved in Coupa is refused.")
	b.line(sDim, "")
	b.line(sBold, "d dry-run preview · A apply (type the instance name to confirm) · w save for `ccwrecon apply`")
}

package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// detailPane is the Field | Coupa | Feed view of one user. It takes the
// width its values need (the list gives way), wraps what does not fit,
// and scrolls with its cursor: no value is ever cut.
type detailPane struct {
	ctx      *programContext
	cursor   int // change index
	offset   int
	showSame bool
	w, h     int
}

// label names a field for people: segments with their number and lookup.
func (d *detailPane) label(u *plans.UserPlan, field string) string {
	n := plans.SegmentOf(field)
	if n == 0 {
		return field
	}
	if l := d.ctx.plan().Settings.SegmentLookups[n]; l != "" {
		return fmt.Sprintf("segment %d (%s)", n, safe(l))
	}
	return "segment " + strconv.Itoa(n)
}

// values shows a change's two sides; a segment code gets its name.
func (d *detailPane) values(u *plans.UserPlan, c *plans.Change) (from, to string) {
	from, to = safe(c.Coupa()), safe(c.Feed())
	if n := c.Segment; n > 0 {
		if s, ok := u.CCWHeld.Get(n); ok && s.Name != "" && s.Code == c.Coupa() {
			from = safe(s.Name) + " (" + from + ")"
		}
		if s, ok := u.CCWSegments.Get(n); ok && s.Name != "" && s.Code == c.Feed() {
			to = safe(s.Name) + " (" + to + ")"
		}
	}
	if c.Before.IsNone() {
		from = "—"
	}
	if c.After.IsNone() {
		to = "(clear)"
	}
	return from, to
}

// mark shows a change's selection: [x] applied, [ ] left out,
// [i] informational (never applied by default), [!] a user with problems.
func mark(u *plans.UserPlan, c *plans.Change) string {
	switch {
	case u.Action == plans.Error:
		return style.Locked
	case u.Selected && c.Selected:
		return style.On
	case c.Informational:
		return "[i]"
	}
	return style.Off
}

// natural is the width the table layout needs for this user.
func (d *detailPane) natural(u *plans.UserPlan) int {
	if u == nil {
		return 40
	}
	fw, fromW, toW := d.columns(u)
	return 8 + fw + 2 + fromW + 3 + toW
}

func (d *detailPane) columns(u *plans.UserPlan) (fw, fromW, toW int) {
	for i := range u.Changes {
		c := &u.Changes[i]
		from, to := d.values(u, c)
		fw = max(fw, ansi.StringWidth(d.label(u, c.Field)))
		fromW = max(fromW, ansi.StringWidth(from))
		toW = max(toW, ansi.StringWidth(to))
	}
	return max(fw, 5), max(fromW, 5), toW
}

// render lays the user out at the pane's width and says which lines hold
// the cursor's change.
func (d *detailPane) render(u *plans.UserPlan, focused bool) (lines []string, curTop, curBottom int) {
	t := d.ctx.theme
	w := max(20, d.w)
	if u == nil {
		return []string{t.Dim.Render("no user here")}, 0, 0
	}
	head := fmt.Sprintf("%s %s · %s", u.Action.Symbol(), safe(u.Key), u.Action)
	if u.Name != "" {
		head += " · " + safe(u.Name)
	}
	if u.Line > 0 {
		head += fmt.Sprintf(" · feed line %d", u.Line)
	}
	if u.Inferred {
		head += " · absent from the full feed"
	}
	for _, l := range wrap(head, w) {
		lines = append(lines, t.Action(string(u.Action)).Render(l))
	}
	for _, p := range u.Problems {
		for i, l := range wrap(safe(p.String()), w-2) {
			prefix := "! "
			if i > 0 {
				prefix = "  "
			}
			lines = append(lines, t.Problem.Render(prefix+l))
		}
		if p.Cause != "" {
			for _, l := range wrap("why: "+safe(p.Cause), w-2) {
				lines = append(lines, t.Dim.Render("  "+l))
			}
		}
	}
	if why := plans.WhyNot(u); why != "" && u.Action == plans.Error {
		for _, l := range wrap("Nothing of this user can be selected: fix the problems in the feed or in Coupa, then compare again (ctrl+r).", w) {
			lines = append(lines, t.Dim.Render(l))
		}
	}
	fw, fromW, toW := d.columns(u)
	table := 8+fw+2+fromW+3+toW <= w
	if table && len(u.Changes) > 0 {
		lines = append(lines, t.Dim.Render(fmt.Sprintf("        %s  %s   %s", pad("Field", fw), pad("Coupa", fromW), "Feed")))
	}
	curTop, curBottom = len(lines), len(lines)
	for i := range u.Changes {
		c := &u.Changes[i]
		g := "  "
		if focused && i == d.cursor {
			g = style.Cursor + " "
		}
		from, to := d.values(u, c)
		start := len(lines)
		head := g + mark(u, c) + " " + c.Symbol() + " "
		if table {
			row := head + pad(d.label(u, c.Field), fw) + "  " + pad(from, fromW) + " " + style.Arrow + " " + to
			lines = append(lines, d.style(u, c, focused && i == d.cursor).Render(row))
		} else {
			lines = append(lines, d.style(u, c, focused && i == d.cursor).Render(head+d.label(u, c.Field)))
			for _, l := range wrap(from+" "+style.Arrow+" "+to, w-8) {
				lines = append(lines, "        "+l)
			}
		}
		if c.Note != "" && c.Segment == 0 { // a segment shows its name with its code already
			for _, l := range wrap("# "+safe(c.Note), w-8) {
				lines = append(lines, t.Dim.Render("        "+l))
			}
		}
		if c.Cause != "" && focused && i == d.cursor { // the cause of the change under the cursor
			for _, l := range wrap("why: "+safe(c.Cause), w-8) {
				lines = append(lines, t.Dim.Render("        "+l))
			}
		}
		if i == d.cursor {
			curTop, curBottom = start, len(lines)-1
		}
	}
	switch {
	case u.Unchanged > 0 && d.showSame && len(u.Same) > 0:
		lines = append(lines, t.Dim.Render(fmt.Sprintf("  = %s:", plural(u.Unchanged, "unchanged field", "unchanged fields"))))
		for _, f := range u.Same {
			v := safe(f.Value.String())
			if v == "" {
				v = "(none)"
			}
			for _, l := range wrap(d.label(u, f.Field)+": "+v, w-6) {
				lines = append(lines, t.Dim.Render("      "+l))
			}
		}
	case u.Unchanged > 0 && len(u.Same) > 0:
		lines = append(lines, t.Dim.Render(fmt.Sprintf("  # %s hidden (= shows them)", plural(u.Unchanged, "unchanged field", "unchanged fields"))))
	case u.Unchanged > 0:
		lines = append(lines, t.Dim.Render(fmt.Sprintf("  # %s", plural(u.Unchanged, "unchanged field", "unchanged fields"))))
	}
	return lines, curTop, curBottom
}

func (d *detailPane) style(u *plans.UserPlan, c *plans.Change, cursor bool) styleFn {
	t := d.ctx.theme
	switch {
	case cursor:
		return t.Bold.Render
	case c.Informational && !(u.Selected && c.Selected):
		return t.Info.Render
	}
	return func(s ...string) string { return strings.Join(s, "") }
}

// styleFn renders text in a style.
type styleFn func(...string) string

func (f styleFn) Render(s string) string { return f(s) }

// view is exactly h lines, scrolled so the cursor's change shows; a
// marker line says when more lies above or below.
func (d *detailPane) view(u *plans.UserPlan, focused bool) []string {
	lines, top, bottom := d.render(u, focused)
	h := max(1, d.h)
	if len(lines) <= h {
		d.offset = 0
		return fitLines(lines, h)
	}
	// room for the content between the markers, for a given offset
	room := func(off int) int {
		r := h
		if off > 0 {
			r--
		}
		if off+r < len(lines) {
			r--
		}
		return max(1, r)
	}
	if focused {
		for i := 0; i < 3; i++ { // settles in two steps at most
			if bottom >= d.offset+room(d.offset) {
				d.offset = bottom - room(d.offset) + 1
			}
			if top < d.offset {
				d.offset = top
			}
		}
	}
	d.offset = max(0, min(d.offset, len(lines)-room(d.offset)))
	var out []string
	if d.offset > 0 {
		out = append(out, d.ctx.theme.Dim.Render(fmt.Sprintf("  ↑ %d more lines", d.offset)))
	}
	r := room(d.offset)
	out = append(out, lines[d.offset:min(len(lines), d.offset+r)]...)
	if rest := len(lines) - d.offset - r; rest > 0 {
		out = append(out, d.ctx.theme.Dim.Render(fmt.Sprintf("  ↓ %d more lines", rest)))
	}
	return fitLines(out, h)
}

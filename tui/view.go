package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
)

// View renders the screen; every line is cut to the terminal width and the
// users list renders only its visible window.
func (m *Model) View() string {
	var lines []string
	switch m.state {
	case stLoading:
		lines = m.viewLoading()
	case stLoadFailed:
		lines = []string{sHeader.Render("ccwrecon"), "", sErrorMsg.Render("Could not load: " + m.errText()), "", "r retry · q quit"}
	case stChooseVia:
		lines = m.frame(m.viewChooseVia())
	case stPreview:
		lines = m.viewPreview()
	case stConfirm:
		lines = m.frame(m.viewConfirm())
	case stApplying:
		lines = m.frame(m.viewApplying())
	case stReport:
		lines = m.frame(m.viewReport())
	default:
		lines = m.frame(m.viewBody())
	}
	return fit(lines, m.width, m.height)
}

func (m *Model) errText() string {
	if m.err == nil {
		return ""
	}
	return m.err.Error()
}

// fit cuts lines to the screen.
func fit(lines []string, w, h int) string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Split(l, "\n")...)
	}
	if len(out) > h {
		out = out[:h]
	}
	for i, l := range out {
		out[i] = ansi.Truncate(l, w, "…")
	}
	return strings.Join(out, "\n")
}

func (m *Model) viewLoading() []string {
	p := m.loadProg
	stage := "connecting to Coupa"
	if p.Stage != "" {
		stage = "fetching " + p.Stage
	}
	lines := []string{sHeader.Render("ccwrecon"), "", m.spin.View() + " " + stage}
	if p.Total > 0 {
		lines = append(lines, m.bar.ViewAs(float64(p.Done)/float64(p.Total))+fmt.Sprintf(" %d/%d pages", p.Done, p.Total))
	} else if p.Done > 0 {
		lines = append(lines, fmt.Sprintf("%d pages", p.Done))
	}
	return append(lines, "", sDim.Render("q quit"))
}

// frame is header, tabs, body, status and footer.
func (m *Model) frame(body []string) []string {
	s := m.sess
	sum := s.Plan.Summary
	age := "live"
	if s.SnapshotAge > 0 {
		age = "snapshot " + s.SnapshotAge.Round(time.Second).String() + " old"
	}
	counts := strings.Join([]string{
		sAdd.Render(fmt.Sprintf("+%d", sum.Create)), sChange.Render(fmt.Sprintf("~%d", sum.Update)),
		sRemove.Render(fmt.Sprintf("-%d", sum.Deactivate)), sAdd.Render(fmt.Sprintf("↺%d", sum.Reactivate)),
		sProblem.Render(fmt.Sprintf("!%d", sum.Errors)), sDim.Render(fmt.Sprintf("=%d", sum.Unchanged))}, " ")
	header := fmt.Sprintf("%s %s · %s · %s  %s", sHeader.Render("ccwrecon"), s.Instance, s.FeedName, age, counts)
	var tabs []string
	for i, n := range tabNames {
		label := fmt.Sprintf("%d %s", i+1, n)
		if i == tabProblems && sum.Problems > 0 {
			label += fmt.Sprintf(" (%d)", sum.Problems)
		}
		if i == m.tab {
			tabs = append(tabs, sTabOn.Render(glyphCursor+label))
		} else {
			tabs = append(tabs, sTab.Render(" "+label))
		}
	}
	out := []string{header, strings.Join(tabs, "")}
	h := m.bodyHeight()
	for len(body) < h {
		body = append(body, "")
	}
	out = append(out, body[:h]...)
	status := m.status
	if m.quitting {
		status = sProblem.Render("The selection is not saved (w saves it). Quit anyway? (y/N)")
	} else if m.filtering {
		status = m.filterIn.View()
	} else if status == "" && m.list.query != "" && m.tab == tabUsers {
		status = sDim.Render("filter: " + m.list.query)
	}
	out = append(out, status)
	if m.showHelp {
		return append(out[:2], strings.Split(m.help.FullHelpView(m.keys.FullHelp())+"\n\n"+sDim.Render("any key closes help"), "\n")...)
	}
	return append(out, m.help.ShortHelpView(m.keys.ShortHelp()))
}

func (m *Model) viewBody() []string {
	if m.tab == tabUsers {
		return m.viewUsers()
	}
	p := &m.pages[m.tab]
	h := m.bodyHeight()
	var out []string
	for i := p.offset; i < len(p.lines) && len(out) < h; i++ {
		l := p.lines[i]
		gutter := "  "
		if i == p.cursor {
			gutter = glyphCursor + " "
		}
		text := l.style.Render(l.text)
		if i == p.cursor {
			text = sBold.Render(l.text)
		}
		out = append(out, gutter+text)
	}
	return out
}

func (m *Model) viewUsers() []string {
	l := &m.list
	lh := m.listHeight()
	l.clamp(lh)
	width := m.width
	if m.wide() {
		width = m.width * 55 / 100
	}
	var list []string
	title := fmt.Sprintf("%d users shown", len(l.rows))
	if l.action != "" {
		title += " · action " + string(l.action)
	}
	title += " · sort " + l.sortBy.String()
	list = append(list, sDim.Render(title))
	for i := l.offset; i < len(l.rows) && len(list) < lh; i++ {
		u := l.plan.Users[l.rows[i]]
		list = append(list, m.userRow(u, i == l.cursor, width))
	}
	if len(l.rows) == 0 {
		list = append(list, sDim.Render("  no user matches (f cycles the action filter, / filters by text)"))
	}
	detail := m.viewDetail(m.list.current(), width)
	if m.wide() {
		h := m.bodyHeight()
		for len(list) < h {
			list = append(list, "")
		}
		rw := m.width - width - 3
		for i := range detail {
			detail[i] = ansi.Truncate(detail[i], rw, "…")
		}
		left := lipgloss.NewStyle().Width(width).Render(strings.Join(list[:h], "\n"))
		sep := strings.TrimRight(strings.Repeat(" │ \n", h), "\n")
		return strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, left, sDim.Render(sep), strings.Join(detail, "\n")), "\n")
	}
	for len(list) < lh {
		list = append(list, "")
	}
	return append(append(list, sDim.Render(strings.Repeat("─", m.width))), detail...)
}

func (m *Model) userRow(u *ccsync.UserPlan, cursor bool, width int) string {
	g := " "
	if cursor && !m.detail {
		g = glyphCursor
	}
	sel := mark(u.Selected)
	if u.Action == ccsync.Error {
		sel = glyphLocked
	}
	n := len(u.Changes)
	info := fmt.Sprintf("%d changes", n)
	if u.Action == ccsync.Error {
		info = fmt.Sprintf("%d problems", len(u.Problems))
	}
	if u.Inferred {
		info += " (inferred)"
	}
	name := u.Name
	keyW := 18
	nameW := max(0, width-keyW-len(info)-12)
	row := fmt.Sprintf("%s %s %s %-*s %-*s %s", g, sel, u.Action.Symbol(), keyW, ansi.Truncate(u.Key, keyW, "…"), nameW, ansi.Truncate(name, nameW, "…"), info)
	st := actionStyle(u.Action)
	if cursor && !m.detail {
		return sCursor.Render(ansi.Truncate(row, width, "…"))
	}
	return st.Render(ansi.Truncate(row, width, "…"))
}

// viewDetail is the Field | Coupa | Feed table of the current user.
func (m *Model) viewDetail(u *ccsync.UserPlan, width int) []string {
	if u == nil {
		return []string{sDim.Render("no user selected")}
	}
	if m.wide() {
		width = m.width - width - 3
	}
	head := fmt.Sprintf("%s %s %s", u.Action.Symbol(), u.Key, u.Action)
	if u.Name != "" {
		head += " · " + u.Name
	}
	if u.Line > 0 {
		head += fmt.Sprintf(" · feed line %d", u.Line)
	}
	out := []string{actionStyle(u.Action).Render(head)}
	for _, p := range u.Problems {
		out = append(out, sProblem.Render("! "+p.String()))
	}
	fw := 26
	cw := max(8, (width-fw-8)/2)
	out = append(out, sDim.Render(fmt.Sprintf("    %-*s %-*s %s", fw, "Field", cw, "Coupa", "Feed")))
	for i, c := range u.Changes {
		g := " "
		if m.detail && i == m.fieldCur {
			g = glyphCursor
		}
		sym := c.Symbol()
		from, to := c.Coupa(), c.Feed()
		if from == "" {
			from = "—"
		}
		if to == "" {
			to = "(clear)"
		}
		row := fmt.Sprintf("%s%s %s %-*s %-*s %s", g, mark(c.Selected), sym, fw-4, ansi.Truncate(c.Field, fw-4, "…"), cw, ansi.Truncate(from, cw, "…"), to)
		if c.Note != "" {
			row += sDim.Render("  # " + c.Note)
		}
		if m.detail && i == m.fieldCur {
			row = sBold.Render(row)
		}
		out = append(out, row)
	}
	if u.Unchanged > 0 && m.showSame {
		for _, f := range u.Same {
			v := f.Value
			if v.IsNone() {
				v = ccsync.Text("(none)")
			}
			out = append(out, sDim.Render(fmt.Sprintf("      = %-*s %s", fw-4, ansi.Truncate(f.Field, fw-4, "…"), v.String())))
		}
	} else if u.Unchanged > 0 && len(u.Same) > 0 {
		out = append(out, sDim.Render(fmt.Sprintf("    # %d unchanged fields hidden (u shows them)", u.Unchanged)))
	} else if u.Unchanged > 0 {
		out = append(out, sDim.Render(fmt.Sprintf("    # %d unchanged fields", u.Unchanged)))
	}
	if !m.detail && len(u.Changes) > 0 {
		out = append(out, sDim.Render("enter: choose fields · space: toggle"))
	} else if m.detail {
		out = append(out, sDim.Render("space toggles the field · enter/esc back to the list"))
	}
	return out
}

func (m *Model) viewChooseVia() []string {
	users, changes := m.sess.Plan.Selected.Users, m.sess.Plan.Selected.Changes
	verb := "Preview"
	if m.previewOK {
		verb = "Apply"
	}
	return []string{sBold.Render(fmt.Sprintf("%s %d changes to %d users: how?", verb, changes, users)), "",
		"  1  Coupa API (one request per change, live)",
		"  2  SFTP: a CCW User inbound file to /Incoming/CCW", "", sDim.Render("esc back")}
}

func (m *Model) viewPreview() []string {
	title := fmt.Sprintf("Dry run via %s: exactly what would be sent (nothing is sent)", m.via)
	keys := "↑/↓ scroll · esc back"
	if m.previewOK {
		keys = "y continue to confirmation · " + keys
	}
	return []string{sHeader.Render(title), m.preview.View(), sDim.Render(keys)}
}

func (m *Model) viewConfirm() []string {
	users, changes := m.sess.Plan.Selected.Users, m.sess.Plan.Selected.Changes
	return []string{
		sBold.Render(fmt.Sprintf("Apply %d changes to %d users on %s via %s.", changes, users, m.sess.Instance, m.via)),
		ccsync.PlanLine(m.sess.Plan.Selected), "",
		fmt.Sprintf("Type the instance name (%s) and press enter to confirm:", m.instanceHost()),
		m.confirmIn.View(), "", sDim.Render("esc cancels; nothing has been sent")}
}

func (m *Model) viewApplying() []string {
	frac := 0.0
	if m.applyTot > 0 {
		frac = float64(m.applyDone) / float64(m.applyTot)
	}
	out := []string{sBold.Render(fmt.Sprintf("%s Applying via %s", m.spin.View(), m.via)),
		m.bar.ViewAs(frac) + fmt.Sprintf(" %d/%d steps", m.applyDone, m.applyTot), ""}
	room := m.bodyHeight() - len(out)
	log := m.applyLog
	if len(log) > room {
		log = log[len(log)-room:]
	}
	for _, l := range log {
		st := sAdd
		if strings.HasPrefix(l, "✗") {
			st = sProblem
		} else if strings.HasPrefix(l, "–") {
			st = sDim
		}
		out = append(out, st.Render(l))
	}
	return out
}

func (m *Model) viewReport() []string {
	r := m.report
	if r == nil {
		return []string{sProblem.Render("Apply refused: " + m.errText()), "", "Nothing was applied. esc back · q quit"}
	}
	out := []string{sBold.Render(r.Summary())}
	if m.err != nil {
		out = append(out, sProblem.Render(m.errText()))
	}
	if r.RunDir != "" {
		out = append(out, sDim.Render("journal and reports (txt, json, csv): "+r.RunDir))
	}
	out = append(out, "")
	for _, l := range r.Lines {
		line := fmt.Sprintf("%s %-8s %-18s %-12s %s", statusGlyph(l.Status), l.Status, l.User, l.Op, l.Message)
		switch l.Status {
		case "failed":
			out = append(out, sProblem.Render(line))
		case "skipped":
			out = append(out, sDim.Render(line))
		default:
			out = append(out, line)
		}
	}
	keys := "esc reload and compare again · q quit"
	if len(m.failed) > 0 {
		keys = "r retry the failures on a fresh plan · " + keys
	}
	return append(out, "", sDim.Render(keys))
}

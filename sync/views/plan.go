package views

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// PlanLine is the closing line of a plan: what apply will do by default,
// in users (terraform's meaning), and the changes they carry.
func PlanLine(c plans.Counts) string {
	if c.Changes == 0 {
		return "Plan: nothing to apply."
	}
	return fmt.Sprintf("Plan: %d to create, %d to update, %d to deactivate, %d to reactivate (%s to %s).",
		c.Create, c.Update, c.Deactivate, c.Reactivate, plans.Plural(c.Changes, "change", "changes"), plans.Plural(c.Users, "user", "users"))
}

// NotSelectedLine says what the plan shows but apply will not do, or "".
func NotSelectedLine(n plans.Unselected) string {
	var parts []string
	if n.Informational > 0 {
		parts = append(parts, plans.Plural(n.Informational, "informational difference", "informational differences"))
	}
	if n.Candidates > 0 {
		parts = append(parts, plans.Plural(n.Candidates, "deactivation candidate", "deactivation candidates"))
	}
	if n.Errors > 0 {
		parts = append(parts, plans.Plural(n.Errors, "user with problems", "users with problems"))
	}
	if n.Logins > 0 {
		parts = append(parts, plans.Plural(n.Logins, "login change (--allow-login-change)", "login changes (--allow-login-change)"))
	}
	if n.Held > 0 {
		parts = append(parts, plans.Plural(n.Held, "user with changes left out", "users with changes left out"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Shown, not selected: " + strings.Join(parts, ", ") + "."
}

// TextOptions tune the text output.
type TextOptions struct {
	Explain bool // print each difference's likely cause and fix
}

// WriteText renders the plan the way a consultant pastes it into a change
// ticket. Every value from a feed or from Coupa is escaped: data never
// drives the terminal.
func WriteText(w io.Writer, p *plans.Plan, t *style.Theme) error {
	return WriteTextWith(w, p, t, TextOptions{})
}

// WriteTextWith is WriteText with options (--explain).
func WriteTextWith(w io.Writer, p *plans.Plan, t *style.Theme, o TextOptions) error {
	b := bufio.NewWriterSize(w, 256<<10) // streamed: 10,000 changed users are megabytes of text
	safe := termtext.Safe
	fmt.Fprintf(b, "Feed %s (%s, %s) against %s\n", safe(p.Feed.Name), p.Feed.Kind, map[bool]string{true: "full", false: "delta"}[p.Feed.Full], safe(p.Instance))
	for _, warn := range p.Warnings {
		fmt.Fprintf(b, "%s %s\n", t.Paint(t.Problem, "Warning:"), safe(warn))
	}
	quiet := !p.Pending() && p.NotSelected.Informational == 0 && p.NotSelected.Candidates == 0 && p.NotSelected.Held == 0
	if quiet {
		what := "Coupa matches the feed"
		if plans.IsBaseline(p.Instance) {
			what = "the feed matches the baseline"
		}
		fmt.Fprintf(b, "\nNo changes. %s (%s unchanged).\n", what, plans.Plural(p.Summary.Unchanged, "user", "users"))
		fmt.Fprintf(b, "Plan digest: %s\n", p.Digest)
		return b.Flush()
	}
	b.WriteString("\nSymbols: + create, ~ update, - deactivate, ↺ reactivate, ! problem.\n\n")
	// Each user is written by appending into one reused line (31,000
	// changed users were 200,000 fmt calls); painted only with colour.
	var line []byte
	paint := func(st func() lipgloss.Style, prefix string) {
		b.WriteString(prefix)
		if t.Colour {
			b.WriteString(t.Paint(st(), string(line)))
		} else {
			b.Write(line)
		}
		b.WriteByte('\n')
	}
	for _, u := range p.Users {
		if u.Action == plans.Unchanged {
			continue
		}
		line = append(line[:0], u.Action.Symbol()...)
		line = append(append(append(line, ' '), safe(u.Key)...), ' ')
		line = append(line, u.Action...)
		if u.Name != "" {
			line = append(append(append(line, " ("...), safe(u.Name)...), ')')
		}
		if u.Line > 0 {
			line = strconv.AppendInt(append(line, "  # feed line "...), int64(u.Line), 10)
		}
		if u.Inferred {
			line = append(line, "  # absent from the full feed"...)
		}
		switch {
		case u.Action == plans.Error:
		case u.SelectedCount() == 0:
			line = append(line, "  [not selected]"...)
		case u.Partly():
			line = append(line, "  [partly selected]"...)
		}
		paint(func() lipgloss.Style { return t.Action(string(u.Action)) }, "  ")
		for _, pr := range u.Problems {
			fmt.Fprintf(b, "      %s\n", t.Paint(t.Problem, "! "+safe(pr.String())))
			if o.Explain && pr.Cause != "" {
				fmt.Fprintf(b, "        %s\n", t.Paint(t.Dim, "why: "+safe(pr.Cause)))
			}
		}
		width := 0
		for _, c := range u.Changes {
			width = max(width, utf8.RuneCountInString(c.Field))
		}
		for i := range u.Changes {
			c := &u.Changes[i]
			line = append(append(line[:0], c.Symbol()...), ' ')
			line = append(line, c.Field...)
			for pad := utf8.RuneCountInString(c.Field); pad < width; pad++ {
				line = append(line, ' ')
			}
			if c.Op == plans.OpAdd {
				line = appendQuoted(append(line, " = "...), c.Feed())
			} else {
				line = appendQuoted(append(line, ' '), c.Coupa())
				line = appendQuoted(append(line, " -> "...), c.Feed())
			}
			switch {
			case u.Action == plans.Error:
			case c.Informational && !(c.Selected && u.Selected):
				line = append(line, "  [informational]"...)
			case !(c.Selected && u.Selected):
				line = append(line, "  [not selected]"...)
			}
			if c.Note != "" {
				line = append(line, t.Paint(t.Dim, "  # "+safe(c.Note))...)
			}
			b.WriteString("      ")
			b.Write(line)
			b.WriteByte('\n')
			if o.Explain && c.Cause != "" {
				fmt.Fprintf(b, "        %s\n", t.Paint(t.Dim, "why: "+safe(c.Cause)))
			}
		}
		if u.Unchanged > 0 {
			fmt.Fprintf(b, "      %s\n", t.Paint(t.Dim, "# ("+plans.Plural(u.Unchanged, "unchanged field", "unchanged fields")+" hidden)"))
		}
		b.WriteString("\n")
	}
	if len(p.MissingValues) > 0 {
		fmt.Fprintf(b, "%s Coupa's lookups lack (load them first; ccwrecon diff --missing-values FILE writes them as a Lookup Values CSV):\n",
			t.Paint(t.Problem, "Values"))
		for _, m := range p.MissingValues {
			fmt.Fprintf(b, "  segment %d, lookup %s: %s  # holds back %s\n", m.Segment, safe(m.Lookup), MissingText(m),
				userList(m.Users, 5))
		}
		b.WriteString("\n")
	}
	if p.Summary.Unchanged > 0 {
		fmt.Fprintf(b, "%s unchanged.\n", plans.Plural(p.Summary.Unchanged, "user", "users"))
	}
	b.WriteString(t.Paint(t.Bold, PlanLine(p.Selected)) + "\n")
	if line := NotSelectedLine(p.NotSelected); line != "" {
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(b, "Plan digest: %s\n", p.Digest)
	return b.Flush()
}

// appendQuoted appends quote(s).
func appendQuoted(b []byte, s string) []byte {
	if s == "" {
		return append(b, "(none)"...)
	}
	return strconv.AppendQuote(b, s)
}

// WriteCSV writes one row per field change, for spreadsheets: cells that
// would start a formula are neutralised.
func WriteCSV(w io.Writer, p *plans.Plan) error {
	cw := csv.NewWriter(w)
	cell := func(s string) string { return termtext.Cell(termtext.Safe(s)) }
	cw.Write([]string{"key", "action", "line", "field", "coupa", "feed", "selected", "informational", "note", "problems"})
	for _, u := range p.Users {
		line := ""
		if u.Line > 0 {
			line = strconv.Itoa(u.Line)
		}
		var probs []string
		for _, pr := range u.Problems {
			probs = append(probs, pr.String())
		}
		pj := strings.Join(probs, "; ")
		if len(u.Changes) == 0 && (u.Action == plans.Error || u.Action == plans.Unchanged) {
			cw.Write([]string{cell(u.Key), string(u.Action), line, "", "", "", "false", "false", "", cell(pj)})
		}
		for _, c := range u.Changes {
			cw.Write([]string{cell(u.Key), string(u.Action), line, c.Field, cell(c.Coupa()), cell(c.Feed()),
				strconv.FormatBool(c.Selected && u.Selected && u.Action != plans.Error), strconv.FormatBool(c.Informational), cell(c.Note), cell(pj)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// Safe renders text from data so it cannot drive a terminal (for the views).
func Safe(s string) string { return termtext.Safe(s) }

// MissingText names a missing value as the feed has it.
func MissingText(m plans.MissingValue) string {
	switch {
	case m.Name != "" && m.Code != "":
		return fmt.Sprintf("%s (%s)", plans.Quote(termtext.Safe(m.Name)), termtext.Safe(m.Code))
	case m.Name != "":
		return plans.Quote(termtext.Safe(m.Name))
	}
	return "code " + plans.Quote(termtext.Safe(m.Code))
}

// userList names up to max users, then how many more.
func userList(users []string, max int) string {
	n := plans.Plural(len(users), "user", "users")
	shown := users
	if len(shown) > max {
		shown = shown[:max]
	}
	safe := make([]string, len(shown))
	for i, u := range shown {
		safe[i] = termtext.Safe(u)
	}
	list := strings.Join(safe, ", ")
	if len(users) > max {
		list += fmt.Sprintf(" and %d more", len(users)-max)
	}
	return n + ": " + list
}

// WriteMissingValues writes missing values as Coupa's Lookup Values import
// CSV (/Incoming/LookupValues). A value the feed only names has no
// External Ref Num yet: the operator fills it in before loading.
func WriteMissingValues(w io.Writer, values []plans.MissingValue) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"Name", "Active", "Lookup", "Description", "External Ref Num"})
	cell := func(s string) string { return termtext.Cell(termtext.Safe(s)) }
	for _, m := range values {
		name := m.Name
		if name == "" {
			name = m.Code
		}
		cw.Write([]string{cell(name), "Yes", cell(m.Lookup), cell("used by " + plans.Plural(len(m.Users), "user", "users") + " of the feed"), cell(m.Code)})
	}
	cw.Flush()
	return cw.Error()
}

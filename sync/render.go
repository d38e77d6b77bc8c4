package sync

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Palette colours text output; the zero value prints plain text. Symbols
// are always printed, so nothing depends on colour.
type Palette struct {
	Add, Change, Remove, Problem, Dim func(string) string
}

func (p Palette) c(f func(string) string, s string) string {
	if f == nil {
		return s
	}
	return f(s)
}

func (p Palette) forAction(a Action) func(string) string {
	switch a {
	case Create, Reactivate:
		return p.Add
	case Update:
		return p.Change
	case Deactivate:
		return p.Remove
	case Error:
		return p.Problem
	}
	return p.Dim
}

// SummaryLine is the closing line of a plan.
func SummaryLine(s Summary) string {
	return fmt.Sprintf("Plan: %d to create, %d to update, %d to deactivate, %d to reactivate; %d problems.",
		s.Create, s.Update, s.Deactivate, s.Reactivate, s.Problems)
}

// WriteText renders the plan the way a consultant pastes it into a change ticket.
func WriteText(w io.Writer, p *Plan, pal Palette) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "Feed %s (%s, %s) against %s\n", p.Feed.Name, p.Feed.Kind, map[bool]string{true: "full", false: "delta"}[p.Feed.Full], p.Instance)
	for _, warn := range p.Warnings {
		fmt.Fprintf(b, "%s %s\n", pal.c(pal.Problem, "Warning:"), warn)
	}
	if !p.Summary.Changes() && p.Summary.Errors == 0 {
		fmt.Fprintf(b, "\nNo changes. Coupa matches the feed (%d users unchanged).\n", p.Summary.Unchanged)
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\nSymbols: + create, ~ update, - deactivate, ↺ reactivate, ! problem.\n\n")
	for _, u := range p.Users {
		if u.Action == Unchanged {
			continue
		}
		col := pal.forAction(u.Action)
		head := fmt.Sprintf("%s %s %s", u.Action.Symbol(), u.Key, u.Action)
		if u.Name != "" {
			head += fmt.Sprintf(" (%s)", u.Name)
		}
		if u.Line > 0 {
			head += fmt.Sprintf("  # feed line %d", u.Line)
		}
		if u.Inferred {
			head += "  # absent from the full feed"
		}
		if !u.Selected && u.Action != Error {
			head += "  [not selected]"
		}
		fmt.Fprintf(b, "  %s\n", pal.c(col, head))
		for _, pr := range u.Problems {
			fmt.Fprintf(b, "      %s\n", pal.c(pal.Problem, "! "+pr))
		}
		width := 0
		for _, c := range u.Changes {
			width = max(width, len(c.Field))
		}
		for _, c := range u.Changes {
			sym := "~"
			switch {
			case c.Coupa == "":
				sym = "+"
			case c.Feed == "":
				sym = "-"
			}
			line := fmt.Sprintf("%s %-*s %s -> %s", sym, width, c.Field, quote(c.Coupa), quote(c.Feed))
			if c.Coupa == "" {
				line = fmt.Sprintf("%s %-*s = %s", sym, width, c.Field, quote(c.Feed))
			}
			if !c.Selected {
				line += "  [not selected]"
			}
			if c.Note != "" {
				line += pal.c(pal.Dim, "  # "+c.Note)
			}
			fmt.Fprintf(b, "      %s\n", line)
		}
		if u.Unchanged > 0 {
			fmt.Fprintf(b, "      %s\n", pal.c(pal.Dim, fmt.Sprintf("# (%d unchanged fields hidden)", u.Unchanged)))
		}
		b.WriteString("\n")
	}
	if p.Summary.Unchanged > 0 {
		fmt.Fprintf(b, "%d users unchanged.\n", p.Summary.Unchanged)
	}
	b.WriteString(SummaryLine(p.Summary) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return strconv.Quote(s)
}

// WriteJSON writes the plan document (the contract's diff JSON).
func WriteJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// WriteCSV writes one row per field change, for spreadsheets.
func WriteCSV(w io.Writer, p *Plan) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"key", "action", "line", "field", "coupa", "feed", "selected", "note", "problems"})
	for _, u := range p.Users {
		line := ""
		if u.Line > 0 {
			line = strconv.Itoa(u.Line)
		}
		probs := strings.Join(u.Problems, "; ")
		if len(u.Changes) == 0 && (u.Action == Error || u.Action == Unchanged) {
			cw.Write([]string{u.Key, string(u.Action), line, "", "", "", "false", "", probs})
		}
		for _, c := range u.Changes {
			cw.Write([]string{u.Key, string(u.Action), line, c.Field, c.Coupa, c.Feed, strconv.FormatBool(c.Selected && u.Selected), c.Note, probs})
		}
	}
	cw.Flush()
	return cw.Error()
}

package style

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Glyphs.
const (
	Cursor        = "›"
	On            = "[x]"
	Off           = "[ ]"
	Partly        = "[~]"
	Locked        = "[!]"
	Expanded      = "▾"
	Folded        = "▸"
	Arrow         = "→"
	StatusOK      = "✓"
	StatusFailed  = "✗"
	StatusSkipped = "–"
	StatusWarn    = "≠"
)

// Colour-blind-safe palette (fixed 256-colour indexes, downsampled on
// 16-colour terminals; no background query): blue for additions, orange
// for removals, gold for changes, pink for problems.
var (
	colAdd     = lipgloss.Color("33")
	colChange  = lipgloss.Color("178")
	colRemove  = lipgloss.Color("208")
	colProblem = lipgloss.Color("205")
	colDim     = lipgloss.Color("245")
	colAccent  = lipgloss.Color("111")
)

// Theme holds the styles of one output.
type Theme struct {
	Add, Change, Remove, Problem, Dim, Bold, Accent lipgloss.Style
	Tab, TabOn, Cursor, Header, Info                lipgloss.Style
	// Colour is false when the output takes no escape sequence at all.
	Colour bool
}

// Paint renders s in st, or returns it as it is on an output without
// colour: 100,000 lines of plan text must not pay lipgloss for nothing.
func (t *Theme) Paint(st lipgloss.Style, s string) string {
	if !t.Colour {
		return s
	}
	return st.Render(s)
}

// For builds the theme of an output: colours only when w is a terminal and
// NO_COLOR (or CLICOLOR=0) is not set.
func For(w io.Writer) *Theme {
	return build(lipgloss.NewRenderer(w))
}

// Plain is a theme without any escape sequence (tests, files, pipes).
func Plain() *Theme {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return build(r)
}

func build(r *lipgloss.Renderer) *Theme {
	s := r.NewStyle
	return &Theme{
		Add:     s().Foreground(colAdd),
		Change:  s().Foreground(colChange),
		Remove:  s().Foreground(colRemove),
		Problem: s().Foreground(colProblem).Bold(true),
		Dim:     s().Foreground(colDim),
		Bold:    s().Bold(true),
		Accent:  s().Foreground(colAccent),
		Tab:     s().Padding(0, 1),
		TabOn:   s().Padding(0, 1).Bold(true).Underline(true).Foreground(colAccent),
		Cursor:  s().Bold(true).Reverse(true),
		Header:  s().Bold(true).Foreground(colAccent),
		Info:    s().Foreground(colDim).Italic(true),
		Colour:  r.ColorProfile() != termenv.Ascii,
	}
}

// Action is the style of an action by name (create, update, …).
func (t *Theme) Action(action string) lipgloss.Style {
	switch action {
	case "create", "reactivate":
		return t.Add
	case "update":
		return t.Change
	case "deactivate":
		return t.Remove
	case "error":
		return t.Problem
	}
	return t.Dim
}

// Status is the glyph of a step's or change's outcome.
func Status(s string) string {
	switch s {
	case "applied", "verified", "landed", "uploaded":
		return StatusOK
	case "failed", "uncertain":
		return StatusFailed
	case "not stored", "different":
		return StatusWarn
	}
	return StatusSkipped
}

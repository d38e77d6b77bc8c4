// Package tui is the interactive reconciliation console (Bubble Tea v1).
// It holds no business rules: loading, diffing, selecting and applying are
// asked of the sync package through a Backend the command line wires.
package tui

import (
	"github.com/charmbracelet/lipgloss"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
)

// Colour-blind-safe palette: blue for additions, orange for removals,
// yellow for changes. Every state also has a glyph, so nothing depends on
// colour and NO_COLOR loses no information.
var (
	colAdd     = lipgloss.AdaptiveColor{Light: "25", Dark: "75"}
	colChange  = lipgloss.AdaptiveColor{Light: "136", Dark: "221"}
	colRemove  = lipgloss.AdaptiveColor{Light: "166", Dark: "214"}
	colProblem = lipgloss.AdaptiveColor{Light: "161", Dark: "205"}
	colDim     = lipgloss.AdaptiveColor{Light: "244", Dark: "245"}
	colAccent  = lipgloss.AdaptiveColor{Light: "62", Dark: "111"}

	sBold     = lipgloss.NewStyle().Bold(true)
	sDim      = lipgloss.NewStyle().Foreground(colDim)
	sAdd      = lipgloss.NewStyle().Foreground(colAdd)
	sChange   = lipgloss.NewStyle().Foreground(colChange)
	sRemove   = lipgloss.NewStyle().Foreground(colRemove)
	sProblem  = lipgloss.NewStyle().Foreground(colProblem).Bold(true)
	sTab      = lipgloss.NewStyle().Padding(0, 1)
	sTabOn    = lipgloss.NewStyle().Padding(0, 1).Bold(true).Underline(true).Foreground(colAccent)
	sCursor   = lipgloss.NewStyle().Bold(true).Reverse(true)
	sHeader   = lipgloss.NewStyle().Bold(true).Foreground(colAccent)
	sErrorMsg = lipgloss.NewStyle().Foreground(colProblem)
)

func actionStyle(a ccsync.Action) lipgloss.Style {
	switch a {
	case ccsync.Create, ccsync.Reactivate:
		return sAdd
	case ccsync.Update:
		return sChange
	case ccsync.Deactivate:
		return sRemove
	case ccsync.Error:
		return sProblem
	}
	return sDim
}

const (
	glyphCursor   = "›"
	glyphOn       = "[x]"
	glyphOff      = "[ ]"
	glyphLocked   = "[!]"
	glyphExpanded = "▾"
	glyphFolded   = "▸"
)

package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// helpGroup is a titled set of keys for the full help screen.
type helpGroup struct {
	title string
	keys  []key.Binding
}

// shortHelp renders the footer: help and quit always, then as many of the
// other keys as fit, in priority order, never cut in the middle of one.
func (c *programContext) shortHelp(keys []key.Binding) string {
	item := func(k key.Binding) string { return k.Help().Key + " " + k.Help().Desc }
	used := 0
	for _, k := range keys {
		if key.Matches(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")}, k) || k.Help().Key == "q" {
			used += ansi.StringWidth(item(k)) + 3
		}
	}
	var parts []string
	for _, k := range keys {
		if !k.Enabled() {
			continue
		}
		w := ansi.StringWidth(item(k)) + 3
		mandatory := k.Help().Key == "?" || k.Help().Key == "q"
		if !mandatory {
			if used+w > c.width+3 {
				continue
			}
			used += w
		}
		parts = append(parts, c.theme.Bold.Render(k.Help().Key)+" "+c.theme.Dim.Render(k.Help().Desc))
	}
	return strings.Join(parts, c.theme.Dim.Render(" · "))
}

// fullHelp lays the groups out in columns, filled top to bottom within
// the height, as many as the width holds: nothing is cut at 80×24.
func (c *programContext) fullHelp(groups []helpGroup, height int) []string {
	keyW, descW := 0, 0
	for _, g := range groups {
		for _, k := range g.keys {
			keyW = max(keyW, ansi.StringWidth(k.Help().Key))
			descW = max(descW, ansi.StringWidth(k.Help().Desc))
		}
	}
	colW := keyW + 1 + descW + 2
	var cols [][]string
	var col []string
	for _, g := range groups {
		b := []string{c.theme.Bold.Render(g.title)}
		for _, k := range g.keys {
			b = append(b, pad(k.Help().Key, keyW)+" "+k.Help().Desc)
		}
		if len(col) > 0 && len(col)+1+len(b) > height {
			cols = append(cols, col)
			col = nil
		}
		if len(col) > 0 {
			col = append(col, "")
		}
		col = append(col, b...)
	}
	cols = append(cols, col)
	per := max(1, c.width/colW)
	var out []string
	for i := 0; i < len(cols); i += per {
		row := cols[i:min(i+per, len(cols))]
		h := 0
		for _, cl := range row {
			h = max(h, len(cl))
		}
		for l := 0; l < h; l++ {
			var line strings.Builder
			for j, cl := range row {
				cell := ""
				if l < len(cl) {
					cell = cl[l]
				}
				if j < len(row)-1 {
					cell = pad(cell, colW)
				}
				line.WriteString(cell)
			}
			out = append(out, line.String())
		}
	}
	return out
}

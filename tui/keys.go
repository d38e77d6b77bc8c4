package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is the single source of the key bindings and of the help screen.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextTab, PrevTab, Tab1                  key.Binding
	Focus, Toggle, All, None, Filter        key.Binding
	ActionFilter, Sort, Collapse, Unchanged key.Binding
	DryRun, Apply, Save, Retry, Help, Quit  key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:          key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:       key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		NextTab:      key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab/→", "next tab")),
		PrevTab:      key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("⇧tab/←", "previous tab")),
		Tab1:         key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6"), key.WithHelp("1-6", "go to tab")),
		Focus:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details / fields / fold")),
		Toggle:       key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "select user or field")),
		All:          key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "select all shown")),
		None:         key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "select none shown")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ActionFilter: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filter by action")),
		Sort:         key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Collapse:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "fold all / unfold all")),
		Unchanged:    key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "show unchanged fields")),
		DryRun:       key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "dry-run preview")),
		Apply:        key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "apply…")),
		Save:         key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "save plan")),
		Retry:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry failures")),
		Help:         key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:         key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the footer.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextTab, k.Toggle, k.Filter, k.DryRun, k.Apply, k.Save, k.Help, k.Quit}
}

// FullHelp is the ? screen, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextTab, k.PrevTab, k.Tab1, k.Focus, k.Collapse, k.Unchanged},
		{k.Toggle, k.All, k.None, k.Filter, k.ActionFilter, k.Sort},
		{k.DryRun, k.Apply, k.Save, k.Retry, k.Help, k.Quit},
	}
}

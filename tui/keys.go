package tui

import "github.com/charmbracelet/bubbles/key"

func bind(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// Every key goes through these maps; the help screens are made from them.

type globalKeys struct {
	NextTab, PrevTab, GoTab, Help, Quit key.Binding
	Save, Export, DryRun, Apply, Reload key.Binding
	Undo, Default                       key.Binding
}

var gk = globalKeys{
	NextTab: bind([]string{"tab", "right", "l"}, "tab/→", "next tab"),
	PrevTab: bind([]string{"shift+tab", "left", "h"}, "⇧tab/←", "previous tab"),
	GoTab:   bind([]string{"1", "2", "3", "4", "5", "6", "7"}, "1-7", "go to tab"),
	Help:    bind([]string{"?"}, "?", "help"),
	Quit:    bind([]string{"q", "ctrl+c"}, "q", "quit"),
	Save:    bind([]string{"w"}, "w", "save plan"),
	Export:  bind([]string{"e"}, "e", "export diff"),
	DryRun:  bind([]string{"d"}, "d", "dry-run"),
	Apply:   bind([]string{"A"}, "A", "apply"),
	Reload:  bind([]string{"ctrl+r"}, "ctrl+r", "compare again"),
	Undo:    bind([]string{"u"}, "u", "undo selection"),
	Default: bind([]string{"U"}, "U", "default selection"),
}

type moveKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

var mk = moveKeys{
	Up:       bind([]string{"up", "k"}, "↑/k", "up"),
	Down:     bind([]string{"down", "j"}, "↓/j", "down"),
	PageUp:   bind([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
	PageDown: bind([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
	Top:      bind([]string{"home", "g"}, "g", "top"),
	Bottom:   bind([]string{"end", "G"}, "G", "bottom"),
}

type listKeys struct {
	Toggle, All, None, Fields, Filter, Action, Sort, Unchanged, Back key.Binding
}

var lk = listKeys{
	Toggle:    bind([]string{" "}, "space", "select"),
	All:       bind([]string{"a"}, "a", "select all shown"),
	None:      bind([]string{"n"}, "n", "select none shown"),
	Fields:    bind([]string{"enter"}, "enter", "fields"),
	Filter:    bind([]string{"/"}, "/", "filter"),
	Action:    bind([]string{"f"}, "f", "filter by action"),
	Sort:      bind([]string{"s"}, "s", "sort"),
	Unchanged: bind([]string{"="}, "=", "unchanged fields"),
	Back:      bind([]string{"esc"}, "esc", "back"),
}

type pageKeys struct {
	Open, FoldAll key.Binding
}

var pk = pageKeys{
	Open:    bind([]string{"enter"}, "enter", "go to user / fold"),
	FoldAll: bind([]string{"c"}, "c", "fold all"),
}

type flowKeys struct {
	API, SFTP, Continue, Back, Left, Right, Table, Stop, Retry, Files, Again, Load, Undo key.Binding
}

var fk = flowKeys{
	API:      bind([]string{"1", "a"}, "1", "Coupa API"),
	SFTP:     bind([]string{"2", "s"}, "2", "SFTP file"),
	Continue: bind([]string{"y"}, "y", "continue"),
	Back:     bind([]string{"esc"}, "esc", "back"),
	Left:     bind([]string{"left", "h"}, "←/→", "scroll sideways"),
	Right:    bind([]string{"right", "l"}, "→", "scroll right"),
	Table:    bind([]string{"t"}, "t", "table / exact text"),
	Stop:     bind([]string{"q", "ctrl+c"}, "q", "stop sending (requests in flight finish)"),
	Retry:    bind([]string{"r"}, "r", "resume / retry failures"),
	Undo:     bind([]string{"u"}, "u", "undo this run (a plan that puts Coupa back)"),
	Files:    bind([]string{"e"}, "e", "report files"),
	Load:     bind([]string{"l"}, "l", "Coupa's load of the files"),
	Again:    bind([]string{"enter", "esc"}, "enter", "compare again"),
}

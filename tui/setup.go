package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// The setup screen: when the engagement lacks a chart or a segment's
// lookup, the operator chooses them here (what ccwrecon init does on the
// command line). The lookups are ranked by how many of the feed's values
// they hold; nothing is chosen without the operator (the same name can
// sit in two lookups).

type setupLoadedMsg struct {
	setup *ccsync.Setup
	err   error
}

// setupView walks the operator through the chart (when several are
// active) and each segment the feed uses.
type setupView struct {
	ctx     *programContext
	setup   *ccsync.Setup
	err     error
	step    int // -1: the chart; then an index into setup.Segments
	cursor  int
	chart   string
	chosen  map[int]string
	w, h    int
	done    bool
	choices []string
}

var sk = struct{ Choose, Skip, Back key.Binding }{
	Choose: bind([]string{"enter"}, "enter", "choose"),
	Skip:   bind([]string{"-", "x"}, "-", "leave unassigned"),
	Back:   bind([]string{"esc"}, "esc", "back"),
}

func newSetup(c *programContext) (*setupView, tea.Cmd) {
	v := &setupView{ctx: c, chosen: map[int]string{}}
	svc := c.svc
	return v, func() tea.Msg {
		ctx, cancel := c.context()
		defer cancel()
		s, err := svc.Setup(ctx)
		return setupLoadedMsg{s, err}
	}
}

func (v *setupView) SetSize(w, h int) { v.w, v.h = w, h }
func (v *setupView) keys() []key.Binding {
	return []key.Binding{mk.Up, mk.Down, sk.Choose, sk.Skip, sk.Back}
}
func (v *setupView) help() []helpGroup { return []helpGroup{{"Setup", v.keys()}} }

func (v *setupView) loaded(s *ccsync.Setup, err error) {
	v.setup, v.err = s, err
	if s == nil {
		return
	}
	v.step = 0
	var ask bool
	if v.chart, ask = s.ChartChoice(); ask {
		v.step = -1
	}
	v.enter()
}

// enter prepares the current step's choices.
func (v *setupView) enter() {
	v.cursor = 0
	v.choices = nil
	switch {
	case v.step < 0:
		v.choices = v.setup.Charts
	case v.step < len(v.setup.Segments):
		for _, m := range v.setup.Segments[v.step].Candidates {
			v.choices = append(v.choices, m.Lookup)
		}
	default:
		v.done = true
	}
}

func (v *setupView) Update(msg tea.Msg) (tea.Cmd, string) {
	if m, ok := msg.(setupLoadedMsg); ok {
		v.loaded(m.setup, m.err)
		if v.done {
			return v.finish()
		}
		return nil, ""
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok || v.setup == nil {
		return nil, ""
	}
	switch {
	case key.Matches(k, mk.Up):
		v.cursor = max(0, v.cursor-1)
	case key.Matches(k, mk.Down):
		v.cursor = min(len(v.choices)-1, v.cursor+1)
	case key.Matches(k, sk.Choose) && len(v.choices) > 0:
		if v.step < 0 {
			v.chart = v.choices[v.cursor]
		} else {
			v.chosen[v.setup.Segments[v.step].Segment] = v.choices[v.cursor]
		}
		v.step++
		v.enter()
	case key.Matches(k, sk.Skip) && v.step >= 0:
		v.step++
		v.enter()
	}
	if v.done {
		return v.finish()
	}
	return nil, ""
}

// finish hands the choice to the engine (and the profile, when the
// console was given a way to save it) and compares again.
func (v *setupView) finish() (tea.Cmd, string) {
	c := v.ctx
	c.svc.UseSetup(v.chart, v.chosen)
	status := "using " + ccsync.SetupText(v.chart, v.chosen)
	if save := c.opts.SaveSetup; save != nil {
		if where, err := save(v.chart, v.chosen); err != nil {
			status += "; not saved: " + safe(err.Error())
		} else {
			status += "; saved in " + safe(where)
		}
	}
	return c.postCmd(setupDoneMsg{}), status
}

type setupDoneMsg struct{}

func (v *setupView) View() []string {
	t := v.ctx.theme
	var out []string
	add := func(st func(...string) string, s string) {
		for _, l := range wrap(s, v.w) {
			out = append(out, st(l))
		}
	}
	switch {
	case v.err != nil:
		add(t.Problem.Render, "Could not read Coupa's charts and lookups: "+safe(v.err.Error()))
		return fitLines(out, v.h)
	case v.setup == nil:
		add(t.Dim.Render, "reading Coupa's charts and lookups…")
		return fitLines(out, v.h)
	}
	if v.step < 0 {
		add(t.Bold.Render, "Which chart of accounts do the feed's segments belong to?")
	} else if v.step < len(v.setup.Segments) {
		seg := v.setup.Segments[v.step]
		add(t.Bold.Render, fmt.Sprintf("CCW segment %d: which lookup translates its values?", seg.Segment))
		add(t.Dim.Render, fmt.Sprintf("The feed uses %s: %s", plural(len(seg.Values), "value", "values"), safe(strings.Join(seg.Values[:min(len(seg.Values), 6)], ", "))))
		add(t.Dim.Render, "Ranked by how many of them each lookup holds; a ranking is not a choice: the same name can sit in two lookups.")
	}
	out = append(out, "")
	for i, ch := range v.choices {
		g := "  "
		if i == v.cursor {
			g = style.Cursor + " "
		}
		line := g + safe(ch)
		if v.step >= 0 {
			m := v.setup.Segments[v.step].Candidates[i]
			line = fmt.Sprintf("%s%-24s holds %d of %d (%.0f%%)", g, safe(ch), m.Matched, m.Of, 100*m.Rate())
		}
		st := fmtPlain
		if i == v.cursor {
			st = t.Bold.Render
		}
		add(st, line)
	}
	return fitLines(out, v.h)
}

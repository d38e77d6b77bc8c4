package tui

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

// Options configure the console.
type Options struct {
	// PlanDir is where w saves plans, e exports, and runs keep journals.
	PlanDir string
	// Out is where w saves the plan (--out); "" picks a new name in PlanDir.
	Out string
	// SaveSetup saves a chart and segment lookups chosen on the setup
	// screen (the profile, for cmd); nil: they hold for this session only.
	SaveSetup func(chart string, lookups map[int]string) (where string, err error)
}

// programContext is shared by every component (one program context, as
// gh-dash does): the service, the session, sizes, theme and the undo stack.
type programContext struct {
	svc     *ccsync.Service
	opts    Options
	theme   *style.Theme
	width   int
	height  int
	sess    *ccsync.Session
	undo    []plans.Selection
	dirty   bool // the selection is not saved
	version int  // bumps on every selection change: pages rebuild lazily
	quit    chan struct{}
	posted  []tea.Msg // messages for the root, handled before the next key
}

// post hands a message to the root at once (a step of a flow, a jump):
// unlike a command it cannot race the next key.
func (c *programContext) post(msg tea.Msg) { c.posted = append(c.posted, msg) }

func (c *programContext) plan() *plans.Plan {
	if c.sess == nil {
		return nil
	}
	return c.sess.Plan
}

// selectionChanged records a change of selection for undo and redraws.
func (c *programContext) selectionChanged(before plans.Selection) {
	c.undo = append(c.undo, before)
	if len(c.undo) > 200 {
		c.undo = c.undo[1:]
	}
	c.dirty = true
	c.version++
}

// context ties a command to the console's lifetime: quitting cancels it.
func (c *programContext) context() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-c.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// safe renders data (names, logins, values) so it cannot drive the terminal.
func safe(s string) string { return views.Safe(s) }

// plural is "1 user", "2 users".
func plural(n int, one, many string) string { return plans.Plural(n, one, many) }

// wrap breaks text into lines of at most width cells, at spaces where it
// can and inside long words where it must: nothing is cut.
func wrap(s string, width int) []string {
	if width < 8 {
		width = 8
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		// at spaces only (ansi.Wrap always breaks at hyphens): a path or a
		// hyphenated field name (sso-identifier) moves to the next line
		// whole; only a word longer than the line breaks inside
		lines := wrapSpaces(para, width)
		for _, l := range lines {
			out = append(out, strings.TrimRight(l, " ")) // a space kept at a break must not push the line past width
		}
	}
	return out
}

// wrapSpaces fills lines greedily with the words of a paragraph; a word
// longer than the line is broken where it must be.
func wrapSpaces(para string, width int) []string {
	var lines []string
	cur, curW := "", 0
	rest := strings.TrimLeft(para, " ")
	words := strings.Split(rest, " ")
	words[0] = para[:len(para)-len(rest)] + words[0] // the indent stays with the first word
	for _, word := range words {
		w := ansi.StringWidth(word)
		if curW > 0 && curW+1+w <= width {
			cur, curW = cur+" "+word, curW+1+w
			continue
		}
		if curW > 0 {
			lines = append(lines, cur)
		}
		cur, curW = word, w
		if w > width {
			parts := strings.Split(ansi.Hardwrap(word, width, false), "\n")
			lines = append(lines, parts[:len(parts)-1]...)
			cur = parts[len(parts)-1]
			curW = ansi.StringWidth(cur)
		}
	}
	return append(lines, cur)
}

// hang wraps text with a hanging indent: lines after the first start
// indent cells in, and every line fits width.
func hang(s string, width, indent int) []string {
	lines := wrap(s, width-indent)
	if len(lines) > 1 {
		rest := wrap(strings.Join(lines[1:], " "), width-indent)
		lines = lines[:1]
		for _, l := range rest {
			lines = append(lines, strings.Repeat(" ", indent)+l)
		}
	}
	return lines
}

// pad makes a line exactly width cells wide (it never cuts text that fits).
func pad(s string, width int) string {
	w := ansi.StringWidth(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	return s + strings.Repeat(" ", width-w)
}

// fitLines makes exactly h lines.
func fitLines(lines []string, h int) []string {
	if len(lines) > h {
		return lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

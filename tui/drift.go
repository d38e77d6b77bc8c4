package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ccwrecon/ccwrecon/sync/followup"
)

// The Drift tab: what changed in Coupa since this comparison read it,
// and who changed it (ccwrecon drift on the command line). Coupa is read
// again only when the operator asks (r): a tab must not send requests
// by being looked at.

type driftLoadedMsg struct {
	d   *followup.Drift
	err error
}

var dk = struct{ Look key.Binding }{Look: bind([]string{"r"}, "r", "read Coupa again")}

type driftTab struct {
	*page
	drift   *followup.Drift
	err     error
	loading bool
}

func newDriftTab(c *programContext) *driftTab {
	d := &driftTab{}
	d.page = newPage(c, "Drift", d.build)
	return d
}

func (d *driftTab) keys() []key.Binding {
	return append([]key.Binding{dk.Look}, d.page.keys()...)
}

func (d *driftTab) help() []helpGroup {
	groups := d.page.help()
	for i := range groups { // one Drift section: the page's keys and reading Coupa again
		if groups[i].title == "Drift" {
			groups[i].keys = append(groups[i].keys, dk.Look)
			return groups
		}
	}
	return append(groups, helpGroup{"Drift", []key.Binding{dk.Look}})
}

func (d *driftTab) Update(msg tea.Msg) (tea.Cmd, string) {
	switch m := msg.(type) {
	case driftLoadedMsg:
		d.drift, d.err, d.loading = m.d, m.err, false
		d.page.version = -1
		if m.err != nil {
			return nil, "drift: " + safe(m.err.Error())
		}
		return nil, fmt.Sprintf("%s changed in Coupa since this comparison", plural(len(m.d.Users), "user", "users"))
	case tea.KeyMsg:
		if key.Matches(m, dk.Look) && !d.loading {
			return d.look()
		}
	}
	return d.page.Update(msg)
}

func (d *driftTab) look() (tea.Cmd, string) {
	c := d.ctx
	if c.sess == nil || c.sess.Snapshot == nil {
		return nil, ""
	}
	if c.sess.SnapshotAge > 0 {
		return nil, "this comparison reads a saved snapshot: drift needs live Coupa (ccwrecon drift --since FILE)"
	}
	d.loading = true
	d.page.version = -1
	svc, base := c.svc, c.sess.Snapshot
	return func() tea.Msg {
		ctx, cancel := c.context()
		defer cancel()
		dr, err := svc.DriftFrom(ctx, base)
		return driftLoadedMsg{dr, err}
	}, "reading Coupa again…"
}

func (d *driftTab) build(b *builder) {
	c := d.ctx
	t := c.theme
	switch {
	case d.loading:
		b.line(t.Dim.Render, "", "reading Coupa again…")
		return
	case d.err != nil:
		b.line(t.Problem.Render, "", "Could not read Coupa: "+safe(d.err.Error()))
		return
	case d.drift == nil:
		b.line(t.Dim.Render, "", "r reads Coupa again and lists the users changed since this comparison read it, each field before → after, and who changed it.")
		return
	}
	b.line(t.Bold.Render, "", fmt.Sprintf("%s changed in Coupa since %s (%s)", plural(len(d.drift.Users), "user", "users"),
		d.drift.Since, d.drift.SinceTime.UTC().Format("15:04:05Z")))
	inPlan := map[string]bool{}
	for _, u := range c.plan().Users {
		inPlan[strings.ToLower(u.Key)] = true
	}
	for _, u := range d.drift.Users {
		jump := ""
		if inPlan[strings.ToLower(u.Key)] {
			jump = u.Key
		}
		who := ""
		if u.UpdatedBy != "" {
			who = " by " + safe(u.UpdatedBy)
		}
		b.line(b.plain, "", "")
		b.line(t.Change.Render, jump, fmt.Sprintf("~ %s · updated %s%s", safe(u.Key), safe(u.UpdatedAt), who))
		if u.Note != "" {
			b.line(t.Dim.Render, "", "    # "+safe(u.Note))
		}
		for _, ch := range u.Changes {
			b.line(b.plain, jump, fmt.Sprintf("    %s %q → %q", ch.Field, safe(ch.Before), safe(ch.After)))
		}
	}
	if len(d.drift.Users) > 0 {
		b.line(b.plain, "", "")
		b.line(t.Dim.Render, "", "ctrl+r compares again with what Coupa holds now (your choices are kept where they still apply).")
	}
}

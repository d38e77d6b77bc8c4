package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// With no segment lookups known, the console offers the setup screen:
// the lookups ranked by the feed's values, the operator's choice saved
// and the comparison made with it.
func TestSetupScreenChoosesTheLookups(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	svc := ccsync.NewService(ccsync.Engagement{Feed: "../testdata/feeds/ccw_delta.csv",
		Coupa: coupa.Config{BaseURL: e.base, APIKey: emulator.DefaultAPIKey, Rate: -1}})
	var saved map[int]string
	m := New(svc, Options{PlanDir: e.dir, SaveSetup: func(chart string, l map[int]string) (string, error) {
		saved = l
		return "the profile", nil
	}}, style.Plain())
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Init()
	for i := 0; i < 200 && m.state == stLoading; i++ {
		m.Update(<-m.loadCh)
	}
	if m.state != stFailed || !strings.Contains(m.View(), "s choose the chart and segment lookups") {
		t.Fatalf("state %d:\n%s", m.state, m.View())
	}
	press(m, "s")
	if v := m.View(); !strings.Contains(v, "CCW segment 1: which lookup translates its values?") || !strings.Contains(v, "Company                  holds 2 of 2 (100%)") {
		t.Fatalf("%s", v)
	}
	press(m, "enter") // segment 1: Company, ranked first
	if v := m.View(); !strings.Contains(v, "CCW segment 2") {
		t.Fatalf("%s", v)
	}
	press(m, "enter", "enter")
	for i := 0; i < 200 && m.state == stLoading; i++ {
		m.Update(<-m.loadCh)
	}
	if m.state != stMain {
		t.Fatalf("state %d:\n%s", m.state, m.View())
	}
	if saved[1] != "Company" || saved[2] != "Cost Center" || saved[3] != "GL Account" {
		t.Fatalf("saved %v", saved)
	}
	for _, u := range m.Plan().Users {
		for _, p := range u.Problems {
			if strings.Contains(p.Message, "no lookup") {
				t.Fatalf("%s: %s", u.Key, p.Message)
			}
		}
	}
}

// Text wraps at spaces: a path or a hyphenated field name that fits on a
// line is never split across two.
func TestWrapKeepsPathsAndFieldNamesWhole(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text  string
		width int
		whole string
	}{
		{"the plan was saved to /tmp/ccwrecon-demo-12/plan.json for apply", 40, "/tmp/ccwrecon-demo-12/plan.json"},
		{"changes of email, firstname and sso-identifier", 38, "sso-identifier"},
	} {
		lines := wrap(c.text, c.width)
		found := false
		for _, l := range lines {
			if ansi.StringWidth(l) > c.width {
				t.Fatalf("%q is wider than %d", l, c.width)
			}
			found = found || strings.Contains(l, c.whole)
		}
		if !found {
			t.Fatalf("%q split: %q", c.whole, lines)
		}
	}
}

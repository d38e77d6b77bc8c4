package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// The report follows Coupa's load of uploaded files: l looks, a pending
// load is looked at again, refused rows show with their user and feed line.
func TestReportFollowsTheLoad(t *testing.T) {
	t.Parallel()
	m := New(ccsync.NewService(ccsync.Engagement{}), Options{}, style.Plain())
	rep := &apply.Report{RunDir: "runs/x", Files: []string{"/Incoming/Users/users_01.csv"}}
	v := newReport(m.c, rep, nil)
	v.SetSize(80, 20)
	if !strings.Contains(strings.Join(v.lines(), "\n"), "l follows Coupa's load") {
		t.Fatalf("no hint:\n%s", strings.Join(v.lines(), "\n"))
	}
	if cmd, _ := v.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("l")}); cmd == nil || !v.checking {
		t.Fatal("l does not look")
	}
	pending := &followup.LoadStatus{Files: []followup.FileStatus{{File: "/Incoming/Users/users_01.csv", Status: "Pending"}}}
	if cmd, _ := v.Update(loadStatusMsg{st: pending}); cmd == nil {
		t.Fatal("a pending load is not looked at again")
	}
	done := &followup.LoadStatus{Files: []followup.FileStatus{{File: "/Incoming/Users/users_01.csv", Status: "Done", Result: "2 rows processed",
		RowError: []followup.RowError{{Row: 2, FileLine: 3, User: "kmorgan", FeedLine: 8, Messages: []string{"Email has already been taken"}}}}}}
	if cmd, _ := v.Update(loadStatusMsg{st: done}); cmd != nil {
		t.Fatal("a finished load is looked at again")
	}
	text := strings.Join(v.lines(), "\n")
	if !strings.Contains(text, "! kmorgan, row 2 (file line 3), feed line 8: Email has already been taken") || strings.Contains(text, "looking again") {
		t.Fatalf("%s", text)
	}
}

// The report scrolls to its bottom and top with G and g (End, Home), and
// its help lists the moves.
func TestTheReportGoesToItsEnds(t *testing.T) {
	t.Parallel()
	m := New(ccsync.NewService(ccsync.Engagement{}), Options{}, style.Plain())
	rep := &apply.Report{RunDir: "runs/x"}
	for i := 0; i < 60; i++ {
		rep.Lines = append(rep.Lines, apply.ReportLine{User: "user" + strings.Repeat("x", i%3), Op: "update", Status: apply.StatusApplied})
	}
	v := newReport(m.c, rep, nil)
	v.SetSize(80, 10)
	v.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("G")})
	if !v.vp.AtBottom() {
		t.Fatal("G does not reach the bottom")
	}
	v.Update(tea.KeyMsg{Type: tea.KeyHome})
	if !v.vp.AtTop() {
		t.Fatal("Home does not reach the top")
	}
	var keys []string
	for _, g := range v.help() {
		for _, k := range g.keys {
			keys = append(keys, k.Help().Key)
		}
	}
	if !strings.Contains(strings.Join(keys, " "), "G") {
		t.Fatalf("help lists %v", keys)
	}
}

// The Drift tab's help has one Drift section.
func TestDriftHelpHasOneDriftSection(t *testing.T) {
	t.Parallel()
	m := New(ccsync.NewService(ccsync.Engagement{}), Options{}, style.Plain())
	n := 0
	for _, g := range m.drift.help() {
		if g.title == "Drift" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d Drift sections", n)
	}
}

// Before its first request an apply says it is checking the plan's users,
// not "0/0 changes".
func TestTheStaleCheckSaysWhatItWaitsFor(t *testing.T) {
	t.Parallel()
	m := New(ccsync.NewService(ccsync.Engagement{}), Options{}, style.Plain())
	v := newRunning(m.c, "api")
	v.SetSize(80, 20)
	text := strings.Join(v.View(), "\n")
	if !strings.Contains(text, "checking the plan's users in Coupa") || strings.Contains(text, "0/0 changes") {
		t.Fatalf("%s", text)
	}
}

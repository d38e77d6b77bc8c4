package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// The report follows Coupa's load of uploaded files: l looks, a pending
// load is looked at again, refused rows show with their user and feed line.
func TestReportFollowsTheLoad(t *testing.T) {
	t.Parallel()
	m := New(ccsync.NewService(ccsync.Engagement{}), Options{}, style.Plain())
	rep := &ccsync.Report{RunDir: "runs/x", Files: []string{"/Incoming/Users/users_01.csv"}}
	v := newReport(m.c, rep, nil)
	v.SetSize(80, 20)
	if !strings.Contains(strings.Join(v.lines(), "\n"), "l follows Coupa's load") {
		t.Fatalf("no hint:\n%s", strings.Join(v.lines(), "\n"))
	}
	if cmd, _ := v.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("l")}); cmd == nil || !v.checking {
		t.Fatal("l does not look")
	}
	pending := &ccsync.LoadStatus{Files: []ccsync.FileStatus{{File: "/Incoming/Users/users_01.csv", Status: "Pending"}}}
	if cmd, _ := v.Update(loadStatusMsg{st: pending}); cmd == nil {
		t.Fatal("a pending load is not looked at again")
	}
	done := &ccsync.LoadStatus{Files: []ccsync.FileStatus{{File: "/Incoming/Users/users_01.csv", Status: "Done", Result: "2 rows processed",
		RowError: []ccsync.RowError{{Row: 2, FileLine: 3, User: "kmorgan", FeedLine: 8, Messages: []string{"Email has already been taken"}}}}}}
	if cmd, _ := v.Update(loadStatusMsg{st: done}); cmd != nil {
		t.Fatal("a finished load is looked at again")
	}
	text := strings.Join(v.lines(), "\n")
	if !strings.Contains(text, "! kmorgan, row 2 (file line 3), feed line 8: Email has already been taken") || strings.Contains(text, "looking again") {
		t.Fatalf("%s", text)
	}
}

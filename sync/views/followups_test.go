package views

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// doctor's text says each check once, "skipped" for a skipped one, and
// what to do only under those that did not hold; a stopped doctor counts
// only the checks it made.
func TestDoctorViews(t *testing.T) {
	checks := []followup.DoctorCheck{
		{Name: "coupa", Status: followup.CheckOK, Detail: "reachable", Fix: "never shown"},
		{Name: "scopes", Status: followup.CheckWarn, Detail: "one missing", Fix: "ask for core.user.write"},
		{Name: "chart", Status: followup.CheckFail, Detail: "no chart \x1b[2J", Fix: "run ccwrecon init"},
		{Name: "sftp", Status: followup.CheckSkip, Detail: "no SFTP server is configured"},
	}
	var b bytes.Buffer
	WriteDoctorText(&b, checks, style.Plain())
	want := "✓ coupa: reachable\n! scopes: one missing\n    → ask for core.user.write\n✗ chart: no chart \\x1b[2J\n    → run ccwrecon init\n- sftp: skipped: no SFTP server is configured\n"
	if b.String() != want {
		t.Fatalf("doctor text:\n%s\nwant:\n%s", b.String(), want)
	}
	if made := DoctorMade(checks); len(made) != 2 || made[1].Name != "scopes" {
		t.Fatalf("made %v", made)
	}
	b.Reset()
	if err := WriteDoctorJSON(&b, checks); err != nil || !strings.HasPrefix(b.String(), "{\n  \"ok\": false,") {
		t.Fatalf("doctor JSON %q %v", b.String(), err)
	}
}

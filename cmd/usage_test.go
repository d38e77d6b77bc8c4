package cmd_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Failures retrying cannot fix fail at once, with the cause.
func TestUnreachableCoupaFailsAtOnce(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"https://nonexistent.invalid": "does not resolve",
		"http://127.0.0.1:1":          "refused",
	} {
		t0 := time.Now()
		r := run(t, []string{"COUPA_URL=" + url, "COUPA_API_KEY=k"}, "diff", "--feed", fx+"ccw_delta.csv")
		if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "giving up") {
			t.Fatalf("%s: exit %d: %s", url, r.code, r.stderr)
		}
		if d := time.Since(t0); d > 3*time.Second {
			t.Fatalf("%s: %s before failing", url, d)
		}
	}
}

// Each message names what was given and what is expected.
func TestArgumentMessages(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := apiEnv(url)
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	diffDelta(t, env, plan)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"check-feed"}, "check-feed takes one argument: the feed file to check"},
		{[]string{"check-feed", dir}, "is a directory: give a regular file"},
		{[]string{"apply", plan, "--via", "ftp"}, `--via "ftp": want api or sftp`},
		{[]string{"apply", plan, "--via", "sftp", "--dry-run"}, "the SFTP path needs --sftp-addr and --sftp-user"},
		{[]string{"apply", plan, "--via", "sftp", "--yes"}, "the SFTP path needs --sftp-addr and --sftp-user"},
	}
	for _, c := range cases {
		r := run(t, env, c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, ":1:") {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, r.code, r.stderr, c.want)
		}
		if strings.Contains(r.stdout+r.stderr, "journal") || strings.Contains(r.stdout, "would be uploaded") {
			t.Errorf("%v started before checking its settings: %s%s", c.args, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ccwrecon-runs")); err == nil {
		t.Error("a refused apply created a run folder")
	}
	help := run(t, nil, "diff", "--help")
	if strings.Contains(help.stdout, "`") || !regexp.MustCompile(`--out string +save the plan`).MatchString(help.stdout) ||
		!strings.Contains(help.stdout, "--refresh") || !strings.Contains(help.stdout, "--allow-login-change") {
		t.Errorf("diff --help:\n%s", help.stdout)
	}
	if fetch := run(t, nil, "fetch", "--help"); !strings.Contains(fetch.stdout, "--refresh") || strings.Contains(fetch.stdout, "--full") {
		t.Errorf("fetch has one name for ignoring the cache:\n%s", fetch.stdout)
	}
}

// A login is an identity: shown, selected only with --allow-login-change.
func TestLoginChangesNeedTheirFlag(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := apiEnv(url)
	yaml, _ := os.ReadFile(fx + "workday.yaml")
	renaming := filepath.Join(t.TempDir(), "renaming.yaml")
	os.WriteFile(renaming, []byte(strings.Replace(string(yaml), "{{localpart(EmailAddress)}}", "{{EmailAddress}}", 1)), 0o600)
	base := []string{"diff", "--feed", fx + "workday.csv", "--match-on", "employee-number"}
	if r := run(t, env, append(base, "--mapping", fx+"workday.yaml", "--format", "csv")...); r.code != 0 || regexp.MustCompile(`(?m)^\w+,(update|deactivate|reactivate),\d+,login,`).MatchString(r.stdout) {
		t.Fatalf("the shipped mapping renames users:\n%s", r.stdout)
	}
	r := run(t, env, append(base, "--mapping", renaming, "--format", "csv")...)
	if !strings.Contains(r.stdout, "akim,update,4,login,akim,akim@acme.example,false,") {
		t.Fatalf("login change selected by default:\n%s%s", r.stdout, r.stderr)
	}
	text := run(t, env, append(base, "--mapping", renaming)...)
	if !strings.Contains(text.stdout, "login changes (--allow-login-change)") {
		t.Fatalf("the plan does not say why:\n%s", text.stdout)
	}
	r = run(t, env, append(base, "--mapping", renaming, "--format", "csv", "--allow-login-change")...)
	if !strings.Contains(r.stdout, "akim,update,4,login,akim,akim@acme.example,true,") {
		t.Fatalf("--allow-login-change:\n%s", r.stdout)
	}
}

// `emulate --sftp` lets a newcomer try the SFTP path end to end: pull a
// feed, diff it, upload the CCW User file.
func TestEmulateSFTPTryout(t *testing.T) {
	t.Parallel()
	_, sftpAddr, env := emulateSFTP(t)
	dir := t.TempDir()
	if r := run(t, env, "pull", "--out", dir); r.code != 0 || !strings.Contains(r.stderr, "2 files pulled") {
		t.Fatalf("pull: %d %s", r.code, r.stderr)
	}
	// the stand-alone route: tonight's file against last night's, no Coupa setting at all
	standAlone := []string{}
	for _, e := range env {
		if !strings.HasPrefix(e, "COUPA_") {
			standAlone = append(standAlone, e)
		}
	}
	bplan := filepath.Join(dir, "baseline.json")
	if r := run(t, append(standAlone, "COUPA_URL="), "diff", "--feed", filepath.Join(dir, "ccw_delta.csv"), "--baseline", filepath.Join(dir, "ccw_yesterday.csv"), "--out", bplan); r.code != 0 || !strings.Contains(r.stdout, "--via sftp") {
		t.Fatalf("baseline diff: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, append(standAlone, "COUPA_URL="), "apply", bplan, "--via", "sftp", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "Upload complete") {
		t.Fatalf("baseline apply: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	plan := filepath.Join(dir, "plan.json")
	if r := run(t, env, append([]string{"diff", "--feed", filepath.Join(dir, "ccw_delta.csv"), "--out", plan}, lookups...)...); r.code != 0 {
		t.Fatalf("diff: %s", r.stderr)
	}
	r := run(t, env, "apply", plan, "--via", "sftp", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "Upload complete") || !strings.Contains(r.stdout, sftpAddr+":/Incoming/CCW") {
		t.Fatalf("apply --via sftp: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

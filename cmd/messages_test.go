package cmd_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Every mistake a user can make is one line on stderr naming the cause and
// the fix, never Go's or cobra's own text, with a non-zero exit.
func TestMistakesAreOneLineNamingTheFix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	edited := filepath.Join(dir, "edited-plan")
	os.WriteFile(edited, []byte(`{"format":"ccwrecon-plan/2","new":1}`), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dif"}, `unknown command "dif"; did you mean diff or drift?`},
		{[]string{"diff", "--fed", "x.csv"}, "unknown flag --fed for ccwrecon diff; did you mean --feed?"},
		{[]string{"diff", "--feed", "nope.csv", "--snapshot", "../testdata/acme.snapshot.json"}, "nope.csv does not exist"},
		{[]string{"diff", "--feed", fx + "ccw_delta.csv", "--mapping", "nope.yaml", "--snapshot", "x"}, "nope.yaml does not exist"},
		{[]string{"--config", "nope.yaml", "diff", "--feed", "x"}, "nope.yaml does not exist"},
		{[]string{"apply", "nope.json", "--via", "api"}, "nope.json does not exist"},
		{[]string{"apply", fx + "ccw_delta.csv", "--via", "api"}, "this is a feed, not a plan: make a plan of it with ccwrecon diff"},
		{[]string{"apply", edited, "--via", "api"}, `unknown key "new" in the plan`},
		{[]string{"verify", "nowhere"}, "nowhere does not exist"},
		{[]string{"undo", "nowhere"}, "nowhere is not a run folder"},
		{[]string{"--feed", fx + "ccw_delta.csv"}, "the console needs a terminal; without one, use ccwrecon diff"},
	} {
		r := run(t, nil, c.args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code == 0 || len(lines) != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d\n%s", c.args, r.code, r.stderr)
		}
		for _, raw := range []string{"stat ", "invalid character", "json: unknown", "json: cannot", `\n`, "no such file"} {
			if strings.Contains(r.stderr, raw) {
				t.Errorf("%v: Go's own text %q: %s", c.args, raw, r.stderr)
			}
		}
	}
}

// The try-out block `emulate --sftp` prints pastes as it is: every line,
// run in a shell in an empty folder, succeeds.
func TestTheTryOutBlockPastes(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(bin, "emulate", "--addr", "127.0.0.1:0", "--rate", "0", "--sftp", "--load-delay", "300ms")
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	var block []string
	for in := false; sc.Scan(); {
		l := sc.Text()
		if strings.HasPrefix(l, "Try it") {
			in = true
			continue
		}
		if in {
			block = append(block, strings.TrimSpace(l))
			if strings.Contains(l, "delta.json --via sftp") {
				break
			}
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if len(block) < 6 {
		t.Fatalf("try-out block: %q", block)
	}
	dir := t.TempDir()
	script := "set -e\n" + strings.Join(block, "\n") + "\n"
	sh := exec.Command("sh", "-c", script)
	sh.Dir = dir
	sh.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"), "XDG_CACHE_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "NO_COLOR=1")
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("the pasted block failed: %v\n%s\n%s", err, script, out)
	}
	for _, want := range []string{"Coupa loaded every file without refusing a row", "Upload complete"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("no %q in:\n%s", want, out)
		}
	}
}

// --detailed-exitcode says why it exits 2 when nothing would be applied.
func TestDetailedExitCodeSaysWhy(t *testing.T) {
	t.Parallel()
	feed := filepath.Join(t.TempDir(), "problem.csv")
	os.WriteFile(feed, []byte("Status|User ID|Last Name|First Name|Email|Supervisor ID\n1|hjenkins|Jenkins|Helen|hjenkins@acme.example|nobody.here\n"), 0o600)
	r := run(t, nil, "diff", "--feed", feed, "--snapshot", "../testdata/acme.snapshot.json", "--detailed-exitcode")
	if r.code != 2 || !strings.Contains(r.stderr, "exit 2: nothing would be applied, but the feed has 1 user with problems") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
}

// An SFTP upload reads "uploaded", never "applied": Coupa loads it later.
func TestUploadsReadUploaded(t *testing.T) {
	t.Parallel()
	_, _, env := emulateSFTP(t)
	plan := filepath.Join(t.TempDir(), "plan.json")
	if r := run(t, env, append([]string{"diff", "--feed", fx + "ccw_clean.csv", "--out", plan}, lookups...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, env, "apply", plan, "--via", "sftp", "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, "uploaded") || strings.Contains(r.stderr, "] applied ") {
		t.Fatalf("%d\n%s", r.code, r.stderr)
	}
}

// demo takes the global client settings every command takes: with a
// timeout no answer can meet, it fails naming it (it ignored them before).
func TestDemoHonoursTheClientSettings(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "demo", "--timeout", "1ns")
	if r.code != 1 || !strings.Contains(r.stderr, "within 1ns: timed out") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
}

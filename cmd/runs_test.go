package cmd_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/feeds"
)

// Copies of one plan applied at once are one run: one applies, the others
// exit 1 without writing (refused by the lock, or as stale once the first
// has written).
func TestCopiesOfAPlanApplyOnce(t *testing.T) {
	t.Parallel()
	url := emulate(t, "--latency", "40ms")
	env := append(apiEnv(url), "XDG_CACHE_HOME="+t.TempDir())
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	if r := run(t, env, append([]string{"diff", "--feed", fx + "ccw_clean.csv", "--out", plan}, lookups...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	b, _ := os.ReadFile(plan)
	paths := []string{plan, filepath.Join(t.TempDir(), "copy.json"), filepath.Join(t.TempDir(), "other-name.json")}
	for _, p := range paths[1:] {
		os.WriteFile(p, b, 0o600)
	}
	type outcome struct {
		code   int
		stderr string
	}
	results := make(chan outcome, len(paths))
	for _, p := range paths {
		go func(p string) {
			cmd := exec.Command(bin, "apply", p, "--via", "api", "--yes")
			cmd.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "NO_COLOR=1"), env...)
			var e strings.Builder
			cmd.Stderr = &e
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			results <- outcome{code, e.String()}
		}(p)
	}
	ok := 0
	for range paths {
		r := <-results
		switch {
		case r.code == 0:
			ok++
		case r.code == 1 && (strings.Contains(r.stderr, "is applying this plan") || strings.Contains(r.stderr, "stale")):
		default:
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 3 copies applied", ok)
	}
}

// Guard settings that are not usable numbers are refused before anything
// is read or written, naming the setting and its line.
func TestGuardSettingsMustBeNumbers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ line, want string }{
		{"max-deactivation-percent: .nan", "config.yaml:3: max-deactivation-percent is NaN"},
		{"max-deactivation-percent: .inf", "config.yaml:3: max-deactivation-percent is +Inf"},
		{"max-deactivation-percent: 250", "config.yaml:3: max-deactivation-percent is 250"},
		{"max-deactivations: -4", "config.yaml:3: max-deactivations is -4"},
		{"reference-max-age: soon", `config.yaml:3: reference-max-age is "soon": want a duration such as 12h`},
		{"reference-max-age: -1h", `config.yaml:3: reference-max-age is "-1h": want 0 or more`},
	} {
		cfg := filepath.Join(t.TempDir(), "config.yaml")
		os.WriteFile(cfg, []byte("profiles:\n  default:\n    "+c.line+"\n"), 0o600)
		out := filepath.Join(t.TempDir(), "plan.json")
		r := run(t, nil, "--config", cfg, "diff", "--feed", fx+"ccw_clean.csv", "--snapshot", "../testdata/acme.snapshot.json", "--out", out)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 2 {
			t.Fatalf("%s: exit %d: %s", c.line, r.code, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: a plan was written", c.line)
		}
	}
}

// pull writes only plain new names: a dot-file, a name with a control
// character and an existing file are skipped and named (escaped); the rest
// are pulled; the exit status is 1.
func TestPullWritesOnlyPlainNewNames(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, dir, kh := acmeSFTP(t, ctx)
	conn, err := feeds.DialSFTP(ctx, feeds.SFTPConfig{Addr: srv.Addr, User: "acme", Password: "sftp-pass-123", KnownHosts: kh})
	if err != nil {
		t.Fatal(err)
	}
	conn.MkdirAll("/Outgoing/CCW")
	for _, name := range []string{".bashrc", "plan.json", "evil\x1b[2J.csv", "rtl\u202egpj.csv", "users.csv"} {
		if err := conn.Upload(ctx, "/Outgoing/CCW", name, []byte("remote "+name)); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
	}
	conn.Close()
	out := filepath.Join(dir, "out")
	os.MkdirAll(out, 0o700)
	os.WriteFile(filepath.Join(out, "plan.json"), []byte("mine"), 0o600)
	env := []string{"CCW_SFTP_ADDR=" + srv.Addr, "CCW_SFTP_USER=acme", "CCW_SFTP_PASSWORD=sftp-pass-123", "CCW_SFTP_KNOWN_HOSTS=" + kh}
	r := run(t, env, "pull", "--out", out)
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"skipped /Outgoing/CCW/.bashrc: a hidden", "skipped /Outgoing/CCW/plan.json: already exists", `evil\x1b[2J.csv`, `rtl\u202egpj.csv`} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("no %q in:\n%s", want, r.stderr)
		}
	}
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\u202e") {
		t.Fatal("a raw control or bidi character reached the output")
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "plan.json,users.csv" {
		t.Fatalf("files written: %v", names)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "plan.json")); string(b) != "mine" {
		t.Fatalf("plan.json was replaced: %q", b)
	}
	bad := append(append([]string(nil), env[:2]...), "CCW_SFTP_PASSWORD=wrong", env[3])
	if r := run(t, bad, "pull", "--out", out); r.code != 1 || !strings.Contains(r.stderr, "was refused: check CCW_SFTP_USER and the password") ||
		strings.Contains(r.stderr, "unable to authenticate") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("a wrong password: %d %s", r.code, r.stderr)
	}
	if r := run(t, env, "pull", "--out", out, "--overwrite", "--pattern", "plan.json"); r.code != 0 {
		t.Fatalf("--overwrite: %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "plan.json")); string(b) != "remote plan.json" {
		t.Fatalf("--overwrite did not replace: %q", b)
	}
}

// The first Ctrl+C stops doctor at once: it says so and exits 130, and
// the check it cut short is not reported as a failed setting.
func TestDoctorStopsAtCtrlC(t *testing.T) {
	t.Parallel()
	url := emulate(t, "--latency", "3s")
	cmd := exec.Command(bin, "doctor")
	cmd.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir(), "NO_COLOR=1"), apiEnv(url)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // a process started: Ctrl+C lands while it waits on Coupa
	t0 := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || time.Since(t0) > 2*time.Second || !strings.Contains(out.String(), "stopped (Ctrl+C)") || strings.Contains(out.String(), "✗") {
		t.Fatalf("exit %d after %s:\n%s", code, time.Since(t0), out.String())
	}
}

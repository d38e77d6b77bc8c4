package cmd_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// emulateSFTP starts `emulate --sftp` and returns its URL, its SFTP
// address and the environment that reaches both (read from the try-out
// lines it prints, as a newcomer would).
func emulateSFTP(t *testing.T, args ...string) (url, sftpAddr string, env []string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"emulate", "--addr", "127.0.0.1:0", "--rate", "0", "--sftp"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url, _ = bufio.NewReader(stdout).ReadString('\n')
	url = strings.TrimSpace(url)
	var export string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "export ") && strings.Contains(l, "CCW_SFTP_ADDR") {
			export = l
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	addr := regexp.MustCompile(`CCW_SFTP_ADDR=(\S+)`).FindStringSubmatch(export)
	kh := regexp.MustCompile(`CCW_SFTP_KNOWN_HOSTS=(\S+)`).FindStringSubmatch(export)
	if addr == nil || kh == nil {
		t.Fatalf("no try-out line: %q", export)
	}
	return url, addr[1], append(apiEnv(url), "CCW_SFTP_ADDR="+addr[1], "CCW_SFTP_USER=ccw", "CCW_SFTP_KNOWN_HOSTS="+kh[1], "CCW_SFTP_PASSWORD=emulator-sftp-password")
}

// A Users CSV is followed to Coupa's load result: a row Coupa refuses is
// mapped to the plan's user and the feed's line, and the exit code says so.
func TestStatusFollowsTheLoad(t *testing.T) {
	t.Parallel()
	url, _, env := emulateSFTP(t, "--load-delay", "300ms")
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	diffDelta(t, env, plan)
	// after the plan, someone gives kmorgan's email to another user: Coupa will refuse the create
	putUser(t, url, "3", `{"email":"kmorgan@acme.example"}`)
	r := run(t, env, "apply", plan, "--via", "sftp", "--file-format", "core", "--yes", "--wait", "30s")
	if r.code != 1 || !strings.Contains(r.stdout, "Done (") ||
		!regexp.MustCompile(`! kmorgan, row \d+ \(file line \d+\), feed line 8: .*Email has already been taken`).MatchString(r.stdout) {
		t.Fatalf("apply --wait: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "ccwrecon-runs", "*"))
	if len(runs) != 1 {
		t.Fatalf("runs: %v", runs)
	}
	s := run(t, env, "status", runs[0], "--format", "json")
	if s.code != 1 || !strings.Contains(s.stdout, `"feed-line": 8`) || !strings.Contains(s.stdout, `"status": "Done"`) {
		t.Fatalf("status: %d\n%s%s", s.code, s.stdout, s.stderr)
	}
	if _, err := os.Stat(filepath.Join(runs[0], "status.txt")); err != nil {
		t.Fatal("the outcome is not recorded in the run folder")
	}

	// the CCW User file has no load-result API: status says so and points to verify
	_, _, env2 := emulateSFTP(t, "--load-delay", "300ms")
	dir2 := t.TempDir()
	plan2 := filepath.Join(dir2, "plan.json")
	run(t, env2, append([]string{"diff", "--feed", fx + "ccw_delta.csv", "--out", plan2}, lookups...)...)
	if r := run(t, env2, "apply", plan2, "--via", "sftp", "--yes"); r.code != 0 {
		t.Fatalf("%s%s", r.stdout, r.stderr)
	}
	runs2, _ := filepath.Glob(filepath.Join(dir2, "ccwrecon-runs", "*"))
	s = run(t, env2, "status", runs2[0])
	if s.code != 1 || !strings.Contains(s.stdout, "unknown") || !strings.Contains(s.stdout, "ccwrecon verify") {
		t.Fatalf("CCW file status: %d\n%s%s", s.code, s.stdout, s.stderr)
	}
}

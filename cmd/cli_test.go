package cmd_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The contract is checked through the real binary, as scripts use it.

var bin string

func TestMain(m *testing.M) {
	if os.Getenv("CCWRECON_TOUCH_MB") != "" { // the touch-floor helper needs no binary
		os.Exit(m.Run())
	}
	// These tests mostly wait on the processes they start (the binary, its
	// emulator, network latency): run more of them at once than there are
	// cores, unless -parallel says otherwise.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", strconv.Itoa(2*runtime.GOMAXPROCS(0)))
	}
	dir, err := os.MkdirTemp("", "ccwrecon-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "ccwrecon")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir(), "NO_COLOR=1"), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{o.String(), e.String(), code}
}

// diffDelta writes the plan of the sample CCW delta against the instance
// env names, with the sample engagement's segment lookups.
func diffDelta(t *testing.T, env []string, plan string) {
	t.Helper()
	if r := run(t, env, append([]string{"diff", "--feed", fx + "ccw_delta.csv", "--out", plan}, lookups...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
}

// emulate starts `ccwrecon emulate` and returns its URL (the first line of stdout).
func emulate(t *testing.T, args ...string) string {
	t.Helper()
	// unlimited unless a test asks for a rate: tests share an emulator
	// between several processes, and a throttled one only waits
	cmd := exec.Command(bin, append([]string{"emulate", "--addr", "127.0.0.1:0", "--rate", "0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") {
		t.Fatalf("first line %q: %v", line, err)
	}
	return strings.TrimSpace(line)
}

const fx = "../testdata/feeds/"

var lookups = []string{"--segment-lookup", "1=Company", "--segment-lookup", "2=Cost Center", "--segment-lookup", "3=GL Account"}

func TestDiffJSONAndExitCodes(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := []string{"COUPA_URL=" + url, "COUPA_API_KEY=emulator-api-key"}
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	r := run(t, env, append([]string{"diff", "--feed", fx + "ccw_delta.csv", "--format", "json", "--detailed-exitcode", "--out", plan}, lookups...)...)
	if r.code != 2 {
		t.Fatalf("changes with --detailed-exitcode: exit %d\n%s", r.code, r.stderr)
	}
	var doc struct {
		Summary map[string]int `json:"summary"`
		Users   []struct {
			Key      string `json:"key"`
			Action   string `json:"action"`
			Selected bool   `json:"selected"`
			Changes  []struct {
				Field, Coupa, Feed string
				Selected           bool
			} `json:"changes"`
			Problems []string `json:"problems"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not one JSON object: %v", err)
	}
	want := map[string]int{"create": 2, "update": 4, "deactivate": 1, "reactivate": 1, "unchanged": 1, "errors": 4}
	for k, v := range want {
		if doc.Summary[k] != v {
			t.Errorf("summary %s = %d, want %d", k, doc.Summary[k], v)
		}
	}
	for _, u := range doc.Users {
		if u.Key == "wlee" && (u.Action != "error" || !strings.Contains(u.Problems[0], "line 9: supervisor HUMJINK is not in Coupa or in the feed")) {
			t.Errorf("wlee: %+v", u)
		}
		if u.Key == "lrossi" && (u.Changes[0].Field != "email" || u.Changes[0].Feed != "luca.rossi@acme.example") {
			t.Errorf("lrossi: %+v", u)
		}
	}
	if _, err := os.Stat(plan); err != nil {
		t.Fatal("--out wrote no plan")
	}
	// without the flag, changes exit 0; text ends with the plan line
	r = run(t, env, append([]string{"diff", "--feed", fx + "ccw_delta.csv"}, lookups...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "Plan: 2 to create, 2 to update, 1 to deactivate, 1 to reactivate (36 changes to 6 users).") {
		t.Fatalf("text diff: exit %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Fatal("colour on a pipe")
	}
	// a snapshot needs no credentials; no changes exit 0 with --detailed-exitcode
	snap := filepath.Join(dir, "snap.json")
	if r := run(t, env, "fetch", "--out", snap); r.code != 0 {
		t.Fatalf("fetch: %d %s", r.code, r.stderr)
	}
	same := filepath.Join(dir, "same.csv")
	os.WriteFile(same, []byte("Status|User ID|Last Name|First Name|Email\n1|mokafor|Okafor|Michael|mokafor@acme.example\n"), 0o644)
	if r := run(t, nil, "diff", "--snapshot", snap, "--feed", same, "--detailed-exitcode"); r.code != 0 || !strings.Contains(r.stdout, "No changes") {
		t.Fatalf("no changes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, nil, "diff", "--snapshot", snap, "--feed", same, "--format", "csv"); r.code != 0 || !strings.HasPrefix(r.stdout, "key,action,line,field") {
		t.Fatalf("csv: %d %s", r.code, r.stdout)
	}
}

func TestUnreadableFeedsExit1WithLocationsAndWriteNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	cases := map[string][]string{
		"bad/errors.csv":         {"errors.csv:3:1: Status must be 1 (active) or 0 (inactive)", "errors.csv:4: duplicate login \"ajones\" (also on line 2)", "errors.csv:5: 3 columns, the header has 6"},
		"bad/empty.csv":          {"empty.csv:1: the file is empty"},
		"bad/unterminated.csv":   {"unterminated.csv:3: quoted field opened here is never closed"},
		"bad/cp1252.csv":         {"cp1252.csv:2:12: invalid UTF-8"},
		"bad/missing_column.csv": {"missing_column.csv:1: missing required column \"Last Name\""},
	}
	for file, wants := range cases {
		// no Coupa settings at all: the feed is read (and refused) before anything else
		r := run(t, nil, "diff", "--feed", fx+file, "--out", plan)
		if r.code != 1 {
			t.Errorf("%s: exit %d", file, r.code)
		}
		for _, w := range wants {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", file, w, r.stderr)
			}
		}
		if _, err := os.Stat(plan); err == nil {
			t.Fatalf("%s: a plan was written", file)
		}
	}
	if r := run(t, nil, "check-feed", fx+"bad/header_only.csv"); r.code != 0 || !strings.Contains(r.stdout, "0 users") {
		t.Fatalf("header-only: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, nil, "check-feed", "--encoding", "windows-1252", fx+"bad/cp1252.csv"); r.code != 0 {
		t.Fatalf("--encoding: %d %s", r.code, r.stderr)
	}
}

func TestApplyNeedsYesWithoutATerminalAndSucceeds(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := []string{"COUPA_URL=" + url, "COUPA_CLIENT_ID=emulator-client", "COUPA_CLIENT_SECRET=emulator-secret"}
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	diffDelta(t, env, plan)
	r := run(t, env, "apply", plan, "--via", "api")
	if r.code != 1 || !strings.Contains(r.stderr, "--yes is required") {
		t.Fatalf("no --yes: exit %d %s", r.code, r.stderr)
	}
	r = run(t, env, "apply", plan, "--via", "api", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "POST /api/users") || strings.Contains(r.stdout, "emulator-secret") {
		t.Fatalf("dry-run: %d %s", r.code, r.stdout)
	}
	r = run(t, env, "apply", plan, "--via", "api", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "Apply complete: 36 changes to 6 users applied and verified.") {
		t.Fatalf("apply: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "ccwrecon-runs", "*", "journal.jsonl"))
	if len(runs) != 1 {
		t.Fatal("no journal")
	}
	j, _ := os.ReadFile(runs[0])
	if bytes.Contains(j, []byte("emulator-secret")) {
		t.Fatal("secret in the journal")
	}
	// the same plan again is refused: Coupa moved (and the run is recorded)
	if r := run(t, env, "apply", plan, "--via", "api", "--yes"); r.code != 1 {
		t.Fatalf("re-apply: exit %d", r.code)
	}
}

func TestFetchFailuresAreOneLineAndLeaveNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "snap.json")
	cases := map[string][]string{
		"cannot reach":              {"COUPA_URL=http://127.0.0.1:1", "COUPA_API_KEY=x", "--timeout=2s"},
		"check COUPA_CLIENT_ID":     {"COUPA_URL=" + emulate(t), "COUPA_CLIENT_ID=emulator-client", "COUPA_CLIENT_SECRET=wrong"},
		"no Coupa credentials":      {"COUPA_URL=http://127.0.0.1:1"},
		"is not an http(s) URL":     {"COUPA_URL=acme", "COUPA_API_KEY=x"},
		"plain http is only":        {"COUPA_URL=http://acme.coupahost.com", "COUPA_API_KEY=x"},
		"lacks the scope core.user": {"COUPA_URL=" + emulate(t), "COUPA_CLIENT_ID=emulator-client", "COUPA_CLIENT_SECRET=emulator-secret", "COUPA_SCOPES=core.common.read"},
	}
	for want, env := range cases {
		var args []string
		var envs []string
		for _, e := range env {
			if strings.HasPrefix(e, "--") {
				args = append(args, e)
			} else {
				envs = append(envs, e)
			}
		}
		t0 := time.Now()
		r := run(t, envs, append([]string{"fetch", "--out", out}, args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q", want, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "wrong") || strings.Contains(r.stderr, "emulator-secret") {
			t.Errorf("secret in an error: %s", r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: a snapshot file was left", want)
		}
		if time.Since(t0) > 30*time.Second {
			t.Errorf("%s took %v", want, time.Since(t0))
		}
	}
}

func TestProfilesRefuseSecrets(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("profiles:\n  acme:\n    coupa-url: https://acme.coupahost.com\n    client-secret: nope\n"), 0o600)
	r := run(t, nil, "--config", cfg, "--profile", "acme", "fetch", "--out", filepath.Join(t.TempDir(), "s.json"))
	if r.code != 1 || !strings.Contains(r.stderr, "is a secret and may not be stored") || strings.Contains(r.stderr, "nope") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
}

func TestMappingFileCarriesSegmentLookups(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := []string{"COUPA_URL=" + url, "COUPA_API_KEY=emulator-api-key"}
	dir := t.TempDir()
	m := filepath.Join(dir, "map.yaml")
	os.WriteFile(m, []byte(`chart: Acme Corporate
segment-lookups: {2: Cost Center}
segments: {2: chart}
fields:
  employee-number: {from: EmployeeID}
  login: {template: "{{lower(EmailAddress)}}"}
  email: {from: EmailAddress, case: lower}
  firstname: {from: PreferredFirstName}
  lastname: {from: LastName}
  segment-2-name: {from: CostCenterName}
`), 0o644)
	feed := filepath.Join(dir, "hr.csv")
	os.WriteFile(feed, []byte("EmployeeID,PreferredFirstName,LastName,EmailAddress,CostCenterName\nE1005,Anna,Kim,akim@acme.example,Marketing\n"), 0o644)
	r := run(t, env, "diff", "--feed", feed, "--mapping", m, "--match-on", "employee-number", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"feed": "4300"`) {
		t.Fatalf("%d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

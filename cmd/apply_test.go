package cmd_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

func apiEnv(url string) []string {
	return []string{"COUPA_URL=" + url, "COUPA_API_KEY=emulator-api-key"}
}

// The JSON output counts what apply does by default; an error user has
// nothing selected; problems name users as the feed writes them.
func TestJSONCountsWhatApplyDoes(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	r := run(t, apiEnv(url), append([]string{"diff", "--feed", fx + "ccw_delta.csv", "--format", "json"}, lookups...)...)
	var doc struct {
		Selected map[string]int `json:"selected"`
		Users    []struct {
			Key, Action string
			Selected    bool
			Changes     []struct {
				Field         string
				Selected      bool
				Informational bool
			}
			Problems []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"users": 6, "changes": 36, "create": 2, "update": 2, "deactivate": 1, "reactivate": 1}
	for k, v := range want {
		if doc.Selected[k] != v {
			t.Errorf("selected.%s = %d, want %d", k, doc.Selected[k], v)
		}
	}
	for _, u := range doc.Users {
		if u.Action != "error" {
			continue
		}
		for _, c := range u.Changes {
			if c.Selected || u.Selected {
				t.Errorf("%s: %s is selected on an error user", u.Key, c.Field)
			}
		}
		if u.Key == "wlee" && !strings.Contains(strings.Join(u.Problems, ""), "supervisor HUMJINK") {
			t.Errorf("wlee: %v", u.Problems)
		}
	}
}

// After an apply that succeeded, the same diff has nothing left to do:
// --detailed-exitcode is a "we are done" gate.
func TestApplyConverges(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := apiEnv(url)
	plan := filepath.Join(t.TempDir(), "plan.json")
	diff := append([]string{"diff", "--feed", fx + "ccw_clean.csv", "--detailed-exitcode"}, lookups...)
	if r := run(t, env, append(diff, "--out", plan)...); r.code != 2 || !strings.Contains(r.stdout, "Plan digest: "+plans.DigestPrefix) {
		t.Fatalf("before: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := run(t, env, "apply", plan, "--via", "api", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "applied and verified") {
		t.Fatalf("apply: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, diff...); r.code != 0 {
		t.Fatalf("after a clean apply the diff must exit 0: %d\n%s", r.code, r.stdout)
	}
	if r := run(t, env, "verify", plan); r.code != 0 || !strings.Contains(r.stdout, "landed, 0 not yet, 0 different") {
		t.Fatalf("verify: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// the evidence beside the journal: the report's and verify's, as text and JSON
	runs, _ := filepath.Glob(filepath.Join(filepath.Dir(plan), "ccwrecon-runs", "*"))
	for _, name := range []string{"report.txt", "report.json", "report.csv", "verify.txt", "verify.json"} {
		if b, err := os.ReadFile(filepath.Join(runs[0], name)); err != nil || len(b) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// Coupa may accept a write and not store it; only the read-back shows it.
func TestAcceptedButNotStoredIsReported(t *testing.T) {
	t.Parallel()
	url := emulate(t, "--ignore-writes", "phone-work")
	env := apiEnv(url)
	plan := filepath.Join(t.TempDir(), "plan.json")
	if r := run(t, env, append([]string{"diff", "--feed", fx + "ccw_clean.csv", "--out", plan}, lookups...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, env, "apply", plan, "--via", "api", "--yes")
	if r.code != 1 || !strings.Contains(r.stdout, `lrossi phone-work: sent "+39 02-5550199", Coupa holds "+39 02-5550104"`) ||
		!strings.Contains(r.stdout, "accepted but not stored by Coupa") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(filepath.Dir(plan), "ccwrecon-runs", "*"))
	j, _ := os.ReadFile(filepath.Join(runs[0], "journal.jsonl"))
	if !bytes.Contains(j, []byte(`"phase":"not-stored"`)) || !bytes.Contains(j, []byte(`"phase":"verified"`)) {
		t.Fatalf("journal:\n%s", j)
	}
	for _, name := range []string{"report.txt", "report.csv", "journal.jsonl", "plan.json"} {
		if st, _ := os.Stat(filepath.Join(runs[0], name)); st == nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s is not private: %v", name, st)
		}
	}
	if st, _ := os.Stat(runs[0]); st.Mode().Perm() != 0o700 {
		t.Fatalf("run folder mode %v", st.Mode().Perm())
	}
}

// editPlan rewrites a saved plan's JSON.
func editPlan(t *testing.T, src, dst string, edit func(doc map[string]any)) {
	t.Helper()
	b, _ := os.ReadFile(src)
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, _ := json.MarshalIndent(doc, "", "  ")
	os.WriteFile(dst, out, 0o600)
}

func planUser(doc map[string]any, key string) map[string]any {
	for _, u := range doc["users"].([]any) {
		if m := u.(map[string]any); m["key"] == key {
			return m
		}
	}
	return nil
}

// apply checks every rule itself: a plan edited after diff wrote it is
// refused, whatever was edited, and nothing is written.
func TestEditedPlansAreRefused(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := apiEnv(url)
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	diffDelta(t, env, plan)
	cases := map[string]struct {
		edit func(map[string]any)
		want string
	}{
		"select an error user": {func(d map[string]any) {
			u := planUser(d, "wlee")
			u["selected"] = true
			for _, c := range u["changes"].([]any) {
				c.(map[string]any)["selected"] = true
			}
		}, "selects 1 user with problems (wlee)"},
		"a string where a boolean goes": {func(d map[string]any) {
			for _, c := range planUser(d, "jbrown")["changes"].([]any) {
				if m := c.(map[string]any); m["field"] == "active" {
					m["after"], m["feed"] = "0", "0"
				}
			}
		}, `active: "0" is not a valid true/false value`},
		"the shown value differs from the applied one": {func(d map[string]any) {
			for _, c := range planUser(d, "jbrown")["changes"].([]any) {
				if m := c.(map[string]any); m["field"] == "active" {
					m["feed"] = "true"
				}
			}
		}, "are not the values applied"},
		"an unknown field": {func(d map[string]any) { d["rollout"] = "fast" }, `unknown key "rollout" in the plan`},
		"an injected admin": {func(d map[string]any) {
			d["users"] = append(d["users"].([]any), map[string]any{"key": "mallory", "action": "create", "selected": true,
				"changes": []any{map[string]any{"field": "login", "op": "add", "coupa": "", "feed": "mallory", "selected": true}}})
		}, "edited after diff wrote it"},
		"a flipped error": {func(d map[string]any) {
			u := planUser(d, "cgarcia")
			u["action"], u["problems"], u["problem-details"] = "update", []any{}, []any{}
		}, "edited after diff wrote it"},
		"a raised guard": {func(d map[string]any) {
			d["settings"].(map[string]any)["max-deactivations"] = 1000
		}, "edited after diff wrote it"},
	}
	for name, c := range cases {
		edited := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		editPlan(t, plan, edited, c.edit)
		r := run(t, env, "apply", edited, "--via", "api", "--yes")
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q", name, r.code, r.stderr)
		}
	}
	if runs, _ := filepath.Glob(filepath.Join(dir, "ccwrecon-runs", "*")); len(runs) != 0 {
		t.Fatalf("a refused plan started a run: %v", runs)
	}
	// changing only the selection is allowed
	sel := filepath.Join(dir, "selection.json")
	editPlan(t, plan, sel, func(d map[string]any) {
		u := planUser(d, "akim")
		u["selected"] = false
		for _, c := range u["changes"].([]any) {
			c.(map[string]any)["selected"] = false
		}
	})
	if r := run(t, env, "apply", sel, "--via", "api", "--dry-run"); r.code != 0 || strings.Contains(r.stdout, "# akim") {
		t.Fatalf("a selection edit: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// The instance always comes from the settings, never from a plan.
func TestThePlanNeverChoosesTheInstance(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	other := emulate(t)
	plan := filepath.Join(t.TempDir(), "plan.json")
	if r := run(t, apiEnv(url), append([]string{"diff", "--feed", fx + "ccw_clean.csv", "--out", plan}, lookups...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, []string{"COUPA_API_KEY=emulator-api-key", "COUPA_URL="}, "apply", plan, "--via", "api", "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "set COUPA_URL (the plan is for "+url) {
		t.Fatalf("no URL: %d %s", r.code, r.stderr)
	}
	r = run(t, apiEnv(other), "apply", plan, "--via", "api", "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "the plan was made for "+url+" but the settings point at "+other) {
		t.Fatalf("other instance: %d %s", r.code, r.stderr)
	}
}

// One run per plan at a time: a second apply exits at once, naming the
// process that holds the plan.
func TestOneRunPerPlan(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := apiEnv(url)
	plan := filepath.Join(t.TempDir(), "plan.json")
	if r := run(t, env, append([]string{"diff", "--feed", fx + "ccw_clean.csv", "--out", plan}, lookups...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	_, b, err := plans.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	dir := apply.RunDir(plan, b)
	os.MkdirAll(dir, 0o700)
	lock, err := fileutil.TryLock(filepath.Join(dir, "lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	r := run(t, env, "apply", plan, "--via", "api", "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, fmt.Sprintf("another ccwrecon (pid %d) is applying this plan", os.Getpid())) {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
}

// Ctrl+C during the parallel phase stops dispatching, lets the requests in
// flight finish, exits non-zero with the resume command; resume completes
// it, and nothing is applied twice.
func TestInterruptedApplyResumes(t *testing.T) {
	t.Parallel()
	url := emulate(t, "--users", "200", "--latency", "40ms", "--rate", "0")
	env := append(apiEnv(url), "COUPA_URL="+url)
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	if r := run(t, append(env, "XDG_CACHE_HOME="+dir), "fetch", "--out", snap, "--rate", "-1"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	var s struct {
		Users []struct {
			Login, Email, Firstname, Lastname string
			Active                            bool
			CCW                               bool `json:"ccw-user"`
		}
	}
	raw, _ := os.ReadFile(snap)
	json.Unmarshal(raw, &s)
	var feed strings.Builder
	feed.WriteString("Status|User ID|Last Name|First Name|Email\n")
	n := 0
	for _, u := range s.Users[1:] {
		if u.Active && u.CCW && n < 80 {
			fmt.Fprintf(&feed, "1|%s|%s|%s-renamed|%s\n", u.Login, u.Lastname, u.Firstname, u.Email)
			n++
		}
	}
	feedPath := filepath.Join(dir, "feed.csv")
	os.WriteFile(feedPath, []byte(feed.String()), 0o600)
	plan := filepath.Join(dir, "plan.json")
	diff := []string{"diff", "--feed", feedPath, "--rate", "-1", "--detailed-exitcode"}
	if r := run(t, env, append(diff, "--out", plan)...); r.code != 2 {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	cmd := exec.Command(bin, "apply", plan, "--via", "api", "--yes", "--rate", "-1")
	cmd.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "NO_COLOR=1"), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var errText strings.Builder
	for lines := 0; sc.Scan(); {
		errText.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "changes] applied") {
			if lines++; lines == 20 {
				cmd.Process.Signal(syscall.SIGINT)
				break
			}
		}
	}
	go func() {
		for sc.Scan() {
			errText.WriteString(sc.Text() + "\n")
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("apply did not stop after Ctrl+C\n%s", errText.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(out.String(), "--resume") || !strings.Contains(out.String(), "Apply interrupted") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errText.String())
	}
	// the printed continue line is pasted as it is, with the same environment
	var hint string
	for _, l := range strings.Split(out.String(), "\n") {
		if c, ok := strings.CutPrefix(l, "Continue with: "); ok {
			hint = c
		}
	}
	if !strings.Contains(hint, "--via api") || !strings.Contains(hint, "--rate=-1") {
		t.Fatalf("continue line %q\n%s", hint, out.String())
	}
	paste := exec.Command("sh", "-c", hint)
	paste.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "NO_COLOR=1", "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH")), env...)
	pasted, err := paste.CombinedOutput()
	if err != nil || !strings.Contains(string(pasted), "Apply complete: 80 changes to 80 users applied and verified.") {
		t.Fatalf("pasted %q: %v\n%s", hint, err, pasted)
	}
	if r := run(t, env, diff...); r.code != 0 {
		t.Fatalf("after resume: %d\n%s", r.code, r.stdout)
	}
}

// Data never drives the terminal, and spreadsheet exports never start a
// formula.
func TestHostileValuesAreEscaped(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	if r := run(t, apiEnv(url), "fetch", "--out", snap); r.code != 0 {
		t.Fatal(r.stderr)
	}
	raw, _ := os.ReadFile(snap)
	raw = bytes.Replace(raw, []byte(`"lastname":"Rossi"`), []byte(`"lastname":"Rossi\u001b[2J\u009b5A"`), 1)
	os.WriteFile(snap, raw, 0o600)
	feed := filepath.Join(dir, "f.csv")
	os.WriteFile(feed, []byte("Status|User ID|Last Name|First Name|Email\n1|lrossi|=HYPERLINK(1)|Luca|lrossi@acme.example\n"), 0o600)
	for _, format := range []string{"text", "json", "csv"} {
		r := run(t, nil, "diff", "--snapshot", snap, "--feed", feed, "--format", format)
		if r.code != 0 || strings.ContainsAny(r.stdout, "\x1b\u009b") {
			t.Fatalf("%s: %d %q %s", format, r.code, r.stdout, r.stderr)
		}
		if format == "csv" && !strings.Contains(r.stdout, `'=HYPERLINK`) {
			t.Fatalf("csv formula: %s", r.stdout)
		}
	}
}

// The typed-instance-name prompt honours Ctrl+C at once (on a real
// terminal, through script's pty), and nothing is applied.
func TestConfirmationPromptHonoursCtrlC(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script (util-linux) is not installed")
	}
	url := emulate(t)
	plan := filepath.Join(t.TempDir(), "plan.json")
	if r := run(t, apiEnv(url), append([]string{"diff", "--feed", fx + "ccw_clean.csv", "--out", plan}, lookups...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	cmd := exec.Command("script", "-qec", bin+" apply "+plan+" --via api", "/dev/null")
	// TERM=dumb: script's pty has no terminal to answer Bubble Tea's start-up
	// colour query, which would otherwise wait out its 5 s timeout
	cmd.Env = append(append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "NO_COLOR=1", "TERM=dumb"), apiEnv(url)...)
	in, _ := cmd.StdinPipe()
	out := &lockedBuffer{}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Type the instance name"); {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no prompt:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling another process's output
	}
	start := time.Now()
	in.Write([]byte{3}) // Ctrl+C typed on the terminal
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the prompt waited for Enter after Ctrl+C:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "not confirmed (interrupted)") || time.Since(start) > 3*time.Second {
		t.Fatalf("%s", out.String())
	}
	if runs, _ := filepath.Glob(filepath.Join(filepath.Dir(plan), "ccwrecon-runs", "*")); len(runs) != 0 {
		t.Fatal("a run started")
	}
}

// lockedBuffer is written by a process and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

package cmd_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// apply, then undo RUN --out, then apply the undo: the feed's changes are
// pending again, and the created users inactive.
func TestUndoThroughTheBinary(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := append(apiEnv(url), "XDG_CACHE_HOME="+t.TempDir())
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	diff := append([]string{"diff", "--feed", fx + "ccw_delta.csv", "--detailed-exitcode"}, lookups...)
	if r := run(t, env, append(diff, "--out", plan)...); r.code != 2 {
		t.Fatal(r.stderr)
	}
	if r := run(t, env, "apply", plan, "--via", "api", "--yes"); r.code != 0 {
		t.Fatalf("apply: %s%s", r.stdout, r.stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "ccwrecon-runs", "plan-*"))
	if len(runs) != 1 {
		t.Fatalf("runs %v", runs)
	}
	undo := filepath.Join(dir, "undo.json")
	r := run(t, env, "undo", runs[0], "--out", undo, "--format", "json", "--detailed-exitcode")
	var doc struct {
		Summary map[string]int `json:"summary"`
	}
	if json.Unmarshal([]byte(r.stdout), &doc); r.code != 2 || doc.Summary["deactivate"] != 3 || doc.Summary["reactivate"] != 1 {
		t.Fatalf("undo: %d %v\n%s", r.code, doc.Summary, r.stderr)
	}
	if r := run(t, env, "apply", undo, "--via", "api", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "applied and verified") {
		t.Fatalf("apply the undo: %d %s%s", r.code, r.stdout, r.stderr)
	}
	// the creates stay, inactive: the feed now reactivates them; every other change is pending again
	r = run(t, env, append(diff, "--format", "json")...)
	if r.code != 2 || !strings.Contains(r.stdout, `"reactivate": 3`) {
		t.Fatalf("after the undo: %d\n%s", r.code, r.stdout[:min(len(r.stdout), 400)])
	}
	if r := run(t, env, "undo", filepath.Join(dir, "nowhere")); r.code != 1 || !strings.Contains(r.stderr, "not a run folder") {
		t.Fatalf("a missing run: %d %s", r.code, r.stderr)
	}
}

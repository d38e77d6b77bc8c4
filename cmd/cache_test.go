package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The cache behind incremental refresh, through the binary: written in
// the current layout (JSON, then the users in binary, then a trailer); an
// earlier version's plain JSON cache is read and rewritten once; a damaged
// one is not used: the next diff reads every user again, says so once, and
// plans exactly what a diff without a cache plans.
func TestTheCacheIsCheckedAndRebuilt(t *testing.T) {
	t.Parallel()
	url := emulate(t, "--users", "300")
	cache := t.TempDir()
	env := append(apiEnv(url), "XDG_CACHE_HOME="+cache)
	fresh := run(t, env, "fetch", "--out", filepath.Join(t.TempDir(), "snap.json"), "--rate", "-1")
	if fresh.code != 0 {
		t.Fatal(fresh.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "ccwrecon", "snapshots", "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	path := files[0]
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), `{"format":"ccwrecon-snapshot/1"`) || !strings.HasSuffix(string(b), "CACH") {
		t.Fatalf("the cache is not JSON followed by its binary part (%d bytes)", len(b))
	}
	feed := fx + "ccw_delta.csv"
	diff := append([]string{"diff", "--feed", feed, "--format", "json", "--rate", "-1"}, lookups...)
	want := run(t, append(apiEnv(url), "XDG_CACHE_HOME="+t.TempDir()), diff...)
	if want.code != 0 {
		t.Fatal(want.stderr)
	}

	// a damaged binary part: not used, said once, the same plan
	bad := append([]byte(nil), b...)
	bad[len(bad)-200] ^= 0x40
	os.WriteFile(path, bad, 0o600)
	got := run(t, env, diff...)
	if strings.Count(got.stderr, "could not be used") != 1 || !strings.Contains(got.stderr, "every user was read again") {
		t.Fatalf("damaged cache: %d\n%s", got.code, got.stderr)
	}
	if stripVolatile(got.stdout) != stripVolatile(want.stdout) {
		t.Fatal("a diff after a damaged cache plans otherwise than one without a cache")
	}
	if b2, _ := os.ReadFile(path); !strings.HasSuffix(string(b2), "CACH") || string(b2) == string(bad) {
		t.Fatal("the damaged cache was not rebuilt")
	}

	// an earlier version's plain JSON cache: read, and rewritten in the current layout
	b, _ = os.ReadFile(path)
	jsonEnd := strings.LastIndex(string(b), "}\n") + 2
	os.WriteFile(path, b[:jsonEnd], 0o600)
	got = run(t, env, diff...)
	if got.code != 0 || strings.Contains(got.stderr, "could not be used") || stripVolatile(got.stdout) != stripVolatile(want.stdout) {
		t.Fatalf("plain JSON cache: %d\n%s", got.code, got.stderr)
	}
	if b3, _ := os.ReadFile(path); !strings.HasSuffix(string(b3), "CACH") {
		t.Fatal("the plain JSON cache was not rewritten in the current layout")
	}
}

// stripVolatile keeps what two diffs of the same data must agree on: the
// users, the counts and the selection (not when, the digest that covers
// it, or the warnings).
func stripVolatile(s string) string {
	var p map[string]any
	if json.Unmarshal([]byte(s), &p) != nil {
		return s
	}
	out, _ := json.Marshal([]any{p["users"], p["summary"], p["selected"], p["not-selected"]})
	return string(out)
}

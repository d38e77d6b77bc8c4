package cmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

const oldFile = `Status|User ID|Last Name|First Name|Email|CCW User Role|Supervisor ID|Master Data Segment 1 Name|Master Data Segment 2 Name
1|hjenkins|Jenkins|Helen|hjenkins@acme.example|Engaging Manager||Acme US|Engineering
1|mokafor|Okafor|Michael|mokafor@acme.example|Engaging Manager|hjenkins|Acme US|Engineering
1|lrossi|Rossi|Luca|lrossi@acme.example|Engaging Manager|mokafor|Acme Europe|Engineering
1|akim|Kim|Anna|akim@acme.example|Engaging Manager|mokafor|Acme US|Sales
`

const newDelta = `Status|User ID|Last Name|First Name|Email|CCW User Role|Supervisor ID|Master Data Segment 1 Name|Master Data Segment 2 Name
1|hjenkins|Jenkins|Helen|hjenkins@acme.example|Engaging Manager||Acme US|Engineering
1|mokafor|Okafor|Mike|mokafor@acme.example|Engaging Manager|hjenkins|Acme US|Engineering
1|lrossi|Rossi|Luca|luca.rossi@acme.example|Engaging Manager|mokafor|Acme Europe|Marketing
0|akim|Kim|Anna|akim@acme.example|Engaging Manager|mokafor|Acme US|Sales
1|nnew|New|Nina|nnew@acme.example|Engaging Manager|hjenkins|Acme US|Engineering
`

// CCW stand-alone: tonight's file against last night's, with only SFTP
// settings; a delta file of the changes only; --baseline last; no Coupa
// request at any point, even with a Coupa URL in the environment.
func TestStandAloneBaselineRoute(t *testing.T) {
	t.Parallel()
	var coupaHits atomic.Int64
	coupa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { coupaHits.Add(1) }))
	defer coupa.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := feeds.StartSFTPServer(ctx, "ccw", "pw")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, []byte(srv.KnownHostsLine()), 0o600)
	conn, err := feeds.DialSFTP(ctx, feeds.SFTPConfig{Addr: srv.Addr, User: "ccw", Password: "pw", KnownHosts: kh})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.MkdirAll("/Incoming/CCW")
	env := []string{"CCW_SFTP_ADDR=" + srv.Addr, "CCW_SFTP_USER=ccw", "CCW_SFTP_PASSWORD=pw", "CCW_SFTP_KNOWN_HOSTS=" + kh,
		"COUPA_URL=" + coupa.URL, "COUPA_API_KEY=k", "XDG_CACHE_HOME=" + filepath.Join(dir, "cache")}
	old, tonight := filepath.Join(dir, "old.csv"), filepath.Join(dir, "new.csv")
	os.WriteFile(old, []byte(oldFile), 0o600)
	os.WriteFile(tonight, []byte(newDelta), 0o600)
	plan := filepath.Join(dir, "plan.json")

	r := run(t, env, "diff", "--feed", tonight, "--baseline", old, "--format", "json", "--out", plan, "--detailed-exitcode")
	if r.code != 2 {
		t.Fatalf("diff: %d %s", r.code, r.stderr)
	}
	var doc struct {
		Summary map[string]int `json:"summary"`
		Users   []struct {
			Key, Action string
			Changes     []struct{ Field, Coupa, Feed string }
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary["create"] != 1 || doc.Summary["update"] != 2 || doc.Summary["deactivate"] != 1 || doc.Summary["unchanged"] != 1 {
		t.Fatalf("summary %v", doc.Summary)
	}
	for _, u := range doc.Users {
		if u.Key == "mokafor" && (len(u.Changes) != 1 || u.Changes[0].Coupa != "Michael" || u.Changes[0].Feed != "Mike") {
			t.Fatalf("mokafor: %+v (a change's coupa holds the baseline's value)", u.Changes)
		}
	}
	if strings.Count(r.stderr, "not checked against Coupa") != 1 {
		t.Fatalf("the skipped checks are said once:\n%s", r.stderr)
	}
	if r := run(t, env, "apply", plan, "--via", "api", "--yes"); r.code != 1 || !strings.Contains(r.stderr, "--via sftp") {
		t.Fatalf("--via api: %d %s", r.code, r.stderr)
	}
	if r := run(t, env, "apply", plan, "--via", "sftp", "--yes"); r.code != 0 {
		t.Fatalf("apply: %d %s%s", r.code, r.stdout, r.stderr)
	}
	files, _ := conn.List(ctx, "/Incoming/CCW")
	if len(files) != 1 {
		t.Fatalf("uploaded: %v", files)
	}
	got, err := conn.Download(ctx, "/Incoming/CCW/"+files[0].Name())
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/baseline_delta.golden"
	if *updateGolden {
		os.WriteFile(golden, got, 0o644)
	}
	want, _ := os.ReadFile(golden)
	if !bytes.Equal(got, want) {
		t.Fatalf("the delta file differs from %s:\n%s", golden, got)
	}
	// tomorrow: the same export against what was delivered is nothing to do
	if r := run(t, env, "diff", "--feed", tonight, "--baseline", "last", "--detailed-exitcode"); r.code != 0 {
		t.Fatalf("--baseline last: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := coupaHits.Load(); n != 0 {
		t.Fatalf("%d requests reached the Coupa URL", n)
	}
}

// A full file against the baseline: users active in the baseline and
// absent tonight are deactivation candidates, never selected, and the
// guard weighs against the baseline's active users.
func TestBaselineFullFileCandidatesAndGuard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old, tonight := filepath.Join(dir, "old.csv"), filepath.Join(dir, "full.csv")
	os.WriteFile(old, []byte(oldFile), 0o600)
	full := "User ID|Last Name|First Name|Email|CCW User Role|Supervisor ID\nhjenkins|Jenkins|Helen|hjenkins@acme.example|Engaging Manager|\n"
	os.WriteFile(tonight, []byte(full), 0o600)
	r := run(t, nil, "diff", "--feed", tonight, "--baseline", old, "--format", "json", "--detailed-exitcode")
	var doc struct {
		Summary  map[string]int `json:"summary"`
		Selected map[string]int `json:"selected"`
	}
	json.Unmarshal([]byte(r.stdout), &doc)
	if r.code != 0 || doc.Summary["deactivate"] != 3 || doc.Selected["deactivate"] != 0 {
		t.Fatalf("%d %v %v\n%s", r.code, doc.Summary, doc.Selected, r.stderr)
	}
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("profiles:\n  default:\n    max-deactivations: 1\n"), 0o600)
	r = run(t, nil, "--config", cfg, "diff", "--feed", tonight, "--baseline", old, "--format", "json", "--include-deactivations")
	json.Unmarshal([]byte(r.stdout), &doc)
	if doc.Selected["deactivate"] != 0 || !strings.Contains(r.stdout+r.stderr, "guard") {
		t.Fatalf("3 of 4 active baseline users must trip the guard: %v\n%s", doc.Selected, r.stderr)
	}
}

package cmd_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

// putUser changes a user out of band, as someone in Coupa would.
func putUser(t testing.TB, url string, id, body string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url+"/api/users/"+id, strings.NewReader(body))
	req.Header.Set("X-COUPA-API-KEY", emulator.DefaultAPIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT: %v %v", err, resp)
	}
	resp.Body.Close()
}

// drift names each user changed since a snapshot or a plan, the fields
// and who changed them; after a fresh snapshot it is empty.
func TestDriftSinceSnapshotAndPlan(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := apiEnv(url)
	dir := t.TempDir()
	snap, plan := filepath.Join(dir, "s0.json"), filepath.Join(dir, "p0.json")
	if r := run(t, env, "fetch", "--out", snap); r.code != 0 {
		t.Fatal(r.stderr)
	}
	diffDelta(t, env, plan)
	putUser(t, url, "5", `{"lastname":"Rossi-Bianchi"}`) // lrossi, in the plan

	type drift struct {
		Users []struct {
			Key       string
			UpdatedBy string `json:"updated-by"`
			Changes   []struct{ Field, Before, After string }
		}
	}
	for _, since := range []string{snap, plan} {
		r := run(t, env, "drift", "--since", since, "--format", "json")
		var d drift
		if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || r.code != 0 {
			t.Fatalf("%s: %d %v\n%s%s", since, r.code, err, r.stdout, r.stderr)
		}
		if len(d.Users) != 1 || d.Users[0].Key != "lrossi" || d.Users[0].UpdatedBy != "integration" || len(d.Users[0].Changes) != 1 ||
			d.Users[0].Changes[0].Field != "lastname" || d.Users[0].Changes[0].After != "Rossi-Bianchi" {
			t.Fatalf("%s: %s", since, r.stdout)
		}
	}
	text := run(t, env, "drift", "--since", snap)
	if !strings.Contains(text.stdout, `lastname "Rossi" -> "Rossi-Bianchi"`) || !strings.Contains(text.stdout, "by integration") {
		t.Fatalf("%s", text.stdout)
	}
	fresh := filepath.Join(dir, "s1.json")
	run(t, env, "fetch", "--out", fresh)
	if r := run(t, env, "drift", "--since", fresh); r.code != 0 || !strings.Contains(r.stdout, "0 users changed") {
		t.Fatalf("after a fresh snapshot: %s", r.stdout)
	}
	if r := run(t, env, "drift", "--since", fx+"ccw_delta.csv"); r.code != 1 || !strings.Contains(r.stderr, "neither a ccwrecon snapshot nor a plan") {
		t.Fatalf("a feed as --since: %d %s", r.code, r.stderr)
	}
}

// drift --user shows a user's versions across the kept snapshots and
// Coupa now, each with what changed and who changed it.
func TestDriftUserHistory(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	env := append(apiEnv(url), "XDG_CACHE_HOME="+t.TempDir())
	out := filepath.Join(t.TempDir(), "s.json")
	run(t, env, "fetch", "--out", out)
	putUser(t, url, "5", `{"lastname":"Rossi-Bianchi"}`)
	run(t, env, "fetch", "--refresh", "--out", out) // a full read rewrites the cache; the old one is kept
	putUser(t, url, "5", `{"firstname":"Lucas"}`)
	r := run(t, env, "drift", "--user", "LROSSI", "--format", "json")
	var h struct {
		Versions []struct {
			UpdatedBy string `json:"updated-by"`
			Changes   []struct{ Field, Before, After string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &h); err != nil || r.code != 0 {
		t.Fatalf("%d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if len(h.Versions) != 3 || len(h.Versions[1].Changes) != 1 || h.Versions[1].Changes[0].After != "Rossi-Bianchi" ||
		len(h.Versions[2].Changes) != 1 || h.Versions[2].Changes[0].Field != "firstname" || h.Versions[2].UpdatedBy != "integration" {
		t.Fatalf("%s", r.stdout)
	}
}

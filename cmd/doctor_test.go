package cmd_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/feeds/feedstest"
)

var doctorLookups = []string{"--segment-lookup", "1=Company", "--segment-lookup", "2=Cost Center", "--segment-lookup", "3=GL Account"}

type doctorReport struct {
	OK     bool `json:"ok"`
	Checks []struct {
		Name, Status, Detail, Fix string
	} `json:"checks"`
}

func doctor(t *testing.T, env []string, args ...string) (doctorReport, result) {
	t.Helper()
	r := run(t, env, append(append([]string{"doctor", "--format", "json"}, doctorLookups...), args...)...)
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
	}
	return rep, r
}

func (d doctorReport) status(name string) (string, string) {
	for _, c := range d.Checks {
		if c.Name == name {
			return c.Status, c.Detail + " | " + c.Fix
		}
	}
	return "", ""
}

// Every check made holds against the emulator, its SFTP server and real
// GnuPG keys; each fault fails its own check, with what to do.
func TestDoctor(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := emulate(t)
	srv, err := feeds.StartSFTPServer(ctx, "acme", "sftp-pass")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, []byte(srv.KnownHostsLine()), 0o600)
	conn, err := feeds.DialSFTP(ctx, feeds.SFTPConfig{Addr: srv.Addr, User: "acme", Password: "sftp-pass", KnownHosts: kh})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"/Incoming/CCW", "/Incoming/Users", "/Outgoing/CCW"} {
		conn.MkdirAll(d)
	}
	conn.Close()
	g := feedstest.NewGPG(t)
	pub := filepath.Join(dir, "recipient.asc")
	os.WriteFile(pub, g.TestKey(), 0o600)
	sec := filepath.Join(dir, "outbound.sec.asc")
	os.WriteFile(sec, g.OutboundKey(), 0o600)
	base := append(apiEnv(url), "CCW_SFTP_ADDR="+srv.Addr, "CCW_SFTP_USER=acme", "CCW_SFTP_PASSWORD=sftp-pass",
		"CCW_SFTP_KNOWN_HOSTS="+kh, "CCW_PGP_ENCRYPT_TO="+pub, "CCW_PGP_DECRYPT_KEY="+sec, "CCW_PGP_PASSPHRASE=s3cret")

	rep, r := doctor(t, base)
	if r.code != 0 || !rep.OK {
		t.Fatalf("all green expected: %d\n%s", r.code, r.stdout)
	}
	for _, name := range []string{"coupa reachable", "coupa credentials", "chart", "segment lookups", "sftp", "sftp inbound (CCW User file)",
		"sftp inbound (Users CSV)", "sftp outbound", "pgp encryption key", "pgp decryption key"} {
		if st, d := rep.status(name); st != "ok" {
			t.Errorf("%s: %s %s", name, st, d)
		}
	}
	if st, _ := rep.status("coupa scopes"); st != "skip" {
		t.Errorf("an API key has no scopes to check: %s", st)
	}
	// OAuth: the scopes are read from the token
	oauth := append(append([]string(nil), base...), "COUPA_API_KEY=", "COUPA_CLIENT_ID=emulator-client", "COUPA_CLIENT_SECRET=emulator-secret")
	if rep, _ := doctor(t, oauth); !rep.OK {
		t.Errorf("oauth: %+v", rep)
	} else if st, d := rep.status("coupa scopes"); st != "ok" || !strings.Contains(d, "core.user.write") {
		t.Errorf("scopes: %s %s", st, d)
	}

	emptyKH := filepath.Join(dir, "empty_known_hosts")
	os.WriteFile(emptyKH, nil, 0o600)
	// expired and soon-expiring keys, made by GnuPG itself
	g.Run(nil, "--passphrase", "", "--faked-system-time", "20200101T000000!", "--quick-gen-key", "Old <old@acme.example>", "future-default", "default", "1d")
	old := filepath.Join(dir, "old.asc")
	os.WriteFile(old, g.Run(nil, "--armor", "--export", "old@acme.example"), 0o600)
	g.Run(nil, "--passphrase", "", "--quick-gen-key", "Soon <soon@acme.example>", "future-default", "default", "10d")
	soon := filepath.Join(dir, "soon.asc")
	os.WriteFile(soon, g.Run(nil, "--armor", "--export", "soon@acme.example"), 0o600)

	cases := []struct {
		env            []string
		args           []string
		check, st, has string
		code           int
	}{
		{[]string{"COUPA_API_KEY=wrong"}, nil, "coupa credentials", "fail", "refuses", 1},
		{nil, []string{"--segment-lookup", "2=CostCenter"}, "segment lookups", "fail", "did you mean Cost Center?", 1},
		{nil, []string{"--chart", "Acme Corp"}, "chart", "fail", "did you mean Acme Corporate?", 1},
		{[]string{"CCW_SFTP_KNOWN_HOSTS=" + emptyKH}, nil, "sftp host key", "fail", "--accept-host-key SHA256:", 1},
		{[]string{"CCW_SFTP_PASSWORD=wrong"}, nil, "sftp", "fail", "CCW_SFTP_USER", 1},
		{[]string{"CCW_SFTP_DIR=/Nope"}, nil, "sftp inbound (CCW User file)", "fail", "/Nope", 1},
		{[]string{"CCW_PGP_PASSPHRASE=wrong"}, nil, "pgp decryption key", "fail", "passphrase", 1},
		{[]string{"CCW_PGP_ENCRYPT_TO=" + old}, nil, "pgp encryption key", "fail", "expired", 1},
		{[]string{"CCW_PGP_ENCRYPT_TO=" + soon}, nil, "pgp encryption key", "warn", "expires on", 0},
		// without SFTP settings those checks are skipped, not failed
		{[]string{"CCW_SFTP_ADDR="}, nil, "sftp", "skip", "", 0},
	}
	t.Run("faults", func(t *testing.T) {
		for _, f := range cases {
			t.Run(f.check, func(t *testing.T) {
				t.Parallel() // each is its own process against the same servers
				rep, r := doctor(t, append(append([]string(nil), base...), f.env...), f.args...)
				st, d := rep.status(f.check)
				if r.code != f.code || rep.OK != (f.code == 0) || st != f.st || !strings.Contains(d, f.has) {
					t.Errorf("%v %v: exit %d, %s = %s %q", f.env, f.args, r.code, f.check, st, d)
				}
				if strings.Contains(r.stdout+r.stderr, "sftp-pass") || strings.Contains(r.stdout+r.stderr, "s3cret") {
					t.Errorf("a secret reached the output")
				}
			})
		}
	})
	// nothing was left in the inbound folders
	if n := srvFiles(t, ctx, srv.Addr, kh); n != 0 {
		t.Errorf("doctor left %d entries in the inbound folders", n)
	}
}

// srvFiles counts entries in the inbound folders.
func srvFiles(t *testing.T, ctx context.Context, addr, kh string) int {
	conn, err := feeds.DialSFTP(ctx, feeds.SFTPConfig{Addr: addr, User: "acme", Password: "sftp-pass", KnownHosts: kh})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := 0
	for _, d := range []string{"/Incoming/CCW", "/Incoming/Users"} {
		list, _ := conn.List(ctx, d)
		n += len(list)
	}
	return n
}

// init ranks the lookups by the feed's values, saves only what the
// operator chose (asked, or given as flags), checked against Coupa, and
// the first diff after it has no configuration error.
func TestInitSavesAChosenSetup(t *testing.T) {
	t.Parallel()
	url := emulate(t)
	cfg := t.TempDir()
	env := append(apiEnv(url), "XDG_CONFIG_HOME="+cfg)
	path := filepath.Join(cfg, "ccwrecon", "config.yaml")

	r := run(t, env, "init", "--feed", fx+"ccw_delta.csv")
	if r.code != 1 || !strings.Contains(r.stdout, "1) Company                  holds 2 of 2 (100%)") || !strings.Contains(r.stderr, "nothing saved") {
		t.Fatalf("without a choice: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a proposal was saved without a choice")
	}
	if r := run(t, env, "init", "--segment-lookup", "2=CostCenter"); r.code != 1 || !strings.Contains(r.stderr, "did you mean Cost Center?") {
		t.Fatalf("unknown lookup: %d %s", r.code, r.stderr)
	}

	cmd := exec.Command(bin, "init", "--feed", fx+"ccw_delta.csv", "--ask")
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	cmd.Stdin = strings.NewReader("1\nCost Center\n1\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `Saved profile "default"`) {
		t.Fatalf("%v\n%s", err, out)
	}
	saved, _ := os.ReadFile(path)
	for _, want := range []string{"coupa-url: " + url, "chart: Acme Corporate", "1: Company", "2: Cost Center", "3: GL Account"} {
		if !strings.Contains(string(saved), want) {
			t.Errorf("profile lacks %q:\n%s", want, saved)
		}
	}
	if strings.Contains(string(saved), "emulator-api-key") {
		t.Fatal("a secret was saved")
	}
	// the profile carries the setup: no flags, no configuration error
	if r := run(t, env, "diff", "--feed", fx+"ccw_delta.csv", "--format", "json"); r.code != 0 || strings.Contains(r.stdout, "no lookup assigned") {
		t.Fatalf("first diff: %d %s", r.code, r.stderr)
	}
	if r := run(t, env, "init", "--chart", "Acme Corporate", "--segment-lookup", "1=Company"); r.code != 0 {
		t.Fatalf("non-interactive: %d %s", r.code, r.stderr)
	}
	if saved, _ := os.ReadFile(path); strings.Contains(string(saved), "2: Cost Center") || !strings.Contains(string(saved), "1: Company") {
		t.Fatalf("non-interactive init did not save what it was given:\n%s", saved)
	}
}

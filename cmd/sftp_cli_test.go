package cmd_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/ccwrecon/ccwrecon/feeds"
)

// acmeSFTP starts the embedded SFTP server (user acme, password
// sftp-pass-123) until ctx ends, and writes its host key to a known_hosts
// file in a new folder.
func acmeSFTP(t *testing.T, ctx context.Context) (srv *feeds.SFTPServer, dir, kh string) {
	t.Helper()
	srv, err := feeds.StartSFTPServer(ctx, "acme", "sftp-pass-123")
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	kh = filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, []byte(srv.KnownHostsLine()), 0o600)
	return srv, dir, kh
}

// TestPullAndRemoteFeed: a PGP-encrypted file in /Outgoing/CCW is pulled and
// decrypted, and read directly as --feed sftp:///Outgoing/CCW/....
func TestPullAndRemoteFeed(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, dir, kh := acmeSFTP(t, ctx)

	// the customer's key pair, passphrase-protected
	e, err := openpgp.NewEntity("Acme", "", "it@acme.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.EncryptPrivateKeys([]byte("pgp-pass-456"), nil); err != nil {
		t.Fatal(err)
	}
	var priv bytes.Buffer
	w, _ := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	e.SerializePrivateWithoutSigning(w, nil)
	w.Close()
	keyFile := filepath.Join(dir, "acme.key.asc")
	os.WriteFile(keyFile, priv.Bytes(), 0o600)

	plain, _ := os.ReadFile(fx + "ccw_delta.csv")
	var enc bytes.Buffer
	if err := feeds.Encrypt(&enc, bytes.NewReader(plain), openpgp.EntityList{e}, false); err != nil {
		t.Fatal(err)
	}
	conn, err := feeds.DialSFTP(ctx, feeds.SFTPConfig{Addr: srv.Addr, User: "acme", Password: "sftp-pass-123", KnownHosts: kh})
	if err != nil {
		t.Fatal(err)
	}
	conn.MkdirAll("/Outgoing/CCW")
	if err := conn.Upload(ctx, "/Outgoing/CCW", "users_20261124.csv.pgp", enc.Bytes()); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	env := []string{"CCW_SFTP_ADDR=" + srv.Addr, "CCW_SFTP_USER=acme", "CCW_SFTP_PASSWORD=sftp-pass-123",
		"CCW_SFTP_KNOWN_HOSTS=" + kh, "CCW_PGP_DECRYPT_KEY=" + keyFile, "CCW_PGP_PASSPHRASE=pgp-pass-456"}
	out := filepath.Join(dir, "pulled")
	os.MkdirAll(out, 0o755)
	r := run(t, env, "pull", "--out", out)
	if r.code != 0 {
		t.Fatalf("pull: %d %s", r.code, r.stderr)
	}
	got, err := os.ReadFile(filepath.Join(out, "users_20261124.csv"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("pulled file: %v", err)
	}
	if strings.Contains(r.stdout+r.stderr, "pgp-pass-456") || strings.Contains(r.stdout+r.stderr, "sftp-pass-123") {
		t.Fatal("a secret was printed")
	}
	// the same file as a remote feed, straight into diff (against a snapshot)
	url := emulate(t)
	snap := filepath.Join(dir, "snap.json")
	if r := run(t, []string{"COUPA_URL=" + url, "COUPA_API_KEY=emulator-api-key"}, "fetch", "--out", snap); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r = run(t, env, append([]string{"diff", "--snapshot", snap, "--feed", "sftp:///Outgoing/CCW/users_20261124.csv.pgp"}, lookups...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "Feed users_20261124.csv (ccw, delta)") || !strings.Contains(r.stdout, "Plan: 2 to create") {
		t.Fatalf("remote feed: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// a wrong passphrase is a clear error that does not echo it
	bad := append(append([]string(nil), env[:len(env)-1]...), "CCW_PGP_PASSPHRASE=wrong-pass")
	r = run(t, bad, "diff", "--snapshot", snap, "--feed", "sftp:///Outgoing/CCW/users_20261124.csv.pgp")
	if r.code != 1 || !strings.Contains(r.stderr, "wrong passphrase") || strings.Contains(r.stderr, "wrong-pass") {
		t.Fatalf("wrong passphrase: %d %s", r.code, r.stderr)
	}
}

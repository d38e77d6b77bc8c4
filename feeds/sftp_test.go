package feeds

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds/feedstest"
)

func TestEmbeddedServerAndHostKeyPinning(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := StartSFTPServer(ctx, "demo", "demo-pass")
	if err != nil {
		t.Fatal(err)
	}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	cfg := SFTPConfig{Addr: srv.Addr, User: "demo", Password: "demo-pass", KnownHosts: kh}
	_, err = DialSFTP(ctx, cfg)
	var he *HostKeyError
	if !errors.As(err, &he) || he.Changed || !strings.HasPrefix(he.Fingerprint, "SHA256:") {
		t.Fatalf("unknown host key must be refused with its fingerprint: %v", err)
	}
	cfg.AcceptHostKey = "SHA256:not-it"
	if _, err := DialSFTP(ctx, cfg); err == nil {
		t.Fatal("a wrong pin was accepted")
	}
	cfg.AcceptHostKey = he.Fingerprint
	c, err := DialSFTP(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.MkdirAll("/Incoming/CCW")
	if err := c.Upload(ctx, "/Incoming/CCW", "a.csv", []byte("x|y\n")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	cfg.AcceptHostKey = "" // pinned now
	c, err = DialSFTP(ctx, cfg)
	if err != nil {
		t.Fatalf("pinned key: %v", err)
	}
	defer c.Close()
	got, err := c.Download(ctx, "/Incoming/CCW/a.csv")
	if err != nil || string(got) != "x|y\n" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := DialSFTP(ctx, SFTPConfig{Addr: srv.Addr, User: "demo", Password: "wrong", KnownHosts: kh}); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad password: %v", err)
	}
}

func TestRealSSHDKeyAuthUploadLeavesOnlyTheFinalFile(t *testing.T) {
	t.Parallel()
	s := feedstest.StartSSHD(t)
	ctx := context.Background()
	c, err := DialSFTP(ctx, SFTPConfig{Addr: s.Addr, User: s.User, KeyFile: s.KeyFile, KnownHosts: s.KnownHosts})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := []byte(strings.Repeat("1|user|Doe|Jane|jane@acme.example\n", 5000))
	if err := c.Upload(ctx, "/Incoming/CCW", "ccw_users_1.csv", data); err != nil {
		t.Fatal(err)
	}
	// overwrite in place through the atomic rename
	if err := c.Upload(ctx, "/Incoming/CCW", "ccw_users_1.csv", data[:100]); err != nil {
		t.Fatal(err)
	}
	if files := s.Files("Incoming/CCW"); len(files) != 1 || files[0] != "ccw_users_1.csv" {
		t.Fatalf("left behind: %v", files)
	}
	b, _ := os.ReadFile(filepath.Join(s.Root, "Incoming/CCW/ccw_users_1.csv"))
	if len(b) != 100 {
		t.Fatalf("final file has %d bytes", len(b))
	}
	// a failing upload (no such folder) leaves nothing behind either
	if err := c.Upload(ctx, "/Incoming/Nope", "x.csv", data); err == nil {
		t.Fatal("upload into a missing folder succeeded")
	}
}

func TestRealSSHDPasswordAuth(t *testing.T) {
	t.Parallel()
	s := feedstest.StartSSHD(t)
	user, pass := feedstest.PasswordUser(t)
	ctx := context.Background()
	c, err := DialSFTP(ctx, SFTPConfig{Addr: s.Addr, User: user, Password: pass, KnownHosts: s.KnownHosts})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Upload(ctx, "/Incoming/CCW", "pw.csv", []byte("a\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := DialSFTP(ctx, SFTPConfig{Addr: s.Addr, User: user, Password: pass + "x", KnownHosts: s.KnownHosts}); err == nil {
		t.Fatal("wrong password accepted")
	}
}

func TestRealSSHDChangedHostKeyIsRefused(t *testing.T) {
	t.Parallel()
	s := feedstest.StartSSHD(t)
	old, _ := os.ReadFile(s.KnownHosts)
	s.NewHostKey()
	os.WriteFile(s.KnownHosts, old, 0o600) // the operator's known_hosts still holds the old key
	_, err := DialSFTP(context.Background(), SFTPConfig{Addr: s.Addr, User: s.User, KeyFile: s.KeyFile, KnownHosts: s.KnownHosts, AcceptHostKey: "SHA256:anything"})
	var he *HostKeyError
	if !errors.As(err, &he) || !he.Changed || !strings.Contains(err.Error(), "HOST KEY CHANGED") {
		t.Fatalf("changed key: %v", err)
	}
	_ = exec.Command
}

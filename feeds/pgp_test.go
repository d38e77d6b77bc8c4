package feeds

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// requireTool skips when a real tool is missing on a developer machine,
// but fails in CI, which must install it.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (.ci/run installs it)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

type gpgHome struct {
	t    *testing.T
	home string
}

func newGPG(t *testing.T) *gpgHome {
	requireTool(t, "gpg")
	dir, err := os.MkdirTemp("", "gpg") // short path: gpg-agent sockets have a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", dir, "--kill", "gpg-agent").Run()
		os.RemoveAll(dir)
	})
	os.Chmod(dir, 0o700)
	return &gpgHome{t, dir}
}

func (g *gpgHome) run(stdin []byte, args ...string) []byte {
	g.t.Helper()
	cmd := exec.Command("gpg", append([]string{"--homedir", g.home, "--batch", "--yes", "--pinentry-mode", "loopback", "--auto-key-locate", "local"}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("gpg %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

func TestGPGDecryptsWhatWeEncrypt(t *testing.T) {
	g := newGPG(t)
	g.run(nil, "--passphrase", "", "--quick-gen-key", "CCW Inbound <ccw@example.com>", "default", "default", "never")
	pub := g.run(nil, "--armor", "--export", "ccw@example.com")
	keys, err := ReadKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("Status|User ID|Last Name|First Name|Email\n1|jürgen|Müller|Jürgen|jm@acme.example\n")
	for _, armored := range []bool{true, false} {
		var enc bytes.Buffer
		if err := Encrypt(&enc, bytes.NewReader(plain), keys, armored); err != nil {
			t.Fatal(err)
		}
		if armored != strings.HasPrefix(enc.String(), "-----BEGIN PGP MESSAGE") || !LooksEncrypted(enc.Bytes()) {
			t.Fatalf("armored=%v: wrong output form", armored)
		}
		got := g.run(enc.Bytes(), "--decrypt")
		if !bytes.Equal(got, plain) {
			t.Fatalf("gpg decrypted %q", got)
		}
	}
}

func TestWeDecryptWhatGPGEncrypts(t *testing.T) {
	g := newGPG(t)
	g.run(nil, "--passphrase", "s3cret", "--quick-gen-key", "Acme Outbound <it@acme.example>", "default", "default", "never")
	sec := g.run(nil, "--passphrase", "s3cret", "--armor", "--export-secret-keys", "it@acme.example")
	keys, err := ReadKeys(sec)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("CCW CW Number|Email\nCW-1|a@acme.example\n")
	for _, armor := range []bool{true, false} {
		args := []string{"--trust-model", "always", "--encrypt", "-r", "it@acme.example"}
		if armor {
			args = append([]string{"--armor"}, args...)
		}
		enc := g.run(plain, args...)
		got, err := Decrypt(bytes.NewReader(enc), keys, []byte("s3cret"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("decrypted %q", got)
		}
	}
	keys2, _ := ReadKeys(sec)
	enc := g.run(plain, "--trust-model", "always", "--encrypt", "-r", "it@acme.example")
	if _, err := Decrypt(bytes.NewReader(enc), keys2, []byte("wrong")); err == nil || strings.Contains(err.Error(), "wrong\"") {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

func TestRefusesKeysGnuPG22CannotUse(t *testing.T) {
	e, err := openpgp.NewEntity("v6", "", "v6@example.com", &packet.Config{V6Keys: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encrypt(&buf, strings.NewReader("x"), openpgp.EntityList{e}, true); err == nil || !strings.Contains(err.Error(), "v6") {
		t.Fatalf("v6 key accepted: %v", err)
	}
	aead, err := openpgp.NewEntity("aead", "", "aead@example.com", &packet.Config{AEADConfig: &packet.AEADConfig{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range aead.Identities {
		id.SelfSignature.SEIPDv1 = false // a key that only takes SEIPDv2
	}
	if err := Encrypt(&buf, strings.NewReader("x"), openpgp.EntityList{aead}, true); err == nil || !strings.Contains(err.Error(), "SEIPDv2") {
		t.Fatalf("SEIPDv2-only key accepted: %v", err)
	}
	_ = filepath.Join
}

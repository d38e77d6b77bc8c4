// Package feedstest starts the real tools the transport tests talk to: an
// OpenSSH sshd on a loopback port and GnuPG in a throwaway home.
package feedstest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	_ "embed"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Require skips when a tool is missing on a developer machine but fails in
// CI, which must install it.
func Require(t testing.TB, name string) string {
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

// SSHD is a running OpenSSH server whose SFTP users are chrooted to Root.
type SSHD struct {
	Addr       string
	Root       string // chroot: /Incoming/CCW is Root/Incoming/CCW
	KnownHosts string // a known_hosts file holding the server's key
	KeyFile    string // a private key authorised for User
	User       string
	dir        string
	port       string
	cmd        *exec.Cmd
	t          testing.TB
}

func sshdPath(t testing.TB) string {
	for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return Require(t, "sshd")
}

// StartSSHD starts sshd for the current user (key auth) and, when the
// environment names one (CCW_TEST_SFTP_USER / CCW_TEST_SFTP_PASSWORD, set up
// by .ci/run), a password user.
func StartSSHD(t testing.TB) *SSHD {
	t.Helper()
	bin := sshdPath(t)
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the sshd tests need root (chroot) in CI")
		}
		t.Skip("sshd tests need root for the chroot")
	}
	os.MkdirAll("/run/sshd", 0o755)
	// OpenSSH wants every component of a chroot root-owned and not
	// group/world-writable, which rules out /tmp.
	base := "/var/lib/ccwrecon-test-sshd"
	os.MkdirAll(base, 0o755)
	os.Chmod(base, 0o755)
	dir, err := os.MkdirTemp(base, "sshd")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	s := &SSHD{dir: dir, Root: filepath.Join(dir, "root"), t: t}
	for _, d := range []string{"Incoming/CCW", "Incoming/Users", "Outgoing/CCW"} {
		os.MkdirAll(filepath.Join(s.Root, d), 0o777)
		os.Chmod(filepath.Join(s.Root, d), 0o777)
		os.Chmod(filepath.Join(s.Root, strings.Split(d, "/")[0]), 0o755)
	}
	os.Chmod(s.Root, 0o755)
	// client key
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sp, _ := ssh.NewPublicKey(pub)
	block, _ := ssh.MarshalPrivateKey(priv, "")
	s.KeyFile = filepath.Join(dir, "id_ed25519")
	os.WriteFile(s.KeyFile, pem.EncodeToMemory(block), 0o600)
	os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(sp), 0o644)
	s.User = currentUser()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	_, s.port, _ = net.SplitHostPort(s.Addr)
	ln.Close()
	s.start(bin)
	t.Cleanup(func() { s.stop(); os.RemoveAll(dir) })
	return s
}

func currentUser() string {
	out, err := exec.Command("id", "-un").Output()
	if err != nil {
		return "root"
	}
	return strings.TrimSpace(string(out))
}

// NewHostKey restarts the server with a different host key.
func (s *SSHD) NewHostKey() {
	s.stop()
	os.Remove(filepath.Join(s.dir, "host_ed25519"))
	os.Remove(filepath.Join(s.dir, "host_ed25519.pub"))
	s.start(sshdPath(s.t))
}

func (s *SSHD) start(bin string) {
	t := s.t
	hk := filepath.Join(s.dir, "host_ed25519")
	if _, err := os.Stat(hk); err != nil {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hk).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	cfg := fmt.Sprintf(`Port %s
ListenAddress 127.0.0.1
HostKey %s
PidFile %s/sshd.pid
AuthorizedKeysFile %s/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin yes
Subsystem sftp internal-sftp
ChrootDirectory %s
ForceCommand internal-sftp
LogLevel ERROR
`, s.port, hk, s.dir, s.dir, s.Root)
	conf := filepath.Join(s.dir, "sshd_config")
	os.WriteFile(conf, []byte(cfg), 0o600)
	s.cmd = exec.Command(bin, "-D", "-e", "-f", conf)
	var errb bytes.Buffer
	s.cmd.Stderr = &errb
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", s.Addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	pubB, _ := os.ReadFile(hk + ".pub")
	s.KnownHosts = filepath.Join(s.dir, "known_hosts")
	os.WriteFile(s.KnownHosts, []byte(fmt.Sprintf("[127.0.0.1]:%s %s", s.port, pubB)), 0o600)
}

func (s *SSHD) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// Files lists what is in a folder of the chroot (dot-files included).
func (s *SSHD) Files(dir string) []string {
	entries, _ := os.ReadDir(filepath.Join(s.Root, dir))
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// PasswordUser returns the CI-provisioned password account, if any.
func PasswordUser(t testing.TB) (user, password string) {
	user, password = os.Getenv("CCW_TEST_SFTP_USER"), os.Getenv("CCW_TEST_SFTP_PASSWORD")
	if user == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must provide CCW_TEST_SFTP_USER/CCW_TEST_SFTP_PASSWORD (see .ci/run)")
		}
		t.Skip("no password account (CCW_TEST_SFTP_USER)")
	}
	return user, password
}

// GPG is GnuPG with a throwaway home.
type GPG struct {
	t    testing.TB
	Home string
}

// NewGPG makes a GnuPG home (short path: agent sockets have a length limit).
func NewGPG(t testing.TB) *GPG {
	Require(t, "gpg")
	dir, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", dir, "--kill", "gpg-agent").Run()
		os.RemoveAll(dir)
	})
	return &GPG{t, dir}
}

// Run runs gpg in batch mode.
func (g *GPG) Run(stdin []byte, args ...string) []byte {
	g.t.Helper()
	base := []string{"--homedir", g.Home, "--batch", "--yes", "--pinentry-mode", "loopback", "--auto-key-locate", "local"}
	cmd := exec.Command("gpg", append(base, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("gpg %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

// Throwaway test keys made by GnuPG 2.2 itself ("default": RSA-3072 with
// an encryption subkey, no passphrase; "future-default": Ed25519/Cv25519,
// passphrase s3cret). Importing them is instant; generating keys in a test
// waits seconds for entropy.
//
//go:embed testdata/test-rsa.sec.asc
var testRSAKey []byte

//go:embed testdata/outbound-cv25519.sec.asc
var outboundKey []byte

// TestKey imports GnuPG's default kind of key (RSA-3072, no passphrase)
// and returns its armored public key; its uid is test@ccwrecon.example.
func (g *GPG) TestKey() []byte {
	g.Run(testRSAKey, "--import")
	return g.Run(nil, "--armor", "--export", "test@ccwrecon.example")
}

// OutboundKey imports a Cv25519 key protected by the passphrase "s3cret"
// (uid it@acme.example) and returns the armored secret key.
func (g *GPG) OutboundKey() []byte {
	g.Run(outboundKey, "--import")
	return outboundKey
}

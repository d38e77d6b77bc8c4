package feeds

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SFTPConfig says how to reach Coupa's SFTP account. Password and key may
// both be set; secrets never appear in errors.
type SFTPConfig struct {
	Addr, User    string
	Password      string
	KeyFile       string
	KnownHosts    string // required: unknown or changed host keys are refused
	AcceptHostKey string // "SHA256:..." pins an unknown key on first use
	Timeout       time.Duration
}

// SFTP is an open SFTP session (one connection; Coupa allows at most 5).
type SFTP struct {
	conn   *ssh.Client
	client *sftp.Client
}

// HostKeyError is a refused host key, with the fingerprint to verify.
type HostKeyError struct {
	Addr, Fingerprint string
	Changed           bool
}

func (e *HostKeyError) Error() string {
	if e.Changed {
		return fmt.Sprintf("HOST KEY CHANGED for %s: the server now presents %s, which does not match known_hosts. Refusing to connect; if the change is expected, update known_hosts", e.Addr, e.Fingerprint)
	}
	return fmt.Sprintf("unknown host key for %s: %s. Verify it with the SFTP provider, then pass --accept-host-key %s to pin it", e.Addr, e.Fingerprint, e.Fingerprint)
}

// DialSFTP connects and authenticates.
func DialSFTP(ctx context.Context, cfg SFTPConfig) (*SFTP, error) {
	if cfg.Addr == "" || cfg.User == "" {
		return nil, errors.New("SFTP needs --sftp-addr and --sftp-user (CCW_SFTP_ADDR, CCW_SFTP_USER)")
	}
	if cfg.KnownHosts == "" {
		home, _ := os.UserHomeDir()
		cfg.KnownHosts = filepath.Join(home, ".ssh", "known_hosts")
	}
	if _, err := os.Stat(cfg.KnownHosts); errors.Is(err, os.ErrNotExist) {
		os.MkdirAll(filepath.Dir(cfg.KnownHosts), 0o700)
		if f, err := os.OpenFile(cfg.KnownHosts, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		}
	}
	check, err := knownhosts.New(cfg.KnownHosts)
	if err != nil {
		return nil, fmt.Errorf("known_hosts %s: %v", cfg.KnownHosts, err)
	}
	var auth []ssh.AuthMethod
	if cfg.KeyFile != "" {
		pem, err := os.ReadFile(cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("SSH key: %v", err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		if err != nil {
			return nil, fmt.Errorf("SSH key %s: %v", cfg.KeyFile, err)
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if cfg.Password != "" {
		auth = append(auth, ssh.Password(cfg.Password))
	}
	if len(auth) == 0 {
		return nil, errors.New("SFTP needs a password (CCW_SFTP_PASSWORD) or a key (--sftp-key)")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Second
	}
	sc := &ssh.ClientConfig{User: cfg.User, Auth: auth, Timeout: cfg.Timeout,
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			err := check(host, remote, key)
			if err == nil {
				return nil
			}
			var ke *knownhosts.KeyError
			if !errors.As(err, &ke) {
				return err
			}
			fp := ssh.FingerprintSHA256(key)
			if len(ke.Want) > 0 {
				return &HostKeyError{Addr: cfg.Addr, Fingerprint: fp, Changed: true}
			}
			if cfg.AcceptHostKey != "" && cfg.AcceptHostKey == fp {
				line := knownhosts.Line([]string{knownhosts.Normalize(cfg.Addr)}, key)
				f, err := os.OpenFile(cfg.KnownHosts, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = fmt.Fprintln(f, line)
				return err
			}
			return &HostKeyError{Addr: cfg.Addr, Fingerprint: fp}
		}}
	d := net.Dialer{Timeout: cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("cannot reach SFTP server %s: %v", cfg.Addr, err)
	}
	// The handshake honours the context and the timeout: a server that
	// accepts the connection and then says nothing cannot hold us.
	deadline := time.Now().Add(cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
	c, chans, reqs, err := ssh.NewClientConn(nc, cfg.Addr, sc)
	stop()
	if err == nil {
		nc.SetDeadline(time.Time{})
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("SFTP login to %s: cancelled", cfg.Addr)
		}
		var he *HostKeyError
		if errors.As(err, &he) {
			return nil, he
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("SFTP login to %s as %s was refused: check CCW_SFTP_USER and the password (CCW_SFTP_PASSWORD) or key (--sftp-key) the SFTP account was given", cfg.Addr, cfg.User)
		}
		return nil, fmt.Errorf("SFTP login to %s as %s failed: %v", cfg.Addr, cfg.User, err)
	}
	conn := ssh.NewClient(c, chans, reqs)
	client, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("SFTP subsystem on %s: %v", cfg.Addr, err)
	}
	return &SFTP{conn: conn, client: client}, nil
}

// Close ends the session.
func (s *SFTP) Close() error {
	s.client.Close()
	return s.conn.Close()
}

// watch closes the session if ctx ends mid-operation (pkg/sftp is not context-aware).
func (s *SFTP) watch(ctx context.Context) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			s.conn.Close()
		case <-done:
		}
	}()
	return func() { close(done) }
}

// Upload writes data under a temporary dot-name in dir, checks the remote
// size, then renames it into place (atomically where the server offers
// posix-rename). A failure removes the temporary file: Coupa's poller never
// sees a partial file.
func (s *SFTP) Upload(ctx context.Context, dir, name string, data []byte) (err error) {
	defer s.watch(ctx)()
	b := make([]byte, 4)
	rand.Read(b)
	final := path.Join(dir, name)
	tmp := path.Join(dir, "."+name+"."+hex.EncodeToString(b)+".partial")
	defer func() {
		if err != nil {
			s.client.Remove(tmp)
			if ctx.Err() != nil {
				err = fmt.Errorf("upload of %s cancelled", name)
			}
		}
	}()
	f, err := s.client.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("cannot create %s: %v", tmp, err)
	}
	if _, err = io.Copy(f, bytes.NewReader(data)); err != nil {
		f.Close()
		return fmt.Errorf("upload of %s failed: %v", name, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("upload of %s failed: %v", name, err)
	}
	st, err := s.client.Stat(tmp)
	if err != nil {
		return err
	}
	if st.Size() != int64(len(data)) {
		return fmt.Errorf("upload of %s: remote size %d, sent %d", name, st.Size(), len(data))
	}
	if _, ok := s.client.HasExtension("posix-rename@openssh.com"); ok {
		if err = s.client.PosixRename(tmp, final); err != nil {
			return fmt.Errorf("rename into %s failed: %v", final, err)
		}
		return nil
	}
	if err = s.client.Rename(tmp, final); err != nil {
		// SFTPv3 rename refuses an existing target.
		s.client.Remove(final)
		if err = s.client.Rename(tmp, final); err != nil {
			return fmt.Errorf("rename into %s failed: %v", final, err)
		}
	}
	return nil
}

// Download reads a remote file, up to MaxFeedBytes.
func (s *SFTP) Download(ctx context.Context, p string) ([]byte, error) {
	defer s.watch(ctx)()
	f, err := s.client.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	defer f.Close()
	return ReadAllLimited(f, p)
}

// List names the regular files in a remote folder.
func (s *SFTP) List(ctx context.Context, dir string) ([]os.FileInfo, error) {
	defer s.watch(ctx)()
	all, err := s.client.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", dir, err)
	}
	var out []os.FileInfo
	for _, fi := range all {
		if fi.Mode().IsRegular() {
			out = append(out, fi)
		}
	}
	return out, nil
}

// MkdirAll creates a remote folder and its parents.
func (s *SFTP) MkdirAll(dir string) error { return s.client.MkdirAll(dir) }

// CheckWritable proves dir exists and takes new entries without leaving
// a file a poller could pick up: it makes and removes an empty hidden
// directory.
func (s *SFTP) CheckWritable(dir string) error {
	if st, err := s.client.Stat(dir); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	probe := path.Join(dir, fmt.Sprintf(".ccwrecon-doctor-%d", time.Now().UnixNano()))
	if err := s.client.Mkdir(probe); err != nil {
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
	return s.client.RemoveDirectory(probe)
}

package cmd

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ccwrecon/ccwrecon/feeds"
)

// sampleFeed is the CCW delta feed the demo and the try-out SFTP server
// carry (embedded in the binary; read from the tree under go test).
func sampleFeed() ([]byte, error) { return sampleFile("ccw_delta.csv") }

// sampleFile is a sample feed of testdata/feeds, embedded in the binary.
func sampleFile(name string) ([]byte, error) {
	if Assets != nil {
		return fs.ReadFile(Assets, "testdata/feeds/"+name)
	}
	return os.ReadFile("testdata/feeds/" + name)
}

// tryoutSFTP is the embedded SFTP server of `demo` and `emulate --sftp`:
// loopback only, a throwaway host key, Coupa's folders, and the sample
// feed in /Outgoing/CCW for pull; Users CSVs landing in /Incoming/Users go
// to load (the emulator, like Coupa's poller). It writes a known_hosts
// file into dir.
type tryoutSFTP struct {
	srv        *feeds.SFTPServer
	knownHosts string
	user       string
}

const (
	tryoutInDir, tryoutUsersDir, tryoutOutDir = "/Incoming/CCW", "/Incoming/Users", "/Outgoing/CCW"
)

func startTryoutSFTP(ctx context.Context, dir, user, password string, load func(name string, data []byte)) (*tryoutSFTP, error) {
	srv, err := feeds.StartSFTPServer(ctx, user, password)
	if err != nil {
		return nil, err
	}
	if load != nil { // Users CSVs landing in /Incoming/Users are loaded, as Coupa's poller does
		srv.OnFile(tryoutUsersDir, load)
	}
	t := &tryoutSFTP{srv: srv, knownHosts: filepath.Join(dir, "known_hosts"), user: user}
	if err := os.WriteFile(t.knownHosts, []byte(srv.KnownHostsLine()), 0o600); err != nil {
		return nil, err
	}
	conn, err := feeds.DialSFTP(ctx, feeds.SFTPConfig{Addr: srv.Addr, User: user, Password: password, KnownHosts: t.knownHosts})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	for _, d := range []string{tryoutInDir, tryoutUsersDir, tryoutOutDir} {
		if err := conn.MkdirAll(d); err != nil {
			return nil, err
		}
	}
	feed, err := sampleFeed()
	if err != nil {
		return nil, err
	}
	if err := conn.Upload(ctx, tryoutOutDir, "ccw_delta.csv", feed); err != nil {
		return nil, err
	}
	// last night's delivery, for the stand-alone route (--baseline)
	yesterday, err := sampleFile("ccw_clean.csv")
	if err != nil {
		return nil, err
	}
	if err := conn.Upload(ctx, tryoutOutDir, "ccw_yesterday.csv", yesterday); err != nil {
		return nil, err
	}
	return t, nil
}

// fingerprint is the host key's SHA256 fingerprint, as ssh-keygen -l prints it.
func (t *tryoutSFTP) fingerprint() string {
	sum := sha256.Sum256(t.srv.HostKey.Marshal())
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

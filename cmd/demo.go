package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/apply"
)

// Assets holds the embedded default instance and sample feed (set by main).
var Assets fs.FS

// defaultSeed reads the embedded default instance.
func defaultSeed() (*emulator.Seed, error) {
	if Assets == nil {
		return emulator.LoadSeed("testdata/instance.json")
	}
	b, err := fs.ReadFile(Assets, "testdata/instance.json")
	if err != nil {
		return nil, err
	}
	var s emulator.Seed
	return &s, json.Unmarshal(b, &s)
}

func newDemoCmd() *cobra.Command {
	var mouse bool
	c := &cobra.Command{
		Use:   "demo",
		Short: "Open the console on an embedded Coupa emulator, an embedded SFTP server and a sample feed",
		Long: `Everything runs in this process on loopback: a Coupa emulator with the Acme sample instance,
an SFTP server with a throwaway host key, and a sample CCW delta feed. Applying really changes
the emulator and really uploads to the SFTP server. Without a terminal it prints the plan.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			svc, dir, cleanup, err := startDemo(ctx)
			if err != nil {
				return err
			}
			keepIt := false
			keep := func() { keepIt = true }
			defer func() {
				if !keepIt {
					cleanup()
				}
			}()
			if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
				fmt.Fprintln(os.Stderr, "demo: not a terminal, so here is the plan the console would open on:")
				return runDiffWith(ctx, &diffOptions{format: "text"}, svc, os.Stdout)
			}
			saved, err := openConsole(ctx, svc, consoleOptions{mouse: mouse, planDir: dir})
			if len(saved) > 0 {
				keep() // what the operator saved stays, and is named
				fmt.Fprintf(os.Stderr, "demo: kept what you saved in %s:\n", dir)
				for _, p := range saved {
					fmt.Fprintf(os.Stderr, "  %s\n", termtext.Safe(p))
				}
			}
			return err
		},
	}
	c.Flags().BoolVar(&mouse, "mouse", false, "enable the mouse wheel (disables terminal text selection)")
	return c
}

// startDemo starts the embedded services and returns a service pointing
// at them, and the folder it works in.
func startDemo(ctx context.Context) (*ccsync.Service, string, func(), error) {
	seed, err := defaultSeed()
	if err != nil {
		return nil, "", nil, err
	}
	srv := emulator.New(seed, emulator.Options{Rate: 25, Burst: 20, LoadDelay: 3 * time.Second})
	url, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	pw := make([]byte, 12)
	rand.Read(pw)
	password := hex.EncodeToString(pw)
	dir, err := os.MkdirTemp("", "ccwrecon-demo-")
	if err != nil {
		return nil, "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	sftpSrv, err := startTryoutSFTP(ctx, dir, "demo", password, func(n string, b []byte) { srv.LoadUsersCSV(n, b) })
	if err != nil {
		return nil, "", cleanup, err
	}
	feed := filepath.Join(dir, "ccw_delta.csv")
	data, err := sampleFeed()
	if err != nil {
		return nil, "", cleanup, err
	}
	if err := os.WriteFile(feed, data, 0o600); err != nil {
		return nil, "", cleanup, err
	}
	s := &Settings{APIKey: emulator.DefaultAPIKey, SFTPPassword: password}
	s.Rate, s.Burst, s.Timeout = gf.rate, gf.burst, gf.timeout // the client's pacing, as every command takes it
	s.CoupaURL, s.SFTPAddr, s.SFTPUser, s.KnownHosts = url, sftpSrv.srv.Addr, "demo", sftpSrv.knownHosts
	s.SFTPDir, s.SFTPUsersDir, s.SFTPOutDir = tryoutInDir, tryoutUsersDir, tryoutOutDir
	// The demo's SFTP route loads a Users CSV (a unified customer), so the
	// whole loop shows: upload, the emulator's load a few seconds later, the
	// report following it (l). The CCW User file: ccwrecon emulate --sftp.
	s.SFTPFileFormat = apply.FormatCore
	o := &diffOptions{feed: feed, format: "text", segmentLookups: []string{"1=Company", "2=Cost Center", "3=GL Account"}}
	e, err := s.engagement(o)
	if err != nil {
		return nil, "", cleanup, err
	}
	e.Cache = func(string) (string, error) { return filepath.Join(dir, "cache.json"), nil }
	return ccsync.NewService(e), dir, cleanup, nil
}

package cmd

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
)

func newPullCmd() *cobra.Command {
	var out, pattern, accept string
	c := &cobra.Command{
		Use:   "pull",
		Short: "Download (and PGP-decrypt) files from /Outgoing/CCW",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			svc, s, err := newService(&diffOptions{})
			if err != nil {
				return err
			}
			if _, err := path.Match(pattern, ""); err != nil {
				return fmt.Errorf("--pattern %q: %v", pattern, err)
			}
			conn, err := feeds.DialSFTP(c.Context(), s.sftpConfig(accept))
			if err != nil {
				return err
			}
			defer conn.Close()
			files, err := conn.List(c.Context(), s.SFTPOutDir)
			if err != nil {
				return err
			}
			n := 0
			for _, fi := range files {
				if ok, _ := path.Match(pattern, fi.Name()); !ok {
					continue
				}
				name := fi.Name()
				if name != filepath.Base(name) || name == "." || name == ".." {
					fmt.Fprintf(os.Stderr, "skipped %s: not a plain file name\n", termtext.Safe(name))
					continue
				}
				data, err := conn.Download(c.Context(), path.Join(s.SFTPOutDir, name))
				if err != nil {
					return err
				}
				if feeds.IsEncryptedName(name) || feeds.LooksEncrypted(data) {
					if data, err = svc.Decrypt(data); err != nil {
						return fmt.Errorf("%s: %v", termtext.Safe(name), err)
					}
					name = feeds.TrimPGPExt(name)
				}
				dst := filepath.Join(out, name)
				if err := fileutil.WriteAtomic(dst, fileutil.Private, func(f io.Writer) error { _, err := bytes.NewReader(data).WriteTo(f); return err }); err != nil {
					return err
				}
				fmt.Printf("%s -> %s (%d bytes)\n", termtext.Safe(fi.Name()), termtext.Safe(dst), len(data))
				n++
			}
			fmt.Fprintf(os.Stderr, "%d files pulled from %s\n", n, termtext.Safe(s.SFTPOutDir))
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", ".", "local folder")
	c.Flags().StringVar(&pattern, "pattern", "*", "only files matching this glob")
	c.Flags().StringVar(&accept, "accept-host-key", "", "pin an unknown SFTP host key (SHA256:...) on first use")
	return c
}

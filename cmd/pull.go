package cmd

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
)

func newPullCmd() *cobra.Command {
	var out, pattern, accept string
	c := &cobra.Command{
		Use:   "pull",
		Short: "Download (and PGP-decrypt) files from /Outgoing/CCW",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := resolveSettings()
			if err != nil {
				return err
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
				data, err := conn.Download(c.Context(), path.Join(s.SFTPOutDir, fi.Name()))
				if err != nil {
					return err
				}
				name := fi.Name()
				if feeds.IsEncryptedName(name) || feeds.LooksEncrypted(data) {
					if data, err = decryptFeed(s, data); err != nil {
						return fmt.Errorf("%s: %v", name, err)
					}
					for _, ext := range []string{".pgp", ".gpg", ".asc"} {
						name = strings.TrimSuffix(name, ext)
					}
				}
				dst := filepath.Join(out, name)
				if err := coupa.WriteFileAtomic(dst, func(f *os.File) error { _, err := bytes.NewReader(data).WriteTo(f); return err }); err != nil {
					return err
				}
				fmt.Printf("%s -> %s (%d bytes)\n", fi.Name(), dst, len(data))
				n++
			}
			fmt.Fprintf(os.Stderr, "%d files pulled from %s\n", n, s.SFTPOutDir)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", ".", "local folder")
	c.Flags().StringVar(&pattern, "pattern", "*", "only files matching this glob")
	c.Flags().StringVar(&accept, "accept-host-key", "", "pin an unknown SFTP host key (SHA256:...) on first use")
	return c
}

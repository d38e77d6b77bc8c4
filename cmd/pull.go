package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

func newPullCmd() *cobra.Command {
	var out, pattern, accept string
	var overwrite bool
	c := &cobra.Command{
		Use:   "pull",
		Short: "Download (and PGP-decrypt) files from /Outgoing/CCW",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := resolveSettings()
			if err != nil {
				return err
			}
			gf.sftpAccept = accept
			svc, _, err := newService(&diffOptions{})
			if err != nil {
				return err
			}
			pulled, err := svc.Pull(c.Context(), out, pattern, overwrite)
			n, skipped := 0, 0
			for _, p := range pulled {
				if p.Skipped != "" {
					fmt.Fprintf(os.Stderr, "skipped %s: %s\n", termtext.Safe(p.Remote), termtext.Safe(p.Skipped))
					skipped++
					continue
				}
				fmt.Printf("%s -> %s (%d bytes)\n", termtext.Safe(p.Remote), termtext.Safe(p.Local), p.Bytes)
				n++
			}
			if c.Context().Err() != nil {
				fmt.Fprintf(os.Stderr, "stopped: %s pulled before Ctrl+C; pull again to fetch the rest (files already here are skipped)\n", plans.Plural(n, "file", "files"))
				return exitCode(130, nil)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s pulled from %s\n", plans.Plural(n, "file", "files"), termtext.Safe(s.SFTPOutDir))
			if skipped > 0 {
				return exitCode(1, fmt.Errorf("%s skipped (listed above)", plans.Plural(skipped, "file was", "files were")))
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", ".", "local folder")
	c.Flags().StringVar(&pattern, "pattern", "*", "only files matching this glob")
	c.Flags().StringVar(&accept, "accept-host-key", "", "pin an unknown SFTP host key (SHA256:...) on first use")
	c.Flags().BoolVar(&overwrite, "overwrite", false, "replace files that already exist in --out")
	return c
}

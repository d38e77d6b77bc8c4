package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

func newFetchCmd() *cobra.Command {
	var out string
	o := &diffOptions{}
	c := &cobra.Command{
		Use:   "fetch --out FILE",
		Short: "Fetch live Coupa state (every user and the reference data) to a snapshot file",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out FILE is required")
			}
			svc, _, err := newService(o)
			if err != nil {
				return err
			}
			progress, done := stderrProgress()
			snap, _, err := svc.Coupa(c.Context(), progress)
			done()
			if err != nil {
				return err
			}
			if err := snap.Save(out); err != nil {
				return err
			}
			for _, w := range snap.Warnings {
				fmt.Fprintln(os.Stderr, "warning:", termtext.Safe(w))
			}
			how := "full read"
			if snap.Stats.Incremental {
				how = fmt.Sprintf("%d changed since the cached snapshot", snap.Stats.Changed)
			}
			if snap.Stats.ReferenceSince != "" {
				how += "; groups, lookups and charts changed since " + snap.Stats.ReferenceSince
			}
			fmt.Fprintf(os.Stderr, "%s fetched from %s in %s (%s) -> %s\n", plans.Plural(len(snap.Users), "user", "users"),
				snap.Instance, plans.Plural(int(snap.Stats.Requests), "request", "requests"), how, out)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "snapshot file to write")
	c.Flags().BoolVar(&o.refresh, "refresh", false, "ignore the cached snapshot and read every user")
	c.Flags().BoolVar(&o.refresh, "full", false, "the old name of --refresh")
	c.Flags().MarkHidden("full")
	return c
}

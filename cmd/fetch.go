package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/coupa"
)

func newFetchCmd() *cobra.Command {
	var out string
	var full bool
	c := &cobra.Command{
		Use:   "fetch --out FILE",
		Short: "Fetch live Coupa state (every user and the reference data) to a snapshot file",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out FILE is required")
			}
			s, err := resolveSettings()
			if err != nil {
				return err
			}
			snap, err := fetchSnapshot(c, s, !full)
			if err != nil {
				return err
			}
			if err := snap.Save(out); err != nil {
				return err
			}
			for _, w := range snap.Warnings {
				fmt.Fprintln(os.Stderr, "warning:", w)
			}
			how := "full read"
			if snap.Stats.Incremental {
				how = fmt.Sprintf("%d changed since the cached snapshot", snap.Stats.Changed)
			}
			fmt.Fprintf(os.Stderr, "%d users fetched from %s in %d requests (%s) -> %s\n",
				len(snap.Users), snap.Instance, snap.Stats.Requests, how, out)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "snapshot file to write")
	c.Flags().BoolVar(&full, "full", false, "ignore the cached snapshot and read every user")
	return c
}

// fetchSnapshot reads Coupa, incrementally over the cached snapshot, and
// refreshes the cache.
func fetchSnapshot(c *cobra.Command, s *Settings, useCache bool) (*coupa.Snapshot, error) {
	client, err := s.coupaClient(false)
	if err != nil {
		return nil, err
	}
	var prev *coupa.Snapshot
	if useCache {
		prev = coupa.LoadCached(client.Instance())
	}
	progress, done := stderrProgress()
	snap, err := client.Fetch(c.Context(), prev, progress)
	done()
	if err != nil {
		return nil, err
	}
	if p, err := coupa.CachePath(snap.Instance); err == nil {
		_ = snap.Save(p) // the cache is an optimisation; failing to write it is not an error
	}
	return snap, nil
}

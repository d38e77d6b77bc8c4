package cmd

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

func newDriftCmd() *cobra.Command {
	o := &diffOptions{}
	var since, format, user string
	c := &cobra.Command{
		Use:   "drift --since SNAPSHOT|PLAN | --user LOGIN",
		Short: "What changed in Coupa since a snapshot (or a plan) was made, and who changed it",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if (since == "") == (user == "") {
				return errors.New("drift needs --since (a snapshot from ccwrecon fetch --out, or a plan from ccwrecon diff --out) or --user LOGIN")
			}
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: want text or json", format)
			}
			svc, _, err := newService(o)
			if err != nil {
				return err
			}
			if user != "" {
				return printHistory(svc, c, user, format)
			}
			d, err := svc.Drift(c.Context(), since)
			if err != nil {
				return err
			}
			if format == "json" {
				return views.WriteDriftJSON(os.Stdout, d)
			}
			views.WriteDriftText(os.Stdout, d)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&since, "since", "", "a snapshot (fetch --out) or a plan (diff --out)")
	f.StringVar(&format, "format", "text", "text|json")
	f.StringVar(&user, "user", "", "one user's history across the kept snapshots of the instance (snapshot-history) and Coupa now")
	f.BoolVar(&o.refresh, "refresh", false, "ignore the cached snapshot and read every user")
	return c
}

func printHistory(svc *ccsync.Service, c *cobra.Command, login, format string) error {
	h, err := svc.UserHistory(c.Context(), login)
	if err != nil {
		return err
	}
	if format == "json" {
		return views.WriteHistoryJSON(os.Stdout, login, h)
	}
	views.WriteHistoryText(os.Stdout, login, h)
	return nil
}

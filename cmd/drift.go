package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
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
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(d)
			}
			safe := termtext.Safe
			fmt.Printf("Changes in %s since %s (%s)\n\n", safe(d.Instance), safe(d.Since), d.SinceTime.UTC().Format("2006-01-02 15:04:05Z"))
			for _, u := range d.Users {
				who := ""
				if u.UpdatedBy != "" {
					who = " by " + safe(u.UpdatedBy)
				}
				fmt.Printf("  ~ %s  updated %s%s\n", safe(u.Key), safe(u.UpdatedAt), who)
				if u.Note != "" {
					fmt.Printf("      # %s\n", safe(u.Note))
				}
				width := 0
				for _, ch := range u.Changes {
					width = max(width, len(ch.Field))
				}
				for _, ch := range u.Changes {
					fmt.Printf("      %-*s %q -> %q\n", width, ch.Field, safe(ch.Before), safe(ch.After))
				}
			}
			if len(d.Users) == 0 {
				fmt.Println("  (nothing changed)")
			}
			fmt.Printf("\n%s changed since %s.\n", ccsync.Plural(len(d.Users), "user", "users"), strings.TrimSpace(safe(d.Since)))
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
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			User     string               `json:"user"`
			Versions []ccsync.UserVersion `json:"versions"`
		}{login, h})
	}
	safe := termtext.Safe
	fmt.Printf("History of %s (%s)\n", safe(login), ccsync.Plural(len(h), "version", "versions"))
	for _, v := range h {
		who := ""
		if v.UpdatedBy != "" {
			who = " by " + safe(v.UpdatedBy)
		}
		fmt.Printf("\n  seen %s: updated %s%s\n", v.Seen.UTC().Format("2006-01-02 15:04:05Z"), safe(v.UpdatedAt), who)
		if v.Note != "" {
			fmt.Printf("      # %s\n", safe(v.Note))
		}
		for _, ch := range v.Changes {
			fmt.Printf("      %s %q -> %q\n", ch.Field, safe(ch.Before), safe(ch.After))
		}
	}
	return nil
}

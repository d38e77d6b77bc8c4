package cmd

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

func newDoctorCmd() *cobra.Command {
	o := &diffOptions{}
	var format string
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check every configured setting end to end (Coupa, scopes, chart, lookups, SFTP, PGP)",
		Long: `Check every configured setting end to end: Coupa reachable, credentials and scopes,
the chart and segment lookups, the SFTP host key, login and folders (without leaving a file a
poller could pick up), the PGP keys. One line per check, with what to do when it fails; checks
whose settings are absent are skipped. Exit 0 when every check made holds, 1 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: want text or json", format)
			}
			svc, _, err := newService(o)
			if err != nil {
				return err
			}
			checks := svc.Doctor(c.Context(), time.Now())
			if c.Context().Err() != nil {
				// stopped: the checks cut short are not failures of the settings
				made := views.DoctorMade(checks)
				views.WriteDoctorStopped(os.Stdout, made)
				fmt.Fprintf(os.Stderr, "stopped (Ctrl+C) after %s; run ccwrecon doctor again to check the rest\n", plans.Plural(len(made), "check", "checks"))
				return exitCode(130, nil)
			}
			ok := followup.DoctorOK(checks)
			if format == "json" {
				if err := views.WriteDoctorJSON(os.Stdout, checks); err != nil {
					return err
				}
			} else {
				views.WriteDoctorText(os.Stdout, checks, style.For(os.Stdout))
			}
			if !ok {
				return exitCode(1, nil)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&format, "format", "text", "text|json")
	f.StringVar(&o.chart, "chart", "", "chart of accounts the CCW segments belong to")
	f.StringArrayVar(&o.segmentLookups, "segment-lookup", nil, "N=LOOKUP: chart segment N takes the values of lookup LOOKUP (repeatable)")
	f.StringArrayVar(&o.segmentTargets, "segment", nil, "N=chart|custom-fields.NAME|feed-only (repeatable)")
	f.StringVar(&o.mapping, "mapping", "", "column-mapping YAML (its chart and segment lookups)")
	return c
}

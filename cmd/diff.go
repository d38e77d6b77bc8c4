package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

type diffOptions struct {
	feed, mapping, matchOn, snapshot, format, out, chart, encoding string
	full, delta, includeDeact, allowMass, detailed, refresh        bool
	allowLogin                                                     bool
	missingValues                                                  string
	baseline                                                       string
	explain                                                        bool
	segmentLookups, segmentTargets                                 []string
}

var diffOpts diffOptions

func newDiffCmd() *cobra.Command {
	o := &diffOpts
	c := &cobra.Command{
		Use:   "diff --feed FILE",
		Short: "Show how a feed differs from Coupa, and optionally save the plan",
		Long: `Compare a feed (CCW User file, Coupa Users CSV, or an HR export with --mapping) with
Coupa (live, or --snapshot FILE) and print the plan. Exit codes: 0 success; with
--detailed-exitcode 0 when apply would change nothing, 2 when it would (or the feed has
problem rows), 1 error. An unreadable feed exits 1 with every problem as
FILE:LINE[:COLUMN]: message on stderr.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDiff(c.Context(), o, os.Stdout)
		},
	}
	f := c.Flags()
	f.StringVar(&o.feed, "feed", "", "feed file, or sftp:///Outgoing/CCW/name.csv[.pgp]")
	f.StringVar(&o.mapping, "mapping", "", "column-mapping YAML for an HR export")
	f.BoolVar(&o.full, "full", false, "treat the feed as a full feed (absent users are deactivation candidates)")
	f.BoolVar(&o.delta, "delta", false, "treat the feed as a delta feed")
	f.StringVar(&o.matchOn, "match-on", "", "employee-number|login|email (default: employee number when both sides have one, else login)")
	f.StringVar(&o.snapshot, "snapshot", "", "use a saved snapshot instead of live Coupa (no credentials needed)")
	f.StringVar(&o.format, "format", "text", "text|json|csv")
	f.StringVar(&o.out, "out", "", "save the plan to this file, for ccwrecon apply")
	f.BoolVar(&o.includeDeact, "include-deactivations", false, "select deactivations inferred from a full feed")
	f.BoolVar(&o.allowMass, "allow-mass-deactivation", false, "override the mass-deactivation guard")
	f.BoolVar(&o.explain, "explain", false, "with each difference and problem, its likely cause and the fix")
	f.StringVar(&o.missingValues, "missing-values", "", "write the segment values Coupa's lookups lack as a Lookup Values import CSV")
	f.BoolVar(&o.allowLogin, "allow-login-change", false, "select login changes of existing users (shown, not selected, by default)")
	f.BoolVar(&o.detailed, "detailed-exitcode", false, "exit 0 when apply would change nothing, 2 when it would, 1 on error")
	f.StringVar(&o.chart, "chart", "", "chart of accounts the CCW segments belong to")
	f.StringArrayVar(&o.segmentLookups, "segment-lookup", nil, "N=LOOKUP: chart segment N takes the values of lookup LOOKUP (repeatable)")
	f.StringArrayVar(&o.segmentTargets, "segment", nil, "N=chart|custom-fields.NAME|feed-only: where CCW segment N goes (repeatable; default 1-3 chart)")
	f.StringVar(&o.encoding, "encoding", "", "feed encoding: utf-8 (default) or windows-1252")
	f.BoolVar(&o.refresh, "refresh", false, "ignore the cached snapshot and read every user")
	f.StringVar(&o.baseline, "baseline", "", "compare with the file delivered last time instead of Coupa (CCW stand-alone; \"last\": the last file ccwrecon delivered to the SFTP target)")
	return c
}

// service resolves the settings into the engine's service.
func newService(o *diffOptions) (*ccsync.Service, *Settings, error) {
	s, err := resolveSettings()
	if err != nil {
		return nil, nil, err
	}
	e, err := s.engagement(o)
	if err != nil {
		return nil, nil, readFailure(err)
	}
	return ccsync.NewService(e), s, nil
}

// readFailure prints every problem of an unreadable feed or mapping at its
// location and exits 1.
func readFailure(err error) error {
	var re *feeds.ReadError
	if errors.As(err, &re) {
		for _, p := range re.Problems {
			fmt.Fprintln(os.Stderr, termtext.Safe(p.String()))
		}
		name := "the feed"
		if len(re.Problems) > 0 {
			name = re.Problems[0].File
		}
		return exitCode(1, fmt.Errorf("%s cannot be read (%s); nothing was planned or applied", termtext.Safe(name), plans.Plural(len(re.Problems), "problem", "problems")))
	}
	return err
}

func runDiff(ctx context.Context, o *diffOptions, stdout io.Writer) error {
	svc, _, err := newService(o)
	if err != nil {
		return err
	}
	return runDiffWith(ctx, o, svc, stdout)
}

func runDiffWith(ctx context.Context, o *diffOptions, svc *ccsync.Service, stdout io.Writer) error {
	switch o.format {
	case "text", "", "json", "csv":
	default:
		return fmt.Errorf("--format %q: want text, json or csv", o.format)
	}
	progress, done := stderrProgress()
	sess, err := svc.Open(ctx, progress)
	done()
	if err != nil {
		return readFailure(err)
	}
	plan := sess.Plan
	for _, w := range plan.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", termtext.Safe(w))
	}
	if o.missingValues != "" {
		var buf bytes.Buffer
		if err := views.WriteMissingValues(&buf, plan.MissingValues); err != nil {
			return err
		}
		if err := os.WriteFile(o.missingValues, buf.Bytes(), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s Coupa's lookups lack written to %s (a Lookup Values CSV for /Incoming/LookupValues; fill in External Ref Num where empty)\n",
			plans.Plural(len(plan.MissingValues), "value", "values"), o.missingValues)
	}
	// The plan file is written while the plan is printed.
	saved := make(chan error, 1)
	go func() {
		if o.out == "" {
			saved <- nil
			return
		}
		saved <- plan.Save(o.out)
	}()
	switch o.format {
	case "json":
		err = plans.WriteJSON(stdout, plan)
	case "csv":
		err = views.WriteCSV(stdout, plan)
	default:
		err = views.WriteTextWith(stdout, plan, style.For(stdout), views.TextOptions{Explain: o.explain})
	}
	if serr := <-saved; serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	if o.out != "" && o.format != "json" && o.format != "csv" {
		via := "api|sftp"
		if plans.IsBaseline(plan.Instance) {
			via = string(plans.RouteSFTP) // a CCW User file: there is no instance to write to
		}
		fmt.Fprintf(stdout, "\nSaved the plan to %s. Apply it with: ccwrecon apply %s --via %s\n", o.out, o.out, via)
	}
	if o.detailed && plan.Pending() {
		if plan.Selected.Changes == 0 {
			// say why 2 when nothing would be applied: the feed's problem rows
			fmt.Fprintf(os.Stderr, "exit 2: nothing would be applied, but the feed has %s with problems (fix them, or they are left out every time)\n",
				plans.Plural(plan.Summary.Errors, "user", "users"))
		}
		return exitCode(2, nil)
	}
	return nil
}

func newCheckFeedCmd() *cobra.Command {
	o := &diffOptions{}
	c := &cobra.Command{
		Use:   "check-feed FILE",
		Short: "Validate a feed without contacting Coupa",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("check-feed takes one argument: the feed file to check (ccwrecon check-feed users.csv)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.feed = args[0]
			svc, _, err := newService(o)
			if err != nil {
				return err
			}
			feed, err := svc.ReadFeed(c.Context())
			if err != nil {
				return readFailure(err)
			}
			for _, w := range feed.Warnings {
				fmt.Fprintln(os.Stderr, "warning:", termtext.Safe(w))
			}
			mode := map[bool]string{true: "full", false: "delta"}[feed.Full]
			fmt.Printf("%s: %s feed (%s), %s, sha256 %s\n", termtext.Safe(feed.Name), feed.Kind, mode, plans.Plural(len(feed.Users), "user", "users"), feed.SHA256)
			return nil
		},
	}
	c.Flags().StringVar(&o.mapping, "mapping", "", "column-mapping YAML for an HR export")
	c.Flags().StringVar(&o.encoding, "encoding", "", "utf-8 (default) or windows-1252")
	return c
}

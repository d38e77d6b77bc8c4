package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

type applyOptions struct {
	via, fileFormat, acceptHostKey string
	yes, dryRun, resume, allowMass bool
	allowLogin                     bool
	wait                           time.Duration
	armor, includeDeact            bool
}

func newApplyCmd() *cobra.Command {
	o := &applyOptions{}
	c := &cobra.Command{
		Use:   "apply PLAN --via api|sftp",
		Short: "Apply a saved plan through the Coupa API or as a file over SFTP",
		Long: `Apply exactly the plan the operator saw. apply checks every selection rule again from the
current settings, refuses a plan edited after diff wrote it (other than its selection) or made
for another instance, re-reads every touched user and refuses a stale plan, and after the last
write reads every user back: a change Coupa accepted but does not hold is reported (exit 1).
Each run keeps a journal, a copy of the plan and text/JSON/CSV reports in ccwrecon-runs/ beside
the plan; --resume continues an interrupted run. Ctrl+C stops after the requests in flight; a
second Ctrl+C exits at once.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("apply takes one argument: the plan file written by ccwrecon diff --out")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error { return runApply(c, args[0], o) },
	}
	f := c.Flags()
	f.StringVar(&o.via, "via", "", "api or sftp")
	f.BoolVar(&o.yes, "yes", false, "apply without asking (required when stdin is not a terminal)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the exact requests or file, send nothing")
	f.DurationVar(&o.wait, "wait", 0, "sftp: then follow the Users CSV's load in Coupa for up to this long, e.g. --wait 15m (see ccwrecon status)")
	f.BoolVar(&o.resume, "resume", false, "continue an interrupted run of this plan")
	f.BoolVar(&o.allowMass, "allow-mass-deactivation", false, "override the mass-deactivation guard")
	f.BoolVar(&o.includeDeact, "include-deactivations", false, "apply deactivations inferred from a full feed that the plan selects")
	f.BoolVar(&o.allowLogin, "allow-login-change", false, "apply login changes of existing users that the plan selects")
	f.StringVar(&o.fileFormat, "file-format", "", "sftp: ccw (CCW User file, stand-alone CCW) or core (Coupa Users CSV, unified customers); default: the profile's sftp-file-format, else ccw")
	f.StringVar(&o.acceptHostKey, "accept-host-key", "", "pin an unknown SFTP host key (SHA256:...) on first use")
	f.BoolVar(&o.armor, "armor", false, "ASCII-armor PGP files (.asc) instead of binary (.pgp)")
	return c
}

func runApply(c *cobra.Command, planPath string, o *applyOptions) error {
	via, ok := plans.ParseRoute(o.via)
	if !ok {
		if o.via == "" {
			return exitCode(1, errors.New("say how to apply: --via api (the Coupa API) or --via sftp (a file over SFTP); nothing was applied"))
		}
		return exitCode(1, fmt.Errorf("--via %q: want api or sftp; nothing was applied", o.via))
	}
	plan, planBytes, err := plans.LoadPlan(planPath)
	if err != nil {
		return exitCode(1, err)
	}
	s, err := resolveSettings()
	if err != nil {
		return exitCode(1, err)
	}
	e, err := s.engagement(&diffOptions{})
	if err != nil {
		return exitCode(1, err)
	}
	e.Rules = s.rules(o.allowMass, o.includeDeact)
	e.Rules.AllowLoginChange = o.allowLogin
	e.SFTP = s.sftpConfig(o.acceptHostKey)
	if c.Flags().Changed("armor") {
		e.Delivery.Armor = o.armor
	}
	svc := ccsync.NewService(e)
	ctx := c.Context()
	req := ccsync.ApplyRequest{PlanPath: planPath, PlanBytes: planBytes, Via: via, Format: o.fileFormat, Resume: o.resume,
		DryRun: o.dryRun, DryRunOut: os.Stdout}
	// Every setting and rule is checked before anything is asked or created.
	target, err := svc.CheckApply(plan, req)
	if err != nil {
		return exitCode(1, err)
	}
	if err := plans.CheckSelection(plan, e.Rules); err != nil {
		return exitCode(1, err)
	}
	if o.dryRun {
		if _, err := svc.Apply(ctx, plan, req); err != nil {
			return exitCode(1, err)
		}
		return nil
	}
	if !o.yes {
		if !isTerminal(os.Stdin) {
			return exitCode(1, errors.New("--yes is required when stdin is not a terminal; nothing was applied"))
		}
		dest := plan.Instance
		if target != nil {
			dest = "SFTP " + target.Destination()
		}
		addr := ""
		if target != nil {
			addr = target.Config.Addr
		}
		if err := confirm(ctx, plan, dest, o.via, plans.ConfirmWord(plan.Instance, addr)); err != nil {
			return exitCode(1, err)
		}
	}
	// From here on the first Ctrl+C stops dispatching; requests in flight
	// finish and are journalled. A second Ctrl+C exits at once.
	stop := make(chan struct{})
	var once sync.Once
	restore := onInterrupt(func() {
		once.Do(func() {
			fmt.Fprintln(os.Stderr, "\nccwrecon: stopping after the requests in flight (Ctrl+C again exits at once; the journal makes either safe)")
			close(stop)
		})
	})
	defer restore()
	req.Stop = stop
	req.Progress = func(e apply.Event) {
		msg := ""
		if e.Message != "" {
			msg = ": " + e.Message
		}
		fmt.Fprintf(os.Stderr, "[%d/%d changes] %-10s %s %s%s\n", e.Done, e.Total, apply.StatusWord(e.Op, e.Status), termtext.Safe(e.User), e.Op, termtext.Safe(msg))
	}
	report, err := svc.Apply(ctx, plan, req)
	if report == nil {
		return exitCode(1, err)
	}
	views.WriteApplyEnd(os.Stdout, os.Stderr, report)
	switch code := apply.ExitStatus(report, err); {
	case code == 130:
		return exitCode(130, nil)
	case code != 0 && err != nil:
		return exitCode(code, err)
	case code != 0:
		return exitCode(code, fmt.Errorf("not everything was applied and verified; see %s/report.txt", report.RunDir))
	}
	if o.wait > 0 && len(report.Files) > 0 {
		restore() // from here Ctrl+C stops waiting, not an apply that is over
		return followLoad(ctx, svc, report.RunDir, o.wait)
	}
	return nil
}

// followLoad waits for Coupa's load of a run's files and prints it; exit 0
// only when every file loaded without a refused row.
func followLoad(ctx context.Context, svc *ccsync.Service, runDir string, wait time.Duration) error {
	fmt.Fprintf(os.Stderr, "Waiting up to %s for Coupa to load the files (Ctrl+C stops waiting; ccwrecon status %s looks again)\n", wait, runDir)
	st, err := svc.Status(ctx, runDir, ccsync.StatusOptions{Timeout: wait, Progress: func(file, status string) {
		fmt.Fprintf(os.Stderr, "  %s: %s\n", termtext.Safe(file), termtext.Safe(status))
	}})
	if ctx.Err() != nil {
		fmt.Fprintf(os.Stderr, "Stopped waiting (Ctrl+C); the files are uploaded and Coupa goes on loading them. Look again with: ccwrecon status %s --wait 15m\n", runDir)
		return exitCode(130, nil)
	}
	if err != nil {
		return exitCode(1, err)
	}
	fmt.Print(views.LoadStatusText(st))
	if !st.OK() {
		return exitCode(1, nil)
	}
	return nil
}

func newStatusCmd() *cobra.Command {
	var wait time.Duration
	var format string
	c := &cobra.Command{
		Use:   "status RUN",
		Short: "Follow a run's uploaded Users CSV to Coupa's load result, each refused row mapped to its user and feed line",
		Long: `Poll Coupa's data file sources (GET /api/data_file_sources) for the files a run uploaded,
with backoff inside the rate limit, until each is Done or Failed or --wait passes; then report the
status, the rows created and updated, and each refused row mapped back to the uploaded file's line,
the plan's user and the original feed line. Exit 0 only when Coupa loaded every file without
refusing a row. For the CCW User file Coupa documents no such API: use ccwrecon verify RUN.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("status takes one argument: a run folder of ccwrecon apply (ccwrecon status ccwrecon-runs/plan-...)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: want text or json", format)
			}
			svc, _, err := newService(&diffOptions{})
			if err != nil {
				return err
			}
			st, err := svc.Status(c.Context(), args[0], ccsync.StatusOptions{Timeout: wait})
			if err != nil {
				return exitCode(1, err)
			}
			if format == "json" {
				if err := views.WriteLoadStatusJSON(os.Stdout, st); err != nil {
					return err
				}
			} else {
				fmt.Print(views.LoadStatusText(st))
			}
			if !st.OK() {
				return exitCode(1, nil)
			}
			return nil
		},
	}
	c.Flags().DurationVar(&wait, "wait", 0, "poll for up to this long (0: look once)")
	c.Flags().StringVar(&format, "format", "text", "text|json")
	return c
}

// confirm asks the operator to type the instance's host name, as gh asks
// for OWNER/REPO; Ctrl+C answers no at once.
func confirm(ctx context.Context, plan *plans.Plan, dest, via, host string) error {
	sel := plan.Selected
	fmt.Fprintf(os.Stderr, "%s\n", views.PlanLine(sel))
	if line := views.NotSelectedLine(plan.NotSelected); line != "" {
		fmt.Fprintln(os.Stderr, line)
	}
	fmt.Fprintf(os.Stderr, "Apply %s to %s on %s via %s to %s.\nPlan digest %s.\nType the instance name (%s) to confirm: ",
		plans.Plural(sel.Changes, "change", "changes"), plans.Plural(sel.Users, "user", "users"), termtext.Safe(plan.Instance), via,
		termtext.Safe(dest), plan.Digest, termtext.Safe(host))
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr)
		return errors.New("not confirmed (interrupted); nothing was applied")
	case line := <-answer:
		if !plans.Confirmed(host, line) {
			return errors.New("not confirmed; nothing was applied")
		}
	}
	return nil
}

package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
)

type applyOptions struct {
	via, fileFormat, acceptHostKey string
	yes, dryRun, resume, allowMass bool
	armor                          bool
}

func newApplyCmd() *cobra.Command {
	o := &applyOptions{}
	c := &cobra.Command{
		Use:   "apply PLAN --via api|sftp",
		Short: "Apply a saved plan through the Coupa API or as a CCW inbound file over SFTP",
		Long: `Apply exactly the plan the operator saw. Before any write every touched user is re-read and
a plan whose users moved in Coupa is refused (exit 1). Each run keeps a journal, a copy of the plan
and text/JSON/CSV reports in ccwrecon-runs/ beside the plan; --resume continues an interrupted run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return runApply(c, args[0], o) },
	}
	f := c.Flags()
	f.StringVar(&o.via, "via", "", "api or sftp")
	f.BoolVar(&o.yes, "yes", false, "apply without asking (required when stdin is not a terminal)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the exact requests or file, send nothing")
	f.BoolVar(&o.resume, "resume", false, "continue an interrupted run of this plan")
	f.BoolVar(&o.allowMass, "allow-mass-deactivation", false, "override the mass-deactivation guard")
	f.StringVar(&o.fileFormat, "file-format", "ccw", "sftp: ccw (CCW User delta file) or core (Coupa Users CSV)")
	f.StringVar(&o.acceptHostKey, "accept-host-key", "", "pin an unknown SFTP host key (SHA256:...) on first use")
	f.BoolVar(&o.armor, "armor", false, "ASCII-armor PGP files (.asc) instead of binary (.pgp)")
	return c
}

func runApply(c *cobra.Command, planPath string, o *applyOptions) error {
	if o.via != "api" && o.via != "sftp" {
		return errors.New("--via api or --via sftp is required")
	}
	plan, planBytes, err := ccsync.LoadPlan(planPath)
	if err != nil {
		return err
	}
	s, err := resolveSettings()
	if err != nil {
		return err
	}
	if s.CoupaURL == "" {
		s.CoupaURL = plan.Instance
	} else if strings.TrimRight(s.CoupaURL, "/") != strings.TrimRight(plan.Instance, "/") {
		return fmt.Errorf("the plan was made for %s but the settings point at %s; refusing", plan.Instance, s.CoupaURL)
	}
	users, changes := plan.SelectedCount()
	opts := ccsync.ApplyOptions{PlanPath: planPath, PlanBytes: planBytes, Resume: o.resume, DryRun: o.dryRun,
		DryRunOut: os.Stdout, AllowMassDeactivation: o.allowMass}
	if o.via == "sftp" {
		armor := o.armor
		if s.Armor != nil && !c.Flags().Changed("armor") {
			armor = *s.Armor
		}
		if opts.SFTP, err = s.sftpTarget(o.fileFormat, o.acceptHostKey, armor); err != nil {
			return err
		}
	}
	var client *coupa.Client
	if !o.dryRun {
		if client, err = s.coupaClient(true); err != nil {
			if o.via != "sftp" || (s.APIKey != "" || s.ClientID != "" || s.ClientSecret != "") {
				return err
			}
			client = nil // SFTP only: the stale-plan check is skipped, and said so
			fmt.Fprintln(os.Stderr, "warning: no Coupa API credentials; the plan cannot be checked for staleness before the upload")
		}
		if !o.yes {
			if !isTerminal(os.Stdin) {
				return exitCode(1, errors.New("--yes is required when stdin is not a terminal; nothing was applied"))
			}
			if err := confirm(plan, users, changes, o.via); err != nil {
				return exitCode(1, err)
			}
		}
		opts.Progress = func(e ccsync.Event) {
			msg := ""
			if e.Message != "" {
				msg = ": " + e.Message
			}
			fmt.Fprintf(os.Stderr, "[%d/%d] %-8s %s %s%s\n", e.Done, e.Total, e.Status, e.User, e.Op, msg)
		}
	}
	report, err := ccsync.Apply(c.Context(), client, plan, opts)
	if err != nil {
		if report != nil && report.RunDir != "" {
			fmt.Fprintf(os.Stderr, "journal: %s\n", report.RunDir)
		}
		return exitCode(1, err)
	}
	if o.dryRun {
		return nil
	}
	fmt.Println(report.Summary())
	fmt.Printf("Journal and reports: %s\n", report.RunDir)
	if report.Failed > 0 || report.Skipped > 0 {
		return exitCode(1, fmt.Errorf("%d steps failed and %d were skipped; see %s/report.txt", report.Failed, report.Skipped, report.RunDir))
	}
	return nil
}

// confirm asks the operator to type the instance's host name, as gh asks for OWNER/REPO.
func confirm(plan *ccsync.Plan, users, changes int, via string) error {
	host := plan.Instance
	if u, err := url.Parse(plan.Instance); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	fmt.Fprintf(os.Stderr, "%s\nApply %d changes to %d users on %s via %s.\nType the instance name (%s) to confirm: ",
		ccsync.SummaryLine(plan.Summary), changes, users, plan.Instance, via, host)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if strings.TrimSpace(line) != host {
		return errors.New("not confirmed; nothing was applied")
	}
	return nil
}

// sftpTarget builds the SFTP delivery settings, loading and checking the PGP key.
func (s *Settings) sftpTarget(format, accept string, armor bool) (*ccsync.SFTPTarget, error) {
	t := &ccsync.SFTPTarget{Config: s.sftpConfig(accept), Dir: s.SFTPDir, Format: format, Armor: armor,
		FileExt: s.CCWExtension, PGPExt: s.PGPExtension}
	if t.FileExt != "" && t.FileExt != ".csv" && t.FileExt != ".txt" {
		return nil, errors.New("ccw-file-extension must be .csv or .txt")
	}
	if t.PGPExt != "" && t.PGPExt != ".pgp" && t.PGPExt != ".gpg" && t.PGPExt != ".asc" {
		return nil, errors.New("pgp-extension must be .pgp, .gpg or .asc")
	}
	if t.Format == "" {
		t.Format = "ccw"
	}
	if t.Format != "ccw" && t.Format != "core" {
		return nil, errors.New("--file-format must be ccw or core")
	}
	if s.EncryptTo != "" {
		kb, err := os.ReadFile(s.EncryptTo)
		if err != nil {
			return nil, fmt.Errorf("--encrypt-to: %v", err)
		}
		if t.EncryptTo, err = feeds.ReadKeys(kb); err != nil {
			return nil, fmt.Errorf("--encrypt-to %s: %v", s.EncryptTo, err)
		}
		if err := feeds.CheckRecipients(t.EncryptTo); err != nil {
			return nil, err
		}
	}
	return t, nil
}

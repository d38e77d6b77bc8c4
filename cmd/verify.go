package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

func newVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify RUN",
		Short: "Re-read a run's users from Coupa and report per change: landed, not yet, different",
		Long: `After an apply, and above all after an SFTP upload (Coupa loads files minutes later),
re-read the users of a run (RUN is its folder in ccwrecon-runs/, or the plan file) and report
for each change whether it landed (Coupa holds the new value), is not there yet (Coupa still
holds the old one) or is different (neither). Exit 0 when every change landed, 2 when some are
not there yet and none differs, 1 when any differs.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("verify takes one argument: the run folder (ccwrecon-runs/…) or the plan file")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			dir, err := runFolder(args[0])
			if err != nil {
				return err
			}
			svc, _, err := newService(&diffOptions{})
			if err != nil {
				return err
			}
			v, err := svc.Verify(c.Context(), dir)
			if err != nil {
				return err
			}
			views.WriteVerificationText(os.Stdout, v)
			switch {
			case v.Different > 0:
				return exitCode(1, nil)
			case v.NotYet > 0:
				return exitCode(2, nil)
			}
			return nil
		},
	}
}

// runFolder finds the run folder of a plan file, or takes a folder as given.
func runFolder(arg string) (string, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		return arg, nil
	}
	_, b, err := plans.LoadPlan(arg)
	if err != nil {
		return "", err
	}
	dir := apply.RunDir(arg, b)
	if _, err := os.Stat(filepath.Join(dir, "journal.jsonl")); err != nil {
		return "", fmt.Errorf("%s was not applied yet (no run folder %s)", arg, dir)
	}
	return dir, nil
}

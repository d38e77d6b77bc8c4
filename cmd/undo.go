package cmd

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

func newUndoCmd() *cobra.Command {
	var out, format string
	var allowLogin, detailed bool
	c := &cobra.Command{
		Use:   "undo RUN",
		Short: "Make the plan that puts Coupa back as it was before a run",
		Long: `Make a plan that puts back what the run in folder RUN applied (per its journal): each changed
field to the value Coupa held before, roles and memberships to their prior sets, users the run
created deactivated (Coupa cannot delete users), deactivations reactivated, reactivations
deactivated. Every user is read again: one changed in Coupa since the run is an error user
naming what changed, who and when, and is not selected. The plan is shown like a diff, saved with
--out, and applied with ccwrecon apply like any plan (and can itself be undone). Exit codes as diff.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("undo takes one argument: a run folder of ccwrecon apply (ccwrecon undo ccwrecon-runs/plan-...)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			switch format {
			case "text", "json":
			default:
				return exitCode(1, fmt.Errorf("--format %q: want text or json", format))
			}
			if st, err := os.Stat(args[0]); err != nil || !st.IsDir() {
				return exitCode(1, fmt.Errorf("%s is not a run folder: give the folder apply printed (Journal and reports: ccwrecon-runs/...)", args[0]))
			}
			svc, _, err := newService(&diffOptions{})
			if err != nil {
				return exitCode(1, err)
			}
			plan, err := svc.Undo(c.Context(), args[0], followup.UndoOptions{AllowLoginChange: allowLogin})
			if err != nil {
				return exitCode(1, err)
			}
			for _, w := range plan.Warnings {
				fmt.Fprintln(os.Stderr, "warning:", termtext.Safe(w))
			}
			if out != "" {
				if err := plan.Save(out); err != nil {
					return exitCode(1, err)
				}
			}
			if format == "json" {
				err = plans.WriteJSON(os.Stdout, plan)
			} else {
				err = views.WriteTextWith(os.Stdout, plan, style.For(os.Stdout), views.TextOptions{})
				if err == nil && out != "" {
					fmt.Printf("\nSaved the undo plan to %s. Apply it with: ccwrecon apply %s --via api\n", out, out)
				}
			}
			if err != nil {
				return exitCode(1, err)
			}
			if detailed && plan.Pending() {
				return exitCode(2, nil)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&out, "out", "", "save the undo plan to this file, for ccwrecon apply")
	f.StringVar(&format, "format", "text", "text|json")
	f.BoolVar(&allowLogin, "allow-login-change", false, "select undoing login changes (a login is an identity)")
	f.BoolVar(&detailed, "detailed-exitcode", false, "exit 0 when the plan would change nothing, 2 when it would, 1 on error")
	return c
}

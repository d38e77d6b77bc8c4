// Package cmd wires the ccwrecon command line: it resolves settings and
// connects the feeds, the Coupa client, the reconciliation engine and the
// console.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Version is the tool version written into plans.
var Version = "0.1.0"

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func exitCode(code int, err error) error { return &exitError{code: code, err: err} }

// Execute runs the CLI and returns the process exit code.
func Execute() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(os.Stderr, "ccwrecon:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "ccwrecon:", err)
	return 1
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "ccwrecon",
		Short: "Reconcile a Coupa CCW or HR user feed with a live Coupa instance",
		Long: `Reconcile a Coupa CCW or HR user feed with a live Coupa instance.

On a terminal, ccwrecon --feed FILE opens the console (it takes diff's flags);
ccwrecon demo opens it on sample data with nothing to set up. Scripts use
diff, apply, fetch and pull.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	addGlobalFlags(root)
	diff := newDiffCmd()
	root.AddCommand(newEmulateCmd(), newFetchCmd(), diff, newCheckFeedCmd(), newApplyCmd(), newPullCmd(), newDemoCmd())
	// Bare `ccwrecon` on a terminal opens the console with diff's flags.
	root.Flags().AddFlagSet(diff.Flags())
	root.RunE = func(c *cobra.Command, args []string) error {
		if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
			return c.Help()
		}
		return runConsole(c.Context(), &diffOpts)
	}
	return root
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

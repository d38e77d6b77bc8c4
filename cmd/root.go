package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/ccwrecon/ccwrecon/internal/suggest"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
)

// Version is the tool version written into plans.
var Version = "0.2.0"

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

func (e *exitError) Unwrap() error { return e.err }

func exitCode(code int, err error) error { return &exitError{code: code, err: err} }

// interrupts decides what Ctrl+C does: the first one calls the current
// handler (by default, cancel the command); a second one exits at once.
var interrupts struct {
	mu      sync.Mutex
	handler func()
}

// onInterrupt replaces what the first Ctrl+C does and returns a function
// that puts the previous handler back.
func onInterrupt(h func()) (restore func()) {
	interrupts.mu.Lock()
	prev := interrupts.handler
	interrupts.handler = h
	interrupts.mu.Unlock()
	return func() {
		interrupts.mu.Lock()
		interrupts.handler = prev
		interrupts.mu.Unlock()
	}
}

// Execute runs the CLI and returns the process exit code.
func Execute() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	onInterrupt(cancel)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		n := 0
		for range sigs {
			if n++; n > 1 {
				fmt.Fprintln(os.Stderr, "\nccwrecon: interrupted again: exiting now")
				os.Exit(130)
			}
			interrupts.mu.Lock()
			h := interrupts.handler
			interrupts.mu.Unlock()
			if h != nil {
				h()
			}
		}
	}()
	defer profileCPU()()
	root := newRoot()
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	err = plainly(err, cmd)
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(os.Stderr, "ccwrecon:", termtext.Safe(ee.err.Error()))
		}
		return ee.code
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "ccwrecon: interrupted")
		return 130
	}
	fmt.Fprintln(os.Stderr, "ccwrecon:", termtext.Safe(err.Error()))
	return 1
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "ccwrecon",
		Short: "Reconcile a Coupa CCW or HR user feed with a live Coupa instance",
		Long: `Reconcile a Coupa CCW or HR user feed with a live Coupa instance.

On a terminal, ccwrecon --feed FILE opens the console (it takes diff's flags);
ccwrecon demo opens it on sample data with nothing to set up. Scripts use
diff, apply, verify, status, drift, fetch and pull; init and doctor set up and
check an engagement before its first diff.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	addGlobalFlags(root)
	diff := newDiffCmd()
	root.AddCommand(newEmulateCmd(), newFetchCmd(), diff, newCheckFeedCmd(), newApplyCmd(), newVerifyCmd(), newPullCmd(), newDemoCmd(), newDoctorCmd(), newInitCmd(), newDriftCmd(), newStatusCmd(), newUndoCmd())
	// Bare `ccwrecon` on a terminal opens the console with diff's flags.
	root.Flags().AddFlagSet(diff.Flags())
	root.RunE = func(c *cobra.Command, args []string) error {
		if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
			if c.Flags().NFlag() > 0 {
				return exitCode(1, errors.New("the console needs a terminal; without one, use ccwrecon diff with the same flags (ccwrecon diff --help)"))
			}
			return c.Help()
		}
		return runConsole(c.Context(), &diffOpts)
	}
	return root
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// profileCPU writes a CPU profile to $CCWRECON_CPUPROFILE when it is set:
// how support measures a slow run on the operator's own data.
func profileCPU() (stop func()) {
	path := os.Getenv("CCWRECON_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ccwrecon: CCWRECON_CPUPROFILE:", err)
		return func() {}
	}
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// plainly turns the mistakes a user can make into one line naming the
// cause and the fix, instead of Go's or cobra's own text: an unknown
// command or flag (with the nearest names), a file that does not exist.
func plainly(err error, c *cobra.Command) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown command "):
		word := strings.SplitN(strings.TrimPrefix(msg, "unknown command "), " ", 2)[0]
		var names []string
		for _, sub := range c.Root().Commands() {
			names = append(names, sub.Name())
		}
		hint := ""
		if near := suggest.Nearest(strings.Trim(word, `"`), names, 2); len(near) > 0 {
			hint = "; did you mean " + strings.Join(near, " or ") + "?"
		}
		return exitCode(1, fmt.Errorf("unknown command %s%s (ccwrecon --help lists the commands)", word, hint))
	case strings.HasPrefix(msg, "unknown flag: ") || strings.HasPrefix(msg, "unknown shorthand flag: "):
		flag := strings.TrimPrefix(strings.TrimPrefix(msg, "unknown flag: "), "unknown shorthand flag: ")
		name := strings.TrimLeft(strings.SplitN(flag, "=", 2)[0], "-")
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		hint := ""
		if near := suggest.Nearest(name, names, 1); len(near) > 0 {
			hint = "; did you mean --" + near[0] + "?"
		}
		return exitCode(1, fmt.Errorf("unknown flag %s for %s%s (%s --help lists its flags)", flag, c.CommandPath(), hint, c.CommandPath()))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		return exitCode(code, fmt.Errorf("%s does not exist", pe.Path))
	}
	return err
}

package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/style"
	"github.com/ccwrecon/ccwrecon/tui"
)

// runConsole opens the console with diff's flags on a terminal.
func runConsole(ctx context.Context, o *diffOptions) error {
	if o.feed == "" {
		return errors.New("--feed FILE is required (or try ccwrecon demo)")
	}
	svc, s, err := newService(o)
	if err != nil {
		return err
	}
	save := func(chart string, lookups map[int]string) (string, error) {
		path, name, err := saveProfile(s.CoupaURL, chart, lookups)
		return fmt.Sprintf("profile %q of %s", name, path), err
	}
	_, err = openConsole(ctx, svc, consoleOptions{out: o.out, planDir: ".", saveSetup: save})
	return err
}

type consoleOptions struct {
	mouse   bool
	planDir string // where w saves plans, e exports and runs keep journals
	out     string // --out: where w saves the plan
	// saveSetup saves what the setup screen chose (nil in the demo)
	saveSetup func(chart string, lookups map[int]string) (string, error)
}

// openConsole runs the console and returns what it saved; its exit status
// says whether the last apply was interrupted or incomplete.
func openConsole(ctx context.Context, svc *ccsync.Service, co consoleOptions) ([]string, error) {
	notices.mu.Lock()
	notices.w = nil // the console owns the terminal; its progress line shows what it waits for
	notices.mu.Unlock()
	m := tui.New(svc, tui.Options{PlanDir: co.planDir, Out: co.out, SaveSetup: co.saveSetup}, style.For(os.Stdout))
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}
	if co.mouse {
		opts = append(opts, tea.WithMouseCellMotion())
	}
	_, err := tea.NewProgram(m, opts...).Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return m.Saved(), fmt.Errorf("console: %v", err)
	}
	if msg := m.ExitMessage(); msg != "" {
		fmt.Fprintln(os.Stderr, "ccwrecon:", termtext.Safe(msg))
	}
	if code := m.ExitCode(); code != 0 {
		return m.Saved(), exitCode(code, nil)
	}
	return m.Saved(), nil
}

package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/tui"
)

// runConsole opens the console with diff's flags on a terminal.
func runConsole(ctx context.Context, o *diffOptions) error {
	if o.feed == "" {
		return errors.New("--feed FILE is required (or try ccwrecon demo)")
	}
	svc, _, err := newService(o)
	if err != nil {
		return err
	}
	return openConsole(ctx, svc, consoleOptions{out: o.out})
}

type consoleOptions struct {
	mouse   bool
	planDir string // where w saves plans and runs keep journals (default: .)
	out     string // --out: where w saves the plan
}

// consoleBackend connects the console to the engine's service.
func consoleBackend(svc *ccsync.Service, co consoleOptions) tui.Backend {
	return tui.Backend{
		Load: func(ctx context.Context, progress func(ccsync.Progress)) (*tui.Session, error) {
			sess, err := svc.Open(ctx, progress)
			if err != nil {
				return nil, err
			}
			return &tui.Session{Plan: sess.Plan, Instance: sess.Instance, FeedName: sess.FeedName, SnapshotAge: sess.SnapshotAge, Vias: sess.Vias}, nil
		},
		DryRun: func(ctx context.Context, plan *ccsync.Plan, via string) (string, error) {
			var buf bytes.Buffer
			_, err := svc.Apply(ctx, plan, ccsync.ApplyRequest{Via: via, DryRun: true, DryRunOut: &buf})
			return buf.String(), err
		},
		Apply: func(ctx context.Context, plan *ccsync.Plan, via string, progress func(ccsync.Event)) (*ccsync.Report, error) {
			return svc.SaveAndApply(ctx, plan, co.planDir, ccsync.ApplyRequest{Via: via, Progress: progress, IncludeInferred: true})
		},
		SavePlan: func(plan *ccsync.Plan) (string, error) {
			return svc.SavePlan(plan, co.planDir, co.out)
		},
	}
}

func openConsole(ctx context.Context, svc *ccsync.Service, co consoleOptions) error {
	m := tui.New(consoleBackend(svc, co))
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}
	if co.mouse {
		opts = append(opts, tea.WithMouseCellMotion())
	}
	_, err := tea.NewProgram(m, opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("console: %v", err)
	}
	fmt.Fprintln(os.Stderr, "ccwrecon: console closed")
	return nil
}

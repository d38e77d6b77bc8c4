package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ccwrecon/ccwrecon/coupa"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/tui"
)

// runConsole opens the console with diff's flags on a terminal.
func runConsole(ctx context.Context, o *diffOptions) error {
	if o.feed == "" {
		return errors.New("--feed FILE is required (or try `ccwrecon demo`)")
	}
	s, err := resolveSettings()
	if err != nil {
		return err
	}
	return openConsole(ctx, o, s, consoleOptions{})
}

type consoleOptions struct {
	mouse   bool
	planDir string // where w saves plans and runs keep journals (default: .)
}

// consoleBackend connects the console to the engine.
func consoleBackend(o *diffOptions, s *Settings, co consoleOptions) tui.Backend {
	dir := co.planDir
	if dir == "" {
		dir = "."
	}
	savePath := func() string {
		if o.out != "" {
			return o.out
		}
		return filepath.Join(dir, "ccwrecon-plan-"+time.Now().UTC().Format("20060102-150405")+".json")
	}
	target := func(via string) (*ccsync.SFTPTarget, error) {
		if via != "sftp" {
			return nil, nil
		}
		armor := s.Armor != nil && *s.Armor
		return s.sftpTarget("ccw", "", armor)
	}
	return tui.Backend{
		Load: func(ctx context.Context, progress func(coupa.Progress)) (*tui.Session, error) {
			p, err := prepare(ctx, o, s, progress)
			if err != nil {
				var ee *exitError
				if errors.As(err, &ee) && ee.err != nil {
					return nil, ee.err
				}
				return nil, err
			}
			plan, err := ccsync.Diff(p.feed, p.snap, p.cfg)
			if err != nil {
				return nil, err
			}
			sess := &tui.Session{Plan: plan, Instance: plan.Instance, FeedName: p.feed.Name, Vias: []string{"api"}}
			if o.snapshot != "" {
				sess.SnapshotAge = time.Since(p.snap.FetchedAt)
			}
			if s.SFTPAddr != "" {
				sess.Vias = append(sess.Vias, "sftp")
			}
			return sess, nil
		},
		DryRun: func(ctx context.Context, plan *ccsync.Plan, via string) (string, error) {
			t, err := target(via)
			if err != nil {
				return "", err
			}
			var buf bytes.Buffer
			_, err = ccsync.Apply(ctx, nil, plan, ccsync.ApplyOptions{DryRun: true, DryRunOut: &buf, SFTP: t})
			return buf.String(), err
		},
		Apply: func(ctx context.Context, plan *ccsync.Plan, via string, progress func(ccsync.Event)) (*ccsync.Report, error) {
			t, err := target(via)
			if err != nil {
				return nil, err
			}
			path := savePath()
			if err := plan.Save(path); err != nil {
				return nil, err
			}
			saved, b, err := ccsync.LoadPlan(path)
			if err != nil {
				return nil, err
			}
			client, err := s.coupaClient(true)
			if err != nil {
				return nil, err
			}
			return ccsync.Apply(ctx, client, saved, ccsync.ApplyOptions{PlanPath: path, PlanBytes: b, SFTP: t, Progress: progress})
		},
		SavePlan: func(plan *ccsync.Plan) (string, error) {
			path := savePath()
			return path, plan.Save(path)
		},
	}
}

func openConsole(ctx context.Context, o *diffOptions, s *Settings, co consoleOptions) error {
	m := tui.New(consoleBackend(o, s, co))
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

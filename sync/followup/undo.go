package followup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// UndoOptions shape an undo plan.
type UndoOptions struct {
	AllowLoginChange bool // select undoing a login change (a login is an identity)
	Now              func() time.Time
}

// Undo makes the plan that puts back what the run in runDir applied (per
// its journal): each changed field to the value Coupa held before it,
// roles and memberships to their prior sets, users the run created
// deactivated (Coupa cannot delete), deactivations reactivated and
// reactivations deactivated. Each user is read again: one that changed in
// Coupa since the run is an error user naming who changed what and when,
// never selected. The plan is a normal plan: apply checks it like any.
func Undo(ctx context.Context, client *coupa.Client, runDir string, o UndoOptions) (*plans.Plan, error) {
	run, err := apply.RunPlan(runDir)
	if err != nil {
		return nil, err
	}
	if plans.IsBaseline(run.Instance) {
		return nil, fmt.Errorf("%s delivered a CCW User file compared with a baseline, to no Coupa instance: there is nothing ccwrecon can read back or write to undo it (deliver the baseline's rows again to put CCW back)", runDir)
	}
	if client == nil {
		return nil, fmt.Errorf("undoing %s needs the Coupa instance it changed: set COUPA_URL (the run was on %s) and credentials; an SFTP run is undone through the API, with the prior values from its plan", runDir, run.Instance)
	}
	if !apply.SameInstance(client.Instance(), run.Instance) {
		return nil, &apply.InstanceError{Plan: run.Instance, Settings: client.Instance()}
	}
	entries, err := apply.ReadJournal(filepath.Join(runDir, "journal.jsonl"))
	if err != nil {
		return nil, err
	}
	j := apply.JournalAsRead(runDir, entries)
	created, err := apply.JournalIDs(run, j)
	if err != nil {
		return nil, err
	}
	users, fields := apply.AppliedChanges(run, j)
	for _, e := range entries {
		if e.Op == apply.OpUpload && e.Phase == apply.PhaseDone { // a file: its users' selected changes, if Coupa loaded them
			users, fields = nil, map[*plans.UserPlan][]string{}
			for _, u := range run.Users {
				for _, c := range u.SelectedChanges() {
					fields[u] = append(fields[u], c.Field)
				}
				if len(fields[u]) > 0 {
					users = append(users, u)
				}
			}
			break
		}
	}
	if len(users) == 0 {
		return nil, errors.New(runDir + ": the run applied nothing, so there is nothing to undo")
	}
	current, err := apply.RereadRun(ctx, client, users, created)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	p := &plans.Plan{Format: plans.PlanFormat, ToolVersion: run.ToolVersion, CreatedAt: now().UTC().Truncate(time.Second), Instance: run.Instance,
		Feed:     plans.FeedInfo{Name: "undo of " + filepath.Base(runDir), SHA256: run.Digest, Kind: run.Feed.Kind, Full: false},
		Settings: run.Settings}
	p.Settings.Scope = 0
	for _, u := range users {
		if up := undoUser(u, fields[u], current[u], o); up != nil {
			p.Users = append(p.Users, up)
		}
	}
	p.Warnings = append(p.Warnings, "an undo plan: users the run created stay in Coupa, deactivated (Coupa cannot delete users); a login change is undone only with --allow-login-change")
	p.Recount()
	p.Digest = plans.DigestOf(p)
	return p, nil
}

// undoUser is one user's way back, or nil when Coupa already holds what
// the user had before the run.
func undoUser(u *plans.UserPlan, applied []string, cur *coupa.User, o UndoOptions) *plans.UserPlan {
	up := &plans.UserPlan{Key: u.Key, Line: u.Line, Name: u.Name}
	if cur == nil {
		if u.Action == plans.Create {
			return nil // a file the loader refused, or not loaded yet: nothing was created
		}
		up.Action = plans.Error
		up.Problems = []plans.Problem{{Kind: plans.ProblemMatch, Users: []string{u.Key}, Message: fmt.Sprintf("%s is no longer in Coupa", u.Key)}}
		return up
	}
	up.Key = cur.Login
	up.Fingerprint = plans.FingerprintOf(cur)
	if cur.DefaultAccountType != nil || cur.DefaultAccount != nil {
		seen := &plans.AccountSeen{Segments: map[int]string{}}
		if cur.DefaultAccountType != nil {
			seen.Chart = cur.DefaultAccountType.Name
		}
		if cur.DefaultAccount != nil {
			for n, v := range cur.DefaultAccount.Segments {
				seen.Segments[n] = v
			}
		}
		up.CoupaAccount = seen
	}
	if u.Action == plans.Create {
		// Coupa cannot delete: the user the run created is deactivated
		if !cur.Active {
			return nil
		}
		up.Action = plans.Deactivate
		up.Changes = []plans.Change{{Field: record.Active, Op: plans.OpChange, Before: plans.Bool(true), After: plans.Bool(false), Selected: true,
			Note: "created by the run: Coupa cannot delete users, so it is deactivated"}}
		up.Selected = true
		return up
	}
	var moved []string
	for _, f := range applied {
		c := u.Change(f)
		if c == nil {
			continue
		}
		now := plans.CoupaValue(cur, f)
		switch {
		case plans.Same(f, now, c.Before):
			continue // Coupa holds the prior value already (not stored, or not loaded)
		case !plans.Same(f, now, c.After):
			moved = append(moved, fmt.Sprintf("%s now %s, the run wrote %s", f, plans.Quote(now.String()), plans.Quote(c.After.String())))
			continue
		}
		back := plans.Change{Field: f, Op: plans.OpOf(now, c.Before), Before: now, After: c.Before, Segment: c.Segment, Selected: true,
			Note: "undo: back to the value before the run"}
		if f == record.Login && !o.AllowLoginChange {
			back.Selected, back.Note = false, plans.LoginNote
		}
		up.Changes = append(up.Changes, back)
	}
	if len(moved) > 0 {
		who := ""
		if cur.UpdatedBy != nil && cur.UpdatedBy.Login != "" {
			who = " by " + cur.UpdatedBy.Login
		}
		up.Action, up.Changes = plans.Error, nil
		up.Problems = []plans.Problem{{Kind: plans.ProblemMatch, Users: []string{cur.Login},
			Message: fmt.Sprintf("%s changed in Coupa since the run (at %s%s): %s; not undone, fix it by hand or make a new plan", cur.Login, cur.UpdatedAt, who, strings.Join(moved, "; "))}}
		return up
	}
	if len(up.Changes) == 0 {
		return nil
	}
	up.Action = plans.Update
	if c := up.Change(record.Active); c != nil {
		up.Action = plans.Deactivate
		if c.After.BoolValue() {
			up.Action = plans.Reactivate
		}
	}
	for _, c := range up.Changes {
		up.Selected = up.Selected || c.Selected
	}
	return up
}

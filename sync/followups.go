package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

// Drift reads Coupa now (an incremental refresh when the cache can serve)
// and compares it with a snapshot, field by field; or with a plan: its
// users' recorded values field by field, and every other user changed
// after the plan was made, named with who changed it.
func (s *Service) Drift(ctx context.Context, since string) (*followup.Drift, error) {
	b, err := fileutil.ReadRegular(since, plans.MaxPlanBytes)
	if err != nil {
		return nil, err
	}
	format := ""
	if m := formatRe.FindSubmatch(b[:min(len(b), 4096)]); m != nil {
		format = string(m[1])
	}
	var before map[int]map[string]string
	var plan *plans.Plan
	var snap *coupa.Snapshot
	d := &followup.Drift{Since: since}
	switch {
	case format == coupa.SnapshotFormat:
		if snap, err = coupa.LoadSnapshot(since); err != nil {
			return nil, err
		}
		d.SinceTime, d.Instance = snap.FetchedAt, snap.Instance
	case format == plans.PlanFormat:
		if plan, err = plans.ParsePlan(b); err != nil {
			return nil, fmt.Errorf("%s: %w", since, err)
		}
		d.SinceTime, d.Instance = plan.CreatedAt, plan.Instance
		before = map[int]map[string]string{}
		for _, u := range plan.Users {
			if u.Fingerprint == nil {
				continue
			}
			f := map[string]string{}
			for _, c := range u.Changes {
				f[c.Field] = c.Before.String()
			}
			for _, x := range u.Same {
				f[x.Field] = x.Value.String()
			}
			before[u.Fingerprint.ID] = f
		}
	default:
		return nil, fmt.Errorf("%s is neither a ccwrecon snapshot nor a plan (format %q)", since, format)
	}
	return s.driftAgainst(ctx, d, before, plan, snap)
}

// DriftFrom is what changed in Coupa since a snapshot in memory was read
// (the console's session: since this comparison was made).
func (s *Service) DriftFrom(ctx context.Context, base *coupa.Snapshot) (*followup.Drift, error) {
	d := &followup.Drift{Since: "this comparison", SinceTime: base.FetchedAt, Instance: base.Instance}
	return s.driftAgainst(ctx, d, nil, nil, base)
}

// driftAgainst compares Coupa now with a snapshot (snap) or with what a
// plan recorded (before, by Coupa id).
func (s *Service) driftAgainst(ctx context.Context, d *followup.Drift, before map[int]map[string]string, plan *plans.Plan, snap *coupa.Snapshot) (*followup.Drift, error) {
	now, _, err := s.Coupa(ctx, nil)
	if err != nil {
		return nil, err
	}
	var base map[int]*coupa.User
	if snap != nil {
		base = make(map[int]*coupa.User, len(snap.Users))
		for i := range snap.Users {
			base[snap.Users[i].ID] = &snap.Users[i]
		}
	}
	if !strings.EqualFold(strings.TrimRight(now.Instance, "/"), strings.TrimRight(d.Instance, "/")) {
		return nil, fmt.Errorf("%s was made against %s, not %s", d.Since, d.Instance, now.Instance)
	}
	for i := range now.Users {
		u := &now.Users[i]
		was, known := before[u.ID]
		if b, ok := base[u.ID]; ok {
			if followup.SameUser(b, u) {
				continue // most users: compared without building their fields
			}
			was, known = followup.FieldsOf(b), true
		}
		du := followup.DriftUser{Key: u.Login, UpdatedAt: u.UpdatedAt, UpdatedBy: followup.Actor(u)}
		switch {
		case known:
			cur := followup.FieldsOf(u)
			for _, f := range followup.DriftFields(was, cur) {
				if plan != nil {
					if _, recorded := was[f]; !recorded {
						continue // the plan did not record this field
					}
				}
				if plans.Same(f, followup.TextValue(f, was[f]), followup.TextValue(f, cur[f])) {
					continue
				}
				du.Changes = append(du.Changes, followup.DriftChange{Field: f, Before: was[f], After: cur[f]})
			}
			if len(du.Changes) == 0 {
				continue
			}
		case snap != nil:
			du.Note = "created since"
			du.Changes = []followup.DriftChange{}
		default: // a plan records only its users: anyone else updated after it was made
			t, err := time.Parse(time.RFC3339, u.UpdatedAt)
			if err != nil || t.Before(d.SinceTime) { // the same second counts: plans keep whole seconds
				continue
			}
			du.Note = "updated after the plan was made; the plan holds no earlier record of this user's fields"
			du.Changes = []followup.DriftChange{}
		}
		d.Users = append(d.Users, du)
	}
	sort.SliceStable(d.Users, func(i, j int) bool { return d.Users[i].UpdatedAt > d.Users[j].UpdatedAt })
	if d.Users == nil {
		d.Users = []followup.DriftUser{}
	}
	return d, nil
}

func (s *Service) historyKeep() int {
	switch n := s.e.History; {
	case n < 0:
		return 0
	case n == 0:
		return 5
	default:
		return n
	}
}

// UserHistory reads a user's versions across the kept snapshots of the
// instance and Coupa now, oldest first, each with what changed and who
// changed it.
func (s *Service) UserHistory(ctx context.Context, login string) ([]followup.UserVersion, error) {
	client, err := s.Client(false)
	if err != nil {
		return nil, err
	}
	instance := client.Instance()
	cache, err := s.cachePath(instance)
	if err != nil {
		return nil, err
	}
	// the kept snapshots and the cache itself, read before the refresh moves them
	var snaps []*coupa.Snapshot
	for i := s.historyKeep(); i >= 0; i-- {
		p := cache
		if i > 0 {
			p = fmt.Sprintf("%s.%d", cache, i)
		}
		if sn, err := coupa.LoadSnapshot(p); err == nil && sn.Instance == instance {
			snaps = append(snaps, sn)
		}
	}
	now, _, err := s.Coupa(ctx, nil)
	if err != nil {
		return nil, err
	}
	snaps = append(snaps, now)
	sort.SliceStable(snaps, func(i, j int) bool { return snaps[i].FetchedAt.Before(snaps[j].FetchedAt) })
	var out []followup.UserVersion
	var prev map[string]string
	for _, sn := range snaps {
		var u *coupa.User
		for i := range sn.Users {
			if strings.EqualFold(sn.Users[i].Login, login) {
				u = &sn.Users[i]
				break
			}
		}
		if u == nil {
			continue
		}
		cur := followup.FieldsOf(u)
		v := followup.UserVersion{Seen: sn.FetchedAt, UpdatedAt: u.UpdatedAt, UpdatedBy: followup.Actor(u), Changes: []followup.DriftChange{}}
		switch {
		case prev == nil:
			v.Note = "first seen"
		default:
			for _, f := range followup.DriftFields(prev, cur) {
				if !plans.Same(f, followup.TextValue(f, prev[f]), followup.TextValue(f, cur[f])) {
					v.Changes = append(v.Changes, followup.DriftChange{Field: f, Before: prev[f], After: cur[f]})
				}
			}
			if len(v.Changes) == 0 && len(out) > 0 && out[len(out)-1].UpdatedAt == u.UpdatedAt {
				continue // the same version, seen again
			}
		}
		out = append(out, v)
		prev = cur
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no user %q in %s or its kept snapshots", login, now.Instance)
	}
	return out, nil
}

// StatusOptions bound the wait for Coupa's poller.
type StatusOptions struct {
	Timeout time.Duration // total wait (0: look once)
	Every   time.Duration // first poll interval, doubled up to 30 s (default 1 s)
	// Progress is told each file's status as it is polled.
	Progress func(file, status string)
}

// Status follows a run's uploaded Users CSV files to Coupa's load result
// (GET /api/data_file_sources), polling with backoff until each is Done
// or Failed, or the timeout passes; it maps each refused row back to the
// plan's user and feed line, and records the outcome in the run folder.
// Coupa documents no such API for the CCW User file: its status is
// unknown, and verify is the way to check it.
func (s *Service) Status(ctx context.Context, runDir string, o StatusOptions) (*followup.LoadStatus, error) {
	plan, err := apply.RunPlan(runDir)
	if err != nil {
		return nil, err
	}
	rb, err := fileutil.ReadRegular(filepath.Join(runDir, "report.json"), 64<<20)
	if err != nil {
		return nil, fmt.Errorf("%s: no report yet (is the run still going?): %v", runDir, err)
	}
	var rep apply.Report
	if err := json.Unmarshal(rb, &rep); err != nil {
		return nil, fmt.Errorf("%s/report.json: %v", runDir, err)
	}
	if len(rep.Files) == 0 {
		return nil, errors.New(runDir + ": the run uploaded no file (status follows SFTP loads; for an API run use ccwrecon verify)")
	}
	client, err := s.Client(false)
	if err != nil {
		return nil, err
	}
	if !apply.SameInstance(client.Instance(), plan.Instance) {
		return nil, &apply.InstanceError{Plan: plan.Instance, Settings: client.Instance()}
	}
	users := map[string]*plans.UserPlan{}
	for _, u := range plan.Users {
		users[strings.ToLower(u.Key)] = u
	}
	// the files' rows, rebuilt from the plan (they are deterministic): a
	// refused row is named by its number, whatever its first column holds
	// (Coupa's Id for existing users, blank for new ones)
	rowsOf := map[string][]string{}
	if built, err := apply.PlanFiles(plan, &apply.SFTPTarget{Format: apply.FormatCore}); err == nil {
		for _, f := range built {
			rowsOf[f.Name] = f.Logins
		}
	}
	st := &followup.LoadStatus{RunDir: runDir}
	every := o.Every
	if every <= 0 {
		every = time.Second
	}
	deadline := time.Now().Add(o.Timeout)
	for _, full := range rep.Files {
		name := path.Base(full)
		fs := followup.FileStatus{File: full}
		if strings.HasPrefix(name, "ccw_users_") {
			fs.Status, fs.Note = followup.LoadUnknown, "Coupa documents no load-result API for the CCW User file: check what landed with ccwrecon verify "+runDir
			st.Files = append(st.Files, fs)
			continue
		}
		wait := every
		for {
			srcs, err := client.DataFileSources(ctx, name)
			if err != nil {
				return nil, err
			}
			fs.Status = "not found yet"
			if len(srcs) > 0 {
				last := srcs[0]
				for _, x := range srcs {
					if x.ID > last.ID {
						last = x
					}
				}
				fs.Status, fs.Result = last.Status, last.ResultText
				fs.RowError = followup.RowErrors(last.UploadErrors, users, rowsOf[feeds.TrimPGPExt(name)])
			}
			if o.Progress != nil {
				o.Progress(name, fs.Status)
			}
			if fs.Finished() || !time.Now().Add(wait).Before(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
		}
		st.Files = append(st.Files, fs)
	}
	if err := views.WriteLoadStatusFiles(runDir, st); err != nil {
		return nil, err
	}
	return st, nil
}

// Undo makes the undo plan of a run folder (see the package's Undo).
func (s *Service) Undo(ctx context.Context, runDir string, o followup.UndoOptions) (*plans.Plan, error) {
	var client *coupa.Client
	if s.HasCoupa() {
		var err error
		if client, err = s.Client(false); err != nil {
			return nil, err
		}
	}
	return followup.Undo(ctx, client, runDir, o)
}

// UndoSession opens the undo plan of a run as a session for the console:
// shown like any diff, applied through the API like any plan.
func (s *Service) UndoSession(ctx context.Context, runDir string, o followup.UndoOptions) (*Session, error) {
	p, err := s.Undo(ctx, runDir, o)
	if err != nil {
		return nil, err
	}
	return &Session{Plan: p, FeedName: p.Feed.Name, Instance: p.Instance, Vias: []plans.Route{plans.RouteAPI}, Default: p.Selection()}, nil
}

// formatRe finds a document's format near its start.
var formatRe = regexp.MustCompile(`"format"\s*:\s*"([^"]+)"`)

package apply

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// AppliedChanges lists, per user of plan, the changes whose requests the
// journal j records as done (in this run or an earlier one).
func AppliedChanges(plan *plans.Plan, j *Journal) (users []*plans.UserPlan, fields map[*plans.UserPlan][]string) {
	fields = map[*plans.UserPlan][]string{}
	for _, u := range plan.Users {
		if u.SelectedCount() == 0 {
			continue
		}
		for _, st := range stepsOf(u) {
			if phase, _ := j.state(u.Key, st.op); phase == PhaseDone {
				fields[u] = append(fields[u], st.fields...)
			}
		}
		if len(fields[u]) > 0 {
			users = append(users, u)
		}
	}
	return users, fields
}

// verify reads back every user the run wrote (id[in], 50 at a time, inside
// the rate limit) and compares each applied change with what Coupa now
// holds, with the diff's own comparison. A change Coupa accepted but does
// not hold is "not stored": journalled, reported, and the run is not OK.
func (a *applier) verify(ctx context.Context) {
	users, fields := AppliedChanges(a.plan, a.journal)
	var ids []int
	for _, u := range users {
		if id := a.id(u.Key); id != 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	cur, err := a.client.UsersByID(ctx, ids)
	if err != nil {
		n := 0
		for _, f := range fields {
			n += len(f)
		}
		a.report.Changes.Unchecked += n
		a.report.Warnings = append(a.report.Warnings, "the read-back after the run failed, so nothing is verified: "+err.Error()+" (check later with ccwrecon verify "+a.report.RunDir+")")
		return
	}
	for _, u := range users {
		t := a.outcome[u]
		if t == nil {
			t = &Tally{}
			a.outcome[u] = t
		}
		c, ok := cur[a.id(u.Key)]
		stored := 0
		for _, f := range fields[u] {
			ch := u.Change(f)
			holds := "(the user is not in Coupa)"
			if ok {
				h := plans.CoupaValue(&c, f)
				if plans.Same(f, h, ch.After) {
					stored++
					t.Verified++
					a.report.Changes.Verified++
					continue
				}
				holds = h.String()
			}
			m := Mismatch{User: u.Key, Field: f, Sent: ch.Feed(), Holds: holds}
			a.report.NotStored = append(a.report.NotStored, m)
			a.report.Changes.NotStored++
			t.NotStored++
			if err := a.journal.Append(Entry{User: u.Key, Phase: PhaseNotStored, Field: f, Sent: m.Sent, Holds: m.Holds}); err != nil {
				a.setFatal(err)
				return
			}
		}
		if stored > 0 {
			if err := a.journal.Append(Entry{User: u.Key, Phase: PhaseVerified, Message: plans.Plural(stored, "change", "changes") + " read back"}); err != nil {
				a.setFatal(err)
				return
			}
		}
	}
}

// Verification statuses of a later check (ccwrecon verify).
const (
	Landed    = "landed"
	NotYet    = "not yet"
	Different = "different"
)

// Check is one change as Coupa holds it now.
type Check struct {
	User   string `json:"user"`
	Field  string `json:"field"`
	Was    string `json:"was"`
	Want   string `json:"want"`
	Holds  string `json:"holds"`
	Status string `json:"status"`
}

// Verification is what a later read-back of a run found.
type Verification struct {
	RunDir    string      `json:"run-dir"`
	Instance  string      `json:"instance"`
	Via       plans.Route `json:"via"`
	Checked   time.Time   `json:"checked"`
	Landed    int         `json:"landed"`
	NotYet    int         `json:"not-yet"`
	Different int         `json:"different"`
	Changes   []Check     `json:"changes"`
}

// Summary is the closing line of a verification.
func (v *Verification) Summary() string {
	total := v.Landed + v.NotYet + v.Different
	return fmt.Sprintf("%d of %s landed, %d not yet, %d different.", v.Landed, plans.Plural(total, "change", "changes"), v.NotYet, v.Different)
}

// runPlan reads the plan a run folder keeps (the one apply ran).
func RunPlan(runDir string) (*plans.Plan, error) {
	b, err := fileutil.ReadRegular(filepath.Join(runDir, "plan.json"), plans.MaxPlanBytes)
	if err != nil {
		return nil, fmt.Errorf("%s is not a run folder of ccwrecon apply (no plan.json): %v", runDir, err)
	}
	p, err := plans.ParsePlan(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", runDir, err)
	}
	return p, nil
}

// Verify re-reads, later, the users of a run (its folder holds the plan
// and the journal) and reports per change: landed (Coupa holds the new
// value), not yet (still the old one) or different (neither). For the
// SFTP path, where Coupa loads the file minutes later, it covers every
// change of the uploaded files; for the API path, the changes applied.
func Verify(ctx context.Context, client *coupa.Client, runDir string) (*Verification, error) {
	plan, err := RunPlan(runDir)
	if err != nil {
		return nil, err
	}
	if !SameInstance(client.Instance(), plan.Instance) {
		return nil, &InstanceError{Plan: plan.Instance, Settings: client.Instance()}
	}
	entries, err := ReadJournal(filepath.Join(runDir, "journal.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New(runDir + ": the run sent nothing yet")
	}
	j := &Journal{entries: entries}
	v := &Verification{RunDir: runDir, Instance: plan.Instance, Via: plans.RouteAPI, Checked: time.Now().UTC()}
	uploaded := false
	for _, e := range entries {
		if e.Op == OpUpload {
			v.Via = plans.RouteSFTP
			uploaded = uploaded || e.Phase == PhaseDone
		}
	}
	if v.Via == plans.RouteSFTP && !uploaded {
		return nil, errors.New(runDir + ": no file of this run was uploaded yet")
	}
	a := &applier{plan: plan, journal: j}
	want := map[*plans.UserPlan][]string{}
	var users []*plans.UserPlan
	if v.Via == plans.RouteSFTP {
		for _, u := range plan.Users {
			for _, c := range u.SelectedChanges() {
				want[u] = append(want[u], c.Field)
			}
			if len(want[u]) > 0 {
				users = append(users, u)
			}
		}
	} else {
		users, want = AppliedChanges(a.plan, a.journal)
	}
	created, err := JournalIDs(plan, j)
	if err != nil {
		return nil, err
	}
	now, err := RereadRun(ctx, client, users, created)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		c := now[u]
		for _, f := range want[u] {
			ch := u.Change(f)
			k := Check{User: u.Key, Field: f, Was: ch.Coupa(), Want: ch.Feed(), Status: NotYet, Holds: "(not in Coupa yet)"}
			if c != nil {
				h := plans.CoupaValue(c, f)
				k.Holds = h.String()
				switch {
				case plans.Same(f, h, ch.After):
					k.Status = Landed
				case plans.Same(f, h, ch.Before):
					k.Status = NotYet
				default:
					k.Status = Different
				}
			}
			switch k.Status {
			case Landed:
				v.Landed++
			case NotYet:
				v.NotYet++
			default:
				v.Different++
			}
			v.Changes = append(v.Changes, k)
		}
	}
	return v, nil
}

// rereadRun reads a run's users from Coupa again (id[in] and login[in],
// 50 at a time): a user Coupa had by the id its plan recorded, one the run
// created by the id the run got, one a file created by its login. A user
// Coupa does not have (yet) is missing from the map.
func RereadRun(ctx context.Context, client *coupa.Client, users []*plans.UserPlan, created map[string]int) (map[*plans.UserPlan]*coupa.User, error) {
	var ids []int
	var logins []string
	for _, u := range users {
		if id := created[strings.ToLower(u.Key)]; id != 0 {
			ids = append(ids, id)
		} else if u.Fingerprint != nil {
			ids = append(ids, u.Fingerprint.ID)
		} else {
			logins = append(logins, u.Key)
		}
	}
	byID, err := client.UsersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byLogin, err := client.UsersByLogin(ctx, logins)
	if err != nil {
		return nil, err
	}
	out := make(map[*plans.UserPlan]*coupa.User, len(users))
	for _, u := range users {
		var c coupa.User
		var ok bool
		switch id := created[strings.ToLower(u.Key)]; {
		case id != 0:
			c, ok = byID[id]
		case u.Fingerprint != nil:
			c, ok = byID[u.Fingerprint.ID]
		default:
			c, ok = byLogin[strings.ToLower(u.Key)]
		}
		if ok {
			out[u] = &c
		}
	}
	return out, nil
}

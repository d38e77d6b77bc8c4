package plans

import (
	"sort"
	"strings"

	"github.com/ccwrecon/ccwrecon/record"
)

// The views below are what a front-end draws of a plan, grouped the way
// an operator reads it. They are computed here, with the engine's own
// rules (case-insensitive roles, which fields are the account's), so that
// no screen or report repeats a rule of the engine.

// IsAccountField reports a field of the user's default account: the
// chart, its segments, and the security type the account groups drive.
func IsAccountField(field string) bool {
	return SegmentOf(field) > 0 || field == record.AccountType || field == record.SecurityType
}

// TeamMove is one user joining or leaving a supervisor's team.
type TeamMove struct {
	User   *UserPlan
	Change *Change
	// Other is the supervisor the user comes from (a join) or goes to (a
	// leave); "" for none.
	Other string
}

// TeamChange is a supervisor whose team changes.
type TeamChange struct {
	Key        string // the supervisor's key, folded
	Supervisor string // as the plan spells it
	Joins      []TeamMove
	Leaves     []TeamMove
}

// TeamChanges lists, per supervisor, who joins and who leaves, in the
// order of the supervisors' keys.
func TeamChanges(p *Plan) []TeamChange {
	by := map[string]*TeamChange{}
	team := func(name string) *TeamChange {
		k := strings.ToLower(name)
		t := by[k]
		if t == nil {
			t = &TeamChange{Key: k}
			by[k] = t
		}
		t.Supervisor = name
		return t
	}
	for _, u := range p.Users {
		ch := u.Change(record.Manager)
		if ch == nil {
			continue
		}
		to, from := ch.Feed(), ch.Coupa()
		if to != "" {
			t := team(to)
			t.Joins = append(t.Joins, TeamMove{u, ch, from})
		}
		if from != "" {
			t := team(from)
			t.Leaves = append(t.Leaves, TeamMove{u, ch, to})
		}
	}
	out := make([]TeamChange, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// SetMove is one user gaining or losing a member of a set field (a role,
// a group).
type SetMove struct {
	User   *UserPlan
	Change *Change
	Gain   bool
}

// SetMember is one role or group and the users gaining or losing it.
type SetMember struct {
	Name          string
	Moves         []SetMove
	Gains, Losses int
}

// SetChanges lists, per member of a set field (record.Roles, a group
// field), who gains and who loses it, in the order of the names.
func SetChanges(p *Plan, field string) []SetMember {
	by := map[string]*SetMember{}
	add := func(name string, mv SetMove) {
		m := by[name]
		if m == nil {
			m = &SetMember{Name: name}
			by[name] = m
		}
		m.Moves = append(m.Moves, mv)
		if mv.Gain {
			m.Gains++
		} else {
			m.Losses++
		}
	}
	for _, u := range p.Users {
		ch := u.Change(field)
		if ch == nil {
			continue
		}
		before, after := ch.Before.RoleList(), ch.After.RoleList()
		for _, r := range after {
			if !ContainsFold(before, r) {
				add(r, SetMove{u, ch, true})
			}
		}
		for _, r := range before {
			if !ContainsFold(after, r) {
				add(r, SetMove{u, ch, false})
			}
		}
	}
	out := make([]SetMember, 0, len(by))
	for _, m := range by {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// RoleChanges is SetChanges of the roles.
func RoleChanges(p *Plan) []SetMember { return SetChanges(p, record.Roles) }

// FieldGroup is the users whose plan changes one field.
type FieldGroup struct {
	Field string
	Users []*UserPlan
}

// AccountChanges groups the account fields' changes by field: segments
// in order, then the chart and the security type.
func AccountChanges(p *Plan) []FieldGroup {
	by := map[string][]*UserPlan{}
	for _, u := range p.Users {
		for _, ch := range u.Changes {
			if IsAccountField(ch.Field) {
				by[ch.Field] = append(by[ch.Field], u)
			}
		}
	}
	out := make([]FieldGroup, 0, len(by))
	for f, users := range by {
		out = append(out, FieldGroup{f, users})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := SegmentOf(out[i].Field), SegmentOf(out[j].Field)
		if a != b {
			return a < b
		}
		return out[i].Field < out[j].Field
	})
	return out
}

// ActionCount is one row of the per-action table: how many users the plan
// gives that action, and how many of them are selected.
type ActionCount struct {
	Action          Action
	Total, Selected int
}

// ActionTable is the per-action table, in PlanOrder.
func ActionTable(p *Plan) []ActionCount {
	counts := map[Action]*ActionCount{}
	for _, a := range PlanOrder {
		counts[a] = &ActionCount{Action: a}
	}
	for _, u := range p.Users {
		c := counts[u.Action]
		if c == nil {
			continue
		}
		c.Total++
		if u.SelectedCount() > 0 {
			c.Selected++
		}
	}
	out := make([]ActionCount, len(PlanOrder))
	for i, a := range PlanOrder {
		out[i] = *counts[a]
	}
	return out
}

// UserProblem is one problem of one user.
type UserProblem struct {
	User    *UserPlan
	Problem Problem
}

// ProblemsWhere lists the problems whose kind keep accepts, users in plan
// order.
func ProblemsWhere(p *Plan, keep func(ProblemKind) bool) []UserProblem {
	var out []UserProblem
	for _, u := range p.Users {
		for _, pr := range u.Problems {
			if keep(pr.Kind) {
				out = append(out, UserProblem{u, pr})
			}
		}
	}
	return out
}

// ApplyOrder says how each route applies a plan, as apply does it (see
// runUser and the SFTP writer): what an operator reads before choosing.
var ApplyOrder = []string{
	"API: creates first (managers before their reports), then updates and reactivations, then deactivations; segments in a second request once the chart is stored; removing a role is clear-then-set; every written user is read back.",
	"SFTP: one file, supervisors first, optionally PGP-encrypted; Coupa loads it minutes later (check with ccwrecon verify).",
	"Every touched user is re-read first: a plan whose users moved in Coupa is refused.",
}

package apply

import (
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Step operations: one request each.
const (
	OpCreate     = "create"
	OpUpdate     = "update"
	OpDeactivate = "deactivate"
	OpRolesClear = "roles-clear" // Coupa's two-step role removal, first step
	OpRolesSet   = "roles-set"
	OpSegments   = "segments" // the default account, once the chart is stored
	OpUpload     = "upload"
)

// clearOp and setOp name the two requests of a set's removal (Coupa's
// clear-then-set): roles keep the journal's names of earlier rounds.
func clearOp(field string) string {
	if field == record.Roles {
		return OpRolesClear
	}
	return field + "-clear"
}

func setOp(field string) string {
	if field == record.Roles {
		return OpRolesSet
	}
	return field + "-set"
}

// twoStep reads an op of a clear-then-set: its field and which request.
func twoStep(op string) (field string, clear, ok bool) {
	for _, s := range [...]struct {
		suffix string
		clear  bool
	}{{"-clear", true}, {"-set", false}} {
		if f, found := strings.CutSuffix(op, s.suffix); found {
			if spec := plans.Spec(f); spec != nil && spec.ClearThenSet {
				return f, s.clear, true
			}
		}
	}
	return "", false, false
}

// step is one request of a user's apply and the changes it carries.
type step struct {
	op     string
	fields []string
}

// fieldOf is the field of a clear-then-set step.
func (s step) fieldOf() string {
	f, _, _ := twoStep(s.op)
	return f
}

// stepsOf lists a user's requests in order. Segments go in a second
// request once the chart is stored, as a whole account code; removing a
// role is Coupa's clear-then-set.
func stepsOf(u *plans.UserPlan) []step {
	var main, segs, removals []string
	for _, c := range u.SelectedChanges() {
		switch spec := plans.Spec(c.Field); {
		case c.IsSegment():
			segs = append(segs, c.Field)
		case spec != nil && spec.ClearThenSet && u.Action != plans.Create && engine.RemovesRoles(c.Before, c.After):
			removals = append(removals, c.Field)
		default:
			main = append(main, c.Field)
		}
	}
	var steps []step
	switch {
	case u.Action == plans.Create:
		steps = append(steps, step{OpCreate, main})
	case u.Action == plans.Deactivate && len(main) > 0:
		steps = append(steps, step{OpDeactivate, main})
	case len(main) > 0:
		steps = append(steps, step{OpUpdate, main})
	}
	for _, f := range removals {
		steps = append(steps, step{clearOp(f), nil}, step{setOp(f), []string{f}})
	}
	if len(segs) > 0 && len(fullSegmentsOf(u)) == 0 && u.Action != plans.Create {
		// every segment cleared: the default account goes (null) in the
		// main request, with or before the chart it belongs to
		if len(steps) > 0 && (steps[0].op == OpUpdate || steps[0].op == OpDeactivate) {
			steps[0].fields = append(steps[0].fields, segs...)
		} else {
			steps = append([]step{{OpUpdate, segs}}, steps...)
		}
		segs = nil
	}
	if len(segs) > 0 {
		steps = append(steps, step{OpSegments, segs})
	}
	return steps
}

// patch builds the typed request body of a step.
func (a *applier) patch(u *plans.UserPlan, st step) coupa.UserPatch {
	var p coupa.UserPatch
	if f, clear, ok := twoStep(st.op); ok && clear {
		plans.Spec(f).Write(&p, plans.Roles(nil)) // an empty set clears the collection
		return p
	}
	switch st.op {
	case OpSegments:
		p.DefaultAccount = &coupa.AccountPatch{Segments: a.fullSegments(u)}
		if chart := a.chartOf(u); chart != "" {
			p.DefaultAccount.AccountType = &coupa.Ref{Name: chart}
		}
		return p
	}
	for _, f := range st.fields {
		setField(&p, *u.Change(f))
	}
	if st.op == OpCreate {
		t := true
		p.Active = &t
	}
	return p
}

// setField puts one change into a request body, as the field's registry
// entry writes it.
func setField(p *coupa.UserPatch, c plans.Change) {
	v := c.After
	if v.IsNone() && c.IsSegment() {
		// segments clear as the whole default account (Coupa takes only full codes)
		for _, k := range p.Clear {
			if k == "default-account" {
				return
			}
		}
		p.Clear = append(p.Clear, "default-account")
		return
	}
	if v.IsNone() {
		p.Clear = append(p.Clear, c.Field)
		return
	}
	if spec := plans.Spec(c.Field); spec != nil {
		spec.Write(p, v)
		return
	}
	if name, ok := strings.CutPrefix(c.Field, "custom-fields."); ok {
		if p.CustomFields == nil {
			p.CustomFields = map[string]string{}
		}
		p.CustomFields[name] = v.Text()
	}
}

// chartOf is the chart a user's default account belongs to.
func (a *applier) chartOf(u *plans.UserPlan) string {
	if c := u.Change(record.AccountType); c != nil && c.Selected {
		return c.After.Text()
	}
	if u.CoupaAccount != nil && u.CoupaAccount.Chart != "" {
		return u.CoupaAccount.Chart
	}
	return a.plan.Settings.Chart
}

// fullSegments is the whole default account code: Coupa supports only
// full codes, so the segments Coupa holds go with the changed ones.
func (a *applier) fullSegments(u *plans.UserPlan) map[int]string { return fullSegmentsOf(u) }

// fullSegmentsOf is a user's whole default account code after its changes.
func fullSegmentsOf(u *plans.UserPlan) map[int]string {
	segs := map[int]string{}
	if u.CoupaAccount != nil { // the stale check proved Coupa still holds these
		for n, v := range u.CoupaAccount.Segments {
			segs[n] = v
		}
	}
	for _, c := range u.SelectedChanges() {
		if c.IsSegment() {
			if c.After.IsNone() {
				delete(segs, c.Segment)
			} else {
				segs[c.Segment] = c.After.Text()
			}
		}
	}
	return segs
}

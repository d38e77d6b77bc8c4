package sync

import (
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
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

// step is one request of a user's apply and the changes it carries.
type step struct {
	op     string
	fields []string
}

// stepsOf lists a user's requests in order. Segments go in a second
// request once the chart is stored, as a whole account code; removing a
// role is Coupa's clear-then-set.
func stepsOf(u *UserPlan) []step {
	var main, segs []string
	rolesRemove := false
	for _, c := range u.SelectedChanges() {
		switch {
		case c.IsSegment():
			segs = append(segs, c.Field)
		case c.Field == record.Roles && u.Action != Create && removesRoles(c.Before, c.After):
			rolesRemove = true
		default:
			main = append(main, c.Field)
		}
	}
	var steps []step
	switch {
	case u.Action == Create:
		steps = append(steps, step{OpCreate, main})
	case u.Action == Deactivate && len(main) > 0:
		steps = append(steps, step{OpDeactivate, main})
	case len(main) > 0:
		steps = append(steps, step{OpUpdate, main})
	}
	if rolesRemove {
		steps = append(steps, step{OpRolesClear, nil}, step{OpRolesSet, []string{record.Roles}})
	}
	if len(segs) > 0 {
		steps = append(steps, step{OpSegments, segs})
	}
	return steps
}

// patch builds the typed request body of a step.
func (a *applier) patch(u *UserPlan, st step) coupa.UserPatch {
	var p coupa.UserPatch
	switch st.op {
	case OpRolesClear:
		empty := []coupa.Ref{}
		p.Roles = &empty
		return p
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

// setField puts one change into a request body.
func setField(p *coupa.UserPatch, c Change) {
	v := c.After
	if v.IsNone() {
		p.Clear = append(p.Clear, c.Field)
		return
	}
	s := v.Text()
	switch c.Field {
	case record.Login:
		p.Login = &s
	case record.Email:
		p.Email = &s
	case record.FirstName:
		p.Firstname = &s
	case record.LastName:
		p.Lastname = &s
	case record.MiddleName:
		p.Middlename = &s
	case record.EmployeeNumber:
		p.EmployeeNumber = &s
	case record.MentionName:
		p.MentionName = &s
	case record.SSO:
		p.SSOIdentifier = &s
	case record.Active:
		b := v.BoolValue()
		p.Active = &b
	case record.CCWUser:
		b := v.BoolValue()
		p.CCWUser = &b
	case record.SecurityType:
		n := v.IntValue()
		p.AccountSecurityType = &n
	case record.Currency:
		p.DefaultCurrency = &coupa.Ref{Code: s}
	case record.Manager:
		p.Manager = &coupa.Ref{Login: s}
	case record.AccountType:
		p.DefaultAccountType = &coupa.Ref{Name: s}
	case record.PhoneWork:
		ph, _ := v.PhoneParts()
		p.PhoneWork = &coupa.Phone{CountryCode: ph.CountryCode, AreaCode: ph.AreaCode, Number: ph.Number, Extension: ph.Extension}
	case record.Roles:
		p.Roles = roleRefs(v.RoleList())
	default:
		if name, ok := strings.CutPrefix(c.Field, "custom-fields."); ok {
			if p.CustomFields == nil {
				p.CustomFields = map[string]string{}
			}
			p.CustomFields[name] = s
		}
	}
}

func roleRefs(names []string) *[]coupa.Ref {
	refs := make([]coupa.Ref, 0, len(names))
	for _, r := range names {
		refs = append(refs, coupa.Ref{Name: r})
	}
	return &refs
}

// chartOf is the chart a user's default account belongs to.
func (a *applier) chartOf(u *UserPlan) string {
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
func (a *applier) fullSegments(u *UserPlan) map[int]string {
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

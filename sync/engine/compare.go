package engine

import (
	"strings"

	"github.com/ccwrecon/ccwrecon/internal/suggest"
	"github.com/ccwrecon/ccwrecon/sync/plans"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
)

// scalarFields are the single-valued fields compared in display order.
var scalarFields = []string{record.Login, record.Email, record.FirstName, record.LastName, record.MiddleName, record.MentionName,
	record.PhoneWork, record.EmployeeNumber, record.Currency, record.SSO, record.Manager}

var scalarAccess = plans.Accessors(scalarFields)

// scalarText reads the text fields among them (nil for others) and
// scalarFolds says which compare case-insensitively: the common case, a
// value Coupa already holds, is decided without making Values.
var scalarText, scalarFolds = func() ([]func(u *coupa.User) string, []bool) {
	read, folds := make([]func(u *coupa.User) string, len(scalarFields)), make([]bool, len(scalarFields))
	for i, f := range scalarFields {
		if plans.KindOf(f) == plans.KindText {
			read[i], folds[i] = plans.CoupaText[f], plans.FoldsCase(f)
		}
	}
	return read, folds
}()

func (e *engine) compareScalars(rp *rowPlan, f *record.User) {
	for i, field := range scalarFields {
		v := f.Get(field)
		if field == record.Manager {
			v = rp.wantMgr
		}
		if v == "" {
			continue // no opinion
		}
		if read := scalarText[i]; read != nil && rp.coupa != nil && v != record.Clear {
			// what Same says of two texts, neither of them none
			if cur := read(rp.coupa); cur != "" && (cur == v || scalarFolds[i] && strings.EqualFold(cur, v)) {
				rp.matches(field, plans.Text(cur))
				continue
			}
		}
		cur := plans.None(field)
		if rp.coupa != nil {
			cur = scalarAccess[i](rp.coupa)
		}
		rp.compareTo(field, cur, v)
	}
	if t := f.Get(record.AccountType); t != "" {
		rp.compare(record.AccountType, t)
	}
	if cur := f.Get(record.Currency); cur != "" && cur != record.Clear {
		known := len(e.snap.Currencies) == 0
		for _, c := range e.snap.Currencies {
			known = known || strings.EqualFold(c.Code, cur)
		}
		if !known {
			rp.problem(plans.ProblemValue, "currency", []string{rp.plan.Key}, "currency %s is not enabled in Coupa", cur)
		}
	}
}

// roleNote explains why a CCW role on an existing user is informational.
const roleNote = "CCW syncs Role only at initial sync: shown, not applied by default"

// compareRoles: a Coupa Users CSV lists the whole role set; a CCW row names
// one role the user must hold (others stay), and since CCW syncs Role only
// at initial sync, a missing role on an existing user is informational.
func (e *engine) compareRoles(rp *rowPlan, f *record.User) {
	if f.Roles == nil {
		return
	}
	var want []string
	for _, r := range f.Roles {
		c, ok := e.role(r)
		if !ok {
			rp.problem(plans.ProblemRole, "role-unknown", []string{rp.plan.Key}, "role %q is not a role of this Coupa instance", r)
		}
		if !plans.ContainsFold(want, c) {
			want = append(want, c)
		}
	}
	if rp.creating {
		if len(want) > 0 {
			rp.change(record.Roles, plans.None(record.Roles), plans.Roles(want), true, "")
		}
		return
	}
	if rp.coupa != nil && len(want) > 0 && holdsRoles(rp.coupa, want, f.RoleMode == record.RolesWholeSet) {
		rp.matches(record.Roles, plans.Unread) // the common case, read without building the role set
		return
	}
	cur := rp.current(record.Roles)
	if f.RoleMode == record.RolesContain {
		all := cur.RoleList()
		for _, r := range want {
			if !plans.ContainsFold(cur.RoleList(), r) {
				all = append(all[:len(all):len(all)], r)
			}
		}
		if len(all) == len(cur.RoleList()) {
			rp.matches(record.Roles, cur)
			return
		}
		c := rp.change(record.Roles, cur, plans.Roles(all), false, roleNote)
		c.Informational = true
		return
	}
	after := plans.Roles(want)
	if plans.Same(record.Roles, cur, after) {
		rp.matches(record.Roles, cur)
		return
	}
	note := ""
	if RemovesRoles(cur, after) {
		note = "removes roles: Coupa's clear-then-set, prior roles restored on failure"
	}
	rp.change(record.Roles, cur, after, true, note)
}

// holdsRoles reports whether a Coupa user holds every role of want (and,
// for a whole set, no other): what Same says of the role sets.
func holdsRoles(u *coupa.User, want []string, whole bool) bool {
	if whole && len(u.Roles) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for i := range u.Roles {
			if strings.EqualFold(u.Roles[i].Name, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// removesRoles reports whether going from one role set to another drops one.
func RemovesRoles(before, after plans.Value) bool {
	for _, r := range before.RoleList() {
		if !plans.ContainsFold(after.RoleList(), r) {
			return true
		}
	}
	return false
}

// role is a role's name as Coupa spells it, and whether Coupa has it.
// The exact spelling is tried first: lower-casing costs an allocation.
func (e *engine) role(r string) (string, bool) {
	if e.cfg.SkipCatalogue {
		return r, true
	}
	if c, ok := e.roles[r]; ok {
		return c, true
	}
	if c, ok := e.roles[strings.ToLower(r)]; ok {
		return c, true
	}
	return r, false
}

// catalogue is a list of Coupa's names (groups) by lower-cased name.
type catalogue struct {
	byFold map[string]string
	names  []string
}

func newCatalogue(groups []coupa.Group) *catalogue {
	c := &catalogue{byFold: make(map[string]string, len(groups))}
	for _, g := range groups {
		c.byFold[strings.ToLower(g.Name)] = g.Name
		c.names = append(c.names, g.Name)
	}
	return c
}

// registeredFields are the fields compared by their registry entry alone
// (memberships, licences, limits, locale, authentication, address).
var registeredFields = func() []string {
	var out []string
	for _, s := range plans.Registry {
		if record.Generic(s.Name) {
			out = append(out, s.Name)
		}
	}
	return out
}()

// compareRegistered compares each registered field the row carries: a
// blank cell says nothing, --NULL-- clears, a membership names groups
// that must exist in Coupa (an unknown one makes the user an error user
// naming it and the nearest names).
func (e *engine) compareRegistered(rp *rowPlan, f *record.User) {
	for _, name := range registeredFields {
		v := f.Get(name)
		if v == "" {
			continue
		}
		spec := plans.Spec(name)
		if spec.Catalogue != "" && v != record.Clear {
			names, ok := e.members(rp, spec, record.SplitList(v))
			if !ok {
				continue
			}
			want := plans.Roles(names)
			before := len(rp.plan.Changes)
			rp.compareValue(name, rp.current(name), want)
			if len(rp.plan.Changes) > before {
				if c := &rp.plan.Changes[len(rp.plan.Changes)-1]; RemovesRoles(c.Before, c.After) && !rp.creating {
					c.Note = "removes members: Coupa's clear-then-set, the prior set restored on failure"
				}
			}
			continue
		}
		rp.compare(name, v)
	}
}

// members are a membership's names as Coupa spells them; a name Coupa
// lacks is a problem (and ok is false).
func (e *engine) members(rp *rowPlan, spec *plans.FieldSpec, names []string) ([]string, bool) {
	cat := e.groups[spec.Catalogue]
	if cat == nil || len(cat.names) == 0 {
		return names, true // the list was not read: said once in the snapshot's warnings
	}
	out := make([]string, 0, len(names))
	ok := true
	for _, n := range names {
		c, found := cat.byFold[strings.ToLower(n)]
		if !found {
			near := suggest.Nearest(n, cat.names, 3)
			hint := ""
			if len(near) > 0 {
				hint = " (nearest: " + strings.Join(near, ", ") + ")"
			}
			rp.problem(plans.ProblemValue, "group-unknown", []string{rp.plan.Key}, "%s: %q is not one of Coupa's %s%s", spec.Name, n, spec.Catalogue, hint)
			ok = false
			continue
		}
		if !plans.ContainsFold(out, c) {
			out = append(out, c)
		}
	}
	return out, ok
}

// deriveSecurityType keeps account-security-type to Starling's rule
// whenever its inputs change: 2 for a user with a default chart and
// account groups, 1 with a chart and none, unchanged without a chart.
func (e *engine) deriveSecurityType(rp *rowPlan) {
	p := rp.plan
	chartC, groupsC := p.Change(record.AccountType), p.Change(record.AccountGroups)
	if chartC == nil && groupsC == nil {
		return
	}
	chart := rp.current(record.AccountType)
	if chartC != nil {
		chart = chartC.After
	}
	groups := rp.current(record.AccountGroups)
	if groupsC != nil {
		groups = groupsC.After
	}
	if chart.IsNone() || chart.Text() == "" {
		return
	}
	derived := 1
	if len(groups.RoleList()) > 0 {
		derived = 2
	}
	note := "derived: 1 without account groups, 2 with"
	if c := p.Change(record.SecurityType); c != nil {
		c.After, c.Op, c.Note = plans.Int(derived), plans.OpOf(c.Before, plans.Int(derived)), note
		if plans.Same(record.SecurityType, c.Before, c.After) {
			p.RemoveChange(record.SecurityType)
		}
		return
	}
	if cur := rp.current(record.SecurityType); cur.IsNone() || cur.IntValue() != derived {
		rp.change(record.SecurityType, cur, plans.Int(derived), true, note)
	}
}

package sync

import (
	"strings"

	"github.com/ccwrecon/ccwrecon/record"
)

// scalarFields are the single-valued fields compared in display order.
var scalarFields = []string{record.Login, record.Email, record.FirstName, record.LastName, record.MiddleName, record.MentionName,
	record.PhoneWork, record.EmployeeNumber, record.Currency, record.SSO, record.Manager}

func (e *engine) compareScalars(rp *rowPlan, f *record.User) {
	for _, field := range scalarFields {
		v := f.Get(field)
		if field == record.Manager {
			v = rp.wantMgr
		}
		rp.compare(field, v)
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
			rp.problem(ProblemValue, []string{rp.plan.Key}, "currency %s is not enabled in Coupa", cur)
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
	for _, r := range f.Roles {
		if _, ok := e.roles[strings.ToLower(r)]; !ok {
			rp.problem(ProblemRole, []string{rp.plan.Key}, "role %q is not a role of this Coupa instance", r)
		}
	}
	canon := func(r string) string {
		if c, ok := e.roles[strings.ToLower(r)]; ok {
			return c
		}
		return r
	}
	var want []string
	seen := map[string]bool{}
	for _, r := range f.Roles {
		if !seen[strings.ToLower(r)] {
			seen[strings.ToLower(r)] = true
			want = append(want, canon(r))
		}
	}
	if rp.creating {
		if len(want) > 0 {
			rp.change(record.Roles, None(record.Roles), Roles(want), true, "")
		}
		return
	}
	cur := rp.current(record.Roles)
	has := map[string]bool{}
	for _, r := range cur.RoleList() {
		has[strings.ToLower(r)] = true
	}
	if f.RoleMode == record.RolesContain {
		all := append([]string(nil), cur.RoleList()...)
		for _, r := range want {
			if !has[strings.ToLower(r)] {
				all = append(all, r)
			}
		}
		if len(all) == len(cur.RoleList()) {
			rp.same(record.Roles)
			return
		}
		c := rp.change(record.Roles, cur, Roles(all), false, roleNote)
		c.Informational = true
		return
	}
	after := Roles(want)
	if Same(record.Roles, cur, after) {
		rp.same(record.Roles)
		return
	}
	note := ""
	if removesRoles(cur, after) {
		note = "removes roles: Coupa's clear-then-set, prior roles restored on failure"
	}
	rp.change(record.Roles, cur, after, true, note)
}

// removesRoles reports whether going from one role set to another drops one.
func removesRoles(before, after Value) bool {
	want := map[string]bool{}
	for _, r := range after.RoleList() {
		want[strings.ToLower(r)] = true
	}
	for _, r := range before.RoleList() {
		if !want[strings.ToLower(r)] {
			return true
		}
	}
	return false
}

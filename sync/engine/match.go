package engine

import (
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// match finds the Coupa user of a feed row: on employee number when both
// sides have one, else on login (or as --match-on says). A key held by two
// Coupa users, or a login whose Coupa user has another employee number, is
// a problem, never a guess.
func (e *engine) match(f *record.User, rp *rowPlan, holders int32) *coupa.User {
	number := f.Get(record.EmployeeNumber)
	login := func() string { return record.FoldLogin(f.Get(record.Login)) } // most rows match on number
	one := func(list []*coupa.User, what, val string) *coupa.User {
		if len(list) > 1 {
			var ls []string
			for _, u := range list {
				ls = append(ls, u.Login)
			}
			rp.problem(plans.ProblemMatch, "match", append([]string{f.Key()}, ls...), "%s %q is held by %d Coupa users (%s); fix Coupa before loading",
				what, val, len(list), strings.Join(ls, ", "))
			return nil
		}
		if len(list) == 1 {
			return list[0]
		}
		return nil
	}
	switch e.cfg.MatchOn {
	case "login":
		return e.byLogin[login()]
	case "email":
		email := f.Get(record.Email)
		return one(e.emails().get(strings.ToLower(email)), "email", email)
	case "employee-number":
		if number == "" {
			rp.problem(plans.ProblemMatch, "match-none", []string{f.Key()}, "no employee number to match on (--match-on employee-number)")
			return nil
		}
		return one(e.holders(holders, number), "employee number", number)
	}
	if number != "" {
		if list := e.holders(holders, number); len(list) > 0 {
			return one(list, "employee number", number)
		}
	}
	if l := login(); l != "" {
		u := e.byLogin[l]
		if u == nil {
			return nil
		}
		if number != "" && u.EmployeeNumber != "" && u.EmployeeNumber != number {
			rp.problem(plans.ProblemMatch, "match-login", []string{u.Login}, "login %s belongs to Coupa user with employee number %s, not %s", u.Login, u.EmployeeNumber, number)
			return nil
		}
		return u
	}
	return nil
}

// holders are the Coupa users holding an employee number: the one looked
// up already when there is (none found, or several, is looked up again:
// a few rows).
func (e *engine) holders(looked int32, number string) []*coupa.User {
	if looked > 0 {
		return e.byNumber.users[looked-1 : looked : looked]
	}
	return e.byNumber.get(number)
}

// numberHolders looks up every row's employee number, on every core, in a
// pass of its own: the index stays in the processor's cache, where amid
// the rows' other work each look-up cost two and a half times as much.
// Each row gets its one holder's position in snap.Users plus 1, or 0 (no
// number, none or several holders, or matching does not use numbers):
// 4 bytes a row and nothing for the collector to scan.
func (e *engine) numberHolders() []int32 {
	holders := make([]int32, len(e.feed.Users))
	if e.cfg.MatchOn != "auto" && e.cfg.MatchOn != "employee-number" {
		return holders
	}
	parallel(len(holders), func(i int) {
		if k := e.feed.Users[i].Get(record.EmployeeNumber); k != "" {
			if j, ok := e.byNumber.one[k]; ok {
				holders[i] = j + 1
			}
		}
	})
	return holders
}

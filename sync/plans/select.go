package plans

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ccwrecon/ccwrecon/record"
)

// Selection rules live here, not in the console or the command line: they
// only ask. A user with problems is never selected; informational
// differences and inferred deactivations are only selected on request.

// WhyNot explains why a user cannot be selected, or returns "".
func WhyNot(u *UserPlan) string {
	switch u.Action {
	case Error:
		why := ""
		if len(u.Problems) > 0 {
			why = ": " + u.Problems[0].Message
		}
		return u.Key + " cannot be selected, it has problems" + why
	case Unchanged:
		return u.Key + " has nothing to change"
	}
	return ""
}

// LoginHeld reports a login change of an existing user that diff held
// back (no --allow-login-change): no selection path takes it, and apply
// refuses a plan selecting it without the flag.
func LoginHeld(u *UserPlan, c *Change) bool {
	return c.Field == record.Login && u.Action != Create && c.Note == LoginNote
}

// takesByDefault: a change that selecting its user takes.
func takesByDefault(u *UserPlan, c *Change) bool { return !c.Informational && !LoginHeld(u, c) }

// SelectUser selects or deselects a user. Selecting takes the changes
// that apply by default; a user with only informational differences gets
// those, since the operator asked for this user.
func SelectUser(u *UserPlan, on bool) error {
	if on {
		if why := WhyNot(u); why != "" {
			return errors.New(why)
		}
	}
	defaults := 0
	for i := range u.Changes {
		if takesByDefault(u, &u.Changes[i]) {
			defaults++
		}
	}
	u.Selected = false
	for i := range u.Changes {
		c := &u.Changes[i]
		c.Selected = on && !LoginHeld(u, c) && (!c.Informational || defaults == 0)
		u.Selected = u.Selected || c.Selected
	}
	return nil
}

// SelectChange selects one field's change; the user is selected while any
// of its changes is.
func SelectChange(u *UserPlan, field string, on bool) error {
	if on && u.Action == Error {
		return errors.New(WhyNot(u))
	}
	c := u.Change(field)
	if c == nil {
		return errors.New("no change of " + field)
	}
	if on && LoginHeld(u, c) {
		return errors.New(u.Key + ": a login change is applied only when the plan is made with --allow-login-change")
	}
	c.Selected = on
	u.Selected = false
	for _, ch := range u.Changes {
		u.Selected = u.Selected || ch.Selected
	}
	return nil
}

// SelectAll selects or deselects the given users and returns how many it
// touched. Selecting never takes informational differences, users with
// problems, or deactivations merely inferred from a full feed unless
// includeInferred: "select all" never deactivates anyone by accident.
func SelectAll(users []*UserPlan, on, includeInferred bool) int {
	n := 0
	for _, u := range users {
		if u.Action == Error || u.Action == Unchanged || (on && u.Inferred && !includeInferred) {
			continue
		}
		was := u.Selected
		if on {
			for i := range u.Changes {
				u.Changes[i].Selected = takesByDefault(u, &u.Changes[i])
			}
			u.Selected = false
			for _, c := range u.Changes {
				u.Selected = u.Selected || c.Selected
			}
		} else {
			SelectUser(u, false)
		}
		if u.Selected != was || (on && u.Selected) {
			n++ // users selected (or deselected) by this: never those with informational differences only
		}
	}
	return n
}

// Selection is a remembered selection of a plan (for undo and for "back
// to the default selection").
type Selection struct {
	users map[*UserPlan]userSelection
}

type userSelection struct {
	selected bool
	changes  []bool
}

// Selection remembers the plan's current selection.
func (p *Plan) Selection() Selection { return SelectionOf(p.Users...) }

// SelectionOf remembers the selection of some users only (an undo step
// of one toggle stays small at 100,000 users).
func SelectionOf(users ...*UserPlan) Selection {
	s := Selection{users: make(map[*UserPlan]userSelection, len(users))}
	for _, u := range users {
		us := userSelection{selected: u.Selected, changes: make([]bool, len(u.Changes))}
		for i, c := range u.Changes {
			us.changes[i] = c.Selected
		}
		s.users[u] = us
	}
	return s
}

// Restore puts a remembered selection back.
func (p *Plan) Restore(s Selection) {
	put := func(u *UserPlan, us userSelection) {
		u.Selected = us.selected
		for i := range u.Changes {
			if i < len(us.changes) {
				u.Changes[i].Selected = us.changes[i]
			}
		}
	}
	if len(s.users) > 64 {
		for u, us := range s.users {
			put(u, us)
		}
		p.Recount()
		return
	}
	for u, us := range s.users {
		p.Edit(u, func() error { put(u, us); return nil })
	}
}

// Len is how many users a remembered selection covers.
func (s Selection) Len() int { return len(s.users) }

// Equal reports whether two remembered selections are the same.
func (s Selection) Equal(o Selection) bool {
	if len(s.users) != len(o.users) {
		return false
	}
	for u, a := range s.users {
		b, ok := o.users[u]
		if !ok || a.selected != b.selected || len(a.changes) != len(b.changes) {
			return false
		}
		for i := range a.changes {
			if a.changes[i] != b.changes[i] {
				return false
			}
		}
	}
	return true
}

// CarrySelection moves the operator's choices from an earlier plan onto a
// fresh one of the same feed: a change whose choice differed from the
// earlier default keeps that choice when the fresh plan has the same
// change (same field, same values). It returns how many choices were kept
// and names the ones that no longer apply.
func CarrySelection(old *Plan, oldDefault Selection, fresh *Plan) (kept int, dropped []string) {
	freshBy := make(map[string]*UserPlan, len(fresh.Users))
	for _, u := range fresh.Users {
		freshBy[strings.ToLower(u.Key)] = u
	}
	for _, u := range old.Users {
		def, ok := oldDefault.users[u]
		if !ok {
			continue
		}
		for i, c := range u.Changes {
			if i >= len(def.changes) || (c.Selected && u.Selected) == (def.changes[i] && def.selected) {
				continue // not a manual choice
			}
			want := c.Selected && u.Selected
			f := freshBy[strings.ToLower(u.Key)]
			var fc *Change
			if f != nil {
				fc = f.Change(c.Field)
			}
			if fc == nil || !Same(c.Field, fc.After, c.After) || !Same(c.Field, fc.Before, c.Before) || (want && f.Action == Error) {
				dropped = append(dropped, u.Key+" "+c.Field)
				continue
			}
			fc.Selected = want
			f.Selected = false
			for _, x := range f.Changes {
				f.Selected = f.Selected || x.Selected
			}
			kept++
		}
	}
	fresh.Recount()
	return kept, dropped
}

// Rules are the selection rules apply checks again itself, from the
// current settings, whatever the plan says.
type Rules struct {
	Guard            Guard
	IncludeInferred  bool // --include-deactivations
	AllowLoginChange bool // --allow-login-change
}

// GuardError is the mass-deactivation refusal.
type GuardError struct {
	N, Scope int
	Guard    Guard
}

func (e *GuardError) Error() string {
	return fmt.Sprintf("refusing to deactivate %d users: more than %d users and more than %.0f%% of the %d in scope (the mass-deactivation guard); pass --allow-mass-deactivation if this is intended",
		e.N, e.Guard.Max, e.Guard.Pct, e.Scope)
}

// CheckSelection refuses a plan whose selection breaks a rule: users with
// problems, inferred deactivations without IncludeInferred, or more
// deactivations than the guard allows. It names the users.
func CheckSelection(p *Plan, r Rules) error {
	var bad, inferred, logins []string
	for _, u := range p.Users {
		selected := u.Selected
		for i := range u.Changes {
			c := &u.Changes[i]
			selected = selected || c.Selected
			if c.Selected && c.Field == record.Login && u.Action != Create && !r.AllowLoginChange {
				logins = append(logins, u.Key)
			}
		}
		if u.Action == Error && selected {
			bad = append(bad, u.Key)
		}
		if u.Inferred && u.SelectedCount() > 0 && !r.IncludeInferred {
			inferred = append(inferred, u.Key)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the plan selects %s with problems (%s); a user with problems is never applied: fix the feed or Coupa and make a new plan",
			Plural(len(bad), "user", "users"), ListSome(bad, 10))
	}
	if len(logins) > 0 {
		return fmt.Errorf("the plan selects %s (%s); a login is an identity (SSO, integrations, CCW's User ID): pass --allow-login-change to apply them, nothing was applied",
			Plural(len(logins), "login change", "login changes"), ListSome(logins, 10))
	}
	if len(inferred) > 0 {
		return fmt.Errorf("the plan selects %s that the feed does not state, only inferred from absence (%s); pass --include-deactivations to apply them",
			Plural(len(inferred), "deactivation", "deactivations"), ListSome(inferred, 10))
	}
	if n := Deactivations(p); r.Guard.Exceeded(n, p.Settings.Scope) {
		return &GuardError{N: n, Scope: p.Settings.Scope, Guard: r.Guard}
	}
	return nil
}

// Plural is "1 user", "2 users".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func ListSome(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}

// LoginNote says why a login change is not selected by default.
const LoginNote = "a login is an identity (SSO, integrations, CCW's User ID): shown, not selected (--allow-login-change)"

// SelectOnly selects, on a fresh plan, only the given users (with their
// default changes): retrying the failures of a run on a new comparison.
func SelectOnly(p *Plan, users map[string]bool) int {
	SelectAll(p.Users, false, true)
	n := 0
	for _, u := range p.Users {
		if users[strings.ToLower(u.Key)] && WhyNot(u) == "" {
			SelectUser(u, true)
			n++
		}
	}
	p.Recount()
	return n
}

package sync

import "errors"

// Selection rules live here, not in the console: the console only asks.

// ErrNotSelectable explains why a user cannot be selected.
var ErrNotSelectable = errors.New("not selectable")

// SelectUser selects or deselects every change of a user. Users with
// problems and unchanged users cannot be selected.
func SelectUser(u *UserPlan, on bool) error {
	switch u.Action {
	case Error:
		if on {
			return errors.New(u.Key + " has problems: fix them in the feed or Coupa first")
		}
	case Unchanged:
		if on {
			return errors.New(u.Key + " has nothing to change")
		}
	}
	for i := range u.Changes {
		u.Changes[i].Selected = on
	}
	u.Selected = on && len(u.Changes) > 0
	return nil
}

// SelectChange selects one field's change; the user is selected while any
// of its changes is.
func SelectChange(u *UserPlan, field string, on bool) error {
	if u.Action == Error && on {
		return errors.New(u.Key + " has problems: fix them in the feed or Coupa first")
	}
	c := u.Change(field)
	if c == nil {
		return errors.New("no change of " + field)
	}
	c.Selected = on
	u.Selected = false
	for _, ch := range u.Changes {
		u.Selected = u.Selected || ch.Selected
	}
	return nil
}

// SelectAll selects or deselects the given users. Inferred deactivations
// (users merely absent from a full feed) are only touched when asked for
// explicitly, so "select all" never deactivates anyone by accident.
func SelectAll(users []*UserPlan, on, includeInferred bool) int {
	n := 0
	for _, u := range users {
		if u.Inferred && on && !includeInferred {
			continue
		}
		if u.Action == Error || u.Action == Unchanged {
			continue
		}
		SelectUser(u, on)
		n++
	}
	return n
}

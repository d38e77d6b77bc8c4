package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// StaleError lists users whose Coupa record moved since the plan, each
// with what moved.
type StaleError struct{ Users []string }

func (e *StaleError) Error() string {
	return fmt.Sprintf("the plan is stale, nothing was applied: %s changed in Coupa since it was made (%s)",
		plans.Plural(len(e.Users), "user", "users"), plans.ListSome(e.Users, 8))
}

// checkStale re-reads every user this run still has to touch (id[in] and
// login[in], 50 at a time) and refuses the whole plan when any moved: an
// untouched user whose fingerprint changed, a partly applied user with a
// field that holds neither the plan's old nor its new value, a login to
// create that now exists, or a supervisor the plan relies on that is gone
// or inactive now.
func (a *applier) checkStale(ctx context.Context) error {
	creates, updates, deacts := a.selectedUsers()
	var ids []int
	var logins []string
	pending := func(u *plans.UserPlan) bool {
		for _, st := range stepsOf(u) {
			if phase, _ := a.journal.state(u.Key, st.op); phase != PhaseDone {
				return true
			}
		}
		return false
	}
	for _, u := range append(updates, deacts...) {
		if pending(u) {
			ids = append(ids, u.Fingerprint.ID)
		}
	}
	creating := map[string]bool{}
	reactivating := map[string]bool{}
	for _, u := range creates {
		creating[strings.ToLower(u.Key)] = true
		if !a.journal.touched(u.Key) {
			logins = append(logins, u.Key)
		}
	}
	for _, u := range updates {
		if u.Action == plans.Reactivate {
			reactivating[strings.ToLower(u.Key)] = true
		}
	}
	var sups []string
	supSeen := map[string]bool{}
	for _, u := range append(append(append([]*plans.UserPlan(nil), creates...), updates...), deacts...) {
		if m := u.Change(record.Manager); m != nil && m.Selected && !m.After.IsNone() && pending(u) {
			l := strings.ToLower(m.After.Text())
			if !creating[l] && !supSeen[l] {
				supSeen[l] = true
				sups = append(sups, m.After.Text())
			}
		}
	}
	cur, err := a.client.UsersByID(ctx, ids)
	if err != nil {
		return err
	}
	found, err := a.client.UsersByLogin(ctx, append(logins, sups...))
	if err != nil {
		return err
	}
	var stale []string
	for _, u := range append(updates, deacts...) {
		if !pending(u) {
			continue
		}
		c, ok := cur[u.Fingerprint.ID]
		if !ok {
			stale = append(stale, u.Key+": no longer in Coupa")
			continue
		}
		var why string
		if a.journal.touched(u.Key) {
			why = partlyStale(u, &c, a.between(u))
		} else if fp := plans.FingerprintOf(&c); fp.Hash != u.Fingerprint.Hash || fp.UpdatedAt != u.Fingerprint.UpdatedAt {
			why = whatMoved(u, &c)
		}
		if why != "" {
			stale = append(stale, u.Key+": "+why)
		}
	}
	for _, l := range logins {
		if f, ok := found[strings.ToLower(l)]; ok {
			stale = append(stale, f.Login+": now exists in Coupa")
		}
	}
	for _, s := range sups {
		f, ok := found[strings.ToLower(s)]
		switch {
		case !ok:
			stale = append(stale, "supervisor "+s+": no longer in Coupa")
		case !f.Active && !reactivating[strings.ToLower(s)]:
			stale = append(stale, "supervisor "+f.Login+": inactive in Coupa now")
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		for i := range stale {
			stale[i] = termtext.Safe(stale[i])
		}
		return &StaleError{Users: stale}
	}
	return nil
}

// whatMoved names the fields that differ from what the plan saw.
func whatMoved(u *plans.UserPlan, c *coupa.User) string {
	var parts []string
	check := func(field string, saw plans.Value) {
		if now := plans.CoupaValue(c, field); !plans.Same(field, now, saw) {
			parts = append(parts, fmt.Sprintf("%s now %s, was %s", field, plans.Quote(now.String()), plans.Quote(saw.String())))
		}
	}
	for i := range u.Changes {
		check(u.Changes[i].Field, u.Changes[i].Before)
	}
	for _, f := range u.Same {
		check(f.Field, f.Value)
	}
	who := ""
	if c.UpdatedBy != nil && c.UpdatedBy.Login != "" {
		who = " by " + c.UpdatedBy.Login
	}
	if len(parts) == 0 {
		return fmt.Sprintf("changed in Coupa at %s%s (a field this plan does not show)", c.UpdatedAt, who)
	}
	return strings.Join(parts, "; ") + " (at " + c.UpdatedAt + who + ")"
}

// partlyStale checks a user some of whose requests may have been sent:
// each changed field must hold the plan's old or new value, and each
// unchanged one what the plan saw.
func partlyStale(u *plans.UserPlan, c *coupa.User, between func(field string, now plans.Value) bool) string {
	var parts []string
	for i := range u.Changes {
		ch := &u.Changes[i]
		now := plans.CoupaValue(c, ch.Field)
		if !plans.Same(ch.Field, now, ch.Before) && !plans.Same(ch.Field, now, ch.After) && !between(ch.Field, now) {
			parts = append(parts, fmt.Sprintf("%s now %s, neither the plan's %s nor %s", ch.Field, plans.Quote(now.String()), plans.Quote(ch.Coupa()), plans.Quote(ch.Feed())))
		}
	}
	for _, f := range u.Same {
		if now := plans.CoupaValue(c, f.Field); !plans.Same(f.Field, now, f.Value) {
			parts = append(parts, fmt.Sprintf("%s now %s, was %s", f.Field, plans.Quote(now.String()), plans.Quote(f.Value.String())))
		}
	}
	return strings.Join(parts, "; ")
}

// between recognises the state a user is left in by this run's own
// multi-step operation cut between its requests (a kill between a role
// removal's clear and its set, or between the chart and its segments):
// such a user is the run's own work to finish, not a stale one.
func (a *applier) between(u *plans.UserPlan) func(field string, now plans.Value) bool {
	sent := func(op string) bool {
		phase, _ := a.journal.state(u.Key, op)
		return phase == PhaseIntent || phase == PhaseDone || phase == PhaseUncertain
	}
	done := func(op string) bool { phase, _ := a.journal.state(u.Key, op); return phase == PhaseDone }
	segmentsCut := !done(OpSegments) && (done(OpUpdate) || done(OpCreate))
	return func(field string, now plans.Value) bool {
		spec := plans.Spec(field)
		switch {
		case spec != nil && spec.ClearThenSet:
			// cut between its clear and its set: the set is empty
			return sent(clearOp(field)) && !done(setOp(field)) && len(now.RoleList()) == 0
		case strings.HasPrefix(field, "default-account.segment-"):
			return segmentsCut && now.IsNone()
		}
		return false
	}
}

package engine

import (
	"fmt"
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// candidates lists Coupa users absent from a full feed, within its scope.
// They are deactivation candidates: never selected unless asked for.
func (e *engine) candidates(matched map[int]bool, s *plans.Settings) []*plans.UserPlan {
	var out []*plans.UserPlan
	scope := 0
	for i := range e.snap.Users {
		u := &e.snap.Users[i]
		if u.APIUser || !u.Active || !e.inScope(u) {
			continue
		}
		scope++
		if matched[u.ID] {
			continue
		}
		sel := e.cfg.IncludeDeactivations
		out = append(out, &plans.UserPlan{Key: u.Login, Name: plans.DisplayName(u.Firstname, u.Lastname), Action: plans.Deactivate,
			Inferred: true, Selected: sel, Fingerprint: plans.FingerprintOf(u),
			Changes: []plans.Change{{Field: record.Active, Op: plans.OpChange, Before: plans.Bool(true), After: plans.Bool(false), Selected: sel,
				Note: "absent from the full feed (inferred)"}}})
	}
	s.Scope = scope
	return out
}

// inScopeSize: a user the deactivation guard weighs against (engine.scope
// counts them).
func (e *engine) inScopeSize(u *coupa.User) bool { return !u.APIUser && u.Active && e.inScope(u) }

// inScope: a CCW feed covers the users holding the CCW licence; other
// feeds all users, narrowed by the profile's deactivation-scope.
func (e *engine) inScope(u *coupa.User) bool { return inScope(u, e.feed.Kind, e.cfg.ScopeFilter) }

func inScope(u *coupa.User, kind feeds.Kind, filter map[string]string) bool {
	if kind == feeds.KindCCW {
		return u.CCWUser
	}
	if len(filter) == 0 {
		return true
	}
	r := plans.CoupaRecord(u)
	for k, v := range filter {
		if !strings.EqualFold(r.Get(k), v) {
			return false
		}
	}
	return true
}

// GuardScope counts the users of Coupa now that a plan's deactivations
// are weighed against: active people (not API users) in the feed's scope,
// with the current settings' deactivation-scope. apply takes it from the
// live instance, never from the plan.
func GuardScope(snap *coupa.Snapshot, feedKind string, filter map[string]string) int {
	n := 0
	for i := range snap.Users {
		u := &snap.Users[i]
		if !u.APIUser && u.Active && inScope(u, feeds.Kind(feedKind), filter) {
			n++
		}
	}
	return n
}

// guard deselects every deactivation when they exceed the limits.
func (e *engine) guard(p *plans.Plan) {
	g := plans.Guard{Max: e.cfg.MaxDeactivations, Pct: e.cfg.MaxDeactivationPct, Allow: e.cfg.AllowMassDeactivation}
	n := plans.Deactivations(p)
	if !g.Exceeded(n, p.Settings.Scope) {
		return
	}
	for _, u := range p.Users {
		if u.Action == plans.Deactivate {
			u.Selected = false
			for i := range u.Changes {
				u.Changes[i].Selected = false
			}
		}
	}
	p.Warnings = append(p.Warnings, fmt.Sprintf("mass-deactivation guard: %d deactivations exceed both %d users and %.0f%% of the %d users in scope; none selected (pass --allow-mass-deactivation to override)",
		n, g.Max, g.Pct, p.Settings.Scope))
}

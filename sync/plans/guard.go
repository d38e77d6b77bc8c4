package plans

import "github.com/ccwrecon/ccwrecon/record"

// GuardOf is the guard of a profile's limits, 0 taking the defaults (25
// users and 5%): the one place the defaults live.
func GuardOf(max int, pct float64, allow bool) Guard {
	if max == 0 {
		max = 25
	}
	if pct == 0 {
		pct = 5
	}
	return Guard{Max: max, Pct: pct, Allow: allow}
}

// DefaultSegmentTargets are where CCW segments go unless the engagement
// says otherwise: segments 1-3 are the chart's.
func DefaultSegmentTargets() map[int]string {
	return map[int]string{1: "chart", 2: "chart", 3: "chart"}
}

// Guard is the mass-deactivation rule with its limits.
type Guard struct {
	Max   int     // users
	Pct   float64 // percent of the scope
	Allow bool    // --allow-mass-deactivation
}

// Exceeded reports n deactivations beyond both limits: more than Max users
// AND more than Pct of the scope.
func (g Guard) Exceeded(n, scope int) bool {
	if g.Allow {
		return false
	}
	if scope <= 0 {
		return n > g.Max
	}
	return n > g.Max && float64(n)*100/float64(scope) > g.Pct
}

// Deactivations counts the users a plan's requests would deactivate: any
// selected change of active to false.
func Deactivations(p *Plan) int {
	n := 0
	for _, u := range p.Users {
		if c := u.Change(record.Active); c != nil && c.Selected && u.Selected && u.Action != Error && !c.After.BoolValue() {
			n++
		}
	}
	return n
}

package engine

import (
	"strings"
	gosync "sync"

	"github.com/ccwrecon/ccwrecon/coupa"
	cores "github.com/ccwrecon/ccwrecon/internal/parallel"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// checkHierarchy finds supervisors that exist nowhere, inactive or
// departing supervisors, self-supervision and cycles in the final
// hierarchy. Users are named as the feed and Coupa write them.
func (e *engine) checkHierarchy(rows, creating []*rowPlan, byLogin *loginRows) {
	feedBy := func(l string) (*rowPlan, bool) {
		if i, _, ok := byLogin.at(l); ok {
			return rows[i], true
		}
		return nil, false
	}
	// Each row's supervisor is checked, and resolved to a row index once
	// (walking through Coupa users outside the feed), on every core: a row
	// records only its own problems.
	up := make([]int, len(rows))
	parallel(len(rows), func(i int) {
		rp := rows[i]
		up[i] = -1
		l := rp.manager
		// the first hop's look-ups, kept: the supervisor the feed names is
		// usually the final one, checked below
		var first *coupa.User
		firstIn := false
		for hops := 0; l != "" && hops < 64; hops++ {
			j, u, ok := byLogin.at(l)
			if ok {
				up[i] = int(j)
				firstIn = hops == 0
				break
			}
			if hops == 0 {
				first = u
			}
			if u == nil || u.Manager == nil {
				break
			}
			l = strings.ToLower(u.Manager.Login)
		}
		m := rp.wantMgr
		if m == "" || m == record.Clear || rp.plan.Action == plans.Unchanged && rp.leaving {
			return
		}
		// rp.manager is m lower-cased (compareRow), looked up as the first hop
		if rp.manager == rp.self {
			rp.problem(plans.ProblemSupervisor, "self", []string{rp.plan.Key}, "%s cannot be their own supervisor", rp.plan.Key)
			return
		}
		var sup *rowPlan
		var cu *coupa.User
		inFeed := firstIn
		if inFeed {
			sup = rows[up[i]]
		} else {
			cu = first
		}
		switch {
		case !inFeed && cu == nil:
			rp.problem(plans.ProblemSupervisor, "supervisor-missing", []string{rp.plan.Key, m}, "supervisor %s is not in Coupa or in the feed", m)
		case inFeed && sup.leaving && !rp.leaving:
			rp.problem(plans.ProblemSupervisor, "supervisor-leaving", []string{rp.plan.Key, sup.plan.Key}, "supervisor %s is deactivated by this feed (line %d)", sup.plan.Key, sup.feed.Source.Line)
		case !inFeed && !cu.Active:
			rp.problem(plans.ProblemSupervisor, "supervisor-inactive", []string{rp.plan.Key, cu.Login}, "supervisor %s is inactive in Coupa", cu.Login)
		}
	})
	// Cycles in the final hierarchy, found with arrays instead of maps.
	color := make([]int8, len(rows)) // 0 new, 1 on the current path, 2 done
	var path []int
	for start := range rows {
		path = path[:0]
		i := start
		for i >= 0 && color[i] == 0 {
			color[i] = 1
			path = append(path, i)
			i = up[i]
		}
		if i >= 0 && color[i] == 1 && up[i] != i { // closed a cycle (self-supervision is reported on its own)
			k := len(path) - 1
			for path[k] != i {
				k--
			}
			var cycle []string
			for _, j := range path[k:] {
				cycle = append(cycle, rows[j].plan.Key)
			}
			for n, j := range path[k:] {
				rows[j].problem(plans.ProblemCycle, "cycle", cycle, "supervisor cycle: %s", cycleText(cycle, n))
			}
		}
		for _, j := range path {
			color[j] = 2
		}
	}
	// a create whose supervisor is an erroneous create is an error too
	for changed := true; changed; {
		changed = false
		for _, rp := range creating {
			if len(rp.plan.Problems) > 0 {
				continue
			}
			if sup, ok := feedBy(rp.manager); ok && sup != rp && sup.creating && len(sup.plan.Problems) > 0 {
				rp.problem(plans.ProblemSupervisor, "supervisor-error", []string{rp.plan.Key, sup.plan.Key}, "supervisor %s cannot be created (see its problems)", sup.plan.Key)
				changed = true
			}
		}
	}
}

// cycleText names a cycle starting at its member n: a → b → a.
func cycleText(cycle []string, n int) string {
	parts := make([]string, 0, len(cycle)+1)
	for i := 0; i <= len(cycle); i++ {
		parts = append(parts, cycle[(n+i)%len(cycle)])
	}
	return strings.Join(parts, " → ")
}

// orderCreates puts creates in manager-before-report order, keeping every
// other row in feed order. creating are the rows that might create, in
// feed order (every create is one of them).
func orderCreates(users []*plans.UserPlan, rows []*rowPlan, creating []int) {
	byLogin := map[string]*rowPlan{}
	var slots []int
	var creates []*rowPlan
	for _, i := range creating {
		if rp := rows[i]; users[i].Action == plans.Create {
			slots = append(slots, i)
			creates = append(creates, rp)
			byLogin[strings.ToLower(rp.feed.Get(record.Login))] = rp
		}
	}
	done := map[*rowPlan]bool{}
	var ordered []*rowPlan
	var place func(rp *rowPlan, depth int)
	place = func(rp *rowPlan, depth int) {
		if done[rp] || depth > len(creates) {
			return
		}
		if m, ok := byLogin[rp.manager]; ok && m != rp {
			place(m, depth+1)
		}
		if !done[rp] {
			done[rp] = true
			ordered = append(ordered, rp)
		}
	}
	for _, rp := range creates {
		place(rp, 0)
	}
	for i, slot := range slots {
		users[slot] = ordered[i].plan
	}
}

// loginRows finds a feed row by lower-cased login, the feed's or its Coupa
// user's; the later row wins. A row matched to Coupa user u is found
// through the engine's login index (lastRow[u]); only the logins that
// index does not lead to the row by are kept in a map of their own: a
// feed login other than its Coupa user's (a create, a rename) and a Coupa
// login that another user's shadows in the index. No map of every login.
type loginRows struct {
	e       *engine
	lastRow []int32 // by Coupa user: the last row matched to it, or -1
	extra   map[string]int32
}

func (e *engine) newLoginRows() *loginRows {
	r := &loginRows{e: e, lastRow: make([]int32, len(e.snap.Users)), extra: map[string]int32{}}
	for k := range r.lastRow {
		r.lastRow[k] = -1
	}
	return r
}

// rowsByLogin indexes the rows by login on every core. The diff notes
// each row as it is compared instead (note, merge), while the row is in
// the processor's cache.
func (e *engine) rowsByLogin(rows []*rowPlan) *loginRows {
	r := e.newLoginRows()
	var mu gosync.Mutex
	cores.Ranges(len(rows), 8192, func(lo, hi int) {
		extra := map[string]int32{}
		for i := lo; i < hi; i++ {
			r.note(i, rows[i], extra)
		}
		mu.Lock()
		defer mu.Unlock()
		r.merge(extra)
	})
	return r
}

// note records row i's logins, the feed's and its Coupa user's, and sets
// the row's own (rp.self); the logins the engine's index does not lead to
// the row by go into extra, the worker's own map (see merge). Rows may be
// noted in any order, on any core: the later row wins.
func (r *loginRows) note(i int, rp *rowPlan, extra map[string]int32) {
	fl := rp.feed.Get(record.Login)
	if rp.coupa == nil {
		l := strings.ToLower(fl)
		rp.self = l
		if l != "" {
			extra[l] = max(extra[l], int32(i))
		}
		return
	}
	k := r.e.userIndex(rp.coupa)
	raiseTo(&r.lastRow[k], int32(i))
	cl := strings.ToLower(rp.coupa.Login)
	rp.self = cl
	if r.e.loginShadowed != nil && r.e.loginShadowed[k] {
		extra[cl] = max(extra[cl], int32(i))
	}
	// the feed's login, where it is not Coupa's (most rows write it as
	// Coupa holds it: nothing to lower-case)
	if fl != "" && fl != rp.coupa.Login {
		if l := strings.ToLower(fl); l != cl {
			extra[l] = max(extra[l], int32(i))
		}
	}
}

// merge adds a worker's extra logins (called under the caller's lock).
func (r *loginRows) merge(extra map[string]int32) {
	for l, i := range extra {
		if j, ok := r.extra[l]; !ok || i > j {
			r.extra[l] = i
		}
	}
}

// at is the row of a lower-cased login, if any, and the Coupa user the
// login index holds for it (looked up on the way: callers walking the
// hierarchy through Coupa need it when no row has the login).
func (r *loginRows) at(l string) (int32, *coupa.User, bool) {
	best := int32(-1)
	u := r.e.byLogin[l]
	if u != nil {
		best = r.lastRow[r.e.userIndex(u)]
	}
	if len(r.extra) > 0 {
		if i, ok := r.extra[l]; ok && i > best {
			best = i
		}
	}
	return best, u, best >= 0
}

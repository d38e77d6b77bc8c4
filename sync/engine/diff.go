package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"time"
	"unsafe"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/arena"
	cores "github.com/ccwrecon/ccwrecon/internal/parallel"
	"github.com/ccwrecon/ccwrecon/internal/suggest"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Config holds the engagement's reconciliation choices.
type Config struct {
	MatchOn               string         // auto (employee number, else login) | employee-number | login | email
	Chart                 string         // chart of accounts of the CCW segments ("" = the only active chart)
	SegmentLookups        map[int]string // chart segment N -> lookup name
	SegmentTargets        map[int]string // CCW segment N -> "chart" | "custom-fields.NAME" | "feed-only"
	IncludeDeactivations  bool
	AllowMassDeactivation bool
	// AllowLoginChange selects login changes of existing users; without it
	// they are shown and left out: a login is an identity.
	AllowLoginChange   bool
	MaxDeactivations   int
	MaxDeactivationPct float64
	ScopeFilter        map[string]string // non-CCW feeds: canonical field -> value for the deactivation scope
	KnownRoles         []string          // roles that exist though no user holds them yet
	// IgnoreCCWLicence stops a CCW feed from granting the Contingent
	// Workforce licence (ccw-user) to users who lack it.
	IgnoreCCWLicence bool
	// SkipCatalogue compares against a baseline file, not Coupa: roles and
	// groups are taken as named (there is no catalogue to check them in).
	SkipCatalogue bool
	ToolVersion   string
	Now           func() time.Time
}

func (c *Config) defaults() {
	if c.MatchOn == "" {
		c.MatchOn = "auto"
	}
	g := plans.GuardOf(c.MaxDeactivations, c.MaxDeactivationPct, false)
	c.MaxDeactivations, c.MaxDeactivationPct = g.Max, g.Pct
	if c.SegmentTargets == nil {
		c.SegmentTargets = plans.DefaultSegmentTargets()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// ErrConfig marks a configuration error (exit 1 before any diff).
var ErrConfig = errors.New("configuration")

// engine holds the read-only indexes of one diff.
type engine struct {
	cfg      Config
	snap     *coupa.Snapshot
	feed     *feeds.Feed
	byNumber *multiIndex
	byLogin  map[string]*coupa.User
	// loginShadowed marks the Coupa users byLogin does not lead to: one
	// whose lower-cased login a later user has too (nil when none does)
	loginShadowed []bool
	byEmail       *multiIndex // see emails
	email         gosync.Once
	roles         map[string]string     // lower -> canonical name
	groups        map[string]*catalogue // group catalogues by name (CatalogueUserGroups, ...)
	chart         string
	lookups       lookupIndex
	targets       [record.MaxSegments + 1]string // cfg.SegmentTargets as an array: read for every changed user
	// segmentNames[n] are the names of segment n's lookup by code (the
	// lookup's names as lookups.name finds them, resolved once)
	segmentNames [record.MaxSegments + 1]map[string]string
	// segmentCodes[n] are the codes of segment n's lookup by name: exact
	// (the names feeds usually carry, found without lower-casing) and
	// lower-cased; nil when the lookup has no values
	segmentCodes [record.MaxSegments + 1]*nameIndex
	scope        int // the users the deactivation guard weighs against (inScopeSize)
	// numberHeld is the Coupa user holding each feed row's employee
	// number, when one does (numberHolders)
	numberHeld []int32
}

// Diff compares a feed with a Coupa snapshot and builds the plan. It does
// not change its inputs.
func Diff(feed *feeds.Feed, snap *coupa.Snapshot, cfg Config) (*plans.Plan, error) {
	cfg.defaults()
	switch cfg.MatchOn {
	case "auto", "employee-number", "login", "email":
	default:
		return nil, fmt.Errorf("%w: --match-on must be employee-number, login or email", ErrConfig)
	}
	// the settings are checked while the indexes build: neither needs the other
	var settings error
	e := newEngine(feed, snap, cfg, func(e *engine) {
		if settings = e.resolveChart(); settings == nil {
			settings = e.checkSettings()
		}
	})
	if settings != nil {
		return nil, settings
	}
	plan := &plans.Plan{Format: plans.PlanFormat, ToolVersion: cfg.ToolVersion, CreatedAt: cfg.Now().UTC().Truncate(time.Second), Instance: snap.Instance,
		Feed: plans.FeedInfo{Name: feed.Name, SHA256: feed.SHA256, Kind: string(feed.Kind), Full: feed.Full},
		Settings: plans.Settings{MatchOn: cfg.MatchOn, Chart: e.chart, SegmentLookups: cfg.SegmentLookups, SegmentTargets: cfg.SegmentTargets,
			MaxDeactivate: cfg.MaxDeactivations, MaxDeactPct: cfg.MaxDeactivationPct},
		Warnings: append(append([]string(nil), feed.Warnings...), snap.Warnings...)}
	n := len(feed.Users)
	rows := make([]*rowPlan, n)
	// One slab each for the rows and their plans: 2 allocations, not 200,000.
	rowSlab, planSlab := make([]rowPlan, n), make([]plans.UserPlan, n)
	holders := e.numberHeld
	// Rows are independent (the indexes are read-only): diff them on every core.
	logins := e.newLoginRows() // for the hierarchy, noted as each row is compared
	var workers []*scratch
	var mu gosync.Mutex
	parallelWith(n, func() *scratch {
		sc := &scratch{logins: map[string]int32{}}
		mu.Lock()
		defer mu.Unlock()
		workers = append(workers, sc)
		return sc
	}, func(i int, sc *scratch) {
		rows[i] = &rowSlab[i]
		e.diffRow(feed.Users[i], rows[i], &planSlab[i], sc, holders[i])
		logins.note(i, rows[i], sc.logins)
		if rows[i].creating {
			sc.creating = append(sc.creating, i)
		}
		if rows[i].missing != nil {
			sc.lacking = append(sc.lacking, i)
		}
	})
	// the rows of users Coupa lacks and the rows naming values Coupa's
	// lookups lack, in feed order: a few, found as the rows are compared
	var at, lacking []int
	for _, sc := range workers {
		at, lacking = append(at, sc.creating...), append(lacking, sc.lacking...)
		logins.merge(sc.logins)
	}
	slices.Sort(at)
	slices.Sort(lacking)
	creating := pick(rows, at)
	e.checkNewEmails(creating)
	e.checkHierarchy(rows, creating, logins)
	plan.MissingValues = missingValues(pick(rows, lacking))
	// the logins created: known before the rows finish (every create is a
	// row of a user Coupa lacks), so each finishing row explains its changes
	creates := map[string]bool{}
	for _, rp := range creating {
		if rp.action() == plans.Create {
			creates[strings.ToLower(rp.plan.Key)] = true
		}
	}
	plan.Users = make([]*plans.UserPlan, n)
	parallel(n, func(i int) {
		rows[i].finish(e)
		plans.Explain(rows[i].plan, creates)
		plan.Users[i] = rows[i].plan
	})
	orderCreates(plan.Users, rows, at)
	if feed.Full {
		matched := make(map[int]bool, len(rows))
		for _, rp := range rows {
			if rp.coupa != nil {
				matched[rp.coupa.ID] = true
			}
		}
		candidates := e.candidates(matched, &plan.Settings)
		for _, u := range candidates {
			plans.Explain(u, creates)
		}
		plan.Users = append(plan.Users, candidates...)
	} else {
		plan.Settings.Scope = e.scope
	}
	e.guard(plan)
	plan.Recount()
	plan.Seal()
	return plan, nil
}

// parallel runs do(i) for i in [0,n) on every core, in contiguous ranges.
func parallel(n int, do func(i int)) {
	parallelWith(n, func() struct{} { return struct{}{} }, func(i int, _ struct{}) { do(i) })
}

// parallelWith is parallel with one piece of state per worker.
func parallelWith[S any](n int, state func() S, do func(i int, s S)) {
	parallelGrain(n, 1000, state, do)
}

// parallelGrain splits n items over the cores in ranges of at least
// grain items, one state per worker.
func parallelGrain[S any](n, grain int, state func() S, do func(i int, s S)) {
	cores.Workers(n, grain, state, func(s S, lo, hi int) {
		for i := lo; i < hi; i++ {
			do(i, s)
		}
	})
}

// newEngine builds the engine's indexes side by side; alongside, when
// given, runs meanwhile with the engine's settings (not its indexes).
func newEngine(feed *feeds.Feed, snap *coupa.Snapshot, cfg Config, alongside func(e *engine)) *engine {
	n := len(snap.Users)
	e := &engine{cfg: cfg, snap: snap, feed: feed, roles: map[string]string{}}
	e.lookups = indexLookups(snap.LookupValues)
	for n, t := range cfg.SegmentTargets {
		if n >= 1 && n <= record.MaxSegments {
			e.targets[n] = t
			e.segmentNames[n] = e.lookups.byCode[strings.ToLower(cfg.SegmentLookups[n])]
			e.segmentCodes[n] = e.lookups.nameIndexOf(cfg.SegmentLookups[n], snap.LookupValues)
		}
	}
	// three independent indexes, built side by side (emails when first
	// asked), each allocated by its own builder
	var ix gosync.WaitGroup
	ix.Add(3)
	go func() {
		defer ix.Done()
		ptrs := make([]*coupa.User, n)
		for i := range snap.Users {
			ptrs[i] = &snap.Users[i]
		}
		e.byNumber = newMultiIndex(ptrs)
		for i := range snap.Users {
			if u := &snap.Users[i]; u.EmployeeNumber != "" {
				e.byNumber.add(u.EmployeeNumber, i)
			}
		}
		// the rows' employee numbers looked up at once, while the other
		// indexes are still building
		e.numberHeld = e.numberHolders()
	}()
	go func() {
		defer ix.Done()
		e.byLogin = make(map[string]*coupa.User, n)
		for i := range snap.Users {
			e.byLogin[record.FoldLogin(snap.Users[i].Login)] = &snap.Users[i]
		}
		if len(e.byLogin) < n { // two users' logins differ only in case (or are empty)
			e.loginShadowed = make([]bool, n)
			for i := range snap.Users {
				e.loginShadowed[i] = e.byLogin[record.FoldLogin(snap.Users[i].Login)] != &snap.Users[i]
			}
		}
	}()
	go func() {
		defer ix.Done()
		// and the guard's scope, in the same pass over the users
		for i := range snap.Users {
			u := &snap.Users[i]
			for _, r := range u.Roles {
				if _, seen := e.roles[r.Name]; seen {
					continue // a role 100,000 users hold is lower-cased once, not 100,000 times
				}
				e.roles[strings.ToLower(r.Name)] = r.Name
				e.roles[r.Name] = r.Name // the spelling feeds usually use: found without lower-casing
			}
			if e.inScopeSize(u) {
				e.scope++
			}
		}
	}()
	if alongside != nil {
		alongside(e)
	}
	ix.Wait()
	for _, r := range cfg.KnownRoles {
		e.roles[strings.ToLower(r)] = r
		e.roles[r] = r
	}
	// Coupa's catalogue: a role no user holds yet is a role all the same
	for _, r := range snap.RoleCatalogue {
		e.roles[strings.ToLower(r.Name)] = r.Name
		e.roles[r.Name] = r.Name
	}
	e.groups = map[string]*catalogue{
		plans.CatalogueUserGroups:    newCatalogue(snap.UserGroups),
		plans.CatalogueContentGroups: newCatalogue(snap.ContentGroups),
		plans.CatalogueAccountGroups: newCatalogue(snap.AccountGroups),
	}
	return e
}

// userIndex is the position in snap.Users of one of its users (every
// *coupa.User the indexes hand out points into it).
func (e *engine) userIndex(u *coupa.User) int {
	i := int((uintptr(unsafe.Pointer(u)) - uintptr(unsafe.Pointer(unsafe.SliceData(e.snap.Users)))) / unsafe.Sizeof(coupa.User{}))
	if i < 0 || i >= len(e.snap.Users) || &e.snap.Users[i] != u {
		panic("sync: a Coupa user that is not the snapshot's")
	}
	return i
}

// pick lists the rows at the given indexes.
func pick(rows []*rowPlan, at []int) []*rowPlan {
	out := make([]*rowPlan, len(at))
	for k, i := range at {
		out[k] = rows[i]
	}
	return out
}

// checkNewEmails refuses a user to create whose email a Coupa user has.
// The few rows that create are looked up in one pass over Coupa's users,
// not through an index of all their emails (most feeds create a handful).
func (e *engine) checkNewEmails(creating []*rowPlan) {
	want := map[string]*coupa.User{}
	for _, rp := range creating {
		if email := rp.feed.Get(record.Email); email != "" && rp.plan.Action != plans.Unchanged {
			want[strings.ToLower(email)] = nil
		}
	}
	if len(want) == 0 {
		return
	}
	// Coupa's users are scanned on every core, each range noting the
	// first holder of a wanted email; the earliest range's wins, so the
	// holder is the first in Coupa's order, as an index would have it.
	var mu gosync.Mutex
	found := map[string]int{}
	cores.Ranges(len(e.snap.Users), 4096, func(lo, hi int) {
		mine := map[string]int{}
		for i := lo; i < hi; i++ {
			k := strings.ToLower(e.snap.Users[i].Email)
			if _, asked := want[k]; asked {
				if _, seen := mine[k]; !seen {
					mine[k] = i
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for k, i := range mine {
			if j, ok := found[k]; !ok || i < j {
				found[k] = i
			}
		}
	})
	for k, i := range found {
		want[k] = &e.snap.Users[i]
	}
	for _, rp := range creating {
		if rp.plan.Action == plans.Unchanged {
			continue // an inactive row for a user Coupa never had
		}
		f := rp.feed
		if email := f.Get(record.Email); email != "" {
			if holder := want[strings.ToLower(email)]; holder != nil {
				rp.problem(plans.ProblemCreate, "email-taken", []string{rp.plan.Key, holder.Login}, "cannot create %s: email %s belongs to Coupa user %s", f.Key(), email, holder.Login)
			}
		}
	}
}

// emails is the index of Coupa users by lower-cased email, built when
// first asked for: only matching on email needs it.
func (e *engine) emails() *multiIndex {
	e.email.Do(func() {
		e.byEmail = newMultiIndex(e.byNumber.users)
		for i := range e.snap.Users {
			e.byEmail.add(strings.ToLower(e.snap.Users[i].Email), i)
		}
	})
	return e.byEmail
}

// multiIndex finds Coupa users by a key several may share (employee
// number, email). A key held once costs a map entry and no allocation;
// only shared keys keep a list.
type multiIndex struct {
	users []*coupa.User // &snap.Users[i], so one user is users[i:i+1]
	one   map[string]int32
	more  map[string][]*coupa.User
}

func newMultiIndex(users []*coupa.User) *multiIndex {
	return &multiIndex{users: users, one: make(map[string]int32, len(users)), more: map[string][]*coupa.User{}}
}

func (m *multiIndex) add(k string, i int) {
	if list, ok := m.more[k]; ok {
		m.more[k] = append(list, m.users[i])
		return
	}
	if j, ok := m.one[k]; ok {
		delete(m.one, k)
		m.more[k] = []*coupa.User{m.users[j], m.users[i]}
		return
	}
	m.one[k] = int32(i)
}

// get lists the users holding k (nil for none).
func (m *multiIndex) get(k string) []*coupa.User {
	if i, ok := m.one[k]; ok {
		return m.users[i : i+1 : i+1]
	}
	return m.more[k]
}

func (e *engine) resolveChart() error {
	if e.cfg.SkipCatalogue {
		return nil // a baseline diff: segments compare as the files carry them, no chart
	}
	if e.cfg.Chart != "" {
		for _, c := range e.snap.AccountTypes {
			if strings.EqualFold(c.Name, e.cfg.Chart) {
				e.chart = c.Name
				return nil
			}
		}
		if len(e.snap.AccountTypes) == 0 { // charts could not be read: take the operator's word
			e.chart = e.cfg.Chart
			return nil
		}
		var names []string
		for _, c := range e.snap.AccountTypes {
			if c.Active {
				names = append(names, c.Name)
			}
		}
		return setupErr("chart of accounts %q is not in Coupa%s; its active charts: %s", e.cfg.Chart,
			suggest.Hint(e.cfg.Chart, names), strings.Join(names, ", "))
	}
	var active []string
	for _, c := range e.snap.AccountTypes {
		if c.Active {
			active = append(active, c.Name)
		}
	}
	if len(active) == 1 {
		e.chart = active[0]
		return nil
	}
	for _, f := range e.feed.Users {
		if f.HasSegments() {
			return setupErr("the feed carries account segments and Coupa has %d active charts of accounts (%s): choose one with --chart", len(active), strings.Join(active, ", "))
		}
	}
	return nil
}

// rowPlan is the working state of one feed row.
type rowPlan struct {
	feed    *record.User
	coupa   *coupa.User
	plan    *plans.UserPlan
	manager string // final supervisor login (lower), "" for none
	self    string // the row's login, lower-cased: its Coupa user's, else the feed's (rowsByLogin)
	wantMgr string // the supervisor the feed names (resolved from an employee number), as written
	// same gathers the fields that match Coupa with Coupa's values, in
	// compare order, while the row is compared (the worker's scratch, nil
	// after); sameDropped says they were not kept (the row changed nothing).
	// A row lives as long as the plan is built: what only a few rows need
	// is behind a pointer, so 100,000 rows stay small.
	same        *[]plans.FieldValue
	missing     *[]plans.MissingValue // values Coupa's lookups lack (lacks)
	creating    bool
	leaving     bool // explicitly deactivated by the feed
	sameDropped bool
	kept        bool // keep has run
	account     bool // the row wants chart segments: keep records the account Coupa holds
	allowLogin  bool // Config.AllowLoginChange
}

// problem records a problem with its cause (a key of causeText), named
// where the problem is found rather than guessed from its text later.
func (rp *rowPlan) problem(kind plans.ProblemKind, cause string, users []string, f string, a ...any) {
	rp.plan.Problems = append(rp.plan.Problems, plans.Problem{Kind: kind, Line: rp.feed.Source.Line, Users: users, Message: fmt.Sprintf(f, a...),
		Cause: plans.CauseText[cause]})
}

func (rp *rowPlan) change(field string, before, after plans.Value, selected bool, note string) *plans.Change {
	rp.plan.Changes = append(rp.plan.Changes, plans.Change{Field: field, Op: plans.OpOf(before, after), Before: before, After: after,
		Segment: plans.SegmentOf(field), Selected: selected, Note: note})
	return &rp.plan.Changes[len(rp.plan.Changes)-1]
}

// matches records that a field matches what Coupa holds, cur (Unread: read
// only if the row keeps it; most rows turn out unchanged and keep nothing).
func (rp *rowPlan) matches(field string, cur plans.Value) {
	rp.plan.Unchanged++
	*rp.same = append(*rp.same, plans.FieldValue{Field: field, Value: cur})
}

// current is what Coupa holds for a field (none for a user to create).
func (rp *rowPlan) current(field string) plans.Value {
	if rp.coupa == nil {
		return plans.None(field)
	}
	return plans.CoupaValue(rp.coupa, field)
}

// compare records a field's difference, or that it matches. The feed's
// text "" means no opinion and record.Clear means clear.
func (rp *rowPlan) compare(field, feedText string) {
	if feedText == "" {
		return
	}
	rp.compareTo(field, rp.current(field), feedText)
}

// compareTo is compare with Coupa's value already read.
func (rp *rowPlan) compareTo(field string, cur plans.Value, feedText string) {
	if feedText == record.Clear {
		if cur.IsNone() {
			rp.matches(field, cur)
		} else {
			rp.change(field, cur, plans.None(field), true, "cleared")
		}
		return
	}
	want, ok := plans.ParseValue(field, feedText)
	if !ok {
		rp.problem(plans.ProblemValue, "value", []string{rp.plan.Key}, "%s %q is not a valid %s", field, feedText, plans.KindName(plans.KindOf(field)))
		return
	}
	rp.compareValue(field, cur, want)
}

func (rp *rowPlan) compareValue(field string, cur, want plans.Value) {
	if plans.Same(field, cur, want) {
		rp.matches(field, cur)
		return
	}
	if field == record.Login && !rp.creating && !rp.allowLogin {
		rp.change(field, cur, want, false, plans.LoginNote)
		return
	}
	rp.change(field, cur, want, true, "")
}

// scratch is one worker's reusable buffers: a row's changes and matching
// fields are gathered here, then copied out at their exact size.
type scratch struct {
	changes  []plans.Change
	same     []plans.FieldValue
	text     arena.Text       // names (see displayName), fingerprints' hashes
	creating []int            // rows of users Coupa lacks
	lacking  []int            // rows naming values Coupa's lookups lack
	logins   map[string]int32 // see loginRows.note

	fingerprints arena.Slab[plans.Fingerprint]
	// changing users' changes and matching fields, at their size in
	// shared blocks: a few allocations, not two per user
	keptChanges arena.Slab[plans.Change]
	keptSame    arena.Slab[plans.FieldValue]
	// changing users' CCW segments (heldSegments) and role sets (roleSet)
	keptSegments arena.Slab[plans.NumberedSegment]
	keptRoles    arena.Slab[plans.MoreValue]
	keptNames    arena.Slab[string]
}

// roleSet is a Coupa user's role set, as CoupaValue reads it, made in the
// worker's blocks: every changing user keeps one.
func (sc *scratch) roleSet(u *coupa.User) plans.Value {
	var held [8]string
	return plans.RoleSet(sc.keptRoles.New(), sc.keptNames.Keep(plans.SortedRoleNames(u.Roles, held[:0])))
}

// displayName is "First Last", written into the worker's text blocks
// (one allocation per 64 KB rather than one per row).
func (sc *scratch) displayName(first, last string) string {
	first, last = record.Trim(first), record.Trim(last)
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	b := sc.text.Begin(len(first) + 1 + len(last))
	return sc.text.End(append(append(append(b, first...), ' '), last...))
}

// diffRow compares one feed row into rp and up, both zero (fresh from
// their slabs): their fields are set one by one rather than copied in as
// whole structs, which while the collector marks costs a barrier on every
// pointer of the struct.
func (e *engine) diffRow(f *record.User, rp *rowPlan, up *plans.UserPlan, sc *scratch, holders int32) {
	up.Key, up.Line, up.Name = f.Key(), f.Source.Line, sc.displayName(f.Get(record.FirstName), f.Get(record.LastName))
	up.Changes = sc.changes[:0]
	sc.same = sc.same[:0]
	rp.feed, rp.plan, rp.same, rp.allowLogin = f, up, &sc.same, e.cfg.AllowLoginChange
	e.compareRow(f, rp, holders)
	sc.changes, rp.same = up.Changes, nil
	up.Changes = nil
	if len(sc.changes) > 0 {
		up.Changes = sc.keptChanges.Keep(sc.changes)
	}
	if len(sc.changes) == 0 && len(up.Problems) == 0 {
		// Most rows change nothing: their matching fields are counted, not
		// kept (see sameOf for the few that turn out to change).
		rp.sameDropped = true
		return
	}
	e.keep(rp, sc.same, sc) // while this user's Coupa record is still in the cache
}

// keep records what a user that changes keeps besides its changes: the
// matching fields' values (same: the worker's scratch, or sameOf's), the
// segments Coupa holds for a CCW file and the fingerprint of its Coupa
// record. Done as the row is compared, while its Coupa record is in the
// processor's cache; finish does it only for the few rows that turn out
// to change later (a supervisor's problem).
func (e *engine) keep(rp *rowPlan, same []plans.FieldValue, sc *scratch) {
	p := rp.plan
	rp.kept = true
	if rp.account && p.CoupaAccount == nil {
		p.CoupaAccount = accountSeen(rp.coupa)
	}
	p.CCWSegments = e.heldSegments(rp, p.CCWSegments, sc)
	if len(same) > 0 {
		if sc != nil {
			p.Same = sc.keptSame.Keep(same)
		} else {
			p.Same = append([]plans.FieldValue(nil), same...)
		}
		for i := range p.Same {
			switch {
			case !p.Same[i].Value.IsUnread():
			case sc != nil && p.Same[i].Field == record.Roles:
				p.Same[i].Value = sc.roleSet(rp.coupa)
			default:
				p.Same[i].Value = rp.current(p.Same[i].Field)
			}
		}
	}
	if rp.coupa != nil {
		if sc == nil {
			p.Fingerprint = plans.FingerprintOf(rp.coupa)
		} else {
			p.Fingerprint = sc.fingerprints.New()
			plans.FillFingerprint(p.Fingerprint, rp.coupa, &sc.text)
		}
	}
}

// sameOf lists the fields of a row that match Coupa, comparing the row
// again: for a row that changed nothing when it was compared but has a
// problem now (its supervisor's, found across rows).
func (e *engine) sameOf(rp *rowPlan) []plans.FieldValue {
	up := plans.UserPlan{Key: rp.feed.Key(), Line: rp.feed.Source.Line}
	var same []plans.FieldValue
	again := rowPlan{feed: rp.feed, plan: &up, same: &same, allowLogin: e.cfg.AllowLoginChange}
	e.compareRow(rp.feed, &again, 0)
	return same
}

// compareRow compares a row with its Coupa user; holders is the Coupa user
// holding its employee number when looked up already (numberHolders).
func (e *engine) compareRow(f *record.User, rp *rowPlan, holders int32) {
	c := e.match(f, rp, holders)
	if len(rp.plan.Problems) > 0 {
		rp.plan.Action = plans.Error
		return
	}
	rp.coupa = c
	rp.leaving = f.Active != nil && !*f.Active
	rp.wantMgr = f.Get(record.Manager)
	// HR feeds may name the supervisor by employee number.
	if ref := f.Get("feed.manager-employee-number"); ref != "" {
		if list := e.byNumber.get(ref); len(list) == 1 {
			rp.wantMgr = list[0].Login
		} else {
			rp.problem(plans.ProblemSupervisor, "supervisor-missing", []string{rp.plan.Key}, "supervisor with employee number %s is not in Coupa or in the feed", ref)
		}
	}
	if c == nil {
		rp.creating = true
	} else {
		rp.plan.Key = c.Login
	}
	if rp.creating && rp.leaving {
		rp.plan.Action = plans.Unchanged // an inactive row for a user Coupa never had: nothing to do
		rp.plan.Problems = nil
		return
	}
	e.compareScalars(rp, f)
	e.compareRoles(rp, f)
	e.compareSegments(rp, f)
	f.Prefixed("custom-fields.", rp.compare)
	if f.HasRegistered() {
		e.compareRegistered(rp, f)
	}
	e.deriveSecurityType(rp)
	// the final supervisor: the feed's, else Coupa's
	switch m := rp.wantMgr; {
	case m == record.Clear:
	case m != "":
		rp.manager = strings.ToLower(m)
	case c != nil && c.Manager != nil:
		rp.manager = strings.ToLower(c.Manager.Login)
	}
	if rp.creating {
		for _, req := range []string{record.Login, record.Email, record.FirstName, record.LastName} {
			if f.Get(req) == "" {
				rp.problem(plans.ProblemCreate, "create-field", []string{rp.plan.Key}, "cannot create %s: %s is empty", f.Key(), req)
			}
		}
		// whether Coupa already has the email: checkNewEmails, once all rows are compared
	} else {
		switch {
		case rp.leaving && c.Active:
			rp.change(record.Active, plans.Bool(true), plans.Bool(false), true, "")
		case !rp.leaving && !c.Active:
			rp.change(record.Active, plans.Bool(false), plans.Bool(true), true, "")
		}
	}
	e.compareLicence(rp)
}

// licenceNote says why a CCW feed grants the Contingent Workforce licence.
const licenceNote = "without the Contingent Workforce licence this user never reaches CCW"

// compareLicence: a CCW feed's users must hold the Contingent Workforce
// licence (ccw-user), or Coupa never passes them to CCW.
func (e *engine) compareLicence(rp *rowPlan) {
	if e.feed.Kind != feeds.KindCCW || e.cfg.IgnoreCCWLicence || rp.leaving {
		return
	}
	cur := plans.None(record.CCWUser)
	if rp.coupa != nil {
		cur = plans.Bool(rp.coupa.CCWUser) // rp.current(record.CCWUser), read directly
	}
	if cur.BoolValue() {
		rp.matches(record.CCWUser, cur)
		return
	}
	rp.change(record.CCWUser, cur, plans.Bool(true), true, licenceNote)
}

// action is what the row does once its problems are known.
func (rp *rowPlan) action() plans.Action {
	p := rp.plan
	if p.Action == plans.Unchanged && rp.creating && rp.leaving {
		return plans.Unchanged // an inactive row for a user Coupa never had
	}
	active := p.Change(record.Active)
	switch {
	case len(p.Problems) > 0:
		return plans.Error
	case rp.creating:
		return plans.Create
	case active != nil && active.After.BoolValue():
		return plans.Reactivate
	case active != nil:
		return plans.Deactivate
	case len(p.Changes) > 0:
		return plans.Update
	}
	return plans.Unchanged
}

// finish sets the action and selection once problems are known. A user
// with problems has nothing selected: neither itself nor any change.
// Only a user with something to say keeps its matching fields, segments
// and the fingerprint of its Coupa record (see keep).
func (rp *rowPlan) finish(e *engine) {
	p := rp.plan
	defer func() {
		if p.Action == plans.Unchanged {
			if p.CCWSegments != nil || p.CCWHeld != nil || p.CoupaAccount != nil || p.Same != nil || p.Fingerprint != nil {
				// (most unchanged users kept nothing: not written, as a
				// pointer written while the collector marks costs a barrier)
				p.CCWSegments, p.CCWHeld, p.CoupaAccount, p.Same, p.Fingerprint = nil, nil, nil, nil, nil
			}
			return
		}
		if !rp.kept {
			var same []plans.FieldValue
			if rp.sameDropped {
				same = e.sameOf(rp)
			}
			e.keep(rp, same, nil)
		}
	}()
	p.Action = rp.action()
	p.Selected = false
	if p.Action == plans.Error {
		for i := range p.Changes {
			p.Changes[i].Selected = false
		}
		return
	}
	for _, c := range p.Changes {
		p.Selected = p.Selected || c.Selected
	}
}

package sync

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
)

// Config holds the engagement's reconciliation choices.
type Config struct {
	MatchOn               string         // auto (employee number, else login) | employee-number | login | email
	Chart                 string         // chart of accounts of the CCW segments ("" = the only active chart)
	SegmentLookups        map[int]string // chart segment N -> lookup name
	SegmentTargets        map[int]string // CCW segment N -> "chart" | "custom-fields.NAME" | "feed-only"
	IncludeDeactivations  bool
	AllowMassDeactivation bool
	MaxDeactivations      int
	MaxDeactivationPct    float64
	ScopeFilter           map[string]string // non-CCW feeds: canonical field -> value for the deactivation scope
	KnownRoles            []string          // roles that exist though no user holds them yet
	ToolVersion           string
	Now                   func() time.Time
}

func (c *Config) defaults() {
	if c.MatchOn == "" {
		c.MatchOn = "auto"
	}
	if c.MaxDeactivations == 0 {
		c.MaxDeactivations = 25
	}
	if c.MaxDeactivationPct == 0 {
		c.MaxDeactivationPct = 5
	}
	if c.SegmentTargets == nil {
		c.SegmentTargets = map[int]string{1: "chart", 2: "chart", 3: "chart"}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// ErrConfig marks a configuration error (exit 1 before any diff).
var ErrConfig = errors.New("configuration")

// engine holds the indexes of one diff.
type engine struct {
	cfg        Config
	snap       *coupa.Snapshot
	feed       *feeds.Feed
	byNumber   map[string][]*coupa.User
	byLogin    map[string]*coupa.User
	byEmail    map[string][]*coupa.User
	roles      map[string]string // lower -> canonical name
	chart      string
	lookupVals map[string]map[string]string // lookup (lower) -> name (lower) -> code
	lookupCode map[string]map[string]bool   // lookup (lower) -> code -> exists
}

// Diff compares a feed with a Coupa snapshot and builds the plan.
func Diff(feed *feeds.Feed, snap *coupa.Snapshot, cfg Config) (*Plan, error) {
	cfg.defaults()
	switch cfg.MatchOn {
	case "auto", "employee-number", "login", "email":
	default:
		return nil, fmt.Errorf("%w: --match-on must be employee-number, login or email", ErrConfig)
	}
	n := len(snap.Users)
	e := &engine{cfg: cfg, snap: snap, feed: feed, byNumber: make(map[string][]*coupa.User, n), byLogin: make(map[string]*coupa.User, n),
		byEmail: make(map[string][]*coupa.User, n), roles: map[string]string{}, lookupVals: map[string]map[string]string{}, lookupCode: map[string]map[string]bool{}}
	// four independent indexes, built side by side
	var ix gosync.WaitGroup
	ix.Add(4)
	go func() {
		defer ix.Done()
		for i := range snap.Users {
			if u := &snap.Users[i]; u.EmployeeNumber != "" {
				e.byNumber[u.EmployeeNumber] = append(e.byNumber[u.EmployeeNumber], u)
			}
		}
	}()
	go func() {
		defer ix.Done()
		for i := range snap.Users {
			e.byLogin[strings.ToLower(snap.Users[i].Login)] = &snap.Users[i]
		}
	}()
	go func() {
		defer ix.Done()
		for i := range snap.Users {
			k := strings.ToLower(snap.Users[i].Email)
			e.byEmail[k] = append(e.byEmail[k], &snap.Users[i])
		}
	}()
	go func() {
		defer ix.Done()
		for i := range snap.Users {
			for _, r := range snap.Users[i].Roles {
				e.roles[strings.ToLower(r.Name)] = r.Name
			}
		}
	}()
	ix.Wait()
	for _, r := range cfg.KnownRoles {
		e.roles[strings.ToLower(r)] = r
	}
	for _, v := range snap.LookupValues {
		if v.Lookup == nil || !v.Active {
			continue
		}
		l := strings.ToLower(v.Lookup.Name)
		if e.lookupVals[l] == nil {
			e.lookupVals[l], e.lookupCode[l] = map[string]string{}, map[string]bool{}
		}
		e.lookupVals[l][strings.ToLower(v.Name)] = v.ExternalRefNum
		e.lookupCode[l][v.ExternalRefNum] = true
	}
	if err := e.resolveChart(); err != nil {
		return nil, err
	}
	plan := &Plan{Format: PlanFormat, ToolVersion: cfg.ToolVersion, CreatedAt: cfg.Now().UTC(), Instance: snap.Instance,
		Feed:     FeedInfo{Name: feed.Name, SHA256: feed.SHA256, Kind: string(feed.Kind), Full: feed.Full},
		Settings: Settings{MatchOn: cfg.MatchOn, Chart: e.chart, SegmentLookups: cfg.SegmentLookups, MaxDeactivate: cfg.MaxDeactivations, MaxDeactPct: cfg.MaxDeactivationPct},
		Warnings: append(append([]string(nil), feed.Warnings...), snap.Warnings...)}
	rows := make([]*rowPlan, len(feed.Users))
	// Rows are independent (the indexes are read-only): diff them on every core.
	workers := min(runtime.GOMAXPROCS(0), max(1, len(feed.Users)/1000))
	var wg gosync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(feed.Users); i += workers {
				rows[i] = e.diffRow(feed.Users[i])
			}
		}(w)
	}
	wg.Wait()
	matched := make(map[int]bool, len(rows))
	for _, rp := range rows {
		if rp.coupa != nil {
			matched[rp.coupa.ID] = true
		}
	}
	e.checkHierarchy(rows)
	for _, rp := range rows {
		rp.finish()
		plan.Users = append(plan.Users, rp.plan)
	}
	plan.dropSameOfUnchanged()
	orderCreates(plan.Users, rows)
	if feed.Full {
		plan.Users = append(plan.Users, e.candidates(matched, &plan.Settings)...)
	}
	e.guard(plan)
	plan.Recount()
	return plan, nil
}

func (e *engine) resolveChart() error {
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
		return fmt.Errorf("%w: chart of accounts %q is not in Coupa", ErrConfig, e.cfg.Chart)
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
	needs := false
	for _, f := range e.feed.Users {
		needs = needs || f.HasSegments()
	}
	if needs {
		return fmt.Errorf("%w: the feed carries account segments and Coupa has %d active charts of accounts (%s): choose one with --chart", ErrConfig, len(active), strings.Join(active, ", "))
	}
	return nil
}

// rowPlan is the working state of one feed row.
type rowPlan struct {
	feed     *record.User
	coupa    *coupa.User
	plan     *UserPlan
	manager  string // final supervisor login (lower), "" for none
	creating bool
	leaving  bool // explicitly deactivated by the feed
}

func (rp *rowPlan) problem(f string, a ...any) {
	rp.plan.Problems = append(rp.plan.Problems, fmt.Sprintf("line %d: ", rp.feed.Source.Line)+fmt.Sprintf(f, a...))
}

func (rp *rowPlan) add(field, coupaV, feedV string, selected bool, note string) {
	rp.plan.Changes = append(rp.plan.Changes, Change{Field: field, Coupa: coupaV, Feed: feedV, Selected: selected, Note: note})
}

// match finds the Coupa user of a feed row.
func (e *engine) match(f *record.User, rp *rowPlan) *coupa.User {
	login, number, email := strings.ToLower(f.Get(record.Login)), f.Get(record.EmployeeNumber), strings.ToLower(f.Get(record.Email))
	one := func(list []*coupa.User, what, val string) *coupa.User {
		if len(list) > 1 {
			var ls []string
			for _, u := range list {
				ls = append(ls, u.Login)
			}
			rp.problem("%s %q is held by %d Coupa users (%s); fix Coupa before loading", what, val, len(list), strings.Join(ls, ", "))
			return nil
		}
		if len(list) == 1 {
			return list[0]
		}
		return nil
	}
	switch e.cfg.MatchOn {
	case "login":
		return e.byLogin[login]
	case "email":
		return one(e.byEmail[email], "email", email)
	case "employee-number":
		if number == "" {
			rp.problem("no employee number to match on (--match-on employee-number)")
			return nil
		}
		return one(e.byNumber[number], "employee number", number)
	}
	if number != "" {
		if u := one(e.byNumber[number], "employee number", number); u != nil || len(e.byNumber[number]) > 1 {
			return u
		}
	}
	if u := e.byLogin[login]; u != nil && login != "" {
		if number != "" && u.EmployeeNumber != "" && u.EmployeeNumber != number {
			rp.problem("login %s belongs to Coupa user with employee number %s, not %s", u.Login, u.EmployeeNumber, number)
			return nil
		}
		return u
	}
	return nil
}

func (e *engine) diffRow(f *record.User) *rowPlan {
	rp := &rowPlan{feed: f, plan: &UserPlan{Key: f.Key(), Line: f.Source.Line, Name: displayName(f),
		Changes: make([]Change, 0, 2), Same: make([]FieldValue, 0, 12)}}
	c := e.match(f, rp)
	if len(rp.plan.Problems) > 0 {
		rp.plan.Action = Error
		return rp
	}
	rp.coupa = c
	rp.leaving = f.Active != nil && !*f.Active
	// Manager: HR feeds may name it by employee number.
	if ref := f.Get("feed.manager-employee-number"); ref != "" {
		if list := e.byNumber[ref]; len(list) == 1 {
			f.Set(record.Manager, list[0].Login)
		} else {
			rp.problem("supervisor with employee number %s is not in Coupa or in the feed", ref)
		}
	}
	var cur *record.User
	if c == nil {
		rp.creating = true
		cur = record.New(record.Source{})
	} else {
		cur = FromCoupa(c)
		rp.plan.Key = c.Login
		rp.plan.Fingerprint = fingerprint(c, cur)
	}
	if rp.creating && rp.leaving {
		rp.plan.Action = Unchanged // an inactive row for a user Coupa never had: nothing to do
		rp.plan.Problems = nil
		return rp
	}
	e.compareScalars(rp, f, cur)
	e.compareRoles(rp, f, cur)
	e.compareSegments(rp, f, cur, c)
	f.Range(func(k, v string) {
		if strings.HasPrefix(k, "custom-fields.") {
			rp.compare(k, cur.Get(k), v, exact)
		}
	})
	// final supervisor
	rp.manager = strings.ToLower(cur.Get(record.Manager))
	if m := f.Get(record.Manager); m != "" {
		rp.manager = strings.ToLower(m)
		if m == record.Clear {
			rp.manager = ""
		}
	}
	if rp.creating {
		for _, req := range []string{record.Login, record.Email, record.FirstName, record.LastName} {
			if f.Get(req) == "" {
				rp.problem("cannot create %s: %s is empty", f.Key(), req)
			}
		}
		if list := e.byEmail[strings.ToLower(f.Get(record.Email))]; len(list) > 0 && f.Get(record.Email) != "" {
			rp.problem("cannot create %s: email %s belongs to Coupa user %s", f.Key(), f.Get(record.Email), list[0].Login)
		}
	} else {
		switch {
		case rp.leaving && c.Active:
			rp.add(record.Active, "true", "false", true, "")
		case !rp.leaving && !c.Active:
			rp.add(record.Active, "false", "true", true, "")
		}
	}
	return rp
}

func (rp *rowPlan) compare(field, cur, want string, equal func(a, b string) bool) {
	if want == "" {
		return // no opinion
	}
	if want == record.Clear {
		if cur != "" {
			rp.add(field, cur, "", true, "cleared")
		} else {
			rp.same(field, "")
		}
		return
	}
	if cur != "" && equal(cur, want) {
		rp.same(field, cur)
		return
	}
	rp.add(field, cur, want, true, "")
}

func (rp *rowPlan) same(field, value string) {
	rp.plan.Unchanged++
	rp.plan.Same = append(rp.plan.Same, FieldValue{field, value})
}

func exact(a, b string) bool { return a == b }

func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c == 'x' || c == 'X' {
			b.WriteByte('x')
		}
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (e *engine) compareScalars(rp *rowPlan, f, cur *record.User) {
	for _, field := range record.ScalarFields {
		var eq func(a, b string) bool
		switch field {
		case record.Login, record.Email, record.Manager:
			eq = strings.EqualFold
		case record.PhoneWork:
			eq = func(a, b string) bool { return digitsOf(a) == digitsOf(b) }
		case record.Currency:
			eq = strings.EqualFold
		default:
			eq = exact
		}
		rp.compare(field, cur.Get(field), f.Get(field), eq)
	}
	if t := f.Get(record.AccountType); t != "" {
		rp.compare(record.AccountType, cur.Get(record.AccountType), t, strings.EqualFold)
	}
	if cur := f.Get(record.Currency); cur != "" && cur != record.Clear {
		known := len(e.snap.Currencies) == 0
		for _, c := range e.snap.Currencies {
			known = known || strings.EqualFold(c.Code, cur)
		}
		if !known {
			rp.problem("currency %s is not enabled in Coupa", cur)
		}
	}
}

func (e *engine) compareRoles(rp *rowPlan, f, cur *record.User) {
	if f.Roles == nil {
		return
	}
	for _, r := range f.Roles {
		if _, ok := e.roles[strings.ToLower(r)]; !ok {
			rp.problem("role %q is not a role of this Coupa instance", r)
		}
	}
	has := map[string]bool{}
	for _, r := range cur.Roles {
		has[strings.ToLower(r)] = true
	}
	canon := func(r string) string {
		if c, ok := e.roles[strings.ToLower(r)]; ok {
			return c
		}
		return r
	}
	if rp.creating {
		var want []string
		for _, r := range f.Roles {
			want = append(want, canon(r))
		}
		if len(want) > 0 {
			rp.add(record.Roles, "", record.JoinRoles(want), true, "")
		}
		return
	}
	if f.RoleMode == record.RolesContain {
		want := append([]string(nil), cur.Roles...)
		var missing []string
		for _, r := range f.Roles {
			if !has[strings.ToLower(r)] {
				missing = append(missing, canon(r))
			}
		}
		if len(missing) == 0 {
			rp.same(record.Roles, record.JoinRoles(cur.Roles))
			return
		}
		want = append(want, missing...)
		rp.add(record.Roles, record.JoinRoles(cur.Roles), record.JoinRoles(want), false,
			"CCW syncs Role only at initial sync: shown, not selected")
		return
	}
	want := map[string]bool{}
	var list []string
	for _, r := range f.Roles {
		if !want[strings.ToLower(r)] {
			want[strings.ToLower(r)] = true
			list = append(list, canon(r))
		}
	}
	same := len(want) == len(has)
	for r := range want {
		same = same && has[r]
	}
	if same {
		rp.same(record.Roles, record.JoinRoles(cur.Roles))
		return
	}
	note := ""
	for r := range has {
		if !want[r] {
			note = "removes roles: Coupa's clear-then-set, prior roles restored on failure"
		}
	}
	rp.add(record.Roles, record.JoinRoles(cur.Roles), record.JoinRoles(list), true, note)
}

// compareSegments translates CCW segment names to codes through the lookup
// the operator assigned to each chart segment, and compares codes.
func (e *engine) compareSegments(rp *rowPlan, f, cur *record.User, c *coupa.User) {
	want := map[int]string{}
	notes := map[int]string{}
	checked := map[int]bool{} // codes already checked against their lookup
	for n := 1; n <= 20; n++ {
		if v := f.Get(record.SegmentField(n)); v != "" {
			want[n] = v
		}
	}
	for n := 1; n <= record.MaxSegments; n++ {
		s := f.Segments[n]
		if s.Empty() {
			continue
		}
		target := e.cfg.SegmentTargets[n]
		switch {
		case target == "chart":
			lookup := e.cfg.SegmentLookups[n]
			if s.Code != "" {
				want[n], checked[n] = s.Code, true
				if lookup != "" && !e.lookupCode[strings.ToLower(lookup)][s.Code] {
					rp.problem("segment %d code %q is not a value of lookup %s", n, s.Code, lookup)
				}
				continue
			}
			if lookup == "" {
				rp.problem("segment %d: no lookup assigned to translate %q (use --segment-lookup %d=LOOKUP)", n, s.Name, n)
				continue
			}
			vals := e.lookupVals[strings.ToLower(lookup)]
			if vals == nil {
				rp.problem("segment %d: lookup %s has no values in the Coupa snapshot (does it exist, and could lookup values be read?)", n, lookup)
				continue
			}
			code, ok := vals[strings.ToLower(s.Name)]
			if !ok {
				rp.problem("segment %d value %q is not a value of lookup %s", n, s.Name, lookup)
				continue
			}
			want[n], notes[n] = code, fmt.Sprintf("%q → %s", s.Name, code)
		case strings.HasPrefix(target, "custom-fields."):
			v := s.Code
			if v == "" {
				v = s.Name
			}
			rp.compare(target, cur.Get(target), v, exact)
		}
	}
	if len(want) == 0 {
		return
	}
	for n, code := range want {
		if lookup := e.cfg.SegmentLookups[n]; lookup != "" && notes[n] == "" && !checked[n] && !e.lookupCode[strings.ToLower(lookup)][code] {
			rp.problem("segment %d code %q is not a value of lookup %s", n, code, lookup)
		}
	}
	if c != nil && (c.DefaultAccountType != nil || c.DefaultAccount != nil) {
		seen := &AccountSeen{Segments: map[int]string{}}
		if c.DefaultAccountType != nil {
			seen.Chart = c.DefaultAccountType.Name
		}
		if c.DefaultAccount != nil {
			for n, v := range c.DefaultAccount.Segments {
				seen.Segments[n] = v
			}
		}
		rp.plan.CoupaAccount = seen
	}
	keys := make([]int, 0, len(want))
	for n := range want {
		keys = append(keys, n)
	}
	sort.Ints(keys)
	chart := f.Get(record.AccountType)
	if chart == "" {
		chart = e.chart
	}
	if chart != "" && !strings.EqualFold(cur.Get(record.AccountType), chart) && f.Get(record.AccountType) == "" {
		rp.add(record.AccountType, cur.Get(record.AccountType), chart, true, "the chart CCW segments belong to")
		derived := "1"
		if c != nil && len(c.AccountGroups) > 0 {
			derived = "2"
		}
		curSec := ""
		if c != nil {
			curSec = strconv.Itoa(c.AccountSecurityType)
		}
		if curSec != derived {
			rp.add(record.SecurityType, curSec, derived, true, "derived: 1 without account groups, 2 with")
		}
	}
	for _, n := range keys {
		field := record.SegmentField(n)
		before := len(rp.plan.Changes)
		rp.compare(field, cur.Get(field), want[n], exact)
		if len(rp.plan.Changes) > before && notes[n] != "" {
			rp.plan.Changes[len(rp.plan.Changes)-1].Note = notes[n]
		}
	}
}

// finish sets the action and selection once problems are known.
func (rp *rowPlan) finish() {
	p := rp.plan
	if p.Action == Unchanged && rp.creating && rp.leaving {
		return
	}
	switch {
	case len(p.Problems) > 0:
		p.Action = Error
	case rp.creating:
		p.Action = Create
	case p.Change(record.Active) != nil && p.Change(record.Active).Feed == "true":
		p.Action = Reactivate
	case p.Change(record.Active) != nil:
		p.Action = Deactivate
	case len(p.Changes) > 0:
		p.Action = Update
	default:
		p.Action = Unchanged
	}
	p.Selected = false
	if p.Action != Error {
		for _, c := range p.Changes {
			p.Selected = p.Selected || c.Selected
		}
	}
}

// checkHierarchy finds supervisors that exist nowhere, inactive or
// departing supervisors, self-supervision and cycles in the final hierarchy.
func (e *engine) checkHierarchy(rows []*rowPlan) {
	feedBy := make(map[string]*rowPlan, len(rows))
	for _, rp := range rows {
		if l := strings.ToLower(rp.feed.Get(record.Login)); l != "" {
			feedBy[l] = rp
		}
		if rp.coupa != nil {
			feedBy[strings.ToLower(rp.coupa.Login)] = rp
		}
	}
	for _, rp := range rows {
		m := rp.feed.Get(record.Manager)
		if m == "" || m == record.Clear || rp.plan.Action == Unchanged && rp.leaving {
			continue
		}
		lm := strings.ToLower(m)
		self := strings.ToLower(rp.feed.Get(record.Login))
		if rp.coupa != nil {
			self = strings.ToLower(rp.coupa.Login)
		}
		if lm == self {
			rp.problem("%s cannot be their own supervisor", rp.plan.Key)
			continue
		}
		sup, inFeed := feedBy[lm]
		cu := e.byLogin[lm]
		switch {
		case !inFeed && cu == nil:
			rp.problem("supervisor %s is not in Coupa or in the feed", m)
		case inFeed && sup.leaving && !rp.leaving:
			rp.problem("supervisor %s is deactivated by this feed (line %d)", m, sup.feed.Source.Line)
		case !inFeed && !cu.Active:
			rp.problem("supervisor %s is inactive in Coupa", m)
		}
		if rp.plan.Change(record.Manager) == nil && rp.coupa != nil {
			continue // unchanged supervisor: nothing to check further
		}
	}
	// Cycles in the final hierarchy. Each row has at most one supervisor, so
	// resolve it to a row index once (walking through Coupa users outside the
	// feed), then find cycles with arrays instead of maps.
	index := make(map[*rowPlan]int, len(rows))
	for i, rp := range rows {
		index[rp] = i
	}
	up := make([]int, len(rows))
	for i, rp := range rows {
		up[i] = -1
		l := rp.manager
		for hops := 0; l != "" && hops < 64; hops++ {
			if sup, ok := feedBy[l]; ok {
				up[i] = index[sup]
				break
			}
			u := e.byLogin[l]
			if u == nil || u.Manager == nil {
				break
			}
			l = strings.ToLower(u.Manager.Login)
		}
	}
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
				cycle = append(cycle, strings.ToLower(rows[j].plan.Key))
			}
			for n, j := range path[k:] {
				rows[j].problem("supervisor cycle: %s", cycleText(cycle, cycle[n]))
			}
		}
		for _, j := range path {
			color[j] = 2
		}
	}
	// a create whose supervisor is an erroneous create is an error too
	for changed := true; changed; {
		changed = false
		for _, rp := range rows {
			if !rp.creating || len(rp.plan.Problems) > 0 {
				continue
			}
			if sup, ok := feedBy[rp.manager]; ok && sup != rp && sup.creating && len(sup.plan.Problems) > 0 {
				rp.problem("supervisor %s cannot be created (see its problems)", sup.plan.Key)
				changed = true
			}
		}
	}
}

// cycleText names a cycle starting at member: a → b → a.
func cycleText(cycle []string, member string) string {
	start := 0
	for i, c := range cycle {
		if c == member {
			start = i
		}
	}
	var parts []string
	for i := 0; i <= len(cycle); i++ {
		parts = append(parts, cycle[(start+i)%len(cycle)])
	}
	return strings.Join(parts, " → ")
}

// orderCreates puts creates in manager-before-report order, keeping every
// other row in feed order.
func orderCreates(users []*UserPlan, rows []*rowPlan) {
	idx := map[*UserPlan]*rowPlan{}
	byLogin := map[string]*rowPlan{}
	var slots []int
	var creates []*rowPlan
	for i, rp := range rows {
		idx[rp.plan] = rp
		if users[i].Action == Create {
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

// candidates lists Coupa users absent from a full feed, within its scope.
func (e *engine) candidates(matched map[int]bool, s *Settings) []*UserPlan {
	var out []*UserPlan
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
		out = append(out, &UserPlan{Key: u.Login, Name: strings.TrimSpace(u.Firstname + " " + u.Lastname), Action: Deactivate,
			Inferred: true, Selected: e.cfg.IncludeDeactivations, Fingerprint: FingerprintOf(u),
			Changes: []Change{{Field: record.Active, Coupa: "true", Feed: "false", Selected: e.cfg.IncludeDeactivations,
				Note: "absent from the full feed (inferred)"}}})
	}
	s.Scope = scope
	return out
}

func (e *engine) inScope(u *coupa.User) bool {
	if e.feed.Kind == feeds.KindCCW {
		return u.CCWUser
	}
	if len(e.cfg.ScopeFilter) == 0 {
		return true
	}
	r := FromCoupa(u)
	for k, v := range e.cfg.ScopeFilter {
		if !strings.EqualFold(r.Get(k), v) {
			return false
		}
	}
	return true
}

// guard refuses to select deactivations beyond both limits.
func (e *engine) guard(p *Plan) {
	if p.Settings.Scope == 0 {
		for i := range e.snap.Users {
			u := &e.snap.Users[i]
			if !u.APIUser && u.Active && e.inScope(u) {
				p.Settings.Scope++
			}
		}
	}
	n := CountSelectedDeactivations(p)
	if e.cfg.AllowMassDeactivation || !ExceedsGuard(n, p.Settings.Scope, e.cfg.MaxDeactivations, e.cfg.MaxDeactivationPct) {
		return
	}
	for _, u := range p.Users {
		if u.Action == Deactivate {
			u.Selected = false
			for i := range u.Changes {
				u.Changes[i].Selected = false
			}
		}
	}
	p.Warnings = append(p.Warnings, fmt.Sprintf("mass-deactivation guard: %d deactivations exceed both %d users and %.0f%% of the %d users in scope; none selected (pass --allow-mass-deactivation to override)",
		n, e.cfg.MaxDeactivations, e.cfg.MaxDeactivationPct, p.Settings.Scope))
}

// CountSelectedDeactivations counts users that a plan would deactivate.
func CountSelectedDeactivations(p *Plan) int {
	n := 0
	for _, u := range p.Users {
		if c := u.Change(record.Active); c != nil && c.Feed == "false" && c.Selected && u.Selected && u.Action != Error {
			n++
		}
	}
	return n
}

// ExceedsGuard is the mass-deactivation rule: more than max users AND more than pct of scope.
func ExceedsGuard(n, scope, max int, pct float64) bool {
	if scope <= 0 {
		return n > max
	}
	return n > max && float64(n)*100/float64(scope) > pct
}

package plans

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	gosync "sync"
	"time"
	"unsafe"

	cores "github.com/ccwrecon/ccwrecon/internal/parallel"
	"github.com/ccwrecon/ccwrecon/record"
)

// PlanFormat is the plan document version; loading refuses others.
const PlanFormat = "ccwrecon-plan/2"

// Action is what happens to one user.
type Action string

const (
	Create     Action = "create"
	Update     Action = "update"
	Deactivate Action = "deactivate"
	Reactivate Action = "reactivate"
	Unchanged  Action = "unchanged"
	Error      Action = "error"
)

// PlanOrder is the order in which actions are listed and applied.
var PlanOrder = []Action{Create, Reactivate, Update, Deactivate, Error, Unchanged}

// Rank is an action's place in PlanOrder.
func (a Action) Rank() int {
	for i, x := range PlanOrder {
		if x == a {
			return i
		}
	}
	return len(PlanOrder)
}

func (a Action) valid() bool { return a.Rank() < len(PlanOrder) }

// Op is what a change does to a field.
type Op string

const (
	OpAdd    Op = "add"    // Coupa holds nothing
	OpChange Op = "change" // Coupa holds another value
	OpClear  Op = "clear"  // the feed clears it
)

func OpOf(before, after Value) Op {
	switch {
	case before.IsNone():
		return OpAdd
	case after.IsNone():
		return OpClear
	}
	return OpChange
}

// Change is one field's difference, with typed values until the request
// body is built.
type Change struct {
	Field  string
	Op     Op
	Before Value // what Coupa holds
	After  Value // what the feed wants
	// Segment is N for default-account.segment-N, else 0.
	Segment  int
	Selected bool
	// Informational differences are shown but never applied by default:
	// a CCW role on an existing user (CCW syncs Role only at initial sync).
	Informational bool
	Note          string
	Cause         string // the likely cause and its fix (causes.go)
}

// Coupa is the current value as text (the contract's "coupa").
func (c *Change) Coupa() string { return c.Before.String() }

// Feed is the wanted value as text (the contract's "feed").
func (c *Change) Feed() string { return c.After.String() }

// Symbol is the change's glyph: + add, ~ change, - clear.
func (c *Change) Symbol() string {
	switch c.Op {
	case OpAdd:
		return "+"
	case OpClear:
		return "-"
	}
	return "~"
}

// IsSegment reports a default-account segment change.
func (c *Change) IsSegment() bool { return c.Segment > 0 }

// FieldValue is a field that already matches, as Coupa holds it.
type FieldValue struct {
	Field string
	Value Value
}

// Fingerprint identifies the Coupa record a plan was made against.
type Fingerprint struct {
	ID        int    `json:"id"`
	UpdatedAt string `json:"updated-at"`
	Hash      string `json:"hash"`
}

// AccountSeen is a Coupa default account as the plan saw it.
type AccountSeen struct {
	Chart    string         `json:"chart,omitempty"`
	Segments map[int]string `json:"segments,omitempty"`
}

// UserPlan is the plan for one user.
type UserPlan struct {
	Key      string
	Name     string
	Action   Action
	Selected bool
	Inferred bool // deactivation inferred from absence in a full feed
	Line     int
	Changes  []Change
	Problems []Problem
	// Unchanged counts the fields that already match; Same lists them for
	// users that change, so a file for SFTP can be written from the plan
	// alone (unchanged users keep it in memory only).
	Unchanged    int
	Same         []FieldValue
	Fingerprint  *Fingerprint
	CoupaAccount *AccountSeen
	// CCWSegments are the user's CCW segments as a CCW User file carries
	// them: the feed's names and codes, or Coupa's codes with their lookup
	// value's names.
	CCWSegments SegmentSet
	// CCWHeld are Coupa's segments where the feed wants others, so a file
	// can keep Coupa's value when that change is left out.
	CCWHeld SegmentSet
}

// Change returns the change of a field, or nil.
func (u *UserPlan) Change(field string) *Change {
	for i := range u.Changes {
		if u.Changes[i].Field == field {
			return &u.Changes[i]
		}
	}
	return nil
}

// RemoveChange drops the change of a field (one the diff itself derived
// and then found unneeded).
func (u *UserPlan) RemoveChange(field string) {
	for i := range u.Changes {
		if u.Changes[i].Field == field {
			u.Changes = append(u.Changes[:i:i], u.Changes[i+1:]...)
			return
		}
	}
}

// SelectedChanges lists the changes apply will make for this user.
func (u *UserPlan) SelectedChanges() []Change {
	if !u.Selected || u.Action == Error {
		return nil
	}
	var out []Change
	for _, c := range u.Changes {
		if c.Selected {
			out = append(out, c)
		}
	}
	return out
}

// SelectedCount counts the changes apply will make for this user.
func (u *UserPlan) SelectedCount() int {
	if !u.Selected || u.Action == Error {
		return 0
	}
	n := 0
	for i := range u.Changes {
		if u.Changes[i].Selected {
			n++
		}
	}
	return n
}

// Partly reports a user some but not all of whose changes are selected
// (informational differences, never applied by default, do not count).
func (u *UserPlan) Partly() bool {
	if u.SelectedCount() == 0 {
		return false
	}
	for _, c := range u.Changes {
		if !c.Selected && !c.Informational {
			return true
		}
	}
	return false
}

// Summary classifies every feed row (and candidate) by action.
type Summary struct {
	Create     int `json:"create"`
	Update     int `json:"update"`
	Deactivate int `json:"deactivate"`
	Reactivate int `json:"reactivate"`
	Unchanged  int `json:"unchanged"`
	Errors     int `json:"errors"`
	Problems   int `json:"problems"`
}

// Counts is what apply would do: users and changes, by action.
type Counts struct {
	Users      int `json:"users"`
	Changes    int `json:"changes"`
	Create     int `json:"create"`
	Update     int `json:"update"`
	Deactivate int `json:"deactivate"`
	Reactivate int `json:"reactivate"`
}

// Unselected counts what a plan shows but apply will not do.
type Unselected struct {
	Informational int `json:"informational"` // differences never applied by default
	Candidates    int `json:"candidates"`    // deactivations inferred from a full feed
	Errors        int `json:"errors"`        // users with problems
	Held          int `json:"held"`          // users with changes the operator (or the guard) left out
	Logins        int `json:"logins"`        // login changes left out (a login is an identity)
}

// FeedInfo identifies the feed a plan was made from.
type FeedInfo struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Kind   string `json:"kind"`
	Full   bool   `json:"full"`
}

// Settings are the non-secret choices a plan was made with.
type Settings struct {
	MatchOn        string         `json:"match-on"`
	Chart          string         `json:"chart,omitempty"`
	SegmentLookups map[int]string `json:"segment-lookups,omitempty"`
	SegmentTargets map[int]string `json:"segment-targets,omitempty"`
	MaxDeactivate  int            `json:"max-deactivations"`
	MaxDeactPct    float64        `json:"max-deactivation-percent"`
	Scope          int            `json:"deactivation-scope"`
}

// Plan is what diff shows and apply executes.
type Plan struct {
	Format      string      `json:"format"`
	ToolVersion string      `json:"tool-version"`
	CreatedAt   time.Time   `json:"created-at"`
	Instance    string      `json:"instance"`
	Digest      string      `json:"digest"`
	Feed        FeedInfo    `json:"feed"`
	Settings    Settings    `json:"settings"`
	Summary     Summary     `json:"summary"`
	Selected    Counts      `json:"selected"`
	NotSelected Unselected  `json:"not-selected"`
	Users       []*UserPlan `json:"users"`
	Warnings    []string    `json:"warnings,omitempty"`
	// MissingValues are segment values the feed uses and Coupa lacks.
	MissingValues []MissingValue `json:"missing-values,omitempty"`
	// omittedUnchanged counts unchanged users a plan file left out of
	// users (the contract allows it); Recount keeps counting them.
	omittedUnchanged int
	// digested identifies the content Digest was computed from (by Diff,
	// or checked by ParsePlan). The product changes nothing but the
	// selection afterwards, which the digest leaves out, so Save need not
	// compute it again while the users are the same ones; had anything
	// else changed, the saved plan would be refused as edited, not applied.
	digested digestKey
}

// digestKey is what Save compares to trust a digest: the users slice and
// the head the digest covers.
type digestKey struct {
	users    **UserPlan
	n        int
	warnings int
	missing  int
	created  time.Time
	settings string
}

func (p *Plan) digestKey() digestKey {
	return digestKey{unsafe.SliceData(p.Users), len(p.Users), len(p.Warnings), len(p.MissingValues), p.CreatedAt,
		fmt.Sprint(p.Settings, p.Feed, p.Instance)}
}

// Recount recomputes the summary and the selection counts; call it after
// any selection change. Ranges of users are counted on every core.
func (p *Plan) Recount() {
	var mu gosync.Mutex
	var s Summary
	var c Counts
	var n Unselected
	cores.Ranges(len(p.Users), 8192, func(lo, hi int) {
		var rs Summary
		var rc Counts
		var rn Unselected
		for _, u := range p.Users[lo:hi] {
			switch u.Action {
			case Create:
				rs.Create++
			case Update:
				rs.Update++
			case Deactivate:
				rs.Deactivate++
			case Reactivate:
				rs.Reactivate++
			case Unchanged:
				rs.Unchanged++
			case Error:
				rs.Errors++
			}
			rs.Problems += len(u.Problems)
			uc, un := u.counts()
			rc.add(uc, 1)
			rn.add(un, 1)
		}
		mu.Lock()
		defer mu.Unlock()
		s.add(rs)
		c.add(rc, 1)
		n.add(rn, 1)
	})
	s.Unchanged += p.omittedUnchanged
	p.Summary = s
	p.Selected, p.NotSelected = c, n
}

func (s *Summary) add(o Summary) {
	s.Create += o.Create
	s.Update += o.Update
	s.Deactivate += o.Deactivate
	s.Reactivate += o.Reactivate
	s.Unchanged += o.Unchanged
	s.Errors += o.Errors
	s.Problems += o.Problems
}

// counts is one user's share of the plan's counts.
func (u *UserPlan) counts() (Counts, Unselected) {
	var c Counts
	var n Unselected
	k := u.SelectedCount()
	switch {
	case u.Action == Error:
		n.Errors++
		return c, n
	case k == 0 && u.Inferred:
		n.Candidates++
		return c, n
	}
	held := false
	for i := range u.Changes {
		ch := &u.Changes[i]
		switch {
		case ch.Informational && !(u.Selected && ch.Selected):
			n.Informational++
		case ch.Field == record.Login && !(u.Selected && ch.Selected):
			n.Logins++
		case !(u.Selected && ch.Selected):
			held = true
		}
	}
	if held {
		n.Held++
	}
	if k == 0 {
		return c, n
	}
	c.Users++
	c.Changes += k
	switch u.Action {
	case Create:
		c.Create++
	case Update:
		c.Update++
	case Deactivate:
		c.Deactivate++
	case Reactivate:
		c.Reactivate++
	}
	return c, n
}

func (c *Counts) add(o Counts, sign int) {
	c.Users += sign * o.Users
	c.Changes += sign * o.Changes
	c.Create += sign * o.Create
	c.Update += sign * o.Update
	c.Deactivate += sign * o.Deactivate
	c.Reactivate += sign * o.Reactivate
}

func (n *Unselected) add(o Unselected, sign int) {
	n.Informational += sign * o.Informational
	n.Candidates += sign * o.Candidates
	n.Errors += sign * o.Errors
	n.Held += sign * o.Held
	n.Logins += sign * o.Logins
}

// Edit changes one user's selection and keeps the plan's counts right
// without recounting every user (a keypress at 100,000 users).
func (p *Plan) Edit(u *UserPlan, edit func() error) error {
	c, n := u.counts()
	p.Selected.add(c, -1)
	p.NotSelected.add(n, -1)
	err := edit()
	c, n = u.counts()
	p.Selected.add(c, 1)
	p.NotSelected.add(n, 1)
	return err
}

// Pending reports whether apply would change anything by default or the
// feed has problem rows: what --detailed-exitcode answers 2 for.
func (p *Plan) Pending() bool { return p.Selected.Changes > 0 || p.Summary.Errors > 0 }

// Is reports whether key names this user (keys compare case-insensitively).
func (u *UserPlan) Is(key string) bool { return strings.EqualFold(u.Key, key) }

// User finds a user by key (case-insensitively).
func (p *Plan) User(key string) *UserPlan {
	for _, u := range p.Users {
		if u.Is(key) {
			return u
		}
	}
	return nil
}

// --- JSON ------------------------------------------------------------------

type changeJSON struct {
	Field         string          `json:"field"`
	Op            Op              `json:"op"`
	Coupa         string          `json:"coupa"`
	Feed          string          `json:"feed"`
	Selected      bool            `json:"selected"`
	Informational bool            `json:"informational,omitempty"`
	Note          string          `json:"note,omitempty"`
	Before        json.RawMessage `json:"before,omitempty"`
	After         json.RawMessage `json:"after,omitempty"`
	Cause         string          `json:"cause,omitempty"`
}

// MarshalJSON writes the contract's field/coupa/feed/selected, the
// operation, and (for fields that are not plain text) the typed values.
func (c Change) MarshalJSON() ([]byte, error) {
	j := changeJSON{Field: c.Field, Op: c.Op, Coupa: c.Coupa(), Feed: c.Feed(), Selected: c.Selected,
		Informational: c.Informational, Note: c.Note, Cause: c.Cause}
	if KindOf(c.Field) != KindText {
		var err error
		if j.Before, err = c.Before.MarshalJSON(); err != nil {
			return nil, err
		}
		if j.After, err = c.After.MarshalJSON(); err != nil {
			return nil, err
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a change strictly: typed values must be valid for
// their field and agree with the text shown to people.
func (c *Change) UnmarshalJSON(b []byte) error {
	var j changeJSON
	if err := strictJSON(b, &j); err != nil {
		return err
	}
	if !ValidField(j.Field) {
		return fmt.Errorf("unknown field %q", j.Field)
	}
	*c = Change{Field: j.Field, Op: j.Op, Selected: j.Selected, Informational: j.Informational, Note: j.Note,
		Segment: SegmentOf(j.Field), Cause: j.Cause}
	if KindOf(j.Field) == KindText {
		if j.Before != nil || j.After != nil {
			return fmt.Errorf("%s: a text field carries no typed values", j.Field)
		}
		c.Before, c.After = Text(j.Coupa), Text(j.Feed)
	} else {
		var err error
		if c.Before, err = decodeValue(j.Field, j.Before); err != nil {
			return err
		}
		if c.After, err = decodeValue(j.Field, j.After); err != nil {
			return err
		}
		if c.Before.String() != j.Coupa || c.After.String() != j.Feed {
			return fmt.Errorf("%s: the values shown (%q → %q) are not the values applied (%q → %q)", j.Field, j.Coupa, j.Feed, c.Before.String(), c.After.String())
		}
	}
	if want := OpOf(c.Before, c.After); c.Op != want {
		return fmt.Errorf("%s: op %q, but the values say %q", j.Field, c.Op, want)
	}
	if Same(c.Field, c.Before, c.After) {
		return fmt.Errorf("%s: %q is not a change", j.Field, j.Feed)
	}
	return nil
}

type fieldValueJSON struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

func (f FieldValue) MarshalJSON() ([]byte, error) {
	v, err := f.Value.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return json.Marshal(fieldValueJSON{f.Field, v})
}

func (f *FieldValue) UnmarshalJSON(b []byte) error {
	var j fieldValueJSON
	if err := strictJSON(b, &j); err != nil {
		return err
	}
	if !ValidField(j.Field) {
		return fmt.Errorf("unknown field %q", j.Field)
	}
	v, err := decodeValue(j.Field, j.Value)
	if err != nil {
		return err
	}
	*f = FieldValue{j.Field, v}
	return nil
}

type userJSON struct {
	Key            string       `json:"key"`
	Name           string       `json:"name,omitempty"`
	Action         Action       `json:"action"`
	Selected       bool         `json:"selected"`
	Inferred       bool         `json:"inferred,omitempty"`
	Line           int          `json:"line,omitempty"`
	Changes        []Change     `json:"changes"`
	Problems       []string     `json:"problems,omitempty"`
	ProblemDetails []Problem    `json:"problem-details,omitempty"`
	Unchanged      int          `json:"unchanged-fields,omitempty"`
	Same           []FieldValue `json:"unchanged,omitempty"`
	Fingerprint    *Fingerprint `json:"fingerprint,omitempty"`
	CoupaAccount   *AccountSeen `json:"coupa-account,omitempty"`
	CCWSegments    SegmentSet   `json:"ccw-segments,omitempty"`
	CCWHeld        SegmentSet   `json:"ccw-segments-held,omitempty"`
}

// MarshalJSON writes problems twice: as the contract's lines of text and
// as typed details ({kind, line, users, message}).
func (u UserPlan) MarshalJSON() ([]byte, error) {
	j := userJSON{Key: u.Key, Name: u.Name, Action: u.Action, Selected: u.Selected, Inferred: u.Inferred, Line: u.Line,
		Changes: u.Changes, ProblemDetails: u.Problems, Unchanged: u.Unchanged, Same: u.Same, Fingerprint: u.Fingerprint,
		CoupaAccount: u.CoupaAccount, CCWSegments: u.CCWSegments, CCWHeld: u.CCWHeld}
	if j.Changes == nil {
		j.Changes = []Change{}
	}
	for _, p := range u.Problems {
		j.Problems = append(j.Problems, p.String())
	}
	return json.Marshal(j)
}

func (u *UserPlan) UnmarshalJSON(b []byte) error {
	var j userJSON
	if err := strictJSON(b, &j); err != nil {
		return err
	}
	*u = UserPlan{Key: j.Key, Name: j.Name, Action: j.Action, Selected: j.Selected, Inferred: j.Inferred, Line: j.Line,
		Changes: j.Changes, Problems: j.ProblemDetails, Unchanged: j.Unchanged, Same: j.Same, Fingerprint: j.Fingerprint,
		CoupaAccount: j.CoupaAccount, CCWSegments: j.CCWSegments, CCWHeld: j.CCWHeld}
	if len(j.Problems) != len(j.ProblemDetails) {
		return fmt.Errorf("problems and problem-details disagree")
	}
	for i, p := range j.ProblemDetails {
		if p.String() != j.Problems[i] {
			return fmt.Errorf("problem %q does not match its details (%q)", j.Problems[i], p.String())
		}
	}
	return nil
}

// ValidField reports a contract field name a plan may change.
func ValidField(f string) bool {
	if specs[f] != nil {
		return true
	}
	if strings.HasPrefix(f, "custom-fields.") && len(f) > len("custom-fields.") {
		return true
	}
	return SegmentOf(f) > 0
}

// SegmentOf is N for default-account.segment-N (1..20), else 0.
func SegmentOf(field string) int {
	const p = "default-account.segment-"
	if !strings.HasPrefix(field, p) {
		return 0
	}
	n, err := strconv.Atoi(field[len(p):])
	if err != nil || n < 1 || n > 20 || strconv.Itoa(n) != field[len(p):] {
		return 0
	}
	return n
}

// Symbol is the glyph shown for an action (never colour alone).
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Deactivate:
		return "-"
	case Reactivate:
		return "↺"
	case Error:
		return "!"
	}
	return "="
}

// Route is the way a plan is applied.
type Route string

// The routes a plan is applied by.
const (
	RouteAPI  Route = "api"  // requests to Coupa's REST API
	RouteSFTP Route = "sftp" // a file uploaded for Coupa's (or CCW's) loader
)

// ParseRoute reads a route by its name; false for anything else.
func ParseRoute(name string) (Route, bool) {
	switch r := Route(name); r {
	case RouteAPI, RouteSFTP:
		return r, true
	}
	return "", false
}

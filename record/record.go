package record

import (
	"fmt"

	"golang.org/x/text/unicode/norm"
	"sort"
	"strings"
)

// Field names, as the contract spells them (Coupa API names).
const (
	Login          = "login"
	Email          = "email"
	FirstName      = "firstname"
	LastName       = "lastname"
	MiddleName     = "middlename"
	MentionName    = "mention-name"
	PhoneWork      = "phone-work"
	EmployeeNumber = "employee-number"
	Currency       = "default-currency"
	Manager        = "manager"
	Roles          = "roles"
	Active         = "active"
	SSO            = "sso-identifier"
	AccountType    = "default-account-type"
	SecurityType   = "account-security-type"
	CCWUser        = "ccw-user" // the Contingent Workforce licence
)

// Clear is Coupa's flat-file marker meaning "clear this value".
const Clear = "--NULL--"

// MaxSegments is the number of CCW master-data segment fields.
const MaxSegments = 11

// ScalarFields lists the single-valued fields in display order.
var ScalarFields = []string{Login, Email, FirstName, LastName, MiddleName, MentionName,
	PhoneWork, EmployeeNumber, Currency, SSO, Manager}

var segmentFields = func() (f [21]string) {
	for n := range f {
		f[n] = fmt.Sprintf("default-account.segment-%d", n)
	}
	return
}()

// SegmentField is the contract name of chart segment n.
func SegmentField(n int) string {
	if n >= 1 && n <= 20 {
		return segmentFields[n]
	}
	return fmt.Sprintf("default-account.segment-%d", n)
}

// CustomField is the contract name of a custom field.
func CustomField(name string) string { return "custom-fields." + name }

// Source says where a record came from, so every problem can name a line.
type Source struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

func (s Source) String() string {
	if s.File == "" {
		return fmt.Sprintf("line %d", s.Line)
	}
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// Segment is one CCW master-data segment value as the feed carries it.
type Segment struct {
	Name string `json:"name,omitempty"`
	Code string `json:"code,omitempty"`
}

// Empty reports whether the feed said nothing about the segment.
func (s Segment) Empty() bool { return s.Name == "" && s.Code == "" }

// RoleMode says how a feed's roles relate to the user's Coupa roles.
type RoleMode int

const (
	// RolesWholeSet means the feed lists every role (Coupa Users CSV).
	RolesWholeSet RoleMode = iota
	// RolesContain means the user must hold these roles; others stay (CCW).
	RolesContain
)

// known are the contract fields, in display order (Range lists them first).
var known = []string{Login, Email, FirstName, LastName, MiddleName, MentionName, PhoneWork, EmployeeNumber,
	Currency, Manager, SSO, AccountType}

func isKnown(field string) int {
	for i, k := range known {
		if k == field {
			return i
		}
	}
	return -1
}

var segName, segCode = func() (n, c [MaxSegments + 1]string) {
	for i := 1; i <= MaxSegments; i++ {
		n[i], c[i] = fmt.Sprintf("ccw-segment-%d-name", i), fmt.Sprintf("ccw-segment-%d-code", i)
	}
	return
}()

// kv is one field's value.
type kv struct{ k, v string }

// User is the canonical user record. A field that is empty means the
// source has no opinion; the value Clear means "clear it". Every value,
// CCW segments included, lives in one small slice: 100,000 records must
// stay cheap to allocate and for the garbage collector to scan.
type User struct {
	kv       []kv
	Roles    []string `json:"roles,omitempty"` // nil: no opinion
	RoleMode RoleMode `json:"role-mode,omitempty"`
	Active   *bool    `json:"active,omitempty"` // nil: no opinion (full feed); points at True or False
	Source   Source   `json:"source"`
	// Registered says the record holds a Generic field (memberships,
	// licences, limits…): the readers set it, so the engine looks for
	// them only in the rows that have them.
	Registered bool `json:"registered,omitempty"`
}

// HasRegistered reports a record holding a Generic field.
func (u *User) HasRegistered() bool { return u.Registered }

// True and False are what Active points at (no allocation per record).
var (
	True  = func() *bool { b := true; return &b }()
	False = func() *bool { b := false; return &b }()
)

// BoolPtr is True or False.
func BoolPtr(b bool) *bool {
	if b {
		return True
	}
	return False
}

// New returns an empty record from the given source.
func New(src Source) *User { return &User{Source: src} }

// Slab hands out records in blocks: one allocation per thousand records.
type Slab struct {
	users []User
	kvs   []kv
}

// New returns an empty record from the slab, with room for n values.
func (s *Slab) New(src Source, n int) *User {
	if len(s.users) == cap(s.users) {
		s.users = make([]User, 0, 1024)
	}
	if len(s.kvs)+n > cap(s.kvs) {
		s.kvs = make([]kv, 0, max(16*1024, n))
	}
	s.users = append(s.users, User{Source: src})
	u := &s.users[len(s.users)-1]
	u.kv = s.kvs[len(s.kvs) : len(s.kvs) : len(s.kvs)+n]
	s.kvs = s.kvs[:len(s.kvs)+n]
	return u
}

// Fit gives back the room a record did not use, when it is the newest
// one: records are reserved for every column but hold only the filled ones.
func (s *Slab) Fit(u *User) {
	end := len(s.kvs)
	if end == 0 || len(u.kv) == cap(u.kv) || cap(u.kv) == 0 || &u.kv[:cap(u.kv)][cap(u.kv)-1] != &s.kvs[end-1] {
		return
	}
	spare := cap(u.kv) - len(u.kv)
	u.kv = u.kv[:len(u.kv):len(u.kv)]
	s.kvs = s.kvs[:end-spare]
}

// Get returns a field's value ("" when absent).
func (u *User) Get(field string) string {
	for i := range u.kv {
		if u.kv[i].k == field {
			return u.kv[i].v
		}
	}
	return ""
}

// Set stores a trimmed value; an empty value means "no opinion" and is not stored.
func (u *User) Set(field, value string) {
	if value = Trim(value); value != "" {
		u.Put(field, value)
	}
}

// Trim is strings.TrimSpace, returning at once a value that starts and
// ends with printable ASCII: most values, read by the hundred thousand.
func Trim(s string) string {
	if n := len(s); n > 0 && s[0] > ' ' && s[0] < 0x80 && s[n-1] > ' ' && s[n-1] < 0x80 {
		return s
	}
	return strings.TrimSpace(s)
}

// Add is Set for a field the record does not hold yet (a reader setting
// each of its fields once): no search for an earlier value.
func (u *User) Add(field, value string) {
	if value = Trim(value); value != "" {
		u.kv = append(u.kv, kv{field, value})
	}
}

// Rekey turns the entry of field old into field new with value, in place
// (no growth: the record's slab slot is kept), forgetting an earlier entry
// of new; false when old is absent. One pass over the record.
func (u *User) Rekey(old, new, value string) bool {
	oldAt, newAt := -1, -1
	for i := range u.kv {
		if k := u.kv[i].k; k == new && newAt < 0 {
			newAt = i
		} else if k == old && oldAt < 0 {
			oldAt = i
		}
	}
	if oldAt >= 0 {
		u.kv[oldAt] = kv{new, value}
	}
	if newAt >= 0 {
		u.kv = append(u.kv[:newAt], u.kv[newAt+1:]...)
	}
	return oldAt >= 0
}

// Put stores a value as given.
func (u *User) Put(field, value string) {
	for i := range u.kv {
		if u.kv[i].k == field {
			u.kv[i].v = value
			return
		}
	}
	u.kv = append(u.kv, kv{field, value})
}

// Has reports whether a field carries a value.
func (u *User) Has(field string) bool { return u.Get(field) != "" }

// Delete forgets a field.
// Keys calls fn with the name of each field the record holds.
func (u *User) Keys(fn func(field string)) {
	for i := range u.kv {
		fn(u.kv[i].k)
	}
}

func (u *User) Delete(field string) {
	for i := range u.kv {
		if u.kv[i].k == field {
			u.kv = append(u.kv[:i], u.kv[i+1:]...)
			return
		}
	}
}

// Segment is CCW segment n (1..11) as the feed carries it.
func (u *User) Segment(n int) Segment {
	if n < 1 || n > MaxSegments {
		return Segment{}
	}
	return Segment{Name: u.Get(segName[n]), Code: u.Get(segCode[n])}
}

// SetSegment stores CCW segment n (1..11).
func (u *User) SetSegment(n int, s Segment) {
	if n < 1 || n > MaxSegments {
		return
	}
	u.replace(segName[n], Trim(s.Name))
	u.replace(segCode[n], Trim(s.Code))
}

// SetSegmentPart stores the name (or the code) of CCW segment n (1..11).
func (u *User) SetSegmentPart(n int, name bool, v string) {
	if n < 1 || n > MaxSegments {
		return
	}
	if name {
		u.replace(segName[n], Trim(v))
	} else {
		u.replace(segCode[n], Trim(v))
	}
}

// replace sets a field to v, or forgets it when v is empty, in one pass.
func (u *User) replace(field, v string) {
	for i := range u.kv {
		if u.kv[i].k == field {
			if v == "" {
				u.kv = append(u.kv[:i], u.kv[i+1:]...)
			} else {
				u.kv[i].v = v
			}
			return
		}
	}
	if v != "" {
		u.kv = append(u.kv, kv{field, v})
	}
}

// isSegmentKey reports the internal keys of CCW segments.
func isSegmentKey(k string) bool { return strings.HasPrefix(k, "ccw-segment-") }

// Range calls fn for every field with a value: contract fields first, in
// contract order, then the others in sorted order (CCW segments, reached
// through Segment, are not fields).
func (u *User) Range(fn func(field, value string)) {
	for _, k := range known {
		if v := u.Get(k); v != "" {
			fn(k, v)
		}
	}
	var rest []kv
	for _, e := range u.kv {
		if e.v != "" && isKnown(e.k) < 0 && !isSegmentKey(e.k) {
			rest = append(rest, e)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].k < rest[j].k })
	for _, e := range rest {
		fn(e.k, e.v)
	}
}

// Prefixed calls fn for every field with a value whose name starts with
// prefix, in sorted order (as Range would reach them), without Range's
// look-ups of every known field.
func (u *User) Prefixed(prefix string, fn func(field, value string)) {
	var found []kv
	for _, e := range u.kv {
		if e.v != "" && strings.HasPrefix(e.k, prefix) {
			found = append(found, e)
		}
	}
	if len(found) > 1 {
		sort.Slice(found, func(i, j int) bool { return found[i].k < found[j].k })
	}
	for _, e := range found {
		fn(e.k, e.v)
	}
}

// Len counts the fields with a value.
func (u *User) Len() int {
	n := 0
	u.Range(func(string, string) { n++ })
	return n
}

// Segments reads, in one pass over the record, the chart segments it sets
// (default-account.segment-N, N 1..20, into chart) and its CCW segments
// (N 1..11, into ccw): 42 look-ups a row otherwise.
func (u *User) Segments(chart *[21]string, ccw *[MaxSegments + 1]Segment) {
	const chartPrefix, ccwPrefix = "default-account.segment-", "ccw-segment-"
	for _, e := range u.kv {
		switch {
		case strings.HasPrefix(e.k, chartPrefix):
			if n, ok := smallNumber(e.k[len(chartPrefix):]); ok && n >= 1 && n <= 20 {
				chart[n] = e.v
			}
		case strings.HasPrefix(e.k, ccwPrefix):
			rest := e.k[len(ccwPrefix):]
			dash := strings.IndexByte(rest, '-')
			if dash < 0 {
				continue
			}
			n, ok := smallNumber(rest[:dash])
			if !ok || n < 1 || n > MaxSegments {
				continue
			}
			switch rest[dash+1:] {
			case "name":
				ccw[n].Name = e.v
			case "code":
				ccw[n].Code = e.v
			}
		}
	}
}

// smallNumber reads 1 or 2 decimal digits.
func smallNumber(s string) (int, bool) {
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	switch {
	case len(s) == 1 && digit(s[0]):
		return int(s[0] - '0'), true
	case len(s) == 2 && digit(s[0]) && digit(s[1]):
		return int(s[0]-'0')*10 + int(s[1]-'0'), true
	}
	return 0, false
}

// HasSegments reports whether any CCW segment carries a value.
func (u *User) HasSegments() bool {
	for _, e := range u.kv {
		if isSegmentKey(e.k) && e.v != "" {
			return true
		}
	}
	return false
}

// Key returns the best human key for the record: login, else employee number, else email.
func (u *User) Key() string {
	for _, f := range []string{Login, EmployeeNumber, Email} {
		if v := u.Get(f); v != "" {
			return v
		}
	}
	return ""
}

// SplitList splits a comma list, trimming and dropping empty items.
func SplitList(s string) []string {
	return AppendList(nil, s)
}

// AppendList appends the items of a comma list to dst, trimmed, empty
// ones dropped, without a list in between.
func AppendList(dst []string, s string) []string {
	for {
		i := strings.IndexByte(s, ',')
		item := s
		if i >= 0 {
			item = s[:i]
		}
		if item = strings.TrimSpace(item); item != "" {
			dst = append(dst, item)
		}
		if i < 0 {
			return dst
		}
		s = s[i+1:]
	}
}

// JoinRoles renders a role set in a stable order.
func JoinRoles(roles []string) string {
	r := append([]string(nil), roles...)
	sort.Slice(r, func(i, j int) bool { return strings.ToLower(r[i]) < strings.ToLower(r[j]) })
	return strings.Join(r, ", ")
}

// ParseBool reads any accepted spelling of a boolean or user status.
func ParseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "t", "yes", "y", "active":
		return true, true
	case "0", "false", "f", "no", "n", "inactive":
		return false, true
	}
	return false, false
}

// FoldLogin is a login as logins compare: Coupa's case rule, in Unicode
// NFC, so "José" in NFD is the same login as in NFC. ASCII (most logins)
// is only lower-cased.
func FoldLogin(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.ToLower(norm.NFC.String(s))
		}
	}
	return strings.ToLower(s)
}

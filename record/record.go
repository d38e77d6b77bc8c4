// Package record holds the canonical user record that every feed reader
// produces and the reconciliation engine compares against Coupa, together
// with the field names of the outside contract (Coupa API names).
package record

import (
	"fmt"
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

// known are the contract fields every record may carry, stored inline.
var known = []string{Login, Email, FirstName, LastName, MiddleName, MentionName, PhoneWork, EmployeeNumber,
	Currency, Manager, SSO, AccountType}

// index is the slot of a contract field, or -1: a switch, because this
// runs for every field of every record.
func index(field string) int {
	switch field {
	case Login:
		return 0
	case Email:
		return 1
	case FirstName:
		return 2
	case LastName:
		return 3
	case MiddleName:
		return 4
	case MentionName:
		return 5
	case PhoneWork:
		return 6
	case EmployeeNumber:
		return 7
	case Currency:
		return 8
	case Manager:
		return 9
	case SSO:
		return 10
	case AccountType:
		return 11
	}
	return -1
}

// User is the canonical user record. A field that is empty means the
// source has no opinion; the value Clear means "clear it". Contract fields
// live in a fixed array and the rest (custom fields, chart segments,
// feed-only columns) in a map made on first use: two records per user
// at 100,000 users add up.
type User struct {
	fields   [12]string
	extra    map[string]string
	Roles    []string                 `json:"roles,omitempty"` // nil: no opinion
	RoleMode RoleMode                 `json:"role-mode,omitempty"`
	Active   *bool                    `json:"active,omitempty"` // nil: no opinion (full feed)
	Segments [MaxSegments + 1]Segment `json:"-"`                // CCW segments 1..11, index 0 unused
	Source   Source                   `json:"source"`
}

// New returns an empty record from the given source.
func New(src Source) *User { return &User{Source: src} }

// Get returns a field's value ("" when absent).
func (u *User) Get(field string) string {
	if i := index(field); i >= 0 {
		return u.fields[i]
	}
	return u.extra[field]
}

// Set stores a trimmed value; an empty value means "no opinion" and is not stored.
func (u *User) Set(field, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	u.Put(field, value)
}

// Put stores a value as given.
func (u *User) Put(field, value string) {
	if i := index(field); i >= 0 {
		u.fields[i] = value
		return
	}
	if u.extra == nil {
		u.extra = make(map[string]string, 4)
	}
	u.extra[field] = value
}

// Has reports whether a field carries a value.
func (u *User) Has(field string) bool { return u.Get(field) != "" }

// Delete forgets a field.
func (u *User) Delete(field string) {
	if i := index(field); i >= 0 {
		u.fields[i] = ""
		return
	}
	delete(u.extra, field)
}

// Range calls fn for every field with a value: contract fields first, in
// contract order, then the others in sorted order.
func (u *User) Range(fn func(field, value string)) {
	for i, v := range u.fields {
		if v != "" {
			fn(known[i], v)
		}
	}
	if len(u.extra) == 0 {
		return
	}
	keys := make([]string, 0, len(u.extra))
	for k := range u.extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fn(k, u.extra[k])
	}
}

// Len counts the fields with a value.
func (u *User) Len() int {
	n := 0
	u.Range(func(string, string) { n++ })
	return n
}

// HasSegments reports whether any CCW segment carries a value.
func (u *User) HasSegments() bool {
	for i := 1; i <= MaxSegments; i++ {
		if !u.Segments[i].Empty() {
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
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
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

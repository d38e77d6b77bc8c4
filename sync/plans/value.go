package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ccwrecon/ccwrecon/record"
)

// Kind is how a field's value is typed in a plan.
type Kind uint8

const (
	KindText  Kind = iota // logins, names, codes, references by natural key
	KindRoles             // a set of role names
	KindBool              // active, ccw-user
	KindInt               // account-security-type
	KindPhone             // Coupa's phone parts

	kindUnread Kind = 255 // the diff's placeholder for a value not read yet
)

// KindOf is the kind of a contract field.
func KindOf(field string) Kind {
	if s := specs[field]; s != nil {
		return s.Kind
	}
	return KindText // segments, custom fields
}

// Phone is Coupa's phone number, in its parts.
type Phone struct {
	CountryCode string `json:"country-code,omitempty"`
	AreaCode    string `json:"area-code,omitempty"`
	Number      string `json:"number"`
	Extension   string `json:"extension,omitempty"`
}

// String renders a phone as the Users CSV writes it: +cc area-number xext.
func (p Phone) String() string { return string(p.appendText(nil)) }

// appendText appends the phone as String writes it: "+CC AREA-NUMBER xEXT".
func (p Phone) appendText(b []byte) []byte {
	start := len(b)
	if p.CountryCode != "" {
		b = append(append(append(b, '+'), strings.TrimPrefix(p.CountryCode, "+")...), ' ')
	}
	if p.AreaCode != "" {
		b = append(append(b, p.AreaCode...), '-')
	}
	b = append(b, p.Number...)
	if p.Extension != "" {
		b = append(append(b, " x"...), p.Extension...)
	}
	return b[:start+copy(b[start:], bytes.TrimSpace(b[start:]))]
}

// digits is what phones compare by: every digit, country code and extension included.
func (p Phone) digits() string {
	return digitsOf(p.CountryCode) + digitsOf(p.AreaCode) + digitsOf(p.Number) + "x" + digitsOf(p.Extension)
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ParsePhone splits "+1 (415) 555-0102 x12" into Coupa's phone parts. A
// text without digits is not a phone.
func ParsePhone(s string) (Phone, bool) {
	ext := ""
	if i := strings.IndexAny(strings.ToLower(s), "x"); i >= 0 {
		ext = digitsOf(s[i+1:])
		s = s[:i]
	}
	var groups []string
	cur := ""
	for _, c := range s {
		if c >= '0' && c <= '9' {
			cur += string(c)
		} else if cur != "" {
			groups = append(groups, cur)
			cur = ""
		}
	}
	if cur != "" {
		groups = append(groups, cur)
	}
	if len(groups) == 0 {
		return Phone{}, false
	}
	var p Phone
	if strings.HasPrefix(strings.TrimSpace(s), "+") && len(groups) > 1 {
		p.CountryCode, groups = groups[0], groups[1:]
	}
	if len(groups) > 1 {
		p.AreaCode, groups = groups[0], groups[1:]
	}
	p.Number = strings.Join(groups, "")
	p.Extension = ext
	return p, true
}

// Value is one field's value, typed by its field. The zero value of a
// kind is "none" (Coupa holds nothing, or the feed clears it).
type Value struct {
	text string
	more *MoreValue // a role set, a phone, a number n cannot hold (nil: none, for those kinds)
	kind Kind
	set  bool // a bool or number value is present
	b    bool
	n    int32 // a number (account-security-type: 0, 1 or 2), in what would be padding
}

// moreValue holds what only role sets, phones and numbers beyond 32 bits
// need: a plan keeps a value for every field of every user that changes,
// hundreds of thousands of them, and most are texts (a Value is 32 bytes,
// not 64).
type MoreValue struct {
	roles []string // empty: no roles
	phone Phone
	n     int
}

// Text values: logins, names, codes, natural keys.
func Text(s string) Value { return Value{kind: KindText, text: s} }

// Roles is a role set.
func Roles(list []string) Value {
	return RoleSet(&MoreValue{}, sortedRoles(list))
}

// roleSet is the role set of names already in display order, held in
// more: the one place a role set is made, so an empty one is never none.
func RoleSet(more *MoreValue, sorted []string) Value {
	if sorted == nil {
		sorted = []string{}
	}
	more.roles = sorted
	return Value{kind: KindRoles, more: more}
}

// Bool values: active, ccw-user.
func Bool(b bool) Value { return Value{kind: KindBool, set: true, b: b} }

// Int values: account-security-type.
func Int(n int) Value {
	if n == int(int32(n)) {
		return Value{kind: KindInt, set: true, n: int32(n)}
	}
	return Value{kind: KindInt, set: true, more: &MoreValue{n: n}}
}

// PhoneValue is a phone number.
func PhoneValue(p Phone) Value { return Value{kind: KindPhone, more: &MoreValue{phone: p}} }

// None is the empty value of a field's kind.
func None(field string) Value { return Value{kind: KindOf(field)} }

// IsNone reports an empty value.
func (v Value) IsNone() bool {
	switch v.kind {
	case KindRoles, KindPhone:
		return v.more == nil
	case KindBool, KindInt:
		return !v.set
	}
	return v.text == ""
}

// Kind is the value's kind.
func (v Value) Kind() Kind { return v.kind }

// Text is a text value's text ("" otherwise).
func (v Value) Text() string { return v.text }

// RoleList is a role set's members, in display order.
func (v Value) RoleList() []string {
	if v.kind != KindRoles || v.more == nil {
		return nil
	}
	return v.more.roles
}

// BoolValue is a boolean value (false when none).
func (v Value) BoolValue() bool { return v.set && v.b }

// IntValue is an integer value (0 when none).
func (v Value) IntValue() int {
	switch {
	case v.kind != KindInt:
		return 0
	case v.more != nil:
		return v.more.n
	}
	return int(v.n)
}

// PhoneParts is a phone value's parts.
func (v Value) PhoneParts() (Phone, bool) {
	if v.kind != KindPhone || v.more == nil {
		return Phone{}, false
	}
	return v.more.phone, true
}

// String renders a value for people ("" when none).
func (v Value) String() string {
	switch v.kind {
	case KindRoles:
		return strings.Join(v.RoleList(), ", ")
	case KindBool:
		if !v.set {
			return ""
		}
		return strconv.FormatBool(v.b)
	case KindInt:
		if !v.set {
			return ""
		}
		return strconv.Itoa(v.IntValue())
	case KindPhone:
		if v.more == nil {
			return ""
		}
		return v.more.phone.String()
	}
	return v.text
}

// sortedRoles copies a role list into display order: case-insensitive,
// stable. Lists are short, so an insertion sort on a fold comparison
// beats allocating lower-cased copies.
func sortedRoles(list []string) []string {
	r := append([]string(nil), list...)
	sortFold(r)
	return r
}

// sortFold puts role names in display order, in place.
func sortFold(r []string) {
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && lessFold(r[j], r[j-1]); j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
}

// lessFold orders strings as strings.ToLower(a) < strings.ToLower(b) does,
// without allocating.
func lessFold(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra < utf8.RuneSelf && 'A' <= ra && ra <= 'Z' {
			ra += 'a' - 'A'
		} else if ra >= utf8.RuneSelf {
			ra = unicode.ToLower(ra)
		}
		if rb < utf8.RuneSelf && 'A' <= rb && rb <= 'Z' {
			rb += 'a' - 'A'
		} else if rb >= utf8.RuneSelf {
			rb = unicode.ToLower(rb)
		}
		if ra != rb {
			return ra < rb
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b != ""
}

// ParseValue reads a feed's text for a field. ok is false when the text
// is not a value of the field (a phone without digits, a status nobody
// understands).
func ParseValue(field, s string) (Value, bool) {
	spec := specs[field]
	if spec != nil && spec.Normalize != nil {
		var ok bool
		if s, ok = spec.Normalize(s); !ok {
			return None(field), false
		}
	}
	v, ok := parseKind(field, s)
	if ok && spec != nil && spec.Check != nil && !v.IsNone() && spec.Check(v) != "" {
		return v, false
	}
	return v, ok
}

func parseKind(field, s string) (Value, bool) {
	switch KindOf(field) {
	case KindRoles:
		return Roles(record.SplitList(s)), true
	case KindBool:
		b, ok := record.ParseBool(s)
		return Bool(b), ok
	case KindInt:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		return Int(n), err == nil
	case KindPhone:
		p, ok := ParsePhone(s)
		return PhoneValue(p), ok
	}
	return Text(s), true
}

// Same is the comparison the diff, the stale check and the read-back
// verification share: emails, logins, supervisors, currencies and charts
// compare case-insensitively; phones by their digits; role sets as sets,
// case-insensitively; names and codes exactly.
func Same(field string, a, b Value) bool {
	if a.IsNone() || b.IsNone() {
		return a.IsNone() && b.IsNone()
	}
	switch a.kind {
	case KindRoles:
		ar, br := a.RoleList(), b.RoleList()
		if len(ar) != len(br) {
			return false
		}
		for _, r := range br {
			if !ContainsFold(ar, r) {
				return false
			}
		}
		return true
	case KindBool:
		return a.b == b.b
	case KindInt:
		return a.IntValue() == b.IntValue()
	case KindPhone:
		return a.more.phone.digits() == b.more.phone.digits()
	}
	if FoldsCase(field) {
		return strings.EqualFold(a.text, b.text)
	}
	return a.text == b.text
}

// foldsCase reports whether a text field compares case-insensitively.
func FoldsCase(field string) bool {
	s := specs[field]
	return s != nil && s.FoldCase
}

// MarshalJSON writes the value natively: a string, a list, a bool, a
// number or a phone object; none is null.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.IsNone() {
		return []byte("null"), nil
	}
	switch v.kind {
	case KindRoles:
		return json.Marshal(v.RoleList())
	case KindBool:
		return json.Marshal(v.b)
	case KindInt:
		return json.Marshal(v.IntValue())
	case KindPhone:
		return json.Marshal(&v.more.phone)
	}
	return json.Marshal(v.text)
}

// decodeValue reads a value of the given field strictly: "0" is not a
// boolean, "1" is not a role list.
func decodeValue(field string, raw json.RawMessage) (Value, error) {
	v := None(field)
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return v, nil
	}
	var err error
	switch v.kind {
	case KindRoles:
		var l []string
		if err = strictJSON(raw, &l); err == nil {
			for _, r := range l {
				if strings.TrimSpace(r) == "" {
					return v, fmt.Errorf("%s: empty role name", field)
				}
			}
			v = Roles(l)
		}
	case KindBool:
		var b bool
		if err = strictJSON(raw, &b); err == nil {
			v = Bool(b)
		}
	case KindInt:
		var n int
		if err = strictJSON(raw, &n); err == nil {
			v = Int(n)
		}
	case KindPhone:
		var p Phone
		if err = strictJSON(raw, &p); err == nil {
			if digitsOf(p.Number) == "" {
				return v, fmt.Errorf("%s: a phone needs a number", field)
			}
			v = PhoneValue(p)
		}
	default:
		var s string
		if err = strictJSON(raw, &s); err == nil {
			v = Text(s)
		}
	}
	if err != nil {
		return v, fmt.Errorf("%s: %s is not a valid %s value", field, raw, KindName(v.kind))
	}
	if s := specs[field]; s != nil && s.Check != nil && !v.IsNone() {
		if why := s.Check(v); why != "" {
			return v, fmt.Errorf("%s %s", field, why)
		}
	}
	return v, nil
}

func KindName(k Kind) string {
	return [...]string{"text", "role list", "true/false", "whole number", "phone"}[k]
}

func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// containsFold reports whether list holds s, case-insensitively.
func ContainsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func Quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return strconv.Quote(s)
}

// Unread stands for a Coupa value the diff has not read yet: a field that
// matches is read only if the row turns out to change.
var Unread = Value{kind: kindUnread}

// IsUnread reports the Unread stand-in.
func (v Value) IsUnread() bool { return v.kind == kindUnread }

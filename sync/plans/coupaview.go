package plans

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/internal/arena"
	"github.com/ccwrecon/ccwrecon/record"
)

// compared lists the fields of a Coupa user the engine reads, in the
// order fingerprints hash them; segments and custom fields follow.
var Compared = []string{record.Login, record.Email, record.FirstName, record.LastName, record.MiddleName,
	record.MentionName, record.PhoneWork, record.EmployeeNumber, record.Currency, record.SSO, record.Manager,
	record.AccountType, record.SecurityType, record.Roles, record.Active, record.CCWUser}

// coupaField reads one field of a Coupa user as a typed value.
type coupaField func(u *coupa.User) Value

// coupaText reads the text fields of a Coupa user.
var CoupaText = map[string]func(u *coupa.User) string{
	record.Login:          func(u *coupa.User) string { return u.Login },
	record.Email:          func(u *coupa.User) string { return u.Email },
	record.FirstName:      func(u *coupa.User) string { return u.Firstname },
	record.LastName:       func(u *coupa.User) string { return u.Lastname },
	record.MiddleName:     func(u *coupa.User) string { return u.Middlename },
	record.MentionName:    func(u *coupa.User) string { return u.MentionName },
	record.EmployeeNumber: func(u *coupa.User) string { return u.EmployeeNumber },
	record.SSO:            func(u *coupa.User) string { return u.SSOIdentifier },
	record.Currency: func(u *coupa.User) string {
		if u.DefaultCurrency != nil {
			return u.DefaultCurrency.Code
		}
		return ""
	},
	record.Manager: func(u *coupa.User) string {
		if u.Manager != nil {
			return u.Manager.Login
		}
		return ""
	},
	record.AccountType: func(u *coupa.User) string {
		if u.DefaultAccountType != nil {
			return u.DefaultAccountType.Name
		}
		return ""
	},
}

// coupaPhone is a Coupa user's work phone, if it has one.
func coupaPhone(u *coupa.User) (Phone, bool) {
	if p := u.PhoneWork; p != nil && (p.Number != "" || p.AreaCode != "" || p.CountryCode != "") {
		return Phone{CountryCode: p.CountryCode, AreaCode: p.AreaCode, Number: p.Number, Extension: p.Extension}, true
	}
	return Phone{}, false
}

// coupaFields are the readers of the fields a Coupa user has by name:
// looked up once per field list (see accessors), not per value.
var coupaFields = func() map[string]coupaField {
	m := make(map[string]coupaField, len(Registry))
	for i := range Registry {
		m[Registry[i].Name] = Registry[i].Read
	}
	return m
}()

// accessors are the readers of a list of fields, in its order.
func Accessors(fields []string) []coupaField {
	out := make([]coupaField, len(fields))
	for i, f := range fields {
		out[i] = coupaFields[f]
	}
	return out
}

var ComparedAccess = Accessors(Compared)

// comparedPrefix is "field=" for each compared field, and comparedText
// reads its text fields as strings: fingerprints write them without
// making a Value of each.
var comparedPrefix, comparedText = func() ([]string, []func(u *coupa.User) string) {
	prefix, read := make([]string, len(Compared)), make([]func(u *coupa.User) string, len(Compared))
	for i, f := range Compared {
		prefix[i], read[i] = f+"=", CoupaText[f]
	}
	return prefix, read
}()

// CoupaValue reads one field of a Coupa user as a typed value.
func CoupaValue(u *coupa.User, field string) Value {
	if read, ok := coupaFields[field]; ok {
		return read(u)
	}
	if n := SegmentOf(field); n > 0 {
		if u.DefaultAccount != nil {
			return Text(u.DefaultAccount.Segments[n])
		}
		return Text("")
	}
	if name, ok := strings.CutPrefix(field, "custom-fields."); ok {
		if v, ok := u.CustomFields[name]; ok && v != nil {
			return Text(customString(v))
		}
		return Text("")
	}
	return None(field)
}

// FingerprintOf identifies the state of a Coupa user: its id, updated-at
// and a hash of every field the engine reads or writes.
func FingerprintOf(u *coupa.User) *Fingerprint {
	fp := new(Fingerprint)
	FillFingerprint(fp, u, nil)
	return fp
}

// fingerprint is FingerprintOf into fp, its hash's text written into
// text when given (the diff's per-worker blocks: no allocation per user).
func FillFingerprint(fp *Fingerprint, u *coupa.User, text *arena.Text) {
	var stack [1024]byte
	buf := stack[:0]
	put := func(k string, v Value) {
		buf = append(buf, k...)
		buf = append(buf, '=')
		buf = append(AppendValueText(buf, v), '\n')
	}
	for i, f := range Compared {
		buf = append(buf, comparedPrefix[i]...)
		switch {
		case f == record.Roles: // the names in display order, without building the set
			buf = AppendRoleNames(buf, u.Roles)
		case comparedText[i] != nil:
			buf = append(buf, comparedText[i](u)...)
		case f == record.PhoneWork: // written without making the phone a Value
			if p, ok := coupaPhone(u); ok {
				buf = p.appendText(buf)
			}
		default:
			buf = AppendValueText(buf, ComparedAccess[i](u))
		}
		buf = append(buf, '\n')
	}
	if u.DefaultAccount != nil && len(u.DefaultAccount.Segments) > 0 {
		codes := ChartCodes(u) // segments 1..20 in order
		for n, code := range codes {
			if code != "" {
				put(record.SegmentField(n), Text(code))
			}
		}
	}
	if len(u.CustomFields) > 0 {
		keys := make([]string, 0, len(u.CustomFields))
		for k := range u.CustomFields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			put(record.CustomField(k), CoupaValue(u, record.CustomField(k)))
		}
	}
	sum := sha256.Sum256(buf)
	*fp = Fingerprint{ID: u.ID, UpdatedAt: u.UpdatedAt}
	if text == nil {
		fp.Hash = hex.EncodeToString(sum[:8])
		return
	}
	fp.Hash = text.End(hex.AppendEncode(text.Begin(16), sum[:8]))
}

// chartCodes are a Coupa user's default-account segment codes by number,
// 1 to 20: read in one pass over the few its map holds, rather than a
// look-up for each number.
func ChartCodes(u *coupa.User) (codes [21]string) {
	if u.DefaultAccount != nil {
		for n, code := range u.DefaultAccount.Segments {
			if n >= 1 && n < len(codes) {
				codes[n] = code
			}
		}
	}
	return codes
}

// appendValueText appends v.String() to b.
func AppendValueText(b []byte, v Value) []byte {
	switch v.kind {
	case KindText:
		return append(b, v.text...)
	case KindBool:
		if v.set {
			return strconv.AppendBool(b, v.b)
		}
		return b
	case KindInt:
		if v.set {
			return strconv.AppendInt(b, int64(v.IntValue()), 10)
		}
		return b
	}
	return append(b, v.String()...)
}

// appendRoleNames appends a user's role names as its role set's String
// reads them: in display order, joined by ", ".
func AppendRoleNames(b []byte, roles []coupa.Role) []byte {
	var held [16]string
	for i, n := range SortedRoleNames(roles, held[:0]) {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, n...)
	}
	return b
}

// sortedRoleNames appends a user's role names to buf in display order
// (sortFold): the fingerprint, CoupaValue and the diff's kept role sets
// read them so.
func SortedRoleNames(roles []coupa.Role, buf []string) []string {
	for i := range roles {
		buf = append(buf, roles[i].Name)
	}
	sortFold(buf)
	return buf
}

// coupaRecord turns a Coupa user into the canonical record (the
// deactivation scope filter reads it like a feed row).
func CoupaRecord(u *coupa.User) *record.User {
	r := record.New(record.Source{})
	for _, f := range Compared {
		switch KindOf(f) {
		case KindText, KindPhone, KindInt:
			r.Set(f, CoupaValue(u, f).String())
		}
	}
	for k, v := range u.CustomFields {
		if v != nil {
			r.Set(record.CustomField(k), customString(v))
		}
	}
	r.Active = record.BoolPtr(u.Active)
	r.Roles = u.RoleNames()
	return r
}

func customString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case map[string]any: // a lookup-backed custom field
		for _, k := range []string{"name", "code", "external-ref-num"} {
			if s, ok := t[k].(string); ok {
				return s
			}
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// displayName is "First Last" when known.
func DisplayName(first, last string) string {
	return strings.TrimSpace(first + " " + last)
}

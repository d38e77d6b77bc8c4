package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
)

// compared lists the fields of a Coupa user the engine reads, in the
// order fingerprints hash them; segments and custom fields follow.
var compared = []string{record.Login, record.Email, record.FirstName, record.LastName, record.MiddleName,
	record.MentionName, record.PhoneWork, record.EmployeeNumber, record.Currency, record.SSO, record.Manager,
	record.AccountType, record.SecurityType, record.Roles, record.Active, record.CCWUser}

// CoupaValue reads one field of a Coupa user as a typed value.
func CoupaValue(u *coupa.User, field string) Value {
	switch field {
	case record.Login:
		return Text(u.Login)
	case record.Email:
		return Text(u.Email)
	case record.FirstName:
		return Text(u.Firstname)
	case record.LastName:
		return Text(u.Lastname)
	case record.MiddleName:
		return Text(u.Middlename)
	case record.MentionName:
		return Text(u.MentionName)
	case record.EmployeeNumber:
		return Text(u.EmployeeNumber)
	case record.SSO:
		return Text(u.SSOIdentifier)
	case record.PhoneWork:
		if p := u.PhoneWork; p != nil && (p.Number != "" || p.AreaCode != "" || p.CountryCode != "") {
			return PhoneValue(Phone{CountryCode: p.CountryCode, AreaCode: p.AreaCode, Number: p.Number, Extension: p.Extension})
		}
		return None(field)
	case record.Currency:
		if u.DefaultCurrency != nil {
			return Text(u.DefaultCurrency.Code)
		}
		return Text("")
	case record.Manager:
		if u.Manager != nil {
			return Text(u.Manager.Login)
		}
		return Text("")
	case record.AccountType:
		if u.DefaultAccountType != nil {
			return Text(u.DefaultAccountType.Name)
		}
		return Text("")
	case record.SecurityType:
		return Int(u.AccountSecurityType)
	case record.Roles:
		return Roles(u.RoleNames())
	case record.Active:
		return Bool(u.Active)
	case record.CCWUser:
		return Bool(u.CCWUser)
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
	var stack [1024]byte
	buf := stack[:0]
	put := func(k string, v Value) {
		buf = append(buf, k...)
		buf = append(buf, '=')
		if v.kind == KindText {
			buf = append(buf, v.text...)
		} else {
			buf = append(buf, v.String()...)
		}
		buf = append(buf, '\n')
	}
	for _, f := range compared {
		put(f, CoupaValue(u, f))
	}
	if u.DefaultAccount != nil {
		for n := 1; n <= 20; n++ {
			if v := u.DefaultAccount.Segments[n]; v != "" {
				put(record.SegmentField(n), Text(v))
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
	return &Fingerprint{ID: u.ID, UpdatedAt: u.UpdatedAt, Hash: hex.EncodeToString(sum[:8])}
}

// coupaRecord turns a Coupa user into the canonical record (the
// deactivation scope filter reads it like a feed row).
func coupaRecord(u *coupa.User) *record.User {
	r := record.New(record.Source{})
	for _, f := range compared {
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
func displayName(first, last string) string {
	return strings.TrimSpace(first + " " + last)
}

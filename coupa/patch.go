package coupa

import (
	"encoding/json"
	"strconv"
)

// UserPatch is a typed user write (a create or a partial update): only
// the fields that are set are sent, and the fields named in Clear are sent
// as null.
type UserPatch struct {
	Login, Email, Firstname, Lastname, Middlename *string
	EmployeeNumber, MentionName, SSOIdentifier    *string
	Active, CCWUser                               *bool
	AccountSecurityType                           *int
	DefaultCurrency, DefaultAccountType, Manager  *Ref
	PhoneWork                                     *Phone
	Roles                                         *[]Ref // empty: clear every role
	DefaultAccount                                *AccountPatch
	CustomFields                                  map[string]string
	// Attrs are further attributes by API name, each already in Coupa's
	// JSON shape (the field registry writes them).
	Attrs map[string]any
	Clear []string // API field names sent as null
}

// AccountPatch is a default account given by its whole code: the chart and
// every segment (Coupa takes only full codes).
type AccountPatch struct {
	AccountType *Ref
	Segments    map[int]string
}

// MarshalJSON writes the patch as Coupa's JSON body (hyphenated keys).
func (p UserPatch) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	str := map[string]*string{"login": p.Login, "email": p.Email, "firstname": p.Firstname, "lastname": p.Lastname,
		"middlename": p.Middlename, "employee-number": p.EmployeeNumber, "mention-name": p.MentionName, "sso-identifier": p.SSOIdentifier}
	for k, v := range str {
		if v != nil {
			m[k] = *v
		}
	}
	if p.Active != nil {
		m["active"] = *p.Active
	}
	if p.CCWUser != nil {
		m["ccw-user"] = *p.CCWUser
	}
	if p.AccountSecurityType != nil {
		m["account-security-type"] = *p.AccountSecurityType
	}
	for k, v := range map[string]*Ref{"default-currency": p.DefaultCurrency, "default-account-type": p.DefaultAccountType, "manager": p.Manager} {
		if v != nil {
			m[k] = v
		}
	}
	if p.PhoneWork != nil {
		m["phone-work"] = p.PhoneWork
	}
	if p.Roles != nil {
		roles := *p.Roles
		if roles == nil {
			roles = []Ref{}
		}
		m["roles"] = roles
	}
	if a := p.DefaultAccount; a != nil {
		acc := map[string]any{}
		if a.AccountType != nil {
			acc["account-type"] = a.AccountType
		}
		for n, v := range a.Segments {
			acc["segment-"+strconv.Itoa(n)] = v
		}
		m["default-account"] = acc
	}
	if len(p.CustomFields) > 0 {
		cf := map[string]any{}
		for k, v := range p.CustomFields {
			cf[k] = v
		}
		m["custom-fields"] = cf
	}
	for k, v := range p.Attrs {
		m[k] = v
	}
	for _, k := range p.Clear {
		if name, ok := cutPrefix(k, "custom-fields."); ok {
			cf, _ := m["custom-fields"].(map[string]any)
			if cf == nil {
				cf = map[string]any{}
				m["custom-fields"] = cf
			}
			cf[name] = nil
			continue
		}
		m[k] = nil
	}
	return json.Marshal(m)
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

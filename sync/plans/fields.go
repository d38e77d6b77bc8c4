package plans

import (
	"fmt"
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
)

// FieldSpec is everything the engine knows of one field: how its value is
// typed and compared, how Coupa's value is read, how a change is written
// into a request, whether removals are Coupa's clear-then-set, which
// catalogue names it takes, what makes a value valid, and what it is. The
// files' side (columns, shapes) is record.FileFields; a test holds the two
// tables to the same fields. Segments and custom fields are patterned
// (default-account.segment-N, custom-fields.NAME), not listed.
type FieldSpec struct {
	Name string
	Kind Kind
	// FoldCase: texts compare case-insensitively (logins, codes).
	FoldCase bool
	// Read is what Coupa holds.
	Read func(u *coupa.User) Value
	// Write puts a value into a request body (none: cleared).
	Write func(p *coupa.UserPatch, v Value)
	// ClearThenSet: removing members is Coupa's two requests (clear, then
	// set the wanted list), journalled and finished as one unit.
	ClearThenSet bool
	// Catalogue names the list of Coupa a set's names must exist in.
	Catalogue string
	// Check refuses a value Coupa would not take ("" when valid).
	Check func(v Value) string
	// Normalize brings a feed's text to Coupa's spelling of the value.
	Normalize func(s string) (string, bool)
	// Explain says what the field is (the README's field table).
	Explain string
}

// Catalogues a set field's names are checked against.
const (
	CatalogueRoles         = "roles"
	CatalogueUserGroups    = "user groups"
	CatalogueContentGroups = "content groups"
	CatalogueAccountGroups = "account groups"
)

func textField(name string, read func(u *coupa.User) string, write func(p *coupa.UserPatch, s *string), explain string) FieldSpec {
	return FieldSpec{Name: name, Kind: KindText, Explain: explain,
		Read: func(u *coupa.User) Value { return Text(read(u)) },
		Write: func(p *coupa.UserPatch, v Value) {
			s := v.Text()
			write(p, &s)
		}}
}

func refField(name, key string, read func(u *coupa.User) string, write func(p *coupa.UserPatch, r *coupa.Ref), explain string) FieldSpec {
	return FieldSpec{Name: name, Kind: KindText, FoldCase: true, Explain: explain,
		Read: func(u *coupa.User) Value { return Text(read(u)) },
		Write: func(p *coupa.UserPatch, v Value) {
			r := &coupa.Ref{}
			switch key {
			case "code":
				r.Code = v.Text()
			case "login":
				r.Login = v.Text()
			default:
				r.Name = v.Text()
			}
			write(p, r)
		}}
}

// attr writes a value under its API name.
func attr(p *coupa.UserPatch, name string, v any) {
	if p.Attrs == nil {
		p.Attrs = map[string]any{}
	}
	p.Attrs[name] = v
}

func licenceField(name, explain string) FieldSpec {
	return FieldSpec{Name: name, Kind: KindBool, Explain: explain,
		Read:  func(u *coupa.User) Value { return Bool(*u.Licence(name)) },
		Write: func(p *coupa.UserPatch, v Value) { attr(p, name, v.BoolValue()) }}
}

func membershipField(name, catalogue, explain string) FieldSpec {
	return FieldSpec{Name: name, Kind: KindRoles, ClearThenSet: true, Catalogue: catalogue, Explain: explain,
		Read: func(u *coupa.User) Value {
			refs := *u.Groups(name)
			if len(refs) == 0 {
				return Value{kind: KindRoles} // no groups is none (a role set is never empty)
			}
			names := make([]string, 0, len(refs))
			for _, r := range refs {
				names = append(names, r.Name)
			}
			return Roles(names)
		},
		Write: func(p *coupa.UserPatch, v Value) {
			refs := []map[string]string{}
			for _, n := range v.RoleList() {
				refs = append(refs, map[string]string{"name": n})
			}
			attr(p, name, refs)
		}}
}

func limitField(name, explain string) FieldSpec {
	return FieldSpec{Name: name, Kind: KindText, FoldCase: true, Explain: explain,
		Read: func(u *coupa.User) Value {
			l := *u.Limit(name)
			if l == nil || l.Amount == "" {
				return Text("")
			}
			cur := ""
			if l.Currency != nil {
				cur = l.Currency.Code
			}
			s, _ := NormalizeMoney(l.Amount + " " + cur)
			return Text(s)
		},
		Write: func(p *coupa.UserPatch, v Value) {
			amount, cur, _ := strings.Cut(v.Text(), " ")
			attr(p, name, map[string]any{"amount": amount, "currency": map[string]string{"code": cur}})
		},
		Normalize: NormalizeMoney}
}

// NormalizeMoney reads an approval limit ("1000 usd") as Coupa's Users
// CSV writes it ("1000.00 USD").
var NormalizeMoney = record.NormalizeMoney

func intIn(lo, hi int) func(v Value) string {
	return func(v Value) string {
		if n := v.IntValue(); n < lo || n > hi {
			return fmt.Sprintf("must be from %d to %d, not %d", lo, hi, n)
		}
		return ""
	}
}

// Registry lists every field, the 16 of the first rounds first.
var Registry = []FieldSpec{
	textField(record.Login, func(u *coupa.User) string { return u.Login }, func(p *coupa.UserPatch, s *string) { p.Login = s },
		"the user's identity (CCW User ID): a change of an existing user's login is shown, not selected, unless --allow-login-change"),
	textField(record.Email, func(u *coupa.User) string { return u.Email }, func(p *coupa.UserPatch, s *string) { p.Email = s }, "e-mail address (unique in Coupa)"),
	textField(record.FirstName, func(u *coupa.User) string { return u.Firstname }, func(p *coupa.UserPatch, s *string) { p.Firstname = s }, "first name"),
	textField(record.LastName, func(u *coupa.User) string { return u.Lastname }, func(p *coupa.UserPatch, s *string) { p.Lastname = s }, "last name"),
	textField(record.MiddleName, func(u *coupa.User) string { return u.Middlename }, func(p *coupa.UserPatch, s *string) { p.Middlename = s }, "middle name"),
	textField(record.MentionName, func(u *coupa.User) string { return u.MentionName }, func(p *coupa.UserPatch, s *string) { p.MentionName = s }, "@mention name (CCW Nick Name)"),
	{Name: record.PhoneWork, Kind: KindPhone, Explain: "work phone, compared by its digits",
		Read: func(u *coupa.User) Value {
			if p, ok := coupaPhone(u); ok {
				return PhoneValue(p)
			}
			return Value{kind: KindPhone} // none
		},
		Write: func(p *coupa.UserPatch, v Value) {
			ph, _ := v.PhoneParts()
			p.PhoneWork = &coupa.Phone{CountryCode: ph.CountryCode, AreaCode: ph.AreaCode, Number: ph.Number, Extension: ph.Extension}
		}},
	textField(record.EmployeeNumber, func(u *coupa.User) string { return u.EmployeeNumber }, func(p *coupa.UserPatch, s *string) { p.EmployeeNumber = s },
		"the HR key (unique); a change by file needs the row's Coupa Id"),
	refField(record.Currency, "code", func(u *coupa.User) string {
		if u.DefaultCurrency != nil {
			return u.DefaultCurrency.Code
		}
		return ""
	}, func(p *coupa.UserPatch, r *coupa.Ref) { p.DefaultCurrency = r }, "default currency (ISO code)"),
	textField(record.SSO, func(u *coupa.User) string { return u.SSOIdentifier }, func(p *coupa.UserPatch, s *string) { p.SSOIdentifier = s }, "SSO identifier (SAML NameID)"),
	refField(record.Manager, "login", func(u *coupa.User) string {
		if u.Manager != nil {
			return u.Manager.Login
		}
		return ""
	}, func(p *coupa.UserPatch, r *coupa.Ref) { p.Manager = r }, "supervisor's login (Users CSV Approver Login)"),
	refField(record.AccountType, "name", func(u *coupa.User) string {
		if u.DefaultAccountType != nil {
			return u.DefaultAccountType.Name
		}
		return ""
	}, func(p *coupa.UserPatch, r *coupa.Ref) { p.DefaultAccountType = r }, "default chart of accounts"),
	{Name: record.SecurityType, Kind: KindInt, Check: intIn(0, 2), Explain: "derived: 2 with a default chart and account groups, 1 with a chart and none",
		Read: func(u *coupa.User) Value { return Int(u.AccountSecurityType) },
		Write: func(p *coupa.UserPatch, v Value) {
			n := v.IntValue()
			p.AccountSecurityType = &n
		}},
	{Name: record.Roles, Kind: KindRoles, ClearThenSet: true, Catalogue: CatalogueRoles, Explain: "the user's roles, as a set (a CCW role on an existing user is informational)",
		Read: func(u *coupa.User) Value {
			return RoleSet(&MoreValue{}, SortedRoleNames(u.Roles, make([]string, 0, len(u.Roles))))
		},
		Write: func(p *coupa.UserPatch, v Value) { p.Roles = roleRefs(v.RoleList()) }},
	{Name: record.Active, Kind: KindBool, Explain: "active or inactive (Coupa never deletes users)",
		Read: func(u *coupa.User) Value { return Bool(u.Active) },
		Write: func(p *coupa.UserPatch, v Value) {
			b := v.BoolValue()
			p.Active = &b
		}},
	{Name: record.CCWUser, Kind: KindBool, Explain: "Contingent Workforce licence (a CCW feed grants it)",
		Read: func(u *coupa.User) Value { return Bool(u.CCWUser) },
		Write: func(p *coupa.UserPatch, v Value) {
			b := v.BoolValue()
			p.CCWUser = &b
		}},
	// memberships: whole sets, removals clear-then-set
	membershipField(record.UserGroups, CatalogueUserGroups, "user groups (GET /api/user_groups), the whole set"),
	membershipField(record.ContentGroups, CatalogueContentGroups, "content groups (GET /api/business_groups), the whole set"),
	membershipField(record.AccountGroups, CatalogueAccountGroups, "account groups (GET /api/account_groups), the whole set; drives account-security-type"),
	membershipField(record.ApprovalGroups, CatalogueUserGroups, "approval groups (user groups that approve), the whole set"),
	// licences
	licenceField(record.PurchasingUser, "Purchasing licence"),
	licenceField(record.ExpenseUser, "Expense licence"),
	licenceField(record.SourcingUser, "Sourcing licence"),
	licenceField(record.InventoryUser, "Inventory licence"),
	licenceField(record.ContractsUser, "Contracts licence"),
	licenceField(record.AnalyticsUser, "Analytics licence"),
	// approval limits
	limitField("requisition-approval-limit", "requisition approval limit, \"1000.00 USD\""),
	limitField("expense-approval-limit", "expense approval limit"),
	limitField("invoice-approval-limit", "invoice approval limit"),
	limitField("contract-approval-limit", "contract approval limit"),
	limitField("requisition-self-approval-limit", "requisition self-approval limit"),
	limitField("expense-self-approval-limit", "expense self-approval limit"),
	limitField("invoice-self-approval-limit", "invoice self-approval limit"),
	limitField("contract-self-approval-limit", "contract self-approval limit"),
	{Name: record.DefaultLocale, Kind: KindText, FoldCase: true, Explain: "default locale (en, en-GB, …; at most 10 characters)",
		Read:  func(u *coupa.User) Value { return Text(u.DefaultLocale) },
		Write: func(p *coupa.UserPatch, v Value) { attr(p, record.DefaultLocale, v.Text()) },
		Check: func(v Value) string {
			if len(v.Text()) > 10 {
				return "is longer than 10 characters"
			}
			return ""
		}},
	{Name: record.AuthenticationMethod, Kind: KindText, Explain: "coupa_credentials, ldap or saml",
		Read:  func(u *coupa.User) Value { return Text(u.AuthenticationMethod) },
		Write: func(p *coupa.UserPatch, v Value) { attr(p, record.AuthenticationMethod, v.Text()) },
		Normalize: func(s string) (string, bool) {
			l := strings.ToLower(strings.TrimSpace(s))
			return l, l == "coupa_credentials" || l == "ldap" || l == "saml"
		}},
	{Name: record.BusinessGroupSecurityType, Kind: KindInt, Check: intIn(0, 1), Explain: "content-group restriction: 0 none, 1 basic plus the user's content groups",
		Read:  func(u *coupa.User) Value { return Int(u.BusinessGroupSecurityType) },
		Write: func(p *coupa.UserPatch, v Value) { attr(p, record.BusinessGroupSecurityType, v.IntValue()) }},
	{Name: record.DefaultAddress, Kind: KindText, FoldCase: true, Explain: "default address, by its location code",
		Read: func(u *coupa.User) Value {
			if u.DefaultAddress != nil {
				return Text(u.DefaultAddress.LocationCode)
			}
			return Text("")
		},
		Write: func(p *coupa.UserPatch, v Value) {
			attr(p, record.DefaultAddress, map[string]string{"location-code": v.Text()})
		}},
}

// specs indexes the registry by name.
var specs = func() map[string]*FieldSpec {
	m := make(map[string]*FieldSpec, len(Registry))
	for i := range Registry {
		m[Registry[i].Name] = &Registry[i]
	}
	return m
}()

// Spec is a listed field's description (nil for segments, custom fields
// and unknown names).
func Spec(name string) *FieldSpec { return specs[name] }

func roleRefs(names []string) *[]coupa.Ref {
	refs := make([]coupa.Ref, 0, len(names))
	for _, r := range names {
		refs = append(refs, coupa.Ref{Name: r})
	}
	return &refs
}

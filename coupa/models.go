package coupa

import (
	"encoding/json"
	"strings"
)

// Ref is a reference to another Coupa object, by id or by natural key.
type Ref struct {
	ID    int    `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Login string `json:"login,omitempty"`
	Code  string `json:"code,omitempty"`
}

// Currency is a Coupa currency.
type Currency struct {
	ID      int    `json:"id,omitempty"`
	Code    string `json:"code"`
	Name    string `json:"name,omitempty"`
	Enabled *bool  `json:"enabled,omitempty"`
}

// Role is a Coupa role as embedded in users (there is no roles endpoint).
type Role struct {
	ID          int    `json:"id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Omnipotent  bool   `json:"omnipotent,omitempty"`
	SystemRole  bool   `json:"system-role,omitempty"`
}

// Phone is Coupa's PhoneNumber object.
type Phone struct {
	ID          int    `json:"id,omitempty"`
	CountryCode string `json:"country-code,omitempty"`
	AreaCode    string `json:"area-code,omitempty"`
	Number      string `json:"number,omitempty"`
	Extension   string `json:"extension,omitempty"`
}

// String renders a phone the way the Users CSV writes it: +cc area-number xext.
func (p *Phone) String() string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	if p.CountryCode != "" {
		b.WriteString("+" + strings.TrimPrefix(p.CountryCode, "+") + " ")
	}
	if p.AreaCode != "" {
		b.WriteString(p.AreaCode + "-")
	}
	b.WriteString(p.Number)
	if p.Extension != "" {
		b.WriteString(" x" + p.Extension)
	}
	return strings.TrimSpace(b.String())
}

// Account is a Coupa account (a default account carries segments).
type Account struct {
	ID          int            `json:"id,omitempty"`
	Name        string         `json:"name,omitempty"`
	Code        string         `json:"code,omitempty"`
	Active      *bool          `json:"active,omitempty"`
	AccountType *Ref           `json:"account-type,omitempty"`
	Segments    map[int]string `json:"-"`
}

// UnmarshalJSON collects segment-N keys into Segments.
func (a *Account) UnmarshalJSON(b []byte) error {
	type plain Account
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*a = Account(p)
	for k, v := range m {
		n, ok := segmentIndex(k)
		if !ok {
			continue
		}
		var s *string
		if json.Unmarshal(v, &s) == nil && s != nil && *s != "" {
			if a.Segments == nil {
				a.Segments = map[int]string{}
			}
			a.Segments[n] = *s
		}
	}
	return nil
}

// MarshalJSON writes segments back as segment-N keys.
func (a Account) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	if a.ID != 0 {
		m["id"] = a.ID
	}
	if a.Name != "" {
		m["name"] = a.Name
	}
	if a.Code != "" {
		m["code"] = a.Code
	}
	if a.Active != nil {
		m["active"] = *a.Active
	}
	if a.AccountType != nil {
		m["account-type"] = a.AccountType
	}
	for n, v := range a.Segments {
		m[segmentKey(n)] = v
	}
	return json.Marshal(m)
}

func segmentKey(n int) string { return "segment-" + itoa(n) }

func segmentIndex(k string) (int, bool) {
	k = strings.ReplaceAll(k, "_", "-")
	if !strings.HasPrefix(k, "segment-") {
		return 0, false
	}
	n := 0
	for _, c := range k[len("segment-"):] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= 20
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// User is a Coupa user with every field ccwrecon reads or writes.
// Unknown keys (instance custom fields at top level) are ignored.
type User struct {
	ID                   int       `json:"id"`
	CreatedAt            string    `json:"created-at,omitempty"`
	UpdatedAt            string    `json:"updated-at,omitempty"`
	UpdatedBy            *Ref      `json:"updated-by,omitempty"`
	Login                string    `json:"login"`
	Email                string    `json:"email"`
	Firstname            string    `json:"firstname"`
	Lastname             string    `json:"lastname"`
	Middlename           string    `json:"middlename,omitempty"`
	Fullname             string    `json:"fullname,omitempty"`
	EmployeeNumber       string    `json:"employee-number,omitempty"`
	MentionName          string    `json:"mention-name,omitempty"`
	SSOIdentifier        string    `json:"sso-identifier,omitempty"`
	AuthenticationMethod string    `json:"authentication-method,omitempty"`
	Active               bool      `json:"active"`
	AccountSecurityType  int       `json:"account-security-type"`
	DefaultCurrency      *Currency `json:"default-currency,omitempty"`
	DefaultAccountType   *Ref      `json:"default-account-type,omitempty"`
	DefaultAccount       *Account  `json:"default-account,omitempty"`
	Manager              *Ref      `json:"manager,omitempty"`
	PhoneWork            *Phone    `json:"phone-work,omitempty"`
	Roles                []Role    `json:"roles"`
	UserGroups           []Ref     `json:"user-groups,omitempty"`
	AccountGroups        []Ref     `json:"account-groups,omitempty"`
	ContentGroups        []Ref     `json:"content-groups,omitempty"`
	ApprovalGroups       []Ref     `json:"approval-groups,omitempty"`
	CCWUser              bool      `json:"ccw-user"`
	APIUser              bool      `json:"api-user"`
	// licence flags (ccw-user above is the Contingent Workforce licence)
	PurchasingUser bool `json:"purchasing-user,omitempty"`
	ExpenseUser    bool `json:"expense-user,omitempty"`
	SourcingUser   bool `json:"sourcing-user,omitempty"`
	InventoryUser  bool `json:"inventory-user,omitempty"`
	ContractsUser  bool `json:"contracts-user,omitempty"`
	AnalyticsUser  bool `json:"analytics-user,omitempty"`
	// approval limits
	RequisitionApprovalLimit     *ApprovalLimit `json:"requisition-approval-limit,omitempty"`
	ExpenseApprovalLimit         *ApprovalLimit `json:"expense-approval-limit,omitempty"`
	InvoiceApprovalLimit         *ApprovalLimit `json:"invoice-approval-limit,omitempty"`
	ContractApprovalLimit        *ApprovalLimit `json:"contract-approval-limit,omitempty"`
	RequisitionSelfApprovalLimit *ApprovalLimit `json:"requisition-self-approval-limit,omitempty"`
	ExpenseSelfApprovalLimit     *ApprovalLimit `json:"expense-self-approval-limit,omitempty"`
	InvoiceSelfApprovalLimit     *ApprovalLimit `json:"invoice-self-approval-limit,omitempty"`
	ContractSelfApprovalLimit    *ApprovalLimit `json:"contract-self-approval-limit,omitempty"`
	DefaultLocale                string         `json:"default-locale,omitempty"`
	BusinessGroupSecurityType    int            `json:"business-group-security-type,omitempty"`
	DefaultAddress               *Address       `json:"default-address,omitempty"`
	CustomFields                 map[string]any `json:"custom-fields,omitempty"`
	// raw is the snapshot line this user was decoded from, written back
	// as it is when the snapshot is saved again (re-encoding 100,000
	// unchanged users costs more than anything else in a re-open). Users
	// are replaced whole, never edited in place, so it stays true.
	raw string
}

// ApprovalLimit is Coupa's ApprovalLimit object: an amount in a currency.
type ApprovalLimit struct {
	ID       int       `json:"id,omitempty"`
	Name     string    `json:"name,omitempty"`
	Amount   string    `json:"amount,omitempty"`
	Currency *Currency `json:"currency,omitempty"`
}

// Address is the part of Coupa's Address object a user's default address
// is compared by: its location code.
type Address struct {
	ID           int    `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	LocationCode string `json:"location-code,omitempty"`
}

// RoleNames returns the names of the user's roles.
func (u *User) RoleNames() []string {
	out := make([]string, 0, len(u.Roles))
	for _, r := range u.Roles {
		out = append(out, r.Name)
	}
	return out
}

// AccountType is a chart of accounts.
type AccountType struct {
	ID       int       `json:"id"`
	Name     string    `json:"name"`
	Active   bool      `json:"active"`
	Currency *Currency `json:"currency,omitempty"`
	Dynamic  bool      `json:"dynamic-flag,omitempty"`
}

// Lookup is a list of values (a chart segment draws its values from one).
type Lookup struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// LookupValue is one value of a lookup; ExternalRefNum is the accounting code.
type LookupValue struct {
	ID             int    `json:"id"`
	Name           string `json:"name"`
	ExternalRefNum string `json:"external-ref-num,omitempty"`
	Active         bool   `json:"active"`
	Lookup         *Ref   `json:"lookup,omitempty"`
}

// Group is a user group, account group or content group (read-only here).
type Group struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Active *bool  `json:"active,omitempty"`
}

// ErrorBody is Coupa's JSON error document: {"errors":{"user":["..."]}}.
type ErrorBody struct {
	Errors map[string][]string `json:"errors"`
}

// LimitFields are the approval limits ccwrecon reconciles, by API name.
var LimitFields = []string{"requisition-approval-limit", "expense-approval-limit", "invoice-approval-limit", "contract-approval-limit",
	"requisition-self-approval-limit", "expense-self-approval-limit", "invoice-self-approval-limit", "contract-self-approval-limit"}

// Limit is the approval limit of that API name (nil for another name).
func (u *User) Limit(name string) **ApprovalLimit {
	switch name {
	case "requisition-approval-limit":
		return &u.RequisitionApprovalLimit
	case "expense-approval-limit":
		return &u.ExpenseApprovalLimit
	case "invoice-approval-limit":
		return &u.InvoiceApprovalLimit
	case "contract-approval-limit":
		return &u.ContractApprovalLimit
	case "requisition-self-approval-limit":
		return &u.RequisitionSelfApprovalLimit
	case "expense-self-approval-limit":
		return &u.ExpenseSelfApprovalLimit
	case "invoice-self-approval-limit":
		return &u.InvoiceSelfApprovalLimit
	case "contract-self-approval-limit":
		return &u.ContractSelfApprovalLimit
	}
	return nil
}

// LicenceFields are the licence flags ccwrecon reconciles besides ccw-user.
var LicenceFields = []string{"purchasing-user", "expense-user", "sourcing-user", "inventory-user", "contracts-user", "analytics-user"}

// Licence is the licence flag of that API name (nil for another name).
func (u *User) Licence(name string) *bool {
	switch name {
	case "purchasing-user":
		return &u.PurchasingUser
	case "expense-user":
		return &u.ExpenseUser
	case "sourcing-user":
		return &u.SourcingUser
	case "inventory-user":
		return &u.InventoryUser
	case "contracts-user":
		return &u.ContractsUser
	case "analytics-user":
		return &u.AnalyticsUser
	case "ccw-user":
		return &u.CCWUser
	}
	return nil
}

// Groups is the membership of that API name (nil for another name).
func (u *User) Groups(name string) *[]Ref {
	switch name {
	case "user-groups":
		return &u.UserGroups
	case "content-groups":
		return &u.ContentGroups
	case "account-groups":
		return &u.AccountGroups
	case "approval-groups":
		return &u.ApprovalGroups
	}
	return nil
}

package record

import (
	"strconv"
	"strings"
)

// The new contract fields (Coupa API names).
const (
	UserGroups                = "user-groups"
	ContentGroups             = "content-groups"
	AccountGroups             = "account-groups"
	ApprovalGroups            = "approval-groups"
	PurchasingUser            = "purchasing-user"
	ExpenseUser               = "expense-user"
	SourcingUser              = "sourcing-user"
	InventoryUser             = "inventory-user"
	ContractsUser             = "contracts-user"
	AnalyticsUser             = "analytics-user"
	DefaultLocale             = "default-locale"
	AuthenticationMethod      = "authentication-method"
	BusinessGroupSecurityType = "business-group-security-type"
	DefaultAddress            = "default-address"
)

// CoupaID is where a file record carries the Coupa id of an existing
// user (the Users CSV's Id column): not a field anyone compares.
const CoupaID = "coupa-id"

// Shape is how a field's value is written in files: what readers check
// and writers format.
type Shape uint8

const (
	ShapeText  Shape = iota
	ShapeBool        // Yes/No, true/false
	ShapeInt         // a whole number
	ShapeMoney       // "1000.00 USD"
	ShapeSet         // a comma list of names, the whole set
)

// FileField is what the files say of one field: its Users CSV import
// header and the export's other names for it, its CCW User file column,
// and the shape of its values. The engine's field registry (sync) holds
// the rest of the field's description and is checked against this table
// by a test, so each field is described once on each side of the
// feeds/engine line.
type FileField struct {
	Name     string
	Shape    Shape
	UsersCSV string   // the Users import header ("" none)
	Aliases  []string // export and other spellings of the header
	CCW      string   // the CCW User file column ("" none)
}

// FileFields lists every reconciled field in the Users CSV's column order
// (segments and custom fields are patterned, not listed).
var FileFields = []FileField{
	{Name: Login, UsersCSV: "Login", CCW: "User ID"},
	{Name: Active, Shape: ShapeBool, UsersCSV: "Status", CCW: "Status"},
	{Name: Email, UsersCSV: "Email", CCW: "Email"},
	{Name: FirstName, UsersCSV: "First Name", Aliases: []string{"Firstname"}, CCW: "First Name"},
	{Name: LastName, UsersCSV: "Last Name", Aliases: []string{"Lastname"}, CCW: "Last Name"},
	{Name: MiddleName, UsersCSV: "Middle Name", Aliases: []string{"Middlename"}, CCW: "Middle Name"},
	{Name: EmployeeNumber, UsersCSV: "Employee Number", CCW: "Employee Number"},
	{Name: Manager, UsersCSV: "Approver Login", Aliases: []string{"Manager Login"}, CCW: "Supervisor ID"},
	{Name: Roles, Shape: ShapeSet, UsersCSV: "User Role Names", CCW: "CCW User Role"},
	{Name: Currency, UsersCSV: "Default Currency", Aliases: []string{"Default Currency Code"}, CCW: "Default Currency"},
	{Name: AccountType, UsersCSV: "Default Chart of Accounts Name"},
	{Name: SSO, UsersCSV: "Sso Identifier", Aliases: []string{"Single Sign-on ID"}, CCW: "SSO Attribute"},
	{Name: MentionName, UsersCSV: "Mention Name", CCW: "Nick Name"},
	{Name: PhoneWork, UsersCSV: "Phone Work", CCW: "Phone Number"},
	{Name: CCWUser, Shape: ShapeBool, UsersCSV: "Contingent Workforce User", Aliases: []string{"Contingent Workforce License"}},
	{Name: SecurityType, Shape: ShapeInt, UsersCSV: "Account Security Type"},
	{Name: PurchasingUser, Shape: ShapeBool, UsersCSV: "Purchasing User", Aliases: []string{"Purchasing License"}},
	{Name: ExpenseUser, Shape: ShapeBool, UsersCSV: "Expense User", Aliases: []string{"Expense License"}},
	{Name: SourcingUser, Shape: ShapeBool, UsersCSV: "Sourcing User", Aliases: []string{"Sourcing License"}},
	{Name: InventoryUser, Shape: ShapeBool, UsersCSV: "Inventory User", Aliases: []string{"Inventory License"}},
	{Name: ContractsUser, Shape: ShapeBool, UsersCSV: "Contracts User", Aliases: []string{"Contracts License"}},
	{Name: AnalyticsUser, Shape: ShapeBool, UsersCSV: "Analytics User", Aliases: []string{"Analytics License"}},
	{Name: AuthenticationMethod, UsersCSV: "Authentication Method"},
	{Name: DefaultLocale, UsersCSV: "Default Locale"},
	{Name: BusinessGroupSecurityType, Shape: ShapeInt, UsersCSV: "Business Group Security Type"},
	{Name: DefaultAddress, UsersCSV: "Default Address Location Code"},
	{Name: UserGroups, Shape: ShapeSet, UsersCSV: "Groups", Aliases: []string{"User Groups", "User Group Names"}},
	{Name: ContentGroups, Shape: ShapeSet, UsersCSV: "Content Groups", Aliases: []string{"Content Group Names"}},
	{Name: AccountGroups, Shape: ShapeSet, UsersCSV: "Account Group Names", Aliases: []string{"Account Groups"}},
	{Name: ApprovalGroups, Shape: ShapeSet, UsersCSV: "Approval Group Names", Aliases: []string{"Approval Groups"}},
	{Name: "requisition-approval-limit", Shape: ShapeMoney, UsersCSV: "Requisition Approval Limit"},
	{Name: "expense-approval-limit", Shape: ShapeMoney, UsersCSV: "Expense Approval Limit"},
	{Name: "invoice-approval-limit", Shape: ShapeMoney, UsersCSV: "Invoice Approval Limit"},
	{Name: "contract-approval-limit", Shape: ShapeMoney, UsersCSV: "Contract Approval Limit"},
	{Name: "requisition-self-approval-limit", Shape: ShapeMoney, UsersCSV: "Requisition Self Approval Limit"},
	{Name: "expense-self-approval-limit", Shape: ShapeMoney, UsersCSV: "Expense Self Approval Limit"},
	{Name: "invoice-self-approval-limit", Shape: ShapeMoney, UsersCSV: "Invoice Self Approval Limit"},
	{Name: "contract-self-approval-limit", Shape: ShapeMoney, UsersCSV: "Contract Self Approval Limit"},
}

// fileFieldIndex finds a field's entry by name.
var fileFieldIndex = func() map[string]int {
	m := make(map[string]int, len(FileFields))
	for i, f := range FileFields {
		m[f.Name] = i
	}
	return m
}()

// FileFieldOf is the file description of a field (false for segments,
// custom fields and unknown names).
func FileFieldOf(name string) (FileField, bool) {
	i, ok := fileFieldIndex[name]
	if !ok {
		return FileField{}, false
	}
	return FileFields[i], true
}

// Generic reports the fields the Users CSV reader and the mapping carry
// by their file description alone (every field added this way): the
// others have readers of their own.
func Generic(name string) bool {
	switch name {
	case Login, Active, Email, FirstName, LastName, MiddleName, EmployeeNumber, Manager, Roles, Currency,
		AccountType, SSO, MentionName, PhoneWork, CCWUser, SecurityType:
		return false
	}
	_, ok := fileFieldIndex[name]
	return ok
}

// NormalizeMoney reads an approval limit as an amount and an ISO currency
// ("1000 usd", "1,000.5 EUR") into the Users CSV's spelling, "1000.00 USD".
func NormalizeMoney(s string) (string, bool) {
	f := strings.Fields(s)
	if len(f) != 2 || len(f[1]) != 3 {
		return s, false
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(f[0], ",", ""), 64)
	if err != nil || n < 0 || n > 1e15 {
		return s, false
	}
	return strconv.FormatFloat(n, 'f', 2, 64) + " " + strings.ToUpper(f[1]), true
}

// CheckShape says why a file's text is not a value of the shape ("" when
// it is, and for --NULL--, which clears).
func CheckShape(sh Shape, s string) string {
	if s == Clear {
		return ""
	}
	switch sh {
	case ShapeBool:
		if _, ok := ParseBool(s); !ok {
			return "must be Yes or No"
		}
	case ShapeInt:
		if _, err := strconv.Atoi(strings.TrimSpace(s)); err != nil {
			return "must be a whole number"
		}
	case ShapeMoney:
		if _, ok := NormalizeMoney(s); !ok {
			return `must be an amount and a currency, like "1000.00 USD"`
		}
	}
	return ""
}

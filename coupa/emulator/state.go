package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
)

// Chart is a chart of accounts with the lookup that feeds each segment
// (Coupa keeps this in setup; its API does not expose it).
type Chart struct {
	coupa.AccountType
	SegmentLookups map[string]string `json:"segment-lookups,omitempty"` // "1" -> lookup name
}

// Seed is the emulator's JSON state file (--seed).
type Seed struct {
	Users         []coupa.User        `json:"users"`
	Currencies    []coupa.Currency    `json:"currencies"`
	Charts        []Chart             `json:"account-types"`
	Lookups       []coupa.Lookup      `json:"lookups"`
	LookupValues  []coupa.LookupValue `json:"lookup-values"`
	Roles         []coupa.Role        `json:"roles"`
	UserGroups    []coupa.Group       `json:"user-groups"`
	AccountGroups []coupa.Group       `json:"account-groups"`
	ContentGroups []coupa.Group       `json:"content-groups"`
	Addresses     []coupa.Address     `json:"addresses,omitempty"`
}

// LoadSeed reads a seed file: this format, a `ccwrecon fetch` snapshot
// (same keys), or a bare JSON array of Coupa users.
func LoadSeed(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Seed
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "[") {
		err = json.Unmarshal(b, &s.Users)
	} else {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(s.Currencies) == 0 && len(s.Charts) == 0 && len(s.LookupValues) == 0 {
		ref := DefaultReference() // users only: give them the default reference data
		s.Currencies, s.Charts, s.Lookups, s.LookupValues = ref.Currencies, ref.Charts, ref.Lookups, ref.LookupValues
		s.UserGroups, s.AccountGroups, s.ContentGroups = ref.UserGroups, ref.AccountGroups, ref.ContentGroups
	}
	normalizeSeed(&s)
	return &s, nil
}

// normalizeSeed gives users without an id the next free one and resolves
// managers named by login, as Coupa's JSON references them either way.
func normalizeSeed(s *Seed) {
	next := 1
	for _, u := range s.Users {
		next = max(next, u.ID+1)
	}
	ids := map[string]int{}
	for i := range s.Users {
		if s.Users[i].ID == 0 {
			s.Users[i].ID = next
			next++
		}
		ids[strings.ToLower(s.Users[i].Login)] = s.Users[i].ID
	}
	for i := range s.Users {
		if m := s.Users[i].Manager; m != nil && m.ID == 0 && m.Login != "" {
			m.ID = ids[strings.ToLower(m.Login)]
		}
	}
}

// DefaultRoles are Coupa's built-in roles plus CCW's.
var DefaultRoles = []coupa.Role{{ID: 1, Name: "Admin", Omnipotent: true, SystemRole: true}, {ID: 3, Name: "User", SystemRole: true},
	{ID: 4, Name: "Buyer", SystemRole: true}, {ID: 5, Name: "Accounts Payable", SystemRole: true},
	{ID: 6, Name: "Central Receiving", SystemRole: true}, {ID: 7, Name: "Accounting Supervisor", SystemRole: true},
	{ID: 8, Name: "Edit as Approver", SystemRole: true}, {ID: 9, Name: "Inventory Manager", SystemRole: true},
	{ID: 20, Name: "Engaging Manager"}, {ID: 21, Name: "Hiring Manager"}, {ID: 22, Name: "CCW Administrator"}}

// Generate builds a deterministic population of n users with a realistic
// hierarchy (fan-out of 8 under one chief executive), some inactive users,
// CCW licences, roles and default accounts.
func Generate(n int) *Seed {
	s := DefaultReference()
	first := []string{"Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe"}
	last := []string{"Adams", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kumar", "Lopez", "Muller", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi", "Smith", "Tanaka", "Ueda", "Varga", "Wong", "Xu", "Young", "Zhang"}
	companies := []string{"100", "200", "300"}
	centers := []string{"4100", "4200", "4300", "4400", "4500"}
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		f, l := first[i%len(first)], last[(i/len(first))%len(last)]
		login := strings.ToLower(fmt.Sprintf("%s.%s%d", f, l, i))
		u := coupa.User{ID: i, Login: login, Email: login + "@example.com", Firstname: f, Lastname: l,
			EmployeeNumber: fmt.Sprintf("E%06d", i), Active: i%37 != 0, CCWUser: i%5 != 0,
			DefaultCurrency: &coupa.Currency{Code: []string{"USD", "EUR", "GBP"}[i%3]},
			PhoneWork:       &coupa.Phone{CountryCode: "1", AreaCode: "415", Number: fmt.Sprintf("555%04d", i%10000)},
			Roles:           []coupa.Role{{ID: 3, Name: "User"}},
			CreatedAt:       base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
		}
		u.UpdatedAt = u.CreatedAt
		if i > 1 {
			mgr := (i-2)/8 + 1
			u.Manager = &coupa.Ref{ID: mgr}
		}
		if i%11 == 0 {
			u.Roles = append(u.Roles, coupa.Role{ID: 4, Name: "Buyer"})
		}
		if i%4 == 0 {
			u.Roles = append(u.Roles, coupa.Role{ID: 20, Name: "Engaging Manager"})
		}
		if i%3 != 0 {
			u.DefaultAccountType = &coupa.Ref{ID: 1, Name: "Acme Corporate"}
			u.AccountSecurityType = 1
			u.DefaultAccount = &coupa.Account{AccountType: &coupa.Ref{ID: 1, Name: "Acme Corporate"}, Segments: map[int]string{
				1: companies[i%len(companies)], 2: centers[i%len(centers)], 3: "6100"}}
		}
		s.Users = append(s.Users, u)
	}
	if n > 0 { // an integration user, as every instance has
		s.Users[0].Roles = append(s.Users[0].Roles, coupa.Role{ID: 1, Name: "Admin"})
	}
	return s
}

// DefaultReference is the reference data of a generated instance.
func DefaultReference() *Seed {
	yes := true
	s := &Seed{
		Currencies: []coupa.Currency{{ID: 1, Code: "USD", Name: "US Dollar", Enabled: &yes}, {ID: 2, Code: "EUR", Name: "Euro", Enabled: &yes},
			{ID: 3, Code: "GBP", Name: "British Pound", Enabled: &yes}, {ID: 4, Code: "CAD", Name: "Canadian Dollar", Enabled: &yes}},
		Charts: []Chart{{AccountType: coupa.AccountType{ID: 1, Name: "Acme Corporate", Active: true, Currency: &coupa.Currency{Code: "USD"}, Dynamic: true},
			SegmentLookups: map[string]string{"1": "Company", "2": "Cost Center", "3": "GL Account"}}},
		Lookups:       []coupa.Lookup{{ID: 1, Name: "Company", Active: true}, {ID: 2, Name: "Cost Center", Active: true}, {ID: 3, Name: "GL Account", Active: true}},
		Roles:         DefaultRoles,
		UserGroups:    []coupa.Group{{ID: 1, Name: "Finance Approvers"}, {ID: 2, Name: "IT Requesters"}},
		AccountGroups: []coupa.Group{{ID: 1, Name: "US Cost Centers"}, {ID: 2, Name: "EU Cost Centers"}},
		ContentGroups: []coupa.Group{{ID: 1, Name: "Everyone"}, {ID: 2, Name: "Acme US"}},
	}
	vals := []struct {
		lookup int
		name   string
		code   string
	}{{1, "Acme US", "100"}, {1, "Acme Europe", "200"}, {1, "Acme UK", "300"},
		{2, "Engineering", "4100"}, {2, "Finance", "4200"}, {2, "Marketing", "4300"}, {2, "Operations", "4400"}, {2, "Service QA", "4500"},
		{3, "Contract Labour", "6100"}, {3, "Travel", "6200"}, {3, "Software", "6300"}}
	lname := map[int]string{1: "Company", 2: "Cost Center", 3: "GL Account"}
	for i, v := range vals {
		s.LookupValues = append(s.LookupValues, coupa.LookupValue{ID: i + 1, Name: v.name, ExternalRefNum: v.code, Active: true,
			Lookup: &coupa.Ref{ID: v.lookup, Name: lname[v.lookup]}})
	}
	return s
}

package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
)

// userKnown is the set of filterable user attributes.
var userKnown = setOf([]string{"id", "created-at", "updated-at", "login", "email", "firstname", "lastname", "middlename",
	"fullname", "employee-number", "mention-name", "sso-identifier", "authentication-method", "active",
	"account-security-type", "default-currency", "default-account-type", "default-account", "manager", "phone-work",
	"roles", "user-groups", "account-groups", "content-groups", "ccw-user", "api-user", "custom-fields", "status",
	"purchasing-user", "expense-user", "default-locale", "department"})

// scalar reads top-level attributes without rendering the user (fast filters).
func scalar(u *coupa.User, key string) (string, bool) {
	switch key {
	case "id":
		return strconv.Itoa(u.ID), true
	case "login":
		return u.Login, true
	case "email":
		return u.Email, true
	case "firstname":
		return u.Firstname, true
	case "lastname":
		return u.Lastname, true
	case "employee-number":
		return u.EmployeeNumber, true
	case "active":
		return strconv.FormatBool(u.Active), true
	case "status":
		if u.Active {
			return "active", true
		}
		return "inactive", true
	case "updated-at":
		return u.UpdatedAt, true
	case "created-at":
		return u.CreatedAt, true
	case "ccw-user":
		return strconv.FormatBool(u.CCWUser), true
	case "api-user":
		return strconv.FormatBool(u.APIUser), true
	case "mention-name":
		return u.MentionName, true
	case "sso-identifier":
		return u.SSOIdentifier, true
	}
	return "", false
}

func (s *Server) fillManager(u *coupa.User) {
	if u.Manager == nil {
		return
	}
	if m := s.byID[u.Manager.ID]; m != nil {
		u.Manager = &coupa.Ref{ID: m.ID, Login: m.Login}
	}
}

// toMap renders a user as Coupa's JSON object.
func (s *Server) toMap(u *coupa.User) map[string]any {
	c := *u
	s.fillManager(&c)
	c.Fullname = strings.TrimSpace(c.Firstname + " " + c.Lastname)
	if c.DefaultAccount != nil {
		a := *c.DefaultAccount
		var parts []string
		for i := 1; i <= 20; i++ {
			if v, ok := a.Segments[i]; ok {
				parts = append(parts, v)
			} else {
				break
			}
		}
		a.Code = strings.Join(parts, "-")
		c.DefaultAccount = &a
	}
	b, _ := json.Marshal(c)
	var m map[string]any
	json.Unmarshal(b, &m)
	m["status"] = map[bool]string{true: "active", false: "inactive"}[c.Active]
	// what Coupa answers for what a user does not have: empty groups,
	// false licences, null limits and address, the instance's locale
	for _, k := range []string{"user-groups", "account-groups", "content-groups", "approval-groups"} {
		if m[k] == nil {
			m[k] = []any{}
		}
	}
	for _, k := range coupa.LicenceFields {
		if m[k] == nil {
			m[k] = false
		}
	}
	for _, k := range coupa.LimitFields {
		if m[k] == nil {
			m[k] = nil
		}
	}
	if m["default-address"] == nil {
		m["default-address"] = nil
	}
	if m["default-locale"] == nil {
		m["default-locale"] = "en"
	}
	if m["business-group-security-type"] == nil {
		m["business-group-security-type"] = 0
	}
	if m["authentication-method"] == nil {
		m["authentication-method"] = "coupa_credentials"
	}
	if m["manager"] != nil {
		if mm, ok := m["manager"].(map[string]any); ok {
			if mgr := s.byID[c.Manager.ID]; mgr != nil {
				mm["email"] = mgr.Email
				mm["fullname"] = strings.TrimSpace(mgr.Firstname + " " + mgr.Lastname)
			}
		}
	} else {
		m["manager"] = nil
	}
	return m
}

func (s *Server) listUsers(r *http.Request) (int, any) {
	q := r.URL.Query()
	conds, err := parseConditions(q, userKnown)
	if err != nil {
		return 400, errBody("user", err.Error())
	}
	proj, err := parseFields(q.Get("fields"))
	if err != nil {
		return 400, errBody("user", err.Error())
	}
	limit, offset := 50, 0
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 && v < 50 {
		limit = v
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v > 0 {
		offset = v
	}
	ob := norm(q.Get("order_by"))
	desc := strings.EqualFold(q.Get("dir"), "desc")
	s.mu.RLock()
	defer s.mu.RUnlock()
	users := s.users
	if ob != "" && ob != "id" {
		if _, ok := scalar(&coupa.User{}, ob); !ok {
			return 400, errBody("user", "cannot order by "+ob)
		}
		users = append([]*coupa.User(nil), users...)
		sortUsersBy(users, ob, desc)
	} else if desc {
		rev := make([]*coupa.User, len(users))
		for i, u := range users {
			rev[len(users)-1-i] = u
		}
		users = rev
	}
	out := []any{}
	skipped := 0
	for _, u := range users {
		if len(out) >= limit {
			break
		}
		var m map[string]any
		ok := true
		for _, c := range conds {
			if len(c.path) == 1 {
				if v, fast := scalar(u, c.path[0]); fast {
					if !c.match(map[string]any{c.path[0]: v}) {
						ok = false
						break
					}
					continue
				}
			}
			if m == nil {
				m = s.toMap(u)
			}
			if !c.match(m) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if skipped < offset {
			skipped++
			continue
		}
		if m == nil {
			m = s.toMap(u)
		}
		out = append(out, render(m, q.Get("return_object"), proj))
	}
	return 200, out
}

func sortUsersBy(users []*coupa.User, key string, desc bool) {
	less := func(i, j int) bool {
		a, _ := scalar(users[i], key)
		b, _ := scalar(users[j], key)
		c := compare(a, b)
		if desc {
			return c > 0
		}
		return c < 0
	}
	sortSliceStable(users, less)
}

func (s *Server) showUser(r *http.Request, id string) (int, any) {
	n, _ := strconv.Atoi(id)
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.byID[n]
	if u == nil {
		return 404, errBody("user", "Not found")
	}
	proj, err := parseFields(r.URL.Query().Get("fields"))
	if err != nil {
		return 400, errBody("user", err.Error())
	}
	return 200, render(s.toMap(u), r.URL.Query().Get("return_object"), proj)
}

func readBody(r *http.Request) (map[string]any, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	if u, ok := m["user"].(map[string]any); ok && len(m) == 1 { // tolerate a {"user": {...}} wrapper
		m = u
	}
	return m, nil
}

func (s *Server) createUser(r *http.Request) (int, any) {
	body, err := readBody(r)
	if err != nil {
		return 400, errBody("user", err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &coupa.User{ID: s.nextID, Active: true, AuthenticationMethod: "coupa_credentials", Roles: []coupa.Role{}}
	if errs := s.apply(u, body, true); len(errs) > 0 {
		return 400, errBody("user", errs...)
	}
	if len(u.Roles) == 0 {
		u.Roles = []coupa.Role{*s.role(coupa.Ref{Name: "User"})}
	}
	s.dropIgnored(u, &coupa.User{Roles: u.Roles, Active: true})
	now := s.now().UTC().Format(time.RFC3339)
	u.CreatedAt, u.UpdatedAt = now, now
	u.UpdatedBy = s.actorRef(r)
	s.nextID++
	s.users = append(s.users, u)
	s.byID[u.ID] = u
	proj, _ := parseFields(r.URL.Query().Get("fields"))
	return 201, render(s.toMap(u), r.URL.Query().Get("return_object"), proj)
}

func (s *Server) updateUser(r *http.Request, id string) (int, any) {
	n, _ := strconv.Atoi(id)
	body, err := readBody(r)
	if err != nil {
		return 400, errBody("user", err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.byID[n]
	if cur == nil {
		return 404, errBody("user", "Not found")
	}
	next := *cur
	next.Roles = append([]coupa.Role(nil), cur.Roles...)
	if errs := s.apply(&next, body, false); len(errs) > 0 {
		return 400, errBody("user", errs...) // nothing changed
	}
	s.dropIgnored(&next, cur)
	next.UpdatedAt = s.now().UTC().Format(time.RFC3339)
	next.UpdatedBy = s.actorRef(r)
	*cur = next
	proj, _ := parseFields(r.URL.Query().Get("fields"))
	return 200, render(s.toMap(cur), r.URL.Query().Get("return_object"), proj)
}

// apply validates and applies a request body to u (a copy); any error
// leaves the stored user untouched.
func (s *Server) apply(u *coupa.User, body map[string]any, create bool) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	hadChart := u.DefaultAccountType != nil
	var account map[string]any
	for rawKey, v := range body {
		k := norm(rawKey)
		switch k {
		case "login", "email", "firstname", "lastname", "middlename", "employee-number", "mention-name", "sso-identifier", "authentication-method":
			sv, ok := v.(string)
			if v != nil && !ok {
				bad("%s must be a string", k)
				continue
			}
			sv = strings.TrimSpace(sv)
			switch k {
			case "login":
				u.Login = sv
			case "email":
				u.Email = sv
			case "firstname":
				u.Firstname = sv
			case "lastname":
				u.Lastname = sv
			case "middlename":
				u.Middlename = sv
			case "employee-number":
				u.EmployeeNumber = sv
			case "mention-name":
				u.MentionName = sv
			case "sso-identifier":
				u.SSOIdentifier = sv
			case "authentication-method":
				if sv != "coupa_credentials" && sv != "ldap" && sv != "saml" {
					bad("Authentication method %q is not valid", sv)
				}
				u.AuthenticationMethod = sv
			}
		case "active", "ccw-user", "purchasing-user", "expense-user", "sourcing-user", "inventory-user", "contracts-user", "analytics-user":
			b, ok := v.(bool)
			if !ok {
				bad("%s must be true or false", k)
				continue
			}
			if k == "active" {
				u.Active = b
			} else {
				*u.Licence(k) = b
			}
		case "default-locale":
			sv, ok := v.(string)
			if v != nil && !ok {
				bad("default-locale must be a string")
				continue
			}
			if len(sv) > 10 {
				bad("Default locale %q is too long (at most 10 characters)", sv)
				continue
			}
			u.DefaultLocale = strings.TrimSpace(sv)
		case "business-group-security-type":
			n, err := strconv.Atoi(str(v))
			if err != nil || n < 0 || n > 1 {
				bad("Business group security type must be 0 or 1")
				continue
			}
			u.BusinessGroupSecurityType = n
		case "requisition-approval-limit", "expense-approval-limit", "invoice-approval-limit", "contract-approval-limit",
			"requisition-self-approval-limit", "expense-self-approval-limit", "invoice-self-approval-limit", "contract-self-approval-limit":
			if v == nil {
				*u.Limit(k) = nil
				continue
			}
			m, ok := v.(map[string]any)
			amount := ""
			if ok {
				amount = strings.TrimSpace(str(m["amount"]))
			}
			f, err := strconv.ParseFloat(amount, 64)
			if !ok || err != nil || f < 0 {
				bad("%s must be an object with an amount and a currency", k)
				continue
			}
			cur := toRef(m["currency"])
			var found *coupa.Currency
			for i, c := range s.seed.Currencies {
				if (cur.ID != 0 && c.ID == cur.ID) || (cur.Code != "" && strings.EqualFold(c.Code, cur.Code)) {
					found = &s.seed.Currencies[i]
				}
			}
			if found == nil {
				bad("%s: currency %s does not exist", k, refText(cur))
				continue
			}
			amt := strconv.FormatFloat(f, 'f', 2, 64)
			*u.Limit(k) = &coupa.ApprovalLimit{ID: s.limitID(amt, found.Code), Name: amt + " " + found.Code, Amount: amt, Currency: &coupa.Currency{ID: found.ID, Code: found.Code}}
		case "default-address":
			if v == nil {
				u.DefaultAddress = nil
				continue
			}
			m, ok := v.(map[string]any)
			code := ""
			if ok {
				code = strings.TrimSpace(str(m["location-code"]))
			}
			addr := s.address(code)
			if addr == nil {
				bad("Default address with location code %q does not exist", code)
				continue
			}
			u.DefaultAddress = addr
		case "account-security-type":
			n, err := strconv.Atoi(str(v))
			if err != nil || n < 0 || n > 2 {
				bad("Account security type must be 0, 1 or 2")
				continue
			}
			u.AccountSecurityType = n
		case "default-currency":
			if v == nil {
				u.DefaultCurrency = nil
				continue
			}
			ref := toRef(v)
			var found *coupa.Currency
			for i, c := range s.seed.Currencies {
				if (ref.ID != 0 && c.ID == ref.ID) || (ref.Code != "" && strings.EqualFold(c.Code, ref.Code)) {
					found = &s.seed.Currencies[i]
				}
			}
			if found == nil {
				bad("Default currency %s does not exist", refText(ref))
				continue
			}
			u.DefaultCurrency = &coupa.Currency{ID: found.ID, Code: found.Code}
		case "default-account-type":
			if v == nil {
				u.DefaultAccountType = nil
				continue
			}
			ch := s.chart(toRef(v))
			if ch == nil {
				bad("Default account type %s does not exist", refText(toRef(v)))
				continue
			}
			u.DefaultAccountType = &coupa.Ref{ID: ch.ID, Name: ch.Name}
		case "default-account":
			m, ok := v.(map[string]any)
			if v != nil && !ok {
				bad("default-account must be an object")
				continue
			}
			account = m
			if v == nil {
				u.DefaultAccount = nil
			}
		case "manager":
			if v == nil {
				u.Manager = nil
				continue
			}
			ref := toRef(v)
			var mgr *coupa.User
			if ref.ID != 0 {
				mgr = s.byID[ref.ID]
			} else if ref.Login != "" {
				mgr = s.findLogin(ref.Login)
			}
			if mgr == nil {
				bad("Manager %s does not exist", refText(ref))
				continue
			}
			if mgr.ID == u.ID {
				bad("Manager can't be the user itself")
				continue
			}
			u.Manager = &coupa.Ref{ID: mgr.ID, Login: mgr.Login}
		case "phone-work":
			if v == nil {
				u.PhoneWork = nil
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				bad("phone-work must be an object with country-code, area-code, number, extension")
				continue
			}
			p := &coupa.Phone{CountryCode: str(m["country-code"]), AreaCode: str(m["area-code"]), Number: str(m["number"]), Extension: str(m["extension"])}
			if p.Number == "" || !digits(p.CountryCode+p.AreaCode+p.Number+p.Extension) {
				bad("Phone work is invalid")
				continue
			}
			u.PhoneWork = p
		case "roles":
			list, err := refList(v)
			if err != nil {
				bad("roles: %v", err)
				continue
			}
			var roles []coupa.Role
			for _, ref := range list {
				r := s.role(ref)
				if r == nil {
					bad("Role %s does not exist", refText(ref))
					continue
				}
				roles = append(roles, *r)
			}
			u.Roles = merge(u.Roles, roles, func(r coupa.Role) int { return r.ID }, len(list) == 0 || s.opts.ReplaceCollections)
		case "account-groups", "user-groups", "content-groups", "approval-groups":
			list, err := refList(v)
			if err != nil {
				bad("%s: %v", k, err)
				continue
			}
			// approval groups are user groups that may approve
			pool := map[string][]coupa.Group{"account-groups": s.seed.AccountGroups, "user-groups": s.seed.UserGroups, "content-groups": s.seed.ContentGroups, "approval-groups": s.seed.UserGroups}[k]
			var refs []coupa.Ref
			for _, ref := range list {
				g := findGroup(pool, ref)
				if g == nil {
					bad("%s %s does not exist", strings.TrimSuffix(k, "s"), refText(ref))
					continue
				}
				refs = append(refs, coupa.Ref{ID: g.ID, Name: g.Name})
			}
			cur := u.Groups(k)
			*cur = merge(*cur, refs, func(r coupa.Ref) int { return r.ID }, len(list) == 0 || s.opts.ReplaceCollections)
		case "custom-fields":
			m, ok := v.(map[string]any)
			if !ok {
				bad("custom-fields must be an object")
				continue
			}
			if u.CustomFields == nil {
				u.CustomFields = map[string]any{}
			}
			for ck, cv := range m {
				u.CustomFields[ck] = cv
			}
		}
	}
	if account != nil {
		if !hadChart {
			bad("Default account can't be set before the user has a default chart of accounts (set default-account-type first)")
		} else {
			ch := s.chart(*u.DefaultAccountType)
			if at, ok := account["account-type"]; ok && at != nil {
				ch = s.chart(toRef(at))
			}
			segs := map[int]string{}
			if u.DefaultAccount != nil {
				for n, v := range u.DefaultAccount.Segments {
					segs[n] = v
				}
			}
			for key, val := range account {
				n, ok := segIndex(norm(key))
				if !ok {
					continue
				}
				sv := strings.TrimSpace(str(val))
				if sv == "" {
					delete(segs, n)
					continue
				}
				if ch != nil {
					if lk := ch.SegmentLookups[strconv.Itoa(n)]; lk != "" && !s.lookupHas(lk, sv) {
						bad("Segment %d value %q is not a value of lookup %s", n, sv, lk)
						continue
					}
				}
				segs[n] = sv
			}
			for n := 2; n <= 20; n++ {
				if _, ok := segs[n]; ok {
					if _, prev := segs[n-1]; !prev {
						bad("Default account segment %d is set but segment %d is blank (no gaps allowed)", n, n-1)
						break
					}
				}
			}
			if ch != nil {
				u.DefaultAccount = &coupa.Account{AccountType: &coupa.Ref{ID: ch.ID, Name: ch.Name}, Segments: segs}
			}
		}
	}
	if create {
		for f, v := range map[string]string{"Login": u.Login, "Email": u.Email, "First Name": u.Firstname, "Last Name": u.Lastname} {
			if v == "" {
				bad("%s can't be blank", f)
			}
		}
		if u.MentionName == "" {
			u.MentionName = strings.ToLower(strings.ReplaceAll(u.Firstname+u.Lastname, " ", ""))
			for i := 1; s.mentionTaken(u.MentionName, u.ID); i++ {
				u.MentionName = strings.ToLower(u.Firstname+u.Lastname) + strconv.Itoa(i)
			}
		}
	}
	if u.Email != "" {
		if _, err := mail.ParseAddress(u.Email); err != nil {
			bad("Email is invalid")
		}
	}
	for _, o := range s.users {
		if o.ID == u.ID {
			continue
		}
		if u.Login != "" && strings.EqualFold(o.Login, u.Login) {
			bad("Login has already been taken")
		}
		if u.Email != "" && strings.EqualFold(o.Email, u.Email) {
			bad("Email has already been taken")
		}
		if u.EmployeeNumber != "" && o.EmployeeNumber == u.EmployeeNumber {
			bad("Employee number has already been taken")
		}
		if u.MentionName != "" && strings.EqualFold(o.MentionName, u.MentionName) {
			bad("Mention name has already been taken")
		}
	}
	return errs
}

// dropIgnored puts back the fields the emulator accepts but does not store.
func (s *Server) dropIgnored(next, cur *coupa.User) {
	for _, f := range s.opts.IgnoreWrites {
		switch norm(f) {
		case "phone-work":
			next.PhoneWork = cur.PhoneWork
		case "firstname":
			next.Firstname = cur.Firstname
		case "lastname":
			next.Lastname = cur.Lastname
		case "middlename":
			next.Middlename = cur.Middlename
		case "email":
			next.Email = cur.Email
		case "mention-name":
			next.MentionName = cur.MentionName
		case "employee-number":
			next.EmployeeNumber = cur.EmployeeNumber
		case "sso-identifier":
			next.SSOIdentifier = cur.SSOIdentifier
		case "ccw-user":
			next.CCWUser = cur.CCWUser
		case "manager":
			next.Manager = cur.Manager
		case "default-currency":
			next.DefaultCurrency = cur.DefaultCurrency
		case "roles":
			next.Roles = cur.Roles
		case "default-account":
			next.DefaultAccount = cur.DefaultAccount
		}
	}
}

func (s *Server) mentionTaken(name string, id int) bool {
	for _, o := range s.users {
		if o.ID != id && strings.EqualFold(o.MentionName, name) {
			return true
		}
	}
	return false
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func segIndex(k string) (int, bool) {
	if !strings.HasPrefix(k, "segment-") {
		return 0, false
	}
	n, err := strconv.Atoi(k[len("segment-"):])
	return n, err == nil && n >= 1 && n <= 20
}

func (s *Server) lookupHas(lookup, code string) bool {
	for _, v := range s.seed.LookupValues {
		if v.Active && v.Lookup != nil && strings.EqualFold(v.Lookup.Name, lookup) && v.ExternalRefNum == code {
			return true
		}
	}
	return false
}

func (s *Server) findLogin(login string) *coupa.User {
	for _, o := range s.users {
		if strings.EqualFold(o.Login, login) {
			return o
		}
	}
	return nil
}

func (s *Server) chart(ref coupa.Ref) *Chart {
	for i, c := range s.seed.Charts {
		if (ref.ID != 0 && c.ID == ref.ID) || (ref.Name != "" && strings.EqualFold(c.Name, ref.Name)) {
			return &s.seed.Charts[i]
		}
	}
	return nil
}

func (s *Server) role(ref coupa.Ref) *coupa.Role {
	for i, r := range s.seed.Roles {
		if (ref.ID != 0 && r.ID == ref.ID) || (ref.Name != "" && strings.EqualFold(r.Name, ref.Name)) {
			return &s.seed.Roles[i]
		}
	}
	return nil
}

func findGroup(pool []coupa.Group, ref coupa.Ref) *coupa.Group {
	for i, g := range pool {
		if (ref.ID != 0 && g.ID == ref.ID) || (ref.Name != "" && strings.EqualFold(g.Name, ref.Name)) {
			return &pool[i]
		}
	}
	return nil
}

func toRef(v any) coupa.Ref {
	m, _ := v.(map[string]any)
	id, _ := strconv.Atoi(str(m["id"]))
	return coupa.Ref{ID: id, Name: str(m["name"]), Login: str(m["login"]), Code: str(m["code"])}
}

func refText(r coupa.Ref) string {
	switch {
	case r.Name != "":
		return strconv.Quote(r.Name)
	case r.Login != "":
		return strconv.Quote(r.Login)
	case r.Code != "":
		return strconv.Quote(r.Code)
	}
	return "id " + strconv.Itoa(r.ID)
}

func refList(v any) ([]coupa.Ref, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("must be a list")
	}
	out := make([]coupa.Ref, 0, len(l))
	for _, e := range l {
		out = append(out, toRef(e))
	}
	return out, nil
}

// merge applies a collection PUT: an empty list clears; a non-empty one
// adds (Coupa's documented two-step removal) or, with ReplaceCollections, replaces.
func merge[T any](cur, add []T, id func(T) int, replace bool) []T {
	if replace {
		if add == nil {
			return []T{}
		}
		return add
	}
	out := append([]T(nil), cur...)
	for _, r := range add {
		dup := false
		for _, c := range out {
			dup = dup || id(c) == id(r)
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

// limitID is the id of the approval limit of an amount and currency
// (Coupa keeps them as objects; the emulator makes one per pair).
func (s *Server) limitID(amount, currency string) int {
	key := amount + " " + currency
	if s.limits == nil {
		s.limits = map[string]int{}
	}
	if id, ok := s.limits[key]; ok {
		return id
	}
	s.limits[key] = len(s.limits) + 1
	return s.limits[key]
}

// address finds an address by its location code.
func (s *Server) address(code string) *coupa.Address {
	for i, a := range s.seed.Addresses {
		if code != "" && strings.EqualFold(a.LocationCode, code) {
			return &s.seed.Addresses[i]
		}
	}
	return nil
}

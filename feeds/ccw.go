package feeds

import (
	"fmt"
	"strings"

	"github.com/ccwrecon/ccwrecon/record"
)

// ccwReader reads the CCW User file: the published stand-alone layout plus
// the unified-sync columns.
type ccwReader struct {
	t                                                *table
	status, login, last, first, middle, email, role  column
	supervisor, sso, nick, phone, currency, employee column
	segName, segCode                                 [record.MaxSegments + 1]column
	extra                                            []extraColumn
	warn                                             []string
	width                                            int // values a row may hold
}

// extraColumn is a CCW column carried as feed.<Header>, its key made once.
type extraColumn struct {
	key string
	col column
}

func newCCWReader(t *table, cols map[string]int) (*ccwReader, error) {
	c := &ccwReader{t: t,
		status: find(cols, "status"), login: find(cols, "user id", "user name"), last: find(cols, "last name"),
		first: find(cols, "first name"), middle: find(cols, "middle name"), email: find(cols, "email"),
		role: find(cols, "ccw user role", "role"), supervisor: find(cols, "supervisor id"),
		sso: find(cols, "sso attribute"), nick: find(cols, "nick name"), phone: find(cols, "phone number", "phone"),
		currency: find(cols, "default currency"), employee: find(cols, "employee number"),
		extra: []extraColumn{{"feed.Job Title", find(cols, "job title")}, {"feed.Spend Limit", find(cols, "spend limit")},
			{"feed.Work Location Code", find(cols, "work location code")}},
	}
	for n := 1; n <= record.MaxSegments; n++ {
		c.segName[n] = find(cols, fmt.Sprintf("master data segment %d name", n), fmt.Sprintf("master data segment-%d name", n))
		c.segCode[n] = find(cols, fmt.Sprintf("master data segment %d code", n), fmt.Sprintf("master data segment-%d", n))
	}
	if err := missing(t, map[string]column{"User ID": c.login, "First Name": c.first, "Last Name": c.last, "Email": c.email}); err != nil {
		return nil, err
	}
	used := map[int]bool{}
	for _, col := range []column{c.status, c.login, c.last, c.first, c.middle, c.email, c.role, c.supervisor, c.sso, c.nick, c.phone, c.currency, c.employee} {
		used[int(col)] = true
	}
	for _, e := range c.extra {
		used[int(e.col)] = true
	}
	for n := 1; n <= record.MaxSegments; n++ {
		used[int(c.segName[n])], used[int(c.segCode[n])] = true, true
	}
	if u := find(cols, "user name"); u >= 0 && u != c.login {
		used[int(u)] = true // unified "User Name" duplicates User ID
	}
	c.warn = unknownColumns(t, used)
	c.width = len(t.header) + 2
	return c, nil
}

func (c *ccwReader) warnings() []string { return c.warn }
func (c *ccwReader) hasStatus() bool    { return c.status >= 0 }

func (c *ccwReader) read(r row, w *worker) *record.User {
	u := w.slab.New(record.Source{File: c.t.name, Line: r.line}, c.width)
	chk := checker{w, &r}
	if c.status >= 0 {
		switch s := c.status.get(r); s {
		case "1":
			u.Active = record.True
		case "0":
			u.Active = record.False
		default:
			chk.bad(int(c.status), "Status must be 1 (active) or 0 (inactive), not %q", s)
		}
	}
	if c.login.get(r) == "" {
		chk.bad(int(c.login), "User ID is empty")
	}
	u.Add(record.Login, c.login.get(r))
	u.Add(record.FirstName, c.first.get(r))
	u.Add(record.LastName, c.last.get(r))
	u.Add(record.MiddleName, c.middle.get(r))
	u.Add(record.Email, c.email.get(r))
	chk.email(int(c.email), c.email.get(r))
	u.Add(record.Manager, c.supervisor.get(r))
	u.Add(record.SSO, c.sso.get(r))
	u.Add(record.MentionName, c.nick.get(r))
	u.Add(record.PhoneWork, c.phone.get(r))
	cur := strings.ToUpper(c.currency.get(r))
	chk.currency(int(c.currency), cur)
	u.Add(record.Currency, cur)
	u.Add(record.EmployeeNumber, c.employee.get(r))
	if role := c.role.get(r); role != "" {
		u.Roles = []string{role}
		u.RoleMode = record.RolesContain
	}
	for n := 1; n <= record.MaxSegments; n++ {
		if s := (record.Segment{Name: c.segName[n].get(r), Code: c.segCode[n].get(r)}); !s.Empty() {
			u.SetSegment(n, s)
		}
	}
	for _, e := range c.extra {
		u.Set(e.key, e.col.get(r))
	}
	keepExtra(c.t, r, u)
	w.slab.Fit(u)
	return u
}

// coupaReader reads a Coupa Users CSV with import or export headers.
type coupaReader struct {
	t                                                         *table
	status, login, email, first, last, middle, employee, sso  column
	phone, currency, approver, roles, chart, mention, account column
	licence                                                   column
	segs                                                      [21]column
	more                                                      []fieldColumn // record.Generic fields the file has
	warn                                                      []string
	width                                                     int
}

// fieldColumn is a column read by its field's file description alone.
type fieldColumn struct {
	col   column
	field record.FileField
}

// genericColumns finds the Users CSV columns of record.Generic fields.
func genericColumns(cols map[string]int, used map[int]bool) []fieldColumn {
	var out []fieldColumn
	for _, f := range record.FileFields {
		if !record.Generic(f.Name) || f.UsersCSV == "" {
			continue
		}
		names := []string{strings.ToLower(f.UsersCSV)}
		for _, a := range f.Aliases {
			names = append(names, strings.ToLower(a))
		}
		if c := find(cols, names...); c >= 0 {
			out = append(out, fieldColumn{c, f})
			used[int(c)] = true
		}
	}
	return out
}

// readGeneric stores the row's values of those columns, each checked for
// its shape at its column.
func readGeneric(more []fieldColumn, r row, u *record.User, chk checker) {
	for _, m := range more {
		v := m.col.get(r)
		if v == "" {
			continue // a blank cell says nothing about this user
		}
		if why := record.CheckShape(m.field.Shape, v); why != "" {
			chk.bad(int(m.col), "%s %s, not %q", m.field.UsersCSV, why, v)
			continue
		}
		u.Set(m.field.Name, v)
		u.Registered = true
	}
}

func newCoupaReader(t *table, cols map[string]int) (*coupaReader, error) {
	c := &coupaReader{t: t,
		status: find(cols, "status"), login: find(cols, "login"), email: find(cols, "email"),
		first: find(cols, "first name", "firstname"), last: find(cols, "last name", "lastname"),
		middle: find(cols, "middle name", "middlename"), employee: find(cols, "employee number"),
		sso: find(cols, "sso identifier", "single sign-on id"), phone: find(cols, "phone work"),
		currency: find(cols, "default currency", "default currency code"), approver: find(cols, "approver login", "manager login"),
		roles: find(cols, "user role names"), chart: find(cols, "default chart of accounts name"),
		mention: find(cols, "mention name"), account: find(cols, "default account code"),
		licence: find(cols, "contingent workforce user", "contingent workforce license"),
	}
	for n := 1; n <= 20; n++ {
		c.segs[n] = find(cols, fmt.Sprintf("default account code segment-%d", n), fmt.Sprintf("default account code segment %d", n))
	}
	if err := missing(t, map[string]column{"Login": c.login, "Email": c.email}); err != nil {
		return nil, err
	}
	used := map[int]bool{}
	for _, col := range []column{c.status, c.login, c.email, c.first, c.last, c.middle, c.employee, c.sso, c.phone, c.currency, c.approver, c.roles, c.chart, c.mention, c.account, c.licence} {
		used[int(col)] = true
	}
	for n := 1; n <= 20; n++ {
		used[int(c.segs[n])] = true
	}
	c.more = genericColumns(cols, used)
	used[int(find(cols, "id"))] = true // Coupa's Id: ccwrecon matches on keys, and writes it itself
	c.warn = unknownColumns(t, used)
	c.width = len(t.header) + 2
	return c, nil
}

func (c *coupaReader) warnings() []string { return c.warn }
func (c *coupaReader) hasStatus() bool    { return c.status >= 0 }

func (c *coupaReader) read(r row, w *worker) *record.User {
	u := w.slab.New(record.Source{File: c.t.name, Line: r.line}, c.width)
	chk := checker{w, &r}
	if s := c.status.get(r); s != "" {
		switch strings.ToLower(s) {
		case "active":
			u.Active = record.True
		case "inactive":
			u.Active = record.False
		default:
			chk.bad(int(c.status), "Status must be active or inactive, not %q", s)
		}
	}
	if c.login.get(r) == "" {
		chk.bad(int(c.login), "Login is empty")
	}
	u.Add(record.Login, c.login.get(r))
	u.Add(record.Email, c.email.get(r))
	chk.email(int(c.email), c.email.get(r))
	u.Add(record.FirstName, c.first.get(r))
	u.Add(record.LastName, c.last.get(r))
	u.Add(record.MiddleName, c.middle.get(r))
	u.Add(record.EmployeeNumber, c.employee.get(r))
	u.Add(record.SSO, c.sso.get(r))
	u.Add(record.PhoneWork, c.phone.get(r))
	cur := strings.ToUpper(c.currency.get(r))
	if cur == strings.ToUpper(record.Clear) {
		cur = record.Clear
	}
	chk.currency(int(c.currency), cur)
	u.Add(record.Currency, cur)
	u.Add(record.Manager, c.approver.get(r))
	u.Add(record.MentionName, c.mention.get(r))
	u.Add(record.AccountType, c.chart.get(r))
	if v := c.licence.get(r); v != "" {
		if _, ok := record.ParseBool(v); !ok {
			chk.bad(int(c.licence), "Contingent Workforce User must be Yes or No, not %q", v)
		} else {
			u.Set(record.CCWUser, v)
		}
	}
	if v := c.roles.get(r); v != "" {
		u.RoleMode = record.RolesWholeSet
		if v == record.Clear {
			u.Roles = []string{}
		} else {
			u.Roles = w.list(v)
		}
	}
	if code := c.account.get(r); code != "" {
		for i, p := range strings.Split(code, "-") {
			if i < 20 {
				u.Set(record.SegmentField(i+1), p)
			}
		}
	}
	for n := 1; n <= 20; n++ {
		if v := c.segs[n].get(r); v != "" {
			u.Put(record.SegmentField(n), v) // a segment column wins over the whole code
		}
	}
	readGeneric(c.more, r, u, chk)
	keepExtra(c.t, r, u)
	w.slab.Fit(u)
	return u
}

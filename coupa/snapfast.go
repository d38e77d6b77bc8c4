package coupa

import (
	"encoding/json"
	"errors"
	"github.com/ccwrecon/ccwrecon/internal/arena"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The snapshot loader's fast path. Snapshots (the fetch --out file and
// the per-instance cache alike) are written one user per line between
// `"users":[` and `]`; such a file is decoded by a small hand-written
// decoder, on every core, with no reflection. Anything else that is valid
// JSON (a file pretty-printed by jq, an older layout) or anything the fast
// decoder does not expect falls back to encoding/json, which then also
// names the error. Measured at 100,000 users in BenchmarkLoadSnapshot100k.

var errSlowPath = errors.New("not the fast snapshot layout")

const usersOpen, usersClose = "\"users\":[\n", "\n]"

// decodeFast decodes a snapshot written by encode, or returns errSlowPath.
func decodeFast(doc string) (*Snapshot, error) {
	i := strings.Index(doc, usersOpen)
	if i < 0 || !utf8.ValidString(doc) { // encoding/json replaces invalid UTF-8; leave that to it
		return nil, errSlowPath
	}
	body := doc[i+len(usersOpen):]
	j := strings.Index(body, usersClose)
	if j < 0 {
		return nil, errSlowPath
	}
	var s Snapshot
	head := doc[:i] + `"users":null` + body[j+len(usersClose):]
	if err := json.Unmarshal([]byte(head), &s); err != nil {
		return nil, errSlowPath
	}
	lines := splitLines(body[:j])
	s.Users = make([]User, len(lines))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(lines)/2000))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			slabs := &objectSlabs{}
			for k := len(lines) * w / workers; k < len(lines)*(w+1)/workers; k++ {
				line := strings.TrimSuffix(lines[k], ",")
				if k < len(lines)-1 && len(line) == len(lines[k]) {
					errs[w] = errSlowPath // users are separated by commas
					return
				}
				lx := lexer{s: line, slabs: slabs}
				lx.user(&s.Users[k])
				s.Users[k].raw = line
				if lx.ws(); lx.err != nil || lx.i != len(lx.s) {
					errs[w] = errSlowPath
					return
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return &s, nil
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	out := make([]string, 0, strings.Count(s, "\n")+1)
	for {
		k := strings.IndexByte(s, '\n')
		if k < 0 {
			return append(out, s)
		}
		out = append(out, s[:k])
		s = s[k+1:]
	}
}

// lexer reads JSON values from one line. Strings without escapes are
// slices of the document (no copy); the first unexpected byte sets err.
type lexer struct {
	s     string
	i     int
	err   error
	slabs *objectSlabs
}

// objectSlabs are one decoding worker's blocks: a user's references,
// currency, phone, account and roles are 8 allocations one by one, a
// fraction of one from blocks (100,000 users decode in a third less time).
type objectSlabs struct {
	refs       arena.Slab[Ref]
	currencies arena.Slab[Currency]
	phones     arena.Slab[Phone]
	accounts   arena.Slab[Account]
	roles      arena.Slab[Role]
	scratch    []Role
}

// keepRoles keeps a user's roles: none is an empty list, not nil ("roles":[]).
func (o *objectSlabs) keepRoles(roles []Role) []Role {
	if len(roles) == 0 {
		return []Role{}
	}
	return o.roles.Keep(roles)
}

func (l *lexer) fail() {
	if l.err == nil {
		l.err = errSlowPath
	}
	l.i = len(l.s)
}

func (l *lexer) ws() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t' || l.s[l.i] == '\r' || l.s[l.i] == '\n') {
		l.i++
	}
}

func (l *lexer) peek() byte {
	l.ws()
	if l.i < len(l.s) {
		return l.s[l.i]
	}
	return 0
}

func (l *lexer) eat(c byte) bool {
	if l.peek() == c {
		l.i++
		return true
	}
	return false
}

func (l *lexer) lit(word string) bool {
	if strings.HasPrefix(l.s[l.i:], word) {
		l.i += len(word)
		return true
	}
	return false
}

// null consumes a null, reporting whether there was one.
func (l *lexer) null() bool { return l.peek() == 'n' && l.lit("null") }

func (l *lexer) str() string {
	if l.peek() != '"' {
		l.fail()
		return ""
	}
	start := l.i + 1
	for k := start; k < len(l.s); k++ {
		switch c := l.s[k]; {
		case c == '"':
			l.i = k + 1
			return l.s[start:k]
		case c == '\\':
			return l.escaped(start - 1)
		case c < 0x20:
			l.fail()
			return ""
		}
	}
	l.fail()
	return ""
}

// escaped decodes a string with escapes through encoding/json (rare).
func (l *lexer) escaped(open int) string {
	k := open + 1
	for k < len(l.s) && l.s[k] != '"' {
		if l.s[k] == '\\' {
			k++
		}
		k++
	}
	if k >= len(l.s) {
		l.fail()
		return ""
	}
	var out string
	if json.Unmarshal([]byte(l.s[open:k+1]), &out) != nil {
		l.fail()
		return ""
	}
	l.i = k + 1
	return out
}

func (l *lexer) int() int {
	l.ws()
	start := l.i
	if l.i < len(l.s) && l.s[l.i] == '-' {
		l.i++
	}
	for l.i < len(l.s) && l.s[l.i] >= '0' && l.s[l.i] <= '9' {
		l.i++
	}
	n, err := strconv.Atoi(l.s[start:l.i])
	if err != nil {
		l.fail()
	}
	return n
}

func (l *lexer) bool() bool {
	switch {
	case l.peek() == 't' && l.lit("true"):
		return true
	case l.peek() == 'f' && l.lit("false"):
		return false
	}
	l.fail()
	return false
}

// object calls field for each key; field must consume the value.
func (l *lexer) object(field func(key string)) {
	if !l.eat('{') {
		l.fail()
		return
	}
	if l.eat('}') {
		return
	}
	for l.err == nil {
		key := l.str()
		if !l.eat(':') {
			l.fail()
			return
		}
		field(key)
		if l.eat(',') {
			continue
		}
		if !l.eat('}') {
			l.fail()
		}
		return
	}
}

func (l *lexer) array(item func()) {
	if !l.eat('[') {
		l.fail()
		return
	}
	if l.eat(']') {
		return
	}
	for l.err == nil {
		item()
		if l.eat(',') {
			continue
		}
		if !l.eat(']') {
			l.fail()
		}
		return
	}
}

// raw returns the text of the next value (for the rare nested values the
// fast path hands to encoding/json).
func (l *lexer) raw() string {
	switch c := l.peek(); c {
	case '"':
		start := l.i
		l.str()
		return l.s[start:l.i]
	case '{', '[':
		start, depth, inStr := l.i, 0, false
		for ; l.i < len(l.s); l.i++ {
			switch c := l.s[l.i]; {
			case inStr && c == '\\':
				l.i++
			case c == '"':
				inStr = !inStr
			case inStr:
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				if depth--; depth == 0 {
					l.i++
					return l.s[start:l.i]
				}
			}
		}
		l.fail()
		return ""
	default:
		start := l.i
		for l.i < len(l.s) && !strings.ContainsRune(",}] \t\r\n", rune(l.s[l.i])) {
			l.i++
		}
		if l.i == start {
			l.fail()
		}
		return l.s[start:l.i]
	}
}

func (l *lexer) ref() *Ref {
	if l.null() {
		return nil
	}
	r := l.slabs.refs.New()
	l.object(func(k string) {
		switch k {
		case "id":
			r.ID = l.int()
		case "name":
			r.Name = l.str()
		case "login":
			r.Login = l.str()
		case "code":
			r.Code = l.str()
		default:
			l.fail()
		}
	})
	return r
}

func (l *lexer) refs() []Ref {
	if l.null() {
		return nil
	}
	out := []Ref{}
	l.array(func() {
		if r := l.ref(); r != nil {
			out = append(out, *r)
		} else {
			out = append(out, Ref{})
		}
	})
	return out
}

func (l *lexer) boolPtr() *bool {
	if l.null() {
		return nil
	}
	b := l.bool()
	return &b
}

func (l *lexer) user(u *User) {
	l.object(func(k string) {
		switch k {
		case "id":
			u.ID = l.int()
		case "created-at":
			u.CreatedAt = l.str()
		case "updated-at":
			u.UpdatedAt = l.str()
		case "updated-by":
			u.UpdatedBy = l.ref()
		case "login":
			u.Login = l.str()
		case "email":
			u.Email = l.str()
		case "firstname":
			u.Firstname = l.str()
		case "lastname":
			u.Lastname = l.str()
		case "middlename":
			u.Middlename = l.str()
		case "fullname":
			u.Fullname = l.str()
		case "employee-number":
			u.EmployeeNumber = l.str()
		case "mention-name":
			u.MentionName = l.str()
		case "sso-identifier":
			u.SSOIdentifier = l.str()
		case "authentication-method":
			u.AuthenticationMethod = l.str()
		case "active":
			u.Active = l.bool()
		case "account-security-type":
			u.AccountSecurityType = l.int()
		case "default-currency":
			if !l.null() {
				c := l.slabs.currencies.New()
				l.object(func(k string) {
					switch k {
					case "id":
						c.ID = l.int()
					case "code":
						c.Code = l.str()
					case "name":
						c.Name = l.str()
					case "enabled":
						c.Enabled = l.boolPtr()
					default:
						l.fail()
					}
				})
				u.DefaultCurrency = c
			}
		case "default-account-type":
			u.DefaultAccountType = l.ref()
		case "default-account":
			if !l.null() {
				u.DefaultAccount = l.account()
			}
		case "manager":
			u.Manager = l.ref()
		case "phone-work":
			if !l.null() {
				p := l.slabs.phones.New()
				l.object(func(k string) {
					switch k {
					case "id":
						p.ID = l.int()
					case "country-code":
						p.CountryCode = l.str()
					case "area-code":
						p.AreaCode = l.str()
					case "number":
						p.Number = l.str()
					case "extension":
						p.Extension = l.str()
					default:
						l.fail()
					}
				})
				u.PhoneWork = p
			}
		case "roles":
			if !l.null() {
				roles := l.slabs.scratch[:0] // gathered in the worker's scratch, then kept at their size
				l.array(func() {
					var r Role
					l.object(func(k string) {
						switch k {
						case "id":
							r.ID = l.int()
						case "name":
							r.Name = l.str()
						case "description":
							r.Description = l.str()
						case "omnipotent":
							r.Omnipotent = l.bool()
						case "system-role":
							r.SystemRole = l.bool()
						default:
							l.fail()
						}
					})
					roles = append(roles, r)
				})
				u.Roles, l.slabs.scratch = l.slabs.keepRoles(roles), roles
			}
		case "user-groups":
			u.UserGroups = l.refs()
		case "account-groups":
			u.AccountGroups = l.refs()
		case "content-groups":
			u.ContentGroups = l.refs()
		case "approval-groups":
			u.ApprovalGroups = l.refs()
		case "purchasing-user":
			u.PurchasingUser = l.bool()
		case "expense-user":
			u.ExpenseUser = l.bool()
		case "sourcing-user":
			u.SourcingUser = l.bool()
		case "inventory-user":
			u.InventoryUser = l.bool()
		case "contracts-user":
			u.ContractsUser = l.bool()
		case "analytics-user":
			u.AnalyticsUser = l.bool()
		case "default-locale":
			u.DefaultLocale = l.str()
		case "business-group-security-type":
			u.BusinessGroupSecurityType = l.int()
		case "requisition-approval-limit", "expense-approval-limit", "invoice-approval-limit", "contract-approval-limit",
			"requisition-self-approval-limit", "expense-self-approval-limit", "invoice-self-approval-limit", "contract-self-approval-limit":
			raw := l.raw()
			var lim *ApprovalLimit
			if l.err == nil && json.Unmarshal([]byte(raw), &lim) != nil {
				l.fail()
			}
			*u.Limit(k) = lim
		case "default-address":
			raw := l.raw()
			if l.err == nil && json.Unmarshal([]byte(raw), &u.DefaultAddress) != nil {
				l.fail()
			}
		case "ccw-user":
			u.CCWUser = l.bool()
		case "api-user":
			u.APIUser = l.bool()
		case "custom-fields":
			raw := l.raw()
			if l.err == nil && json.Unmarshal([]byte(raw), &u.CustomFields) != nil {
				l.fail()
			}
		default:
			l.fail()
		}
	})
}

func (l *lexer) account() *Account {
	a := l.slabs.accounts.New()
	l.object(func(k string) {
		switch k {
		case "id":
			a.ID = l.int()
		case "name":
			a.Name = l.str()
		case "code":
			a.Code = l.str()
		case "active":
			a.Active = l.boolPtr()
		case "account-type":
			a.AccountType = l.ref()
		default:
			n, ok := segmentIndex(k)
			if !ok {
				l.raw() // Coupa's other account fields: not kept
				return
			}
			if l.null() {
				return
			}
			if v := l.str(); v != "" {
				if a.Segments == nil {
					a.Segments = map[int]string{}
				}
				a.Segments[n] = v
			}
		}
	})
	return a
}

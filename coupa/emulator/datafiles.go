package emulator

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
)

// Coupa loads a Users CSV dropped in /Incoming/Users minutes later and
// records the outcome as a data file source (GET /api/data_file_sources):
// a status, a result text, and an upload error per refused row. The
// emulator does the same after Options.LoadDelay: valid rows are applied
// as API writes would be, invalid ones recorded with their row (counted
// from 1 for the first row after the header) and first column.

// LoadUsersCSV queues a Users import file, as Coupa's poller picks it up;
// the channel closes once it is loaded.
func (s *Server) LoadUsersCSV(name string, data []byte) <-chan struct{} {
	s.mu.Lock()
	id := len(s.files) + 1
	now := s.now().UTC().Format(time.RFC3339)
	src := map[string]any{"id": id, "created-at": now, "updated-at": now, "type": "BackgroundCsvFileLoad", "source-for": "User",
		"status": "Pending", "file-file-name": name, "result-text": "", "upload-errors": []any{}}
	s.files = append(s.files, src)
	// files load one at a time in the order they came, as Coupa's poller
	// takes them: a report's file never loads before its manager's
	done := make(chan struct{})
	prev := s.lastLoad
	s.lastLoad = done
	s.mu.Unlock()
	time.AfterFunc(s.opts.LoadDelay, func() {
		if prev != nil {
			<-prev
		}
		s.loadUsers(src, data)
		close(done)
	})
	return done
}

func (s *Server) loadUsers(src map[string]any, data []byte) {
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	s.mu.Lock()
	defer s.mu.Unlock()
	finish := func(status, text string, errs []any) {
		src["status"], src["result-text"], src["upload-errors"] = status, text, errs
		src["updated-at"] = s.now().UTC().Format(time.RFC3339)
	}
	if err != nil || len(rows) == 0 {
		finish("Failed", fmt.Sprintf("the file is not a CSV file: %v", err), []any{})
		return
	}
	head := rows[0]
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "*"))] = i
	}
	if _, ok := col["login"]; !ok {
		finish("Failed", "Missing required column: Login", []any{})
		return
	}
	created, updated := 0, 0
	errs := []any{}
	for n, row := range rows[1:] {
		get := func(name string) (string, bool) {
			if i, ok := col[name]; ok && i < len(row) {
				return row[i], true
			}
			return "", false
		}
		body := map[string]any{}
		for h, k := range map[string]string{"login": "login", "email": "email", "first name": "firstname", "last name": "lastname",
			"middle name": "middlename", "employee number": "employee-number", "sso identifier": "sso-identifier", "mention name": "mention-name"} {
			if v, ok := get(h); ok && v != "" {
				body[k] = nullable(v)
			}
		}
		if v, ok := get("status"); ok && v != "" {
			body["active"] = strings.EqualFold(v, "active")
		}
		if v, ok := get("default currency"); ok && v != "" {
			body["default-currency"] = map[string]any{"code": v}
		}
		if v, ok := get("approver login"); ok && v != "" {
			body["manager"] = map[string]any{"login": v}
		}
		if v, ok := get("user role names"); ok && v != "" {
			var roles []any
			for _, r := range strings.Split(v, ",") {
				if r = strings.TrimSpace(r); r != "" {
					roles = append(roles, map[string]any{"name": r})
				}
			}
			body["roles"] = roles
		}
		if v, ok := get("default chart of accounts name"); ok && v != "" {
			body["default-account-type"] = map[string]any{"name": v}
		}
		if v, ok := get("account security type"); ok && v != "" {
			if n, err := strconv.Atoi(v); err == nil {
				body["account-security-type"] = float64(n)
			}
		}
		// segments are stored once the chart is: a second step, as over the API
		account := map[string]any{}
		for n := 1; n <= 20; n++ {
			if v, ok := get(fmt.Sprintf("default account code segment-%d", n)); ok && v != "" {
				account[fmt.Sprintf("segment-%d", n)] = v
			}
		}
		if v, ok := get("contingent workforce user"); ok && v != "" {
			body["ccw-user"] = strings.EqualFold(v, "yes") || strings.EqualFold(v, "true")
		}
		if v, ok := get("phone work"); ok && v != "" {
			if p := parsePhone(v); p != nil {
				body["phone-work"] = p
			}
		}
		s.loadMoreColumns(get, body)
		// Coupa's keys: Id (any field may change), then Login, then
		// Employee Number; keyed by Login, the employee number may not
		// change (Coupa would try to create a user).
		var target *coupa.User
		var problems []string
		byLogin := false
		if idText, _ := get("id"); strings.TrimSpace(idText) != "" {
			id, _ := strconv.Atoi(strings.TrimSpace(idText))
			if target = s.byID[id]; target == nil {
				problems = append(problems, fmt.Sprintf("Id %s does not exist", idText))
			}
		} else {
			login, _ := get("login")
			if target = s.findLogin(login); target != nil {
				byLogin = true
			} else if num, _ := get("employee number"); num != "" {
				for _, u := range s.users {
					if u.EmployeeNumber == num {
						target = u
					}
				}
			}
		}
		if num, ok := body["employee-number"].(string); ok && byLogin && target != nil && num != target.EmployeeNumber {
			problems = append(problems, "Employee Number cannot be updated when the row is keyed by Login (add the Id column)")
		}
		switch {
		case len(problems) > 0: // refused before anything is applied
		case target == nil:
			u := &coupa.User{ID: s.nextID, Active: true, AuthenticationMethod: "coupa_credentials", Roles: []coupa.Role{}}
			if problems = s.applyRow(u, body, account, true); len(problems) == 0 {
				if len(u.Roles) == 0 {
					u.Roles = []coupa.Role{*s.role(coupa.Ref{Name: "User"})}
				}
				now := s.now().UTC().Format(time.RFC3339)
				u.CreatedAt, u.UpdatedAt = now, now
				u.UpdatedBy = &coupa.Ref{Login: "data-file-load"}
				s.nextID++
				s.users = append(s.users, u)
				s.byID[u.ID] = u
				created++
			}
		default:
			next := *target
			next.Roles = append([]coupa.Role(nil), target.Roles...)
			if problems = s.applyRow(&next, body, account, false); len(problems) == 0 {
				s.dropIgnored(&next, target)
				next.UpdatedAt = s.now().UTC().Format(time.RFC3339)
				next.UpdatedBy = &coupa.Ref{Login: "data-file-load"}
				*target = next
				updated++
			}
		}
		if len(problems) > 0 {
			first := ""
			if len(row) > 0 {
				first = row[0]
			}
			field, value := fieldOf(problems[0], head, row)
			errs = append(errs, map[string]any{"type": "UploadRowError", "row": n + 1, "first-column": first,
				"field-with-error": field, "value": value, "field-errors": toAny(problems)})
		}
	}
	finish("Done", fmt.Sprintf("%d rows processed, creating %d new rows and updating %d rows", len(rows)-1, created, updated), errs)
}

// applyRow applies a row's fields, then its account segments (which need
// the chart stored first).
func (s *Server) applyRow(u *coupa.User, body, account map[string]any, create bool) []string {
	if errs := s.apply(u, body, create); len(errs) > 0 || len(account) == 0 {
		return errs
	}
	return s.apply(u, map[string]any{"default-account": account}, false)
}

// nullable maps the import's clear marker to a JSON null.
func nullable(v string) any {
	if v == "--NULL--" {
		return nil
	}
	return v
}

var phoneRe = regexp.MustCompile(`^\+?(\d+)\s+(\d+)-(\d+)(?:\s*x(\d+))?$`)

func parsePhone(v string) map[string]any {
	m := phoneRe.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return nil
	}
	p := map[string]any{"country-code": m[1], "area-code": m[2], "number": m[3]}
	if m[4] != "" {
		p["extension"] = m[4]
	}
	return p
}

// fieldOf guesses the column a validation message is about.
func fieldOf(msg string, head, row []string) (string, string) {
	l := strings.ToLower(msg)
	for i, h := range head {
		name := strings.ToLower(strings.TrimSuffix(h, "*"))
		key := strings.Fields(name)
		if len(key) > 0 && strings.Contains(l, key[len(key)-1]) && i < len(row) {
			return h, row[i]
		}
	}
	return "", ""
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// dataFileSources serves GET /api/data_file_sources[/ID].
func (s *Server) dataFileSources(r *http.Request, parts []string) (int, any) {
	if r.Method != http.MethodGet {
		return http.StatusMethodNotAllowed, errBody("data-file-source", "data_file_sources are read-only in this emulator")
	}
	s.mu.RLock()
	items := make([]map[string]any, len(s.files))
	for i, f := range s.files {
		c := map[string]any{}
		for k, v := range f {
			c[k] = v
		}
		items[i] = c
	}
	s.mu.RUnlock()
	if len(parts) == 2 {
		for _, it := range items {
			if str(it["id"]) == parts[1] {
				return 200, it
			}
		}
		return http.StatusNotFound, errBody("data-file-source", "Not found")
	}
	known := map[string]bool{}
	for _, k := range []string{"id", "created-at", "updated-at", "type", "source-for", "status", "file-file-name", "result-text"} {
		known[k] = true
	}
	return s.list(r, "data-file-source", items, known)
}

// loadMoreColumns reads the Users import's columns for licences, approval
// limits, groups, locale, authentication and the default address into a
// request body, as the API takes them.
func (s *Server) loadMoreColumns(get func(string) (string, bool), body map[string]any) {
	for h, k := range map[string]string{"purchasing user": "purchasing-user", "expense user": "expense-user", "sourcing user": "sourcing-user",
		"inventory user": "inventory-user", "contracts user": "contracts-user", "analytics user": "analytics-user"} {
		if v, ok := get(h); ok && v != "" {
			body[k] = strings.EqualFold(v, "yes") || strings.EqualFold(v, "true")
		}
	}
	for h, k := range map[string]string{"requisition approval limit": "requisition-approval-limit", "expense approval limit": "expense-approval-limit",
		"invoice approval limit": "invoice-approval-limit", "contract approval limit": "contract-approval-limit",
		"requisition self approval limit": "requisition-self-approval-limit", "expense self approval limit": "expense-self-approval-limit",
		"invoice self approval limit": "invoice-self-approval-limit", "contract self approval limit": "contract-self-approval-limit"} {
		if v, ok := get(h); ok && v != "" {
			if v == "--NULL--" {
				body[k] = nil
				continue
			}
			amount, cur, _ := strings.Cut(strings.TrimSpace(v), " ")
			body[k] = map[string]any{"amount": amount, "currency": map[string]any{"code": strings.TrimSpace(cur)}}
		}
	}
	for h, k := range map[string]string{"groups": "user-groups", "content groups": "content-groups", "account group names": "account-groups",
		"approval group names": "approval-groups"} {
		if v, ok := get(h); ok && v != "" {
			refs := []any{}
			if v != "--NULL--" {
				for _, n := range strings.Split(v, ",") {
					if n = strings.TrimSpace(n); n != "" {
						refs = append(refs, map[string]any{"name": n})
					}
				}
			}
			body[k] = refs
		}
	}
	if v, ok := get("default locale"); ok && v != "" {
		body["default-locale"] = nullable(v)
	}
	if v, ok := get("authentication method"); ok && v != "" {
		body["authentication-method"] = strings.ToLower(v)
	}
	if v, ok := get("business group security type"); ok && v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			body["business-group-security-type"] = float64(n)
		}
	}
	if v, ok := get("default address location code"); ok && v != "" {
		if v == "--NULL--" {
			body["default-address"] = nil
		} else {
			body["default-address"] = map[string]any{"location-code": v}
		}
	}
}

package emulator

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// condition is one query-string filter: a path (attr or assoc[attr]) and an operator.
type condition struct {
	path  []string
	op    string
	value string
}

var operators = map[string]bool{"contains": true, "starts_with": true, "ends_with": true, "gt": true, "lt": true,
	"gt_or_eq": true, "lt_or_eq": true, "not_eq": true, "in": true, "not_in": true, "blank": true}

var reserved = map[string]bool{"limit": true, "offset": true, "order_by": true, "dir": true, "fields": true,
	"return_object": true, "filter": true}

func norm(name string) string { return strings.ReplaceAll(strings.TrimSpace(name), "_", "-") }

// parseConditions turns the query string into filters; known is the set of
// top-level attributes of the resource (an unknown one is a 400, as Coupa answers).
func parseConditions(q url.Values, known map[string]bool) ([]condition, error) {
	var out []condition
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if reserved[k] {
			continue
		}
		parts := splitKey(k)
		if len(parts) == 0 || parts[0] == "" {
			return nil, fmt.Errorf("malformed filter %q", k)
		}
		c := condition{op: "eq", value: q.Get(k)}
		if last := parts[len(parts)-1]; len(parts) > 1 && operators[last] {
			c.op = last
			parts = parts[:len(parts)-1]
		}
		for i := range parts {
			parts[i] = norm(parts[i])
		}
		if !known[parts[0]] {
			return nil, fmt.Errorf("unknown attribute %q in filter %q", parts[0], k)
		}
		c.path = parts
		out = append(out, c)
	}
	return out, nil
}

// splitKey splits "a[b][gt]" into [a b gt].
func splitKey(k string) []string {
	i := strings.IndexByte(k, '[')
	if i < 0 {
		return []string{k}
	}
	out := []string{k[:i]}
	rest := k[i:]
	for strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return nil
		}
		out = append(out, rest[1:j])
		rest = rest[j+1:]
	}
	if rest != "" {
		return nil
	}
	return out
}

// values collects the values at a path; collections fan out (roles[name]=x matches any role).
func values(v any, path []string) []any {
	if len(path) == 0 {
		if list, ok := v.([]any); ok {
			return list
		}
		return []any{v}
	}
	switch t := v.(type) {
	case map[string]any:
		return values(t[path[0]], path[1:])
	case []any:
		var out []any
		for _, e := range t {
			out = append(out, values(e, path)...)
		}
		return out
	}
	return []any{nil}
}

func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	case json.Number:
		return t.String()
	}
	return fmt.Sprint(v)
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// compare orders two values numerically, as times, or as strings.
func compare(a, b string) int {
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	if x, ok := parseTime(a); ok {
		if y, ok := parseTime(b); ok {
			return x.Compare(y)
		}
	}
	return strings.Compare(a, b)
}

func (c condition) match(obj map[string]any) bool {
	vals := values(obj, c.path)
	if c.op == "not_eq" || c.op == "not_in" {
		for _, v := range vals {
			if !c.matchOne(str(v)) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.matchOne(str(v)) {
			return true
		}
	}
	return false
}

func (c condition) matchOne(s string) bool {
	want := c.value
	switch c.op {
	case "eq":
		return strings.EqualFold(s, want)
	case "not_eq":
		return !strings.EqualFold(s, want)
	case "contains":
		return strings.Contains(strings.ToLower(s), strings.ToLower(want))
	case "starts_with":
		return strings.HasPrefix(strings.ToLower(s), strings.ToLower(want))
	case "ends_with":
		return strings.HasSuffix(strings.ToLower(s), strings.ToLower(want))
	case "gt":
		return s != "" && compare(s, want) > 0
	case "lt":
		return s != "" && compare(s, want) < 0
	case "gt_or_eq":
		return s != "" && compare(s, want) >= 0
	case "lt_or_eq":
		return s != "" && compare(s, want) <= 0
	case "in", "not_in":
		in := false
		for _, w := range strings.Split(want, ",") {
			if strings.EqualFold(strings.TrimSpace(w), s) {
				in = true
			}
		}
		return in == (c.op == "in")
	case "blank":
		b, _ := strconv.ParseBool(want)
		return (s == "") == b
	}
	return false
}

// projection is a parsed `fields` parameter.
type projection map[string]projection // nil value: keep whole

func parseFields(s string) (projection, error) {
	if s == "" {
		return nil, nil
	}
	var raw []any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("fields must be a JSON array: %v", err)
	}
	return buildProjection(raw)
}

func buildProjection(raw []any) (projection, error) {
	p := projection{}
	for _, e := range raw {
		switch t := e.(type) {
		case string:
			p[norm(t)] = nil
		case map[string]any:
			for k, v := range t {
				switch sub := v.(type) {
				case []any:
					sp, err := buildProjection(sub)
					if err != nil {
						return nil, err
					}
					p[norm(k)] = sp
				default: // {"custom_fields": {}}: the whole object
					p[norm(k)] = nil
				}
			}
		default:
			return nil, fmt.Errorf("fields: unexpected element %v", e)
		}
	}
	return p, nil
}

func (p projection) apply(v any) any {
	if p == nil {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(p))
		for k, sub := range p {
			if val, ok := t[k]; ok {
				out[k] = sub.apply(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = p.apply(e)
		}
		return out
	}
	return v
}

// shallow keeps own attributes and reduces associations to ids and natural keys.
func shallow(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		switch t := v.(type) {
		case map[string]any:
			out[k] = refOnly(t)
		case []any:
			l := make([]any, len(t))
			for i, e := range t {
				if m, ok := e.(map[string]any); ok {
					l[i] = refOnly(m)
				} else {
					l[i] = e
				}
			}
			out[k] = l
		default:
			out[k] = v
		}
	}
	return out
}

func refOnly(m map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"id", "login", "name", "code"} {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

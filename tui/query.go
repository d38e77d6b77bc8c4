package tui

import (
	"strings"

	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// query is the users filter: free words match a user's key or name;
// action:update, is:selected|unselected|partly|problem|informational|inferred,
// field:email (has a change of that field), kind:supervisor (a problem of
// that kind) and NAME:VALUE (a change of field NAME whose values hold VALUE).
type query struct {
	words  []string
	action plans.Action
	is     []string
	fields []string
	kinds  []string
	values [][2]string
	bad    string // a term not understood
}

var isTerms = []string{"selected", "unselected", "partly", "problem", "informational", "inferred", "changed"}

func parseQuery(s string) query {
	var q query
	for _, term := range strings.Fields(strings.ToLower(s)) {
		k, v, ok := strings.Cut(term, ":")
		if !ok || v == "" {
			q.words = append(q.words, term)
			continue
		}
		switch k {
		case "action":
			a := plans.Action(v)
			if a.Rank() >= len(plans.PlanOrder) {
				q.bad = term
			}
			q.action = a
		case "is":
			known := false
			for _, t := range isTerms {
				known = known || t == v
			}
			if !known {
				q.bad = term
			}
			q.is = append(q.is, v)
		case "field":
			q.fields = append(q.fields, v)
		case "kind":
			q.kinds = append(q.kinds, v)
		default:
			q.values = append(q.values, [2]string{k, v})
		}
	}
	return q
}

func (q query) empty() bool {
	return len(q.words)+len(q.is)+len(q.fields)+len(q.kinds)+len(q.values) == 0 && q.action == ""
}

func (q query) match(u *plans.UserPlan) bool {
	if q.action != "" && u.Action != q.action {
		return false
	}
	for _, w := range q.words {
		if !strings.Contains(strings.ToLower(u.Key), w) && !strings.Contains(strings.ToLower(u.Name), w) {
			return false
		}
	}
	for _, is := range q.is {
		ok := false
		switch is {
		case "selected":
			ok = u.SelectedCount() > 0
		case "unselected":
			ok = u.SelectedCount() == 0 && len(u.Changes) > 0
		case "partly":
			ok = u.Partly()
		case "problem":
			ok = len(u.Problems) > 0
		case "inferred":
			ok = u.Inferred
		case "changed":
			ok = len(u.Changes) > 0
		case "informational":
			for _, c := range u.Changes {
				ok = ok || c.Informational
			}
		}
		if !ok {
			return false
		}
	}
	for _, f := range q.fields {
		ok := false
		for _, c := range u.Changes {
			ok = ok || strings.Contains(c.Field, f)
		}
		if !ok {
			return false
		}
	}
	for _, k := range q.kinds {
		ok := false
		for _, p := range u.Problems {
			ok = ok || strings.Contains(string(p.Kind), k)
		}
		if !ok {
			return false
		}
	}
	for _, fv := range q.values {
		ok := false
		for _, c := range u.Changes {
			if strings.Contains(c.Field, fv[0]) && (strings.Contains(strings.ToLower(c.Coupa()), fv[1]) || strings.Contains(strings.ToLower(c.Feed()), fv[1])) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

package followup

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Drift is what changed in Coupa since a snapshot or a plan was made,
// and who changed it.
type Drift struct {
	Since     string      `json:"since"`      // the file compared with
	SinceTime time.Time   `json:"since-time"` // when it was made
	Instance  string      `json:"instance"`
	Users     []DriftUser `json:"users"`
}

// DriftUser is one user changed since.
type DriftUser struct {
	Key       string        `json:"key"`
	UpdatedAt string        `json:"updated-at"`
	UpdatedBy string        `json:"updated-by"`
	Changes   []DriftChange `json:"changes"`
	Note      string        `json:"note,omitempty"`
}

// DriftChange is one field's value then and now.
type DriftChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// sameUser reports whether two versions of a Coupa user agree on every
// field drift compares (the rule fieldsOf and Same apply, without maps).
func SameUser(a, b *coupa.User) bool {
	for _, f := range plans.Compared {
		if !plans.Same(f, plans.CoupaValue(a, f), plans.CoupaValue(b, f)) {
			return false
		}
	}
	var sa, sb map[int]string
	if a.DefaultAccount != nil {
		sa = a.DefaultAccount.Segments
	}
	if b.DefaultAccount != nil {
		sb = b.DefaultAccount.Segments
	}
	if len(sa) != len(sb) || len(a.CustomFields) != len(b.CustomFields) {
		return false
	}
	for n, v := range sa {
		if sb[n] != v {
			return false
		}
	}
	for k := range a.CustomFields {
		f := record.CustomField(k)
		if plans.CoupaValue(a, f).String() != plans.CoupaValue(b, f).String() {
			return false
		}
	}
	return true
}

// fieldsOf is a Coupa user's compared fields, as text.
func FieldsOf(u *coupa.User) map[string]string {
	out := make(map[string]string, len(plans.Compared)+4)
	for _, f := range plans.Compared {
		out[f] = plans.CoupaValue(u, f).String()
	}
	if u.DefaultAccount != nil {
		for n, v := range u.DefaultAccount.Segments {
			out[record.SegmentField(n)] = v
		}
	}
	for k := range u.CustomFields {
		out[record.CustomField(k)] = plans.CoupaValue(u, record.CustomField(k)).String()
	}
	return out
}

// textValue reads a field's text as its typed value, for comparison.
func TextValue(field, s string) plans.Value {
	if s == "" {
		return plans.None(field)
	}
	if plans.KindOf(field) == plans.KindRoles {
		return plans.Roles(strings.Split(s, ", "))
	}
	v, ok := plans.ParseValue(field, s)
	if !ok {
		return plans.Text(s)
	}
	return v
}

func DriftFields(a, b map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]string{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// actor names who last changed a user, as Coupa says.
func Actor(u *coupa.User) string {
	if r := u.UpdatedBy; r != nil {
		switch {
		case r.Login != "":
			return r.Login
		case r.Name != "":
			return r.Name
		case r.ID != 0:
			return fmt.Sprintf("user %d", r.ID)
		}
	}
	return ""
}

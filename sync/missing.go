package sync

import (
	"encoding/csv"
	"io"
	"sort"
	"strings"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
)

// MissingValue is a segment value the feed uses and Coupa's lookup lacks:
// listed once, with every user it holds back, so the operator loads it
// (diff --missing-values) before the users.
type MissingValue struct {
	Lookup  string   `json:"lookup"`
	Segment int      `json:"segment"`
	Name    string   `json:"name,omitempty"` // as the feed names it (segments 1-7 carry names)
	Code    string   `json:"code,omitempty"` // as the feed codes it
	Users   []string `json:"users"`
}

// lacks records a value missing from a segment's lookup.
func (rp *rowPlan) lacks(segment int, lookup, name, code string) {
	if rp.missing == nil {
		rp.missing = new([]MissingValue)
	}
	*rp.missing = append(*rp.missing, MissingValue{Lookup: lookup, Segment: segment, Name: name, Code: code})
}

// missingValues gathers the rows' missing values, one entry per value.
func missingValues(rows []*rowPlan) []MissingValue {
	at := map[string]int{}
	var out []MissingValue
	for _, rp := range rows {
		for _, m := range *rp.missing {
			k := strings.ToLower(m.Lookup) + "\x00" + strings.ToLower(m.Name) + "\x00" + m.Code
			i, ok := at[k]
			if !ok {
				i = len(out)
				at[k] = i
				out = append(out, m)
			}
			out[i].Users = append(out[i].Users, rp.plan.Key)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Segment != b.Segment {
			return a.Segment < b.Segment
		}
		return a.Name+a.Code < b.Name+b.Code
	})
	return out
}

// WriteMissingValues writes missing values as Coupa's Lookup Values import
// CSV (/Incoming/LookupValues). A value the feed only names has no
// External Ref Num yet: the operator fills it in before loading.
func WriteMissingValues(w io.Writer, values []MissingValue) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"Name", "Active", "Lookup", "Description", "External Ref Num"})
	cell := func(s string) string { return termtext.Cell(termtext.Safe(s)) }
	for _, m := range values {
		name := m.Name
		if name == "" {
			name = m.Code
		}
		cw.Write([]string{cell(name), "Yes", cell(m.Lookup), cell("used by " + plural(len(m.Users), "user", "users") + " of the feed"), cell(m.Code)})
	}
	cw.Flush()
	return cw.Error()
}

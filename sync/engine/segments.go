package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// lookupIndex answers name → code and code → name per lookup (active values only).
type lookupIndex struct {
	byName map[string]map[string]string // lookup (lower) -> name (lower) -> code
	byCode map[string]map[string]string // lookup (lower) -> code -> name
}

func indexLookups(values []coupa.LookupValue) lookupIndex {
	l := lookupIndex{byName: map[string]map[string]string{}, byCode: map[string]map[string]string{}}
	for _, v := range values {
		if v.Lookup == nil || !v.Active {
			continue
		}
		k := strings.ToLower(v.Lookup.Name)
		if l.byName[k] == nil {
			l.byName[k], l.byCode[k] = map[string]string{}, map[string]string{}
		}
		l.byName[k][strings.ToLower(v.Name)] = v.ExternalRefNum
		l.byCode[k][v.ExternalRefNum] = v.Name
	}
	return l
}

func (l lookupIndex) known(lookup string) bool { return l.byName[strings.ToLower(lookup)] != nil }

// nameIndex is one lookup's codes by value name, resolved once per diff.
type nameIndex struct {
	exact map[string]string // name as Coupa spells it -> code
	fold  map[string]string // lower-cased name -> code
}

// code is the code of a value name, as lookupIndex.code finds it.
func (x *nameIndex) code(name string) (string, bool) {
	if c, ok := x.exact[name]; ok {
		return c, true
	}
	c, ok := x.fold[strings.ToLower(name)]
	return c, ok
}

// nameIndexOf resolves a lookup's name index (nil when it has no values).
func (l lookupIndex) nameIndexOf(lookup string, values []coupa.LookupValue) *nameIndex {
	fold := l.byName[strings.ToLower(lookup)]
	if fold == nil {
		return nil
	}
	x := &nameIndex{exact: map[string]string{}, fold: fold}
	for _, v := range values {
		if v.Lookup != nil && v.Active && strings.EqualFold(v.Lookup.Name, lookup) {
			x.exact[v.Name] = v.ExternalRefNum
		}
	}
	return x
}

func (l lookupIndex) code(lookup, name string) (string, bool) {
	c, ok := l.byName[strings.ToLower(lookup)][strings.ToLower(name)]
	return c, ok
}

func (l lookupIndex) has(lookup, code string) bool {
	_, ok := l.byCode[strings.ToLower(lookup)][code]
	return ok
}

func (l lookupIndex) name(lookup, code string) string { return l.byCode[strings.ToLower(lookup)][code] }

// compareSegments translates CCW segment names to codes through the lookup
// the operator assigned to each chart segment, and compares codes. It also
// keeps the CCW segments as a CCW User file will carry them.
func (e *engine) compareSegments(rp *rowPlan, f *record.User) {
	c := rp.coupa
	// by segment number; arrays, not maps: this runs for every row
	// want: each chart segment's code; named: the feed's name a code was
	// translated from (its note is written only if the segment changes)
	var want, named [21]string
	var checked [21]bool // codes already checked against their lookup
	var segs [record.MaxSegments + 1]record.Segment
	f.Segments(&want, &segs)
	var found [record.MaxSegments]plans.NumberedSegment // the feed's segments, in number order
	ccw := found[:0]
	for n := 1; n <= record.MaxSegments; n++ {
		s := segs[n]
		if s.Empty() {
			continue
		}
		target := e.cfg.SegmentTargets[n]
		switch {
		case target == "chart":
			lookup := e.cfg.SegmentLookups[n]
			if s.Code != "" {
				want[n], checked[n] = s.Code, true
				if lookup != "" && !e.lookups.has(lookup, s.Code) {
					rp.problem(plans.ProblemSegment, "missing-value", []string{rp.plan.Key}, "segment %d code %q is not a value of lookup %s", n, s.Code, lookup)
					rp.lacks(n, lookup, s.Name, s.Code)
				}
				if s.Name == "" && lookup != "" {
					s.Name = e.lookups.name(lookup, s.Code)
				}
				break
			}
			if lookup == "" {
				rp.problem(plans.ProblemSegment, "no-lookup", []string{rp.plan.Key}, "segment %d: no lookup assigned to translate %q (use --segment-lookup %d=LOOKUP)", n, s.Name, n)
				continue
			}
			index := e.segmentCodes[n]
			if index == nil {
				rp.problem(plans.ProblemSegment, "no-lookup", []string{rp.plan.Key}, "segment %d: lookup %s has no values in the Coupa snapshot (does it exist, and could lookup values be read?)", n, lookup)
				continue
			}
			code, ok := index.code(s.Name)
			if !ok {
				rp.problem(plans.ProblemSegment, "missing-value", []string{rp.plan.Key}, "segment %d value %q is not a value of lookup %s", n, s.Name, lookup)
				rp.lacks(n, lookup, s.Name, "")
				continue
			}
			want[n], named[n] = code, s.Name
			s.Code = code
		case strings.HasPrefix(target, "custom-fields."):
			v := s.Code
			if v == "" {
				v = s.Name
			}
			rp.compare(target, v)
		}
		ccw = append(ccw, plans.NumberedSegment{N: n, Segment: s})
	}
	if c != nil && len(ccw) > 0 {
		var held plans.SegmentSet
		for _, s := range ccw {
			if e.cfg.SegmentTargets[s.N] != "chart" {
				continue
			}
			code := ""
			if c.DefaultAccount != nil {
				code = c.DefaultAccount.Segments[s.N]
			}
			if code != s.Code {
				held = append(held, plans.NumberedSegment{N: s.N, Segment: record.Segment{Name: e.lookups.name(e.cfg.SegmentLookups[s.N], code), Code: code}})
			}
		}
		rp.plan.CCWHeld = held
	}
	if len(ccw) > 0 {
		// finish adds the segments Coupa holds, for users that keep them
		rp.plan.CCWSegments = append(plans.SegmentSet(nil), ccw...)
	}
	wanted := false
	for n, code := range want {
		if code == "" {
			continue
		}
		wanted = true
		if lookup := e.cfg.SegmentLookups[n]; lookup != "" && named[n] == "" && !checked[n] && !e.lookups.has(lookup, code) {
			rp.problem(plans.ProblemSegment, "missing-value", []string{rp.plan.Key}, "segment %d code %q is not a value of lookup %s", n, code, lookup)
			rp.lacks(n, lookup, "", code)
		}
	}
	if !wanted {
		return
	}
	// the account Coupa holds is kept only by users that change (keep):
	// most rows match, and a map per row is most of a row's cost
	rp.account = c != nil && (c.DefaultAccountType != nil || c.DefaultAccount != nil)
	chart := f.Get(record.AccountType)
	if chart == "" {
		chart = e.chart
	}
	curChart := rp.current(record.AccountType)
	if chart != "" && !strings.EqualFold(curChart.Text(), chart) && f.Get(record.AccountType) == "" {
		rp.change(record.AccountType, curChart, plans.Text(chart), true, "the chart CCW segments belong to")
		derived := 1
		if c != nil && len(c.AccountGroups) > 0 {
			derived = 2
		}
		cur := rp.current(record.SecurityType)
		if cur.IsNone() || cur.IntValue() != derived {
			rp.change(record.SecurityType, cur, plans.Int(derived), true, "derived: 1 without account groups, 2 with")
		}
	}
	for n := 1; n <= 20; n++ {
		if want[n] == "" {
			continue
		}
		field := record.SegmentField(n)
		before := len(rp.plan.Changes)
		rp.compareValue(field, rp.current(field), plans.Text(want[n]))
		if len(rp.plan.Changes) > before && named[n] != "" {
			rp.plan.Changes[len(rp.plan.Changes)-1].Note = fmt.Sprintf("%q → %s", named[n], want[n])
		}
	}
}

// heldSegments fills the CCW segments the feed is silent on with what
// Coupa holds: a chart segment's code with its lookup value's name, or a
// custom field's text in the column the published layout has (Name for
// 1–7, Code for 8–11).
func (e *engine) heldSegments(rp *rowPlan, ccw plans.SegmentSet, sc *scratch) plans.SegmentSet {
	c := rp.coupa
	if c == nil {
		return ccw
	}
	chart := plans.ChartCodes(c)
	// the feed's segments and Coupa's, merged in number order on the stack
	var merged [record.MaxSegments]plans.NumberedSegment
	all, next, added := merged[:0], 0, false
	for n := 1; n <= record.MaxSegments; n++ {
		if next < len(ccw) && ccw[next].N == n {
			all = append(all, ccw[next])
			next++
			continue
		}
		var s record.Segment
		switch target := e.targets[n]; {
		case target == "":
			continue
		case target == "chart":
			code := chart[n]
			if code == "" {
				continue
			}
			s = record.Segment{Name: e.segmentNames[n][code], Code: code} // e.lookups.name, resolved once
		case strings.HasPrefix(target, "custom-fields."):
			v := plans.CoupaValue(c, target).Text()
			if v == "" {
				continue
			}
			if n <= 7 {
				s = record.Segment{Name: v}
			} else {
				s = record.Segment{Code: v}
			}
		default:
			continue
		}
		all, added = append(all, plans.NumberedSegment{N: n, Segment: s}), true
	}
	all = append(all, ccw[next:]...) // numbers past the CCW segments', if any
	switch {
	case !added:
		return ccw
	case sc != nil:
		return sc.keptSegments.Keep(all)
	}
	return append(plans.SegmentSet(nil), all...)
}

// accountSeen is the default account a Coupa user holds, as a plan keeps it.
func accountSeen(c *coupa.User) *plans.AccountSeen {
	seen := &plans.AccountSeen{Segments: map[int]string{}}
	if c.DefaultAccountType != nil {
		seen.Chart = c.DefaultAccountType.Name
	}
	if c.DefaultAccount != nil {
		for n, v := range c.DefaultAccount.Segments {
			seen.Segments[n] = v
		}
	}
	return seen
}

// lacks records a value missing from a segment's lookup.
func (rp *rowPlan) lacks(segment int, lookup, name, code string) {
	if rp.missing == nil {
		rp.missing = new([]plans.MissingValue)
	}
	*rp.missing = append(*rp.missing, plans.MissingValue{Lookup: lookup, Segment: segment, Name: name, Code: code})
}

// missingValues gathers the rows' missing values, one entry per value.
func missingValues(rows []*rowPlan) []plans.MissingValue {
	at := map[string]int{}
	var out []plans.MissingValue
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

package engine

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	cores "github.com/ccwrecon/ccwrecon/internal/parallel"
	"github.com/ccwrecon/ccwrecon/internal/suggest"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Engagement settings are checked once, before any row is compared: a
// lookup name that does not exist, or segment names nobody said how to
// translate, would otherwise make every user an error with the same
// message. Each error names the nearest existing names and lists them.

// SetupError is a configuration error choosing the chart or the segment
// lookups fixes (ccwrecon init, or the console's setup screen).
type SetupError struct{ Msg string }

func (e *SetupError) Error() string { return ErrConfig.Error() + ": " + e.Msg }
func (e *SetupError) Unwrap() error { return ErrConfig }

func setupErr(f string, a ...any) error { return &SetupError{Msg: fmt.Sprintf(f, a...)} }

// LookupSummary is a lookup as the settings checks and `init` show it.
type LookupSummary struct {
	Name   string
	Active bool
	Values int      // active values
	Sample []string // a few value names
}

func (e *engine) snapLookups() ([]LookupSummary, bool) {
	if len(e.snap.Lookups) == 0 {
		return nil, false // not read (a warning says so): checked row by row instead
	}
	by := map[string]*LookupSummary{}
	var out []LookupSummary
	for _, l := range e.snap.Lookups {
		out = append(out, LookupSummary{Name: l.Name, Active: l.Active})
	}
	for i := range out {
		by[strings.ToLower(out[i].Name)] = &out[i]
	}
	for _, v := range e.snap.LookupValues {
		if v.Lookup == nil || !v.Active {
			continue
		}
		if s := by[strings.ToLower(v.Lookup.Name)]; s != nil {
			s.Values++
			if len(s.Sample) < 3 {
				s.Sample = append(s.Sample, v.Name)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, true
}

func lookupList(ls []LookupSummary) string {
	var parts []string
	for _, l := range ls {
		p := fmt.Sprintf("%s (%s)", l.Name, plans.Plural(l.Values, "value", "values"))
		if !l.Active {
			p = l.Name + " (inactive)"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func lookupNames(ls []LookupSummary) []string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return names
}

// checkSettings refuses lookup names Coupa does not have and segment
// names with no lookup to translate them.
func (e *engine) checkSettings() error {
	ls, known := e.snapLookups()
	if !known {
		return nil
	}
	nums := make([]int, 0, len(e.cfg.SegmentLookups))
	for n := range e.cfg.SegmentLookups {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		name := e.cfg.SegmentLookups[n]
		found := false
		for _, l := range ls {
			if strings.EqualFold(l.Name, name) {
				found = true
				if !l.Active {
					return setupErr("--segment-lookup %d=%s: that lookup is inactive in Coupa", n, name)
				}
			}
		}
		if !found {
			return setupErr("--segment-lookup %d=%s: Coupa has no lookup %q%s; its lookups: %s", n, name, name,
				suggest.Hint(name, lookupNames(ls)), lookupList(ls))
		}
	}
	// chart segments the feed may name without a lookup to translate them
	var unassigned []int
	for n := 1; n <= record.MaxSegments; n++ {
		if e.cfg.SegmentTargets[n] == "chart" && e.cfg.SegmentLookups[n] == "" {
			unassigned = append(unassigned, n)
		}
	}
	if len(unassigned) == 0 {
		return nil
	}
	// the first row naming one, for each segment: rows read once, on every core
	first := make([]atomic.Int64, record.MaxSegments+1)
	for n := range first {
		first[n].Store(math.MaxInt64)
	}
	users := e.feed.Users
	cores.Ranges(len(users), 8192, func(lo, hi int) {
		var chart [21]string
		for i := lo; i < hi; i++ {
			var segs [record.MaxSegments + 1]record.Segment
			users[i].Segments(&chart, &segs)
			for _, n := range unassigned {
				if s := segs[n]; s.Name != "" && s.Code == "" {
					lowerTo(&first[n], int64(i))
				}
			}
		}
	})
	for _, n := range unassigned {
		if i := first[n].Load(); i != math.MaxInt64 {
			f := users[i]
			s := f.Segment(n)
			return setupErr("the feed names values of CCW segment %d (%q, line %d) and no lookup is assigned to translate them to codes: "+
				"add --segment-lookup %d=LOOKUP (or run ccwrecon init); Coupa's lookups: %s", n, s.Name, f.Source.Line, n, lookupList(ls))
		}
	}
	return nil
}

// Reference is the engine over Coupa's reference data alone, with no feed:
// what setup and doctor check the settings against, by diff's own rules.
type Reference struct{ e *engine }

// NewReference readies the engine's indexes of ref under cfg (defaults
// filled in).
func NewReference(ref *coupa.Snapshot, cfg Config) *Reference {
	e := newEngine(&feeds.Feed{}, ref, cfg, nil)
	e.cfg.defaults()
	return &Reference{e}
}

// Config is the settings, defaults filled in.
func (r *Reference) Config() Config { return r.e.cfg }

// ResolveChart settles the chart as diff does; Chart is then its name ("" when
// Coupa has several active charts and none is set).
func (r *Reference) ResolveChart() error { return r.e.resolveChart() }

// Chart is the chart ResolveChart settled.
func (r *Reference) Chart() string { return r.e.chart }

// Check validates the segment lookups as diff does.
func (r *Reference) Check() error { return r.e.checkSettings() }

// Lookups summarises Coupa's lookups; false when they were not read.
func (r *Reference) Lookups() ([]LookupSummary, bool) { return r.e.snapLookups() }

// Holds reports whether lookup has value v, by code or by name.
func (r *Reference) Holds(lookup, v string) bool {
	_, ok := r.e.lookups.code(lookup, v)
	return ok || r.e.lookups.has(lookup, v)
}

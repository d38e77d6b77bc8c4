package sync

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/engine"
)

// Setup is what `init` shows an operator choosing the engagement's chart
// and segment lookups: Coupa's active charts and lookups, and for each
// CCW segment the feed uses, the lookups ranked by how many of the feed's
// values they hold. A proposal is only a ranking: the operator chooses
// (the same name can sit in two lookups).
type Setup struct {
	Instance string
	Charts   []string // active
	Lookups  []engine.LookupSummary
	Segments []SegmentSetup
}

// ChartChoice is the chart to use without asking (the only active one),
// and whether the operator must choose among several.
func (s *Setup) ChartChoice() (chart string, ask bool) {
	switch len(s.Charts) {
	case 0:
		return "", false
	case 1:
		return s.Charts[0], false
	}
	return "", true
}

// SegmentSetup is one CCW segment the feed uses.
type SegmentSetup struct {
	Segment    int
	Values     []string // the feed's distinct values (names, or codes where it has no name)
	Current    string   // the lookup assigned now, if any
	Candidates []LookupMatch
}

// LookupMatch is how many of a segment's feed values a lookup holds.
type LookupMatch struct {
	Lookup  string
	Matched int
	Of      int
}

// Rate is the share of the feed's values the lookup holds.
func (m LookupMatch) Rate() float64 {
	if m.Of == 0 {
		return 0
	}
	return float64(m.Matched) / float64(m.Of)
}

// Setup reads Coupa's charts and lookups and, when a feed is configured,
// ranks the lookups for each chart segment the feed uses.
func (s *Service) Setup(ctx context.Context) (*Setup, error) {
	client, err := s.Client(false)
	if err != nil {
		return nil, err
	}
	ref, err := client.Reference(ctx)
	if err != nil {
		return nil, err
	}
	e := engine.NewReference(ref, s.e.Config)
	out := &Setup{Instance: ref.Instance}
	for _, c := range ref.AccountTypes {
		if c.Active {
			out.Charts = append(out.Charts, c.Name)
		}
	}
	out.Lookups, _ = e.Lookups()
	if s.e.Feed == "" {
		return out, nil
	}
	feed, err := s.ReadFeed(ctx)
	if err != nil {
		return nil, err
	}
	for n := 1; n <= record.MaxSegments; n++ {
		if e.Config().SegmentTargets[n] != "chart" {
			continue
		}
		seen := map[string]bool{}
		var values []string
		for _, f := range feed.Users {
			sg := f.Segment(n)
			v := sg.Name
			if v == "" {
				v = sg.Code
			}
			if v != "" && !seen[strings.ToLower(v)] {
				seen[strings.ToLower(v)] = true
				values = append(values, v)
			}
		}
		if len(values) == 0 {
			continue
		}
		seg := SegmentSetup{Segment: n, Values: values, Current: e.Config().SegmentLookups[n]}
		for _, l := range out.Lookups {
			if !l.Active {
				continue
			}
			m := LookupMatch{Lookup: l.Name, Of: len(values)}
			for _, v := range values {
				if e.Holds(l.Name, v) {
					m.Matched++
				}
			}
			seg.Candidates = append(seg.Candidates, m)
		}
		sort.SliceStable(seg.Candidates, func(i, j int) bool { return seg.Candidates[i].Matched > seg.Candidates[j].Matched })
		out.Segments = append(out.Segments, seg)
	}
	return out, nil
}

// CheckSetup validates a chosen chart and segment lookups against Coupa
// (the same checks diff makes), without a feed.
func (s *Service) CheckSetup(ctx context.Context, chart string, lookups map[int]string) error {
	client, err := s.Client(false)
	if err != nil {
		return err
	}
	ref, err := client.Reference(ctx)
	if err != nil {
		return err
	}
	cfg := s.e.Config
	cfg.Chart, cfg.SegmentLookups = chart, lookups
	e := engine.NewReference(ref, cfg)
	if err := e.ResolveChart(); err != nil {
		return err
	}
	return e.Check()
}

// UseSetup makes a chosen chart and segment lookups the engagement's
// (the console's setup screen); the next Open uses them.
func (s *Service) UseSetup(chart string, lookups map[int]string) {
	if chart != "" {
		s.e.Config.Chart = chart
	}
	if s.e.Config.SegmentLookups == nil {
		s.e.Config.SegmentLookups = map[int]string{}
	} else {
		s.e.Config.SegmentLookups = maps.Clone(s.e.Config.SegmentLookups)
	}
	for n, l := range lookups {
		s.e.Config.SegmentLookups[n] = l
	}
}

// SetupText names a chosen chart and segment lookups, for messages:
// "chart Acme Corporate, segment lookups 1=Company, 2=Cost Center".
func SetupText(chart string, lookups map[int]string) string {
	if chart == "" {
		chart = "(none)"
	}
	var parts []string
	for n := 1; n <= 20; n++ {
		if l, ok := lookups[n]; ok {
			parts = append(parts, fmt.Sprintf("%d=%s", n, l))
		}
	}
	if len(parts) == 0 {
		parts = []string{"(none)"}
	}
	return "chart " + chart + ", segment lookups " + strings.Join(parts, ", ")
}

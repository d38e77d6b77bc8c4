package plans

import (
	"encoding/json"
	"sort"

	"github.com/ccwrecon/ccwrecon/record"
)

// SegmentSet is a user's CCW segments by number, in number order: a few
// of eleven. A map per user cost more to make, hash and digest than the
// rest of what a changing user keeps.
type SegmentSet []NumberedSegment

// NumberedSegment is CCW segment N.
type NumberedSegment struct {
	N int
	record.Segment
}

// Get is segment n, if the set has it.
func (s SegmentSet) Get(n int) (record.Segment, bool) {
	for i := range s {
		if s[i].N == n {
			return s[i].Segment, true
		}
	}
	return record.Segment{}, false
}

// MarshalJSON writes the set as plans always have: an object by number.
func (s SegmentSet) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	m := make(map[int]record.Segment, len(s))
	for _, e := range s {
		m[e.N] = e.Segment
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads an object by number, strictly.
func (s *SegmentSet) UnmarshalJSON(b []byte) error {
	var m map[int]record.Segment
	if err := strictJSON(b, &m); err != nil {
		return err
	}
	if m == nil {
		*s = nil
		return nil
	}
	out := make(SegmentSet, 0, len(m))
	for n, seg := range m {
		out = append(out, NumberedSegment{n, seg})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].N < out[j].N })
	*s = out
	return nil
}

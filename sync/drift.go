package sync

import (
	"context"

	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/record"
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

// Drift reads Coupa now (an incremental refresh when the cache can serve)
// and compares it with a snapshot, field by field; or with a plan: its
// users' recorded values field by field, and every other user changed
// after the plan was made, named with who changed it.
func (s *Service) Drift(ctx context.Context, since string) (*Drift, error) {
	b, err := fileutil.ReadRegular(since, MaxPlanBytes)
	if err != nil {
		return nil, err
	}
	format := ""
	if m := formatRe.FindSubmatch(b[:min(len(b), 4096)]); m != nil {
		format = string(m[1])
	}
	var before map[int]map[string]string
	var plan *Plan
	var snap *coupa.Snapshot
	d := &Drift{Since: since}
	switch {
	case format == coupa.SnapshotFormat:
		if snap, err = coupa.LoadSnapshot(since); err != nil {
			return nil, err
		}
		d.SinceTime, d.Instance = snap.FetchedAt, snap.Instance
	case format == PlanFormat:
		if plan, err = ParsePlan(b); err != nil {
			return nil, fmt.Errorf("%s: %w", since, err)
		}
		d.SinceTime, d.Instance = plan.CreatedAt, plan.Instance
		before = map[int]map[string]string{}
		for _, u := range plan.Users {
			if u.Fingerprint == nil {
				continue
			}
			f := map[string]string{}
			for _, c := range u.Changes {
				f[c.Field] = c.Before.String()
			}
			for _, x := range u.Same {
				f[x.Field] = x.Value.String()
			}
			before[u.Fingerprint.ID] = f
		}
	default:
		return nil, fmt.Errorf("%s is neither a ccwrecon snapshot nor a plan (format %q)", since, format)
	}
	return s.driftAgainst(ctx, d, before, plan, snap)
}

// DriftFrom is what changed in Coupa since a snapshot in memory was read
// (the console's session: since this comparison was made).
func (s *Service) DriftFrom(ctx context.Context, base *coupa.Snapshot) (*Drift, error) {
	d := &Drift{Since: "this comparison", SinceTime: base.FetchedAt, Instance: base.Instance}
	return s.driftAgainst(ctx, d, nil, nil, base)
}

// driftAgainst compares Coupa now with a snapshot (snap) or with what a
// plan recorded (before, by Coupa id).
func (s *Service) driftAgainst(ctx context.Context, d *Drift, before map[int]map[string]string, plan *Plan, snap *coupa.Snapshot) (*Drift, error) {
	now, _, err := s.Coupa(ctx, nil)
	if err != nil {
		return nil, err
	}
	var base map[int]*coupa.User
	if snap != nil {
		base = make(map[int]*coupa.User, len(snap.Users))
		for i := range snap.Users {
			base[snap.Users[i].ID] = &snap.Users[i]
		}
	}
	if !strings.EqualFold(strings.TrimRight(now.Instance, "/"), strings.TrimRight(d.Instance, "/")) {
		return nil, fmt.Errorf("%s was made against %s, not %s", d.Since, d.Instance, now.Instance)
	}
	for i := range now.Users {
		u := &now.Users[i]
		was, known := before[u.ID]
		if b, ok := base[u.ID]; ok {
			if sameUser(b, u) {
				continue // most users: compared without building their fields
			}
			was, known = fieldsOf(b), true
		}
		du := DriftUser{Key: u.Login, UpdatedAt: u.UpdatedAt, UpdatedBy: actor(u)}
		switch {
		case known:
			cur := fieldsOf(u)
			for _, f := range driftFields(was, cur) {
				if plan != nil {
					if _, recorded := was[f]; !recorded {
						continue // the plan did not record this field
					}
				}
				if Same(f, textValue(f, was[f]), textValue(f, cur[f])) {
					continue
				}
				du.Changes = append(du.Changes, DriftChange{Field: f, Before: was[f], After: cur[f]})
			}
			if len(du.Changes) == 0 {
				continue
			}
		case snap != nil:
			du.Note = "created since"
			du.Changes = []DriftChange{}
		default: // a plan records only its users: anyone else updated after it was made
			t, err := time.Parse(time.RFC3339, u.UpdatedAt)
			if err != nil || t.Before(d.SinceTime) { // the same second counts: plans keep whole seconds
				continue
			}
			du.Note = "updated after the plan was made; the plan holds no earlier record of this user's fields"
			du.Changes = []DriftChange{}
		}
		d.Users = append(d.Users, du)
	}
	sort.SliceStable(d.Users, func(i, j int) bool { return d.Users[i].UpdatedAt > d.Users[j].UpdatedAt })
	if d.Users == nil {
		d.Users = []DriftUser{}
	}
	return d, nil
}

// formatRe finds a document's format near its start.
var formatRe = regexp.MustCompile(`"format"\s*:\s*"([^"]+)"`)

// sameUser reports whether two versions of a Coupa user agree on every
// field drift compares (the rule fieldsOf and Same apply, without maps).
func sameUser(a, b *coupa.User) bool {
	for _, f := range compared {
		if !Same(f, CoupaValue(a, f), CoupaValue(b, f)) {
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
		if CoupaValue(a, f).String() != CoupaValue(b, f).String() {
			return false
		}
	}
	return true
}

// fieldsOf is a Coupa user's compared fields, as text.
func fieldsOf(u *coupa.User) map[string]string {
	out := make(map[string]string, len(compared)+4)
	for _, f := range compared {
		out[f] = CoupaValue(u, f).String()
	}
	if u.DefaultAccount != nil {
		for n, v := range u.DefaultAccount.Segments {
			out[record.SegmentField(n)] = v
		}
	}
	for k := range u.CustomFields {
		out[record.CustomField(k)] = CoupaValue(u, record.CustomField(k)).String()
	}
	return out
}

// textValue reads a field's text as its typed value, for comparison.
func textValue(field, s string) Value {
	if s == "" {
		return None(field)
	}
	if KindOf(field) == KindRoles {
		return Roles(strings.Split(s, ", "))
	}
	v, ok := ParseValue(field, s)
	if !ok {
		return Text(s)
	}
	return v
}

func driftFields(a, b map[string]string) []string {
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
func actor(u *coupa.User) string {
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

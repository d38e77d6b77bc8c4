package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sort"
	"strconv"
	"time"

	"github.com/ccwrecon/ccwrecon/record"
)

// DigestOf fingerprints a plan's content as diff wrote it: everything but
// the selection (which the operator may change). apply refuses a plan whose
// digest no longer matches, so a plan edited by hand is never applied.
// It is written field by field rather than through JSON: it runs on every
// diff, and a 100,000-user plan must not pay for reflection.
func DigestOf(p *Plan) string {
	d := digester{h: sha256.New()}
	d.put("plan", p.Format, p.ToolVersion, p.CreatedAt.UTC().Format(time.RFC3339Nano), p.Instance)
	d.put("feed", p.Feed.Name, p.Feed.SHA256, p.Feed.Kind, strconv.FormatBool(p.Feed.Full))
	s := p.Settings
	d.put("settings", s.MatchOn, s.Chart, strconv.Itoa(s.MaxDeactivate), strconv.FormatFloat(s.MaxDeactPct, 'g', -1, 64), strconv.Itoa(s.Scope))
	d.intMap("lookups", s.SegmentLookups)
	d.intMap("targets", s.SegmentTargets)
	m := p.Summary
	d.ints("summary", m.Create, m.Update, m.Deactivate, m.Reactivate, m.Unchanged, m.Errors, m.Problems)
	d.put(append([]string{"warnings"}, p.Warnings...)...)
	for _, u := range p.Users {
		d.put("user", u.Key, u.Name, string(u.Action), strconv.FormatBool(u.Inferred))
		d.ints("user-n", u.Line, u.Unchanged)
		if f := u.Fingerprint; f != nil {
			d.put("fp", strconv.Itoa(f.ID), f.UpdatedAt, f.Hash)
		}
		if a := u.CoupaAccount; a != nil {
			d.put("account", a.Chart)
			d.intMap("account-segments", a.Segments)
		}
		d.segments("ccw-segment", u.CCWSegments)
		d.segments("ccw-held", u.CCWHeld)
		for _, pr := range u.Problems {
			d.put(append([]string{"problem", string(pr.Kind), strconv.Itoa(pr.Line), pr.Message}, pr.Users...)...)
		}
		for i := range u.Changes {
			c := &u.Changes[i]
			d.put("change", c.Field, string(c.Op), strconv.FormatBool(c.Informational), c.Note)
			d.value(c.Before)
			d.value(c.After)
		}
		for _, f := range u.Same {
			d.put("same", f.Field)
			d.value(f.Value)
		}
	}
	return "sha256:" + hex.EncodeToString(d.h.Sum(nil))
}

type digester struct{ h hash.Hash }

func (d digester) put(parts ...string) {
	for _, s := range parts {
		d.h.Write([]byte(strconv.Itoa(len(s))))
		d.h.Write([]byte{':'})
		d.h.Write([]byte(s))
	}
	d.h.Write([]byte{'\n'})
}

func (d digester) ints(tag string, ns ...int) {
	parts := []string{tag}
	for _, n := range ns {
		parts = append(parts, strconv.Itoa(n))
	}
	d.put(parts...)
}

func (d digester) intMap(tag string, m map[int]string) {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	parts := []string{tag}
	for _, k := range keys {
		parts = append(parts, strconv.Itoa(k), m[k])
	}
	d.put(parts...)
}

func (d digester) segments(tag string, m map[int]record.Segment) {
	keys := make([]int, 0, len(m))
	for n := range m {
		keys = append(keys, n)
	}
	sort.Ints(keys)
	for _, n := range keys {
		d.put(tag, strconv.Itoa(n), m[n].Name, m[n].Code)
	}
}

func (d digester) value(v Value) {
	parts := []string{"v", strconv.Itoa(int(v.kind)), strconv.FormatBool(v.IsNone())}
	switch v.kind {
	case KindRoles:
		parts = append(parts, v.roles...)
	case KindPhone:
		if v.phone != nil {
			parts = append(parts, v.phone.CountryCode, v.phone.AreaCode, v.phone.Number, v.phone.Extension)
		}
	default:
		parts = append(parts, v.String())
	}
	d.put(parts...)
}

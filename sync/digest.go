package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sort"
	"strconv"
	"time"
)

// DigestOf fingerprints a plan's content as diff wrote it: everything but
// the selection (which the operator may change). apply refuses a plan whose
// digest no longer matches, so a plan edited by hand is never applied.
// It is written field by field rather than through JSON: it runs on every
// diff, and a 100,000-user plan must not pay for reflection.
func DigestOf(p *Plan) string {
	// Users are hashed in fixed blocks on every core; the plan's hash
	// covers the head and each block's hash in order.
	// Unchanged users are not covered (plan files may leave them out);
	// the summary, which counts them, is.
	users := Saved(p.Users)
	blocks := make([][sha256.Size]byte, (len(users)+digestBlock-1)/digestBlock)
	parallelTasks(len(blocks), func(k int) {
		d := &digester{h: sha256.New(), buf: make([]byte, 0, 80<<10)}
		for _, u := range users[k*digestBlock : min(len(users), (k+1)*digestBlock)] {
			d.user(u)
		}
		d.flush()
		d.h.Sum(blocks[k][:0])
	})
	d := &digester{h: sha256.New(), buf: make([]byte, 0, 4<<10)}
	d.put("plan", p.Format, p.ToolVersion, p.CreatedAt.UTC().Format(time.RFC3339Nano), p.Instance)
	d.put("feed", p.Feed.Name, p.Feed.SHA256, p.Feed.Kind, strconv.FormatBool(p.Feed.Full))
	s := p.Settings
	d.put("settings", s.MatchOn, s.Chart, strconv.Itoa(s.MaxDeactivate), strconv.FormatFloat(s.MaxDeactPct, 'g', -1, 64), strconv.Itoa(s.Scope))
	d.intMap("lookups", s.SegmentLookups)
	d.intMap("targets", s.SegmentTargets)
	m := p.Summary
	d.ints("summary", m.Create, m.Update, m.Deactivate, m.Reactivate, m.Unchanged, m.Errors, m.Problems)
	d.put(append([]string{"warnings"}, p.Warnings...)...)
	for _, m := range p.MissingValues {
		d.put(append([]string{"missing", m.Lookup, strconv.Itoa(m.Segment), m.Name, m.Code}, m.Users...)...)
	}
	for k := range blocks {
		d.part("users")
		d.part(hex.EncodeToString(blocks[k][:]))
		d.end()
	}
	d.flush()
	return DigestPrefix + hex.EncodeToString(d.h.Sum(nil))
}

// Saved lists the users a plan file holds: all but the unchanged, which
// the file counts in its summary only.
func Saved(users []*UserPlan) []*UserPlan {
	out := make([]*UserPlan, 0, len(users)/4)
	for _, u := range users {
		if u.Action != Unchanged {
			out = append(out, u)
		}
	}
	return out
}

// DigestPrefix names the digest's method; a plan whose digest has another
// prefix was written by another version of ccwrecon.
const DigestPrefix = "sha256tree:"

// digestBlock is how many users one block hash covers (fixed, so the
// digest does not depend on the number of cores).
const digestBlock = 4096

func (d *digester) user(u *UserPlan) {
	d.part("user")
	d.part(u.Key)
	d.part(u.Name)
	d.part(string(u.Action))
	d.part(strconv.FormatBool(u.Inferred))
	d.end()
	d.ints("user-n", u.Line, u.Unchanged)
	if f := u.Fingerprint; f != nil {
		d.part("fp")
		d.intPart(f.ID)
		d.part(f.UpdatedAt)
		d.part(f.Hash)
		d.end()
	}
	if a := u.CoupaAccount; a != nil {
		d.put("account", a.Chart)
		d.intMap("account-segments", a.Segments)
	}
	d.segments("ccw-segment", u.CCWSegments)
	d.segments("ccw-held", u.CCWHeld)
	for _, pr := range u.Problems {
		d.put(append([]string{"problem", string(pr.Kind), strconv.Itoa(pr.Line), pr.Message, pr.Cause}, pr.Users...)...)
	}
	for i := range u.Changes {
		c := &u.Changes[i]
		d.part("change")
		d.part(c.Field)
		d.part(string(c.Op))
		d.part(strconv.FormatBool(c.Informational))
		d.part(c.Note)
		d.part(c.Cause)
		d.end()
		d.value(c.Before)
		d.value(c.After)
	}
	for i := range u.Same {
		f := &u.Same[i]
		d.buf = append(d.buf, "4:same"...) // d.part("same"): most of a plan's parts
		d.part(f.Field)
		d.end()
		d.value(f.Value)
	}
}

// digester frames each part as "len:part" and each record with a newline,
// appending into one buffer that is hashed in large blocks: no allocation
// per part.
type digester struct {
	h   hash.Hash
	buf []byte
}

func (d *digester) flush() {
	d.h.Write(d.buf)
	d.buf = d.buf[:0]
}

func (d *digester) part(s string) {
	d.buf = appendLen(d.buf, len(s))
	d.buf = append(d.buf, ':')
	d.buf = append(d.buf, s...)
}

// appendLen is strconv.AppendInt for a length: most parts are under 100
// bytes, written here without the general conversion.
func appendLen(b []byte, n int) []byte {
	switch {
	case n < 10:
		return append(b, byte('0'+n))
	case n < 100:
		return append(b, byte('0'+n/10), byte('0'+n%10))
	}
	return strconv.AppendInt(b, int64(n), 10)
}

func (d *digester) end() {
	d.buf = append(d.buf, '\n')
	if len(d.buf) >= 64<<10 {
		d.flush()
	}
}

func (d *digester) put(parts ...string) {
	for _, s := range parts {
		d.part(s)
	}
	d.end()
}

func (d *digester) intPart(n int) {
	if n >= 0 && n < 10 { // kinds, small counts: "1:n"
		d.buf = append(d.buf, '1', ':', byte('0'+n))
		return
	}
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], int64(n), 10)
	d.buf = appendLen(d.buf, len(digits))
	d.buf = append(d.buf, ':')
	d.buf = append(d.buf, digits...)
}

func (d *digester) ints(tag string, ns ...int) {
	d.part(tag)
	for _, n := range ns {
		d.intPart(n)
	}
	d.end()
}

func (d *digester) intMap(tag string, m map[int]string) {
	d.part(tag)
	for _, k := range sortedKeys(m) {
		d.intPart(k)
		d.part(m[k])
	}
	d.end()
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

func (d *digester) segments(tag string, set SegmentSet) {
	for _, e := range set { // in number order
		d.part(tag)
		d.intPart(e.N)
		d.part(e.Name)
		d.part(e.Code)
		d.end()
	}
}

func (d *digester) value(v Value) {
	d.buf = append(d.buf, "1:v"...) // d.part("v")
	d.intPart(int(v.kind))
	if v.IsNone() { // d.part(strconv.FormatBool(v.IsNone()))
		d.buf = append(d.buf, "4:true"...)
	} else {
		d.buf = append(d.buf, "5:false"...)
	}
	switch v.kind {
	case KindText:
		d.part(v.text)
	case KindRoles:
		for _, r := range v.RoleList() {
			d.part(r)
		}
	case KindPhone:
		if p, ok := v.PhoneParts(); ok {
			d.part(p.CountryCode)
			d.part(p.AreaCode)
			d.part(p.Number)
			d.part(p.Extension)
		}
	default:
		d.part(v.String())
	}
	d.end()
}

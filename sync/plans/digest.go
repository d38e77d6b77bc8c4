package plans

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"time"

	cores "github.com/ccwrecon/ccwrecon/internal/parallel"
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
	hashBlock := func(k int) {
		h, b := sha256.New(), make([]byte, 0, 80<<10)
		for _, u := range users[k*digestBlock : min(len(users), (k+1)*digestBlock)] {
			if b = appendUser(b, u); len(b) >= 64<<10 {
				h.Write(b)
				b = b[:0]
			}
		}
		h.Write(b)
		h.Sum(blocks[k][:0])
	}
	cores.Workers(len(blocks), 1, func() struct{} { return struct{}{} }, func(_ struct{}, lo, hi int) {
		for k := lo; k < hi; k++ {
			hashBlock(k)
		}
	})
	// the head, then each block's hash
	h, b := sha256.New(), make([]byte, 0, 4<<10)
	b = frameRecord(b, "plan", p.Format, p.ToolVersion, p.CreatedAt.UTC().Format(time.RFC3339Nano), p.Instance)
	b = frameRecord(b, "feed", p.Feed.Name, p.Feed.SHA256, p.Feed.Kind, strconv.FormatBool(p.Feed.Full))
	s := p.Settings
	b = frameRecord(b, "settings", s.MatchOn, s.Chart, strconv.Itoa(s.MaxDeactivate), strconv.FormatFloat(s.MaxDeactPct, 'g', -1, 64), strconv.Itoa(s.Scope))
	b = frameIntMap(b, "lookups", s.SegmentLookups)
	b = frameIntMap(b, "targets", s.SegmentTargets)
	m := p.Summary
	b = frameInts(b, "summary", m.Create, m.Update, m.Deactivate, m.Reactivate, m.Unchanged, m.Errors, m.Problems)
	b = frameRecord(b, append([]string{"warnings"}, p.Warnings...)...)
	for _, m := range p.MissingValues {
		b = frameRecord(b, append([]string{"missing", m.Lookup, strconv.Itoa(m.Segment), m.Name, m.Code}, m.Users...)...)
	}
	for k := range blocks {
		b = frameRecord(b, "users", hex.EncodeToString(blocks[k][:]))
	}
	h.Write(b)
	return DigestPrefix + hex.EncodeToString(h.Sum(nil))
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

// appendUser frames a user's parts into b. Parts are appended to a local
// slice, not a struct's field: a store through a pointer costs a write
// barrier while the collector marks, and a plan has millions of parts.
func appendUser(b []byte, u *UserPlan) []byte {
	b = framePart(b, "user")
	b = framePart(b, u.Key)
	b = framePart(b, u.Name)
	b = framePart(b, string(u.Action))
	b = framePart(b, strconv.FormatBool(u.Inferred))
	b = append(b, '\n')
	b = frameInts(b, "user-n", u.Line, u.Unchanged)
	if f := u.Fingerprint; f != nil {
		b = framePart(b, "fp")
		b = frameInt(b, f.ID)
		b = framePart(b, f.UpdatedAt)
		b = framePart(b, f.Hash)
		b = append(b, '\n')
	}
	if a := u.CoupaAccount; a != nil {
		b = append(framePart(framePart(b, "account"), a.Chart), '\n')
		b = frameIntMap(b, "account-segments", a.Segments)
	}
	b = frameSegments(b, "ccw-segment", u.CCWSegments)
	b = frameSegments(b, "ccw-held", u.CCWHeld)
	for _, pr := range u.Problems {
		b = frameRecord(b, append([]string{"problem", string(pr.Kind), strconv.Itoa(pr.Line), pr.Message, pr.Cause}, pr.Users...)...)
	}
	for i := range u.Changes {
		c := &u.Changes[i]
		b = framePart(b, "change")
		b = framePart(b, c.Field)
		b = framePart(b, string(c.Op))
		b = framePart(b, strconv.FormatBool(c.Informational))
		b = framePart(b, c.Note)
		b = framePart(b, c.Cause)
		b = append(b, '\n')
		b = frameValue(b, c.Before)
		b = frameValue(b, c.After)
	}
	for i := range u.Same {
		f := &u.Same[i]
		b = append(b, "4:same"...) // framePart(b, "same"): most of a plan's parts
		b = append(framePart(b, f.Field), '\n')
		b = frameValue(b, f.Value)
	}
	return b
}

// framePart frames a part as "len:part" (a record ends with a newline).
// Parts are appended into one buffer, hashed in large blocks: no
// allocation per part.
func framePart(b []byte, s string) []byte {
	b = appendLen(b, len(s))
	b = append(b, ':')
	return append(b, s...)
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

// frameRecord frames parts as one record.
func frameRecord(b []byte, parts ...string) []byte {
	for _, s := range parts {
		b = framePart(b, s)
	}
	return append(b, '\n')
}

func frameInt(b []byte, n int) []byte {
	if n >= 0 && n < 10 { // kinds, small counts: "1:n"
		return append(b, '1', ':', byte('0'+n))
	}
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], int64(n), 10)
	b = appendLen(b, len(digits))
	b = append(b, ':')
	return append(b, digits...)
}

func frameInts(b []byte, tag string, ns ...int) []byte {
	b = framePart(b, tag)
	for _, n := range ns {
		b = frameInt(b, n)
	}
	return append(b, '\n')
}

func frameIntMap(b []byte, tag string, m map[int]string) []byte {
	b = framePart(b, tag)
	for _, k := range sortedKeys(m) {
		b = frameInt(b, k)
		b = framePart(b, m[k])
	}
	return append(b, '\n')
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

func frameSegments(b []byte, tag string, set SegmentSet) []byte {
	for _, e := range set { // in number order
		b = framePart(b, tag)
		b = frameInt(b, e.N)
		b = framePart(b, e.Name)
		b = framePart(b, e.Code)
		b = append(b, '\n')
	}
	return b
}

func frameValue(b []byte, v Value) []byte {
	b = append(b, "1:v"...) // framePart(b, "v")
	b = frameInt(b, int(v.kind))
	if v.IsNone() { // framePart(b, strconv.FormatBool(v.IsNone()))
		b = append(b, "4:true"...)
	} else {
		b = append(b, "5:false"...)
	}
	switch v.kind {
	case KindText:
		b = framePart(b, v.text)
	case KindRoles:
		for _, r := range v.RoleList() {
			b = framePart(b, r)
		}
	case KindPhone:
		if p, ok := v.PhoneParts(); ok {
			b = framePart(b, p.CountryCode)
			b = framePart(b, p.AreaCode)
			b = framePart(b, p.Number)
			b = framePart(b, p.Extension)
		}
	default:
		b = framePart(b, v.String())
	}
	return append(b, '\n')
}

// Seal sets the plan's digest and remembers the state it covered, so a
// later change to the plan is caught before it is saved or applied.
func (p *Plan) Seal() { p.Digest, p.digested = DigestOf(p), p.digestKey() }

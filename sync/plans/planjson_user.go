package plans

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// userWriter appends one plan user as indented JSON, byte for byte what
// json.Encoder with SetIndent("    ", "  ") writes through
// UserPlan.MarshalJSON (TestWriteJSONMatchesEncoder holds it to that), at
// a fraction of the cost: the common parts are printed directly and only
// the rare nested values go through encoding/json.
type userWriter struct {
	buf   *bytes.Buffer
	first bool // no field written yet in the current object
	err   error
}

// depth 2 is a user inside "users": the object's fields sit at 6 spaces.
const userDepth = 2

func (w *userWriter) newline(depth int) {
	w.buf.WriteByte('\n')
	for i := 0; i < depth; i++ {
		w.buf.WriteString("  ")
	}
}

func (w *userWriter) key(depth int, k string) {
	if !w.first {
		w.buf.WriteByte(',')
	}
	w.first = false
	w.newline(depth)
	w.buf.WriteByte('"')
	w.buf.WriteString(k) // keys are constants needing no escape
	w.buf.WriteString(`": `)
}

func (w *userWriter) str(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			w.marshal(s, 0)
			return
		}
	}
	w.buf.WriteByte('"')
	w.buf.WriteString(s)
	w.buf.WriteByte('"')
}

func (w *userWriter) bool(b bool) { w.buf.WriteString(strconv.FormatBool(b)) }

func (w *userWriter) int(n int) {
	var tmp [20]byte
	w.buf.Write(strconv.AppendInt(tmp[:0], int64(n), 10))
}

// marshal writes v through encoding/json, indented as the encoder would
// at this depth.
func (w *userWriter) marshal(v any, depth int) {
	b, err := json.Marshal(v)
	if err != nil {
		w.err = err
		return
	}
	w.raw(b, depth)
}

func (w *userWriter) raw(b []byte, depth int) {
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		prefix := "    "
		for i := userDepth; i < depth; i++ {
			prefix += "  "
		}
		if err := json.Indent(w.buf, b, prefix, "  "); err != nil {
			w.err = err
		}
		return
	}
	w.buf.Write(b)
}

func (w *userWriter) user(u *UserPlan) {
	d := userDepth + 1
	w.buf.WriteByte('{')
	w.first = true
	w.key(d, "key")
	w.str(u.Key)
	if u.Name != "" {
		w.key(d, "name")
		w.str(u.Name)
	}
	w.key(d, "action")
	w.str(string(u.Action))
	w.key(d, "selected")
	w.bool(u.Selected)
	if u.Inferred {
		w.key(d, "inferred")
		w.bool(true)
	}
	if u.Line != 0 {
		w.key(d, "line")
		w.int(u.Line)
	}
	w.key(d, "changes")
	if len(u.Changes) == 0 {
		w.buf.WriteString("[]")
	} else {
		w.buf.WriteByte('[')
		for i := range u.Changes {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.newline(d + 1)
			w.change(&u.Changes[i], d+1)
		}
		w.newline(d)
		w.buf.WriteByte(']')
	}
	if len(u.Problems) > 0 {
		texts := make([]string, len(u.Problems))
		for i, p := range u.Problems {
			texts[i] = p.String()
		}
		w.key(d, "problems")
		w.marshal(texts, d)
		w.key(d, "problem-details")
		w.marshal(u.Problems, d)
	}
	if u.Unchanged != 0 {
		w.key(d, "unchanged-fields")
		w.int(u.Unchanged)
	}
	if len(u.Same) > 0 {
		w.key(d, "unchanged")
		w.buf.WriteByte('[')
		for i, f := range u.Same {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.newline(d + 1)
			w.buf.WriteByte('{')
			w.first = true
			w.key(d+2, "field")
			w.str(f.Field)
			w.key(d+2, "value")
			w.value(f.Value, d+2)
			w.newline(d + 1)
			w.buf.WriteByte('}')
		}
		w.newline(d)
		w.buf.WriteByte(']')
		w.first = false
	}
	if f := u.Fingerprint; f != nil {
		w.key(d, "fingerprint")
		w.buf.WriteByte('{')
		w.first = true
		w.key(d+1, "id")
		w.int(f.ID)
		w.key(d+1, "updated-at")
		w.str(f.UpdatedAt)
		w.key(d+1, "hash")
		w.str(f.Hash)
		w.newline(d)
		w.buf.WriteByte('}')
		w.first = false
	}
	if u.CoupaAccount != nil {
		w.key(d, "coupa-account")
		w.marshal(u.CoupaAccount, d)
	}
	if len(u.CCWSegments) > 0 {
		w.key(d, "ccw-segments")
		w.marshal(u.CCWSegments, d)
	}
	if len(u.CCWHeld) > 0 {
		w.key(d, "ccw-segments-held")
		w.marshal(u.CCWHeld, d)
	}
	w.newline(userDepth)
	w.buf.WriteByte('}')
}

// value writes a typed value as Value.MarshalJSON does.
func (w *userWriter) value(v Value, depth int) {
	if v.kind == KindText && !v.IsNone() {
		w.str(v.text)
		return
	}
	b, err := v.MarshalJSON()
	if err != nil {
		w.err = err
		return
	}
	w.raw(b, depth)
}

func (w *userWriter) change(c *Change, depth int) {
	d := depth + 1
	w.buf.WriteByte('{')
	w.first = true
	w.key(d, "field")
	w.str(c.Field)
	w.key(d, "op")
	w.str(string(c.Op))
	w.key(d, "coupa")
	w.str(c.Coupa())
	w.key(d, "feed")
	w.str(c.Feed())
	w.key(d, "selected")
	w.bool(c.Selected)
	if c.Informational {
		w.key(d, "informational")
		w.bool(true)
	}
	if c.Note != "" {
		w.key(d, "note")
		w.str(c.Note)
	}
	if KindOf(c.Field) != KindText {
		for _, v := range []struct {
			k string
			v Value
		}{{"before", c.Before}, {"after", c.After}} {
			w.key(d, v.k)
			w.value(v.v, d)
		}
	}
	if c.Cause != "" {
		w.key(d, "cause")
		w.str(c.Cause)
	}
	w.newline(depth)
	w.buf.WriteByte('}')
	w.first = false
}

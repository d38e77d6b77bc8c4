package plans

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/record"
)

// MaxPlanBytes bounds what LoadPlan reads (a 100,000-user plan is ~100 MB).
const MaxPlanBytes = 1 << 30

// ErrEdited marks a plan whose content was changed after diff wrote it.
var ErrEdited = errors.New("the plan was edited after diff wrote it")

// Save writes the plan as indented JSON, atomically and private (0600):
// plans name people and their data. It counts and digests a copy, so a
// plan on screen can be saved while the console still draws it.
func (p *Plan) Save(path string) error {
	q := *p
	q.Recount()
	if q.digested == (digestKey{}) || q.digested != q.digestKey() {
		q.Digest = DigestOf(&q)
	}
	return fileutil.WriteAtomic(path, fileutil.Private, func(w io.Writer) error { return WriteJSON(w, &q) })
}

// LoadPlan reads and validates a plan file (see ParsePlan).
func LoadPlan(path string) (*Plan, []byte, error) {
	b, err := fileutil.ReadRegular(path, MaxPlanBytes)
	if err != nil {
		return nil, nil, err
	}
	p, err := ParsePlan(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, b, nil
}

// ParsePlan reads a plan strictly: a known format, no unknown fields,
// values valid for their fields, text that agrees with the typed values,
// counts that agree with the users, and a digest that proves nothing but
// the selection changed since diff wrote it.
func ParsePlan(b []byte) (*Plan, error) {
	var head struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		if looksLikeAFeed(b) {
			return nil, errors.New("this is a feed, not a plan: make a plan of it with ccwrecon diff --feed FILE --out plan.json, then apply the plan")
		}
		return nil, errors.New("not a ccwrecon plan (a plan is the JSON file ccwrecon diff --out writes)")
	}
	switch {
	case head.Format == "ccwrecon-plan/1":
		return nil, errors.New("this plan was written by an older ccwrecon (plan format 1); make a new one with ccwrecon diff --out")
	case head.Format != PlanFormat:
		return nil, fmt.Errorf("unknown plan format %q (this ccwrecon reads %s)", head.Format, PlanFormat)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		if k, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, fmt.Errorf("unknown key %s in the plan: a plan is written by ccwrecon diff --out and only its selection may be edited; make a new one", k)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("the plan's %s is not a %s: a plan is written by ccwrecon diff --out and only its selection may be edited; make a new one", te.Field, te.Type)
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errors.New("not a plan this ccwrecon can apply (it does not read as JSON): make a new one with ccwrecon diff --out")
		}
		return nil, fmt.Errorf("not a plan this ccwrecon can apply: %v", err) // the plan's own checks, in their words
	}
	if p.Instance == "" {
		return nil, errors.New("the plan names no Coupa instance")
	}
	if p.Digest == "" {
		return nil, errors.New("the plan has no digest")
	}
	if !strings.HasPrefix(p.Digest, DigestPrefix) {
		return nil, errors.New("this plan was written by another version of ccwrecon (its digest is not " + strings.TrimSuffix(DigestPrefix, ":") + "); make a new one with ccwrecon diff --out")
	}
	for i, u := range p.Users {
		if err := checkUser(u); err != nil {
			if u == nil || u.Key == "" {
				return nil, fmt.Errorf("user %d: %w", i+1, err)
			}
			return nil, fmt.Errorf("user %s: %w", u.Key, err)
		}
	}
	want := p.Summary
	p.Recount()
	// unchanged users may be left out of the file; the summary (under the
	// digest) still counts them
	if p.omittedUnchanged = want.Unchanged - p.Summary.Unchanged; p.omittedUnchanged >= 0 {
		p.Recount()
	}
	if p.Summary != want {
		return nil, fmt.Errorf("%w: its summary does not count its users", ErrEdited)
	}
	if d := DigestOf(&p); d != p.Digest {
		return nil, fmt.Errorf("%w (digest %s, content %s); make a new plan with ccwrecon diff --out", ErrEdited, short(p.Digest), short(d))
	}
	p.digested = p.digestKey()
	return &p, nil
}

// looksLikeAFeed: a first line with a CSV header's separators and no JSON.
func looksLikeAFeed(b []byte) bool {
	first, _, _ := bytes.Cut(b, []byte("\n"))
	first = bytes.TrimSpace(first)
	return len(first) > 0 && first[0] != '{' && first[0] != '[' && bytes.ContainsAny(first, "|,;\t")
}

func short(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

// checkUser validates one user's shape.
func checkUser(u *UserPlan) error {
	if u == nil || u.Key == "" {
		return errors.New("no key")
	}
	if !u.Action.valid() {
		return fmt.Errorf("unknown action %q", u.Action)
	}
	switch u.Action {
	case Update, Deactivate, Reactivate:
		if u.Fingerprint == nil {
			return errors.New("no fingerprint of its Coupa record")
		}
	case Create:
		if u.Fingerprint != nil {
			return errors.New("a user to create has a Coupa record")
		}
	}
	if u.Inferred && u.Action != Deactivate {
		return errors.New("only deactivations are inferred")
	}
	seen := map[string]bool{}
	for _, c := range u.Changes {
		if seen[c.Field] {
			return fmt.Errorf("%s changes twice", c.Field)
		}
		seen[c.Field] = true
	}
	if a := u.Change(record.Active); a != nil {
		want := Deactivate
		if a.After.BoolValue() {
			want = Reactivate
		}
		if u.Action != want && u.Action != Error {
			return fmt.Errorf("an active change in a %s", u.Action)
		}
	}
	for _, p := range u.Problems {
		if strings.TrimSpace(p.Message) == "" {
			return errors.New("an empty problem")
		}
	}
	return nil
}

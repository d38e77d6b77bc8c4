// Package sync reconciles a feed with Coupa: it matches users, computes a
// field-by-field diff with problems, builds and stores plans, and applies
// them through the Coupa API or as files over SFTP.
package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
)

// PlanFormat is the plan document version; loading refuses others.
const PlanFormat = "ccwrecon-plan/1"

// Action is what happens to one user.
type Action string

const (
	Create     Action = "create"
	Update     Action = "update"
	Deactivate Action = "deactivate"
	Reactivate Action = "reactivate"
	Unchanged  Action = "unchanged"
	Error      Action = "error"
)

// Symbol is the glyph shown for an action (never colour alone).
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Deactivate:
		return "-"
	case Reactivate:
		return "↺"
	case Error:
		return "!"
	}
	return " "
}

// Change is one field's difference.
type Change struct {
	Field    string `json:"field"`
	Coupa    string `json:"coupa"`
	Feed     string `json:"feed"`
	Selected bool   `json:"selected"`
	Note     string `json:"note,omitempty"`
}

// FieldValue is a field that already matches.
type FieldValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Fingerprint identifies the Coupa record a plan was made against.
type Fingerprint struct {
	ID        int    `json:"id"`
	UpdatedAt string `json:"updated-at"`
	Hash      string `json:"hash"`
}

// UserPlan is the plan for one user.
type UserPlan struct {
	Key       string   `json:"key"`
	Name      string   `json:"name,omitempty"`
	Action    Action   `json:"action"`
	Selected  bool     `json:"selected"`
	Inferred  bool     `json:"inferred,omitempty"` // deactivation inferred from absence in a full feed
	Line      int      `json:"line,omitempty"`
	Changes   []Change `json:"changes"`
	Problems  []string `json:"problems,omitempty"`
	Unchanged int      `json:"unchanged-fields,omitempty"`
	// Same lists the fields that already match, as Coupa holds them. Saved
	// for users that change, so a file for SFTP can be written from the plan
	// alone; unchanged users keep it in memory only.
	Same        []FieldValue `json:"unchanged,omitempty"`
	Fingerprint *Fingerprint `json:"fingerprint,omitempty"`
	// CoupaAccount is the user's default account as seen: Coupa takes only
	// whole account codes, so a segment change is sent with the others.
	CoupaAccount *AccountSeen `json:"coupa-account,omitempty"`
}

// AccountSeen is a Coupa default account as the plan saw it.
type AccountSeen struct {
	Chart    string         `json:"chart,omitempty"`
	Segments map[int]string `json:"segments,omitempty"`
}

// Change returns the change of a field, or nil.
func (u *UserPlan) Change(field string) *Change {
	for i := range u.Changes {
		if u.Changes[i].Field == field {
			return &u.Changes[i]
		}
	}
	return nil
}

// SelectedChanges lists the changes that will be applied.
func (u *UserPlan) SelectedChanges() []Change {
	var out []Change
	if !u.Selected || u.Action == Error {
		return nil
	}
	for _, c := range u.Changes {
		if c.Selected {
			out = append(out, c)
		}
	}
	return out
}

// Summary counts users per action.
type Summary struct {
	Create     int `json:"create"`
	Update     int `json:"update"`
	Deactivate int `json:"deactivate"`
	Reactivate int `json:"reactivate"`
	Unchanged  int `json:"unchanged"`
	Errors     int `json:"errors"`
	Problems   int `json:"problems"`
}

// Changes reports whether anything would change.
func (s Summary) Changes() bool { return s.Create+s.Update+s.Deactivate+s.Reactivate > 0 }

// FeedInfo identifies the feed a plan was made from.
type FeedInfo struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Kind   string `json:"kind"`
	Full   bool   `json:"full"`
}

// Settings are the non-secret choices a plan was made with (apply needs them).
type Settings struct {
	MatchOn        string         `json:"match-on"`
	Chart          string         `json:"chart,omitempty"`
	SegmentLookups map[int]string `json:"segment-lookups,omitempty"`
	MaxDeactivate  int            `json:"max-deactivations"`
	MaxDeactPct    float64        `json:"max-deactivation-percent"`
	Scope          int            `json:"deactivation-scope"`
}

// Plan is what diff shows and apply executes.
type Plan struct {
	Format      string      `json:"format"`
	ToolVersion string      `json:"tool-version"`
	CreatedAt   time.Time   `json:"created-at"`
	Instance    string      `json:"instance"`
	Feed        FeedInfo    `json:"feed"`
	Settings    Settings    `json:"settings"`
	Summary     Summary     `json:"summary"`
	Users       []*UserPlan `json:"users"`
	Warnings    []string    `json:"warnings,omitempty"`
}

// Recount recomputes the summary (after selection changes too).
func (p *Plan) Recount() {
	var s Summary
	for _, u := range p.Users {
		switch u.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Deactivate:
			s.Deactivate++
		case Reactivate:
			s.Reactivate++
		case Unchanged:
			s.Unchanged++
		case Error:
			s.Errors++
		}
		s.Problems += len(u.Problems)
	}
	p.Summary = s
}

// dropSameOfUnchanged keeps saved plans small: an unchanged user's values are
// never needed to apply anything.
func (p *Plan) dropSameOfUnchanged() {
	for _, u := range p.Users {
		if u.Action == Unchanged {
			u.Same = nil
		}
	}
}

// SelectedCount counts selected users and changes.
func (p *Plan) SelectedCount() (users, changes int) {
	for _, u := range p.Users {
		if n := len(u.SelectedChanges()); n > 0 {
			users++
			changes += n
		}
	}
	return
}

// Save writes the plan as JSON (atomically).
func (p *Plan) Save(path string) error {
	return coupa.WriteFileAtomic(path, func(f *os.File) error {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	})
}

// LoadPlan reads and validates a plan file.
func LoadPlan(path string) (*Plan, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, nil, fmt.Errorf("%s: not a ccwrecon plan: %v", path, err)
	}
	if p.Format != PlanFormat {
		return nil, nil, fmt.Errorf("%s: unknown plan format %q (this ccwrecon reads %s)", path, p.Format, PlanFormat)
	}
	if p.Instance == "" {
		return nil, nil, fmt.Errorf("%s: plan names no Coupa instance", path)
	}
	for i, u := range p.Users {
		if u == nil || u.Key == "" {
			return nil, nil, fmt.Errorf("%s: user %d has no key", path, i+1)
		}
		switch u.Action {
		case Create, Update, Deactivate, Reactivate, Unchanged, Error:
		default:
			return nil, nil, fmt.Errorf("%s: user %s has unknown action %q", path, u.Key, u.Action)
		}
		if (u.Action == Update || u.Action == Deactivate || u.Action == Reactivate) && u.Fingerprint == nil {
			return nil, nil, fmt.Errorf("%s: user %s has no fingerprint of its Coupa record", path, u.Key)
		}
	}
	return &p, b, nil
}

// FingerprintOf hashes the compared fields of a Coupa user.
func FingerprintOf(u *coupa.User) *Fingerprint { return fingerprint(u, FromCoupa(u)) }

// fingerprint hashes a Coupa user already turned into a record.
func fingerprint(u *coupa.User, r *record.User) *Fingerprint {
	h := sha256.New()
	r.Range(func(k, v string) { // a stable order
		h.Write([]byte(k))
		h.Write([]byte{'='})
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	})
	h.Write([]byte("active=" + strconv.FormatBool(u.Active) + "\nroles=" + record.JoinRoles(r.Roles) + "\n"))
	var sum [sha256.Size]byte
	return &Fingerprint{ID: u.ID, UpdatedAt: u.UpdatedAt, Hash: hex.EncodeToString(h.Sum(sum[:0])[:8])}
}

// FromCoupa turns a Coupa user into the canonical record.
func FromCoupa(u *coupa.User) *record.User {
	r := record.New(record.Source{})
	r.Set(record.Login, u.Login)
	r.Set(record.Email, u.Email)
	r.Set(record.FirstName, u.Firstname)
	r.Set(record.LastName, u.Lastname)
	r.Set(record.MiddleName, u.Middlename)
	r.Set(record.MentionName, u.MentionName)
	r.Set(record.EmployeeNumber, u.EmployeeNumber)
	r.Set(record.SSO, u.SSOIdentifier)
	r.Set(record.PhoneWork, u.PhoneWork.String())
	if u.DefaultCurrency != nil {
		r.Set(record.Currency, u.DefaultCurrency.Code)
	}
	if u.Manager != nil {
		r.Set(record.Manager, u.Manager.Login)
	}
	if u.DefaultAccountType != nil {
		r.Set(record.AccountType, u.DefaultAccountType.Name)
	}
	if u.DefaultAccount != nil {
		for n, v := range u.DefaultAccount.Segments {
			r.Set(record.SegmentField(n), v)
		}
	}
	for k, v := range u.CustomFields {
		if v != nil {
			r.Set(record.CustomField(k), customString(v))
		}
	}
	active := u.Active
	r.Active = &active
	r.Roles = u.RoleNames()
	return r
}

func customString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case map[string]any: // a lookup-backed custom field
		for _, k := range []string{"name", "code", "external-ref-num"} {
			if s, ok := t[k].(string); ok {
				return s
			}
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// displayName is "First Last" when known.
func displayName(r *record.User) string {
	return strings.TrimSpace(r.Get(record.FirstName) + " " + r.Get(record.LastName))
}

package apply

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Event reports apply progress: one per finished request, in the units
// the plan counts (changes and users).
type Event struct {
	User, Op, Status, Message string
	Changes                   int // changes this request carried
	Done, Total               int // changes finished (applied, failed or skipped) of all
	UsersDone, Users          int
}

// Step statuses.
const (
	StatusApplied   = "applied"
	StatusFailed    = "failed"
	StatusUncertain = "uncertain"
	StatusSkipped   = "skipped"
	StatusVerified  = "verified"
	StatusNotStored = "not stored"
)

// ReportLine is one request's outcome.
type ReportLine struct {
	User    string   `json:"user"`
	Op      string   `json:"op"`
	Status  string   `json:"status"`
	Fields  []string `json:"fields,omitempty"`
	Message string   `json:"message,omitempty"`
}

// Mismatch is a change Coupa accepted but does not hold.
type Mismatch struct {
	User  string `json:"user"`
	Field string `json:"field"`
	Sent  string `json:"sent"`
	Holds string `json:"holds"`
}

// String is the mismatch as people read it: ANNAKOW lastname: sent "X", Coupa holds "Y".
func (m Mismatch) String() string {
	return fmt.Sprintf("%s %s: sent %s, Coupa holds %s", termtext.Safe(m.User), m.Field, plans.Quote(m.Sent), plans.Quote(m.Holds))
}

// Tally counts outcomes.
type Tally struct {
	Applied   int `json:"applied"`
	Verified  int `json:"verified"`
	NotStored int `json:"not-stored"`
	Failed    int `json:"failed"`
	Uncertain int `json:"uncertain"`
	Skipped   int `json:"skipped"`
	Pending   int `json:"pending"`    // not attempted: the run was interrupted
	Unchecked int `json:"unverified"` // applied, but the read-back could not run
}

// Report is the evidence of a run.
type Report struct {
	Instance    string       `json:"instance"`
	Plan        string       `json:"plan"`
	Digest      string       `json:"digest"`
	Via         plans.Route  `json:"via"`
	Destination string       `json:"destination"`
	RunDir      string       `json:"run-dir,omitempty"`
	Started     time.Time    `json:"started"`
	Finished    time.Time    `json:"finished"`
	Interrupted bool         `json:"interrupted,omitempty"`
	Users       Tally        `json:"users"`
	Changes     Tally        `json:"changes"`
	Lines       []ReportLine `json:"lines"`
	NotStored   []Mismatch   `json:"not-stored,omitempty"`
	Files       []string     `json:"files,omitempty"`
	Warnings    []string     `json:"warnings,omitempty"`
	// Next says what to do next, when anything is left (resume, verify).
	Next string `json:"next,omitempty"`
	// Resume is the complete command that continues the run, when it can
	// be continued.
	Resume string `json:"resume,omitempty"`
}

// OK reports a run that applied, and verified, everything it was asked to.
func (r *Report) OK() bool {
	c := r.Changes
	return !r.Interrupted && c.Failed+c.Uncertain+c.Skipped+c.NotStored+c.Pending+c.Unchecked == 0
}

// Summary is the closing line of a run.
func (r *Report) Summary() string {
	c, u := r.Changes, r.Users
	total := c.Applied + c.Failed + c.Uncertain + c.Skipped + c.Pending
	users := u.Applied + u.Failed + u.Uncertain + u.Skipped + u.Pending
	if r.Via == plans.RouteSFTP {
		files := plans.Plural(len(r.Files), "file", "files")
		if r.OK() {
			return fmt.Sprintf("Upload complete: %s with %s to %s delivered to %s.", files, plans.Plural(total, "change", "changes"), plans.Plural(users, "user", "users"), r.Destination)
		}
		return fmt.Sprintf("Upload incomplete: %s delivered to %s; %d of %s not delivered.", files, r.Destination, total-c.Applied, plans.Plural(total, "change", "changes"))
	}
	var parts []string
	switch {
	case r.Interrupted:
		parts = append(parts, fmt.Sprintf("Apply interrupted: %d of %s to %s applied", c.Applied, plans.Plural(total, "change", "changes"), plans.Plural(users, "user", "users")))
	case r.OK():
		return fmt.Sprintf("Apply complete: %s to %s applied and verified.", plans.Plural(c.Applied, "change", "changes"), plans.Plural(u.Applied, "user", "users"))
	default:
		parts = append(parts, fmt.Sprintf("Apply finished with problems: %d of %s to %s applied", c.Applied, plans.Plural(total, "change", "changes"), plans.Plural(users, "user", "users")))
	}
	if c.Verified > 0 || c.NotStored > 0 {
		parts = append(parts, fmt.Sprintf("%d verified", c.Verified))
	}
	if c.NotStored > 0 {
		parts = append(parts, fmt.Sprintf("%d accepted but not stored by Coupa", c.NotStored))
	}
	for _, x := range []struct {
		n    int
		what string
	}{{c.Failed, "failed"}, {c.Uncertain, "uncertain"}, {c.Skipped, "skipped"}, {c.Pending, "not attempted"}, {c.Unchecked, "not verified"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	return strings.Join(parts, ", ") + "."
}

// StatusWord is how a request's outcome reads: a file that was uploaded is
// not applied yet (Coupa, or CCW, loads it later).
func StatusWord(op, status string) string {
	if op == OpUpload && status == StatusApplied {
		return "uploaded"
	}
	return status
}

// ExitStatus is an apply's exit status, the one rule the command line and
// the console share: 130 when it was interrupted (continue with --resume),
// 1 when anything failed, was refused, is not what Coupa holds, or could
// not be recorded, 0 when every selected change was applied and verified.
func ExitStatus(rep *Report, err error) int {
	switch {
	case errors.Is(err, ErrInterrupted), rep != nil && rep.Interrupted:
		return 130
	case err != nil, rep == nil, !rep.OK():
		return 1
	}
	return 0
}

// FailedUsers names the users a report did not fully apply: what a retry
// selects again.
func (r *Report) FailedUsers() map[string]bool {
	out := map[string]bool{}
	for _, l := range r.Lines {
		if l.Status != StatusApplied {
			out[strings.ToLower(l.User)] = true
		}
	}
	for _, m := range r.NotStored {
		out[strings.ToLower(m.User)] = true
	}
	return out
}

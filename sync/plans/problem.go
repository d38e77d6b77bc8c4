package plans

import "fmt"

// ProblemKind groups problems, so every view can sort them without
// reading their text.
type ProblemKind string

const (
	ProblemMatch      ProblemKind = "match"      // a feed row matches no single Coupa user safely
	ProblemSupervisor ProblemKind = "supervisor" // a supervisor nowhere, inactive, departing or failing
	ProblemCycle      ProblemKind = "cycle"      // the final hierarchy loops
	ProblemRole       ProblemKind = "role"       // a role the instance does not have
	ProblemSegment    ProblemKind = "segment"    // an account segment that cannot be translated or is unknown
	ProblemCreate     ProblemKind = "create"     // a new user Coupa would refuse
	ProblemValue      ProblemKind = "value"      // a value Coupa would refuse (currency, phone)
)

// ProblemKinds lists every kind in display order.
var ProblemKinds = []ProblemKind{ProblemSupervisor, ProblemCycle, ProblemRole, ProblemSegment, ProblemCreate, ProblemValue, ProblemMatch}

// Title names a kind for people.
func (k ProblemKind) Title() string {
	switch k {
	case ProblemMatch:
		return "Matching"
	case ProblemSupervisor:
		return "Supervisors"
	case ProblemCycle:
		return "Supervisor cycles"
	case ProblemRole:
		return "Roles"
	case ProblemSegment:
		return "Account segments"
	case ProblemCreate:
		return "New users"
	case ProblemValue:
		return "Values"
	}
	return string(k)
}

// Hierarchy reports the kinds about supervisors.
func (k ProblemKind) Hierarchy() bool { return k == ProblemSupervisor || k == ProblemCycle }

// Problem is why a feed row cannot be applied. Users names the users
// involved exactly as the feed and Coupa write them.
type Problem struct {
	Kind    ProblemKind `json:"kind"`
	Line    int         `json:"line,omitempty"`
	Users   []string    `json:"users,omitempty"`
	Message string      `json:"message"`
	Cause   string      `json:"cause,omitempty"` // the likely cause and its fix (causes.go)
}

// String is the problem as the contract prints it: "line 14: message".
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	}
	return p.Message
}

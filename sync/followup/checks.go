package followup

// CheckStatus is how one doctor check ended.
type CheckStatus string

// DoctorCheck is one line of doctor's report: what was checked, how it ended,
// what was found and, when it did not hold, what to do.
type DoctorCheck struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	Detail string      `json:"detail"`
	Fix    string      `json:"fix,omitempty"`
}

// DoctorOK reports whether every check made held (skips and warnings
// do not fail).
func DoctorOK(checks []DoctorCheck) bool {
	for _, c := range checks {
		if c.Status == CheckFail {
			return false
		}
	}
	return true
}

const (
	CheckOK   CheckStatus = "ok"
	CheckWarn CheckStatus = "warn" // holds, but needs attention soon
	CheckFail CheckStatus = "fail"
	CheckSkip CheckStatus = "skip" // its settings are absent
)

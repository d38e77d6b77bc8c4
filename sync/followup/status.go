package followup

import (
	"strings"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// LoadStatus is what Coupa made of the files a run uploaded.
type LoadStatus struct {
	RunDir string       `json:"run"`
	Files  []FileStatus `json:"files"`
}

// FileStatus is one uploaded file's load.
type FileStatus struct {
	File     string     `json:"file"`
	Status   string     `json:"status"` // Coupa's (Done, Failed, …), "unknown" for a CCW User file, "not found yet"
	Result   string     `json:"result,omitempty"`
	Note     string     `json:"note,omitempty"`
	RowError []RowError `json:"row-errors,omitempty"`
}

// RowError is a refused row, mapped back to the plan's user and the line
// of the original feed.
type RowError struct {
	Row      int      `json:"row"`       // Coupa's row: 1 is the first row after the header
	FileLine int      `json:"file-line"` // the uploaded file's line
	User     string   `json:"user"`
	FeedLine int      `json:"feed-line,omitempty"`
	Field    string   `json:"field,omitempty"`
	Value    string   `json:"value,omitempty"`
	Messages []string `json:"messages"`
}

// OK reports a load Coupa finished without refusing a row.
// Load states a file can be in.
const (
	LoadDone    = "Done"    // Coupa's: loaded (rows may still be refused)
	LoadFailed  = "Failed"  // Coupa's: the file was refused
	LoadUnknown = "unknown" // a CCW User file: no load-result API
)

// Finished reports a file whose load will not change any more.
func (f FileStatus) Finished() bool {
	return f.Status == LoadDone || f.Status == LoadFailed || f.Status == LoadUnknown
}

// Pending reports a load still under way: a file not finished.
func (l *LoadStatus) Pending() bool {
	if l == nil {
		return false
	}
	for _, f := range l.Files {
		if !f.Finished() {
			return true
		}
	}
	return false
}

func (l *LoadStatus) OK() bool {
	for _, f := range l.Files {
		if f.Status != LoadDone || len(f.RowError) > 0 {
			return false
		}
	}
	return len(l.Files) > 0
}

func RowErrors(errs []coupa.UploadError, users map[string]*plans.UserPlan, rows []string) []RowError {
	var out []RowError
	for _, e := range errs {
		re := RowError{Row: e.Row, FileLine: e.Row + 1, User: e.FirstColumn, Field: e.FieldWithError, Value: e.Value, Messages: e.FieldErrors}
		login := e.FirstColumn
		if e.Row >= 1 && e.Row <= len(rows) {
			login = rows[e.Row-1]
		}
		if u := users[strings.ToLower(login)]; u != nil {
			re.User, re.FeedLine = u.Key, u.Line
		}
		out = append(out, re)
	}
	return out
}

package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
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

// StatusOptions bound the wait for Coupa's poller.
type StatusOptions struct {
	Timeout time.Duration // total wait (0: look once)
	Every   time.Duration // first poll interval, doubled up to 30 s (default 1 s)
	// Progress is told each file's status as it is polled.
	Progress func(file, status string)
}

// Status follows a run's uploaded Users CSV files to Coupa's load result
// (GET /api/data_file_sources), polling with backoff until each is Done
// or Failed, or the timeout passes; it maps each refused row back to the
// plan's user and feed line, and records the outcome in the run folder.
// Coupa documents no such API for the CCW User file: its status is
// unknown, and verify is the way to check it.
func (s *Service) Status(ctx context.Context, runDir string, o StatusOptions) (*LoadStatus, error) {
	plan, err := runPlan(runDir)
	if err != nil {
		return nil, err
	}
	rb, err := fileutil.ReadRegular(filepath.Join(runDir, "report.json"), 64<<20)
	if err != nil {
		return nil, fmt.Errorf("%s: no report yet (is the run still going?): %v", runDir, err)
	}
	var rep Report
	if err := json.Unmarshal(rb, &rep); err != nil {
		return nil, fmt.Errorf("%s/report.json: %v", runDir, err)
	}
	if len(rep.Files) == 0 {
		return nil, errors.New(runDir + ": the run uploaded no file (status follows SFTP loads; for an API run use ccwrecon verify)")
	}
	client, err := s.Client(false)
	if err != nil {
		return nil, err
	}
	if !SameInstance(client.Instance(), plan.Instance) {
		return nil, &InstanceError{Plan: plan.Instance, Settings: client.Instance()}
	}
	users := map[string]*UserPlan{}
	for _, u := range plan.Users {
		users[strings.ToLower(u.Key)] = u
	}
	// the files' rows, rebuilt from the plan (they are deterministic): a
	// refused row is named by its number, whatever its first column holds
	// (Coupa's Id for existing users, blank for new ones)
	rowsOf := map[string][]string{}
	if built, err := (&applier{plan: plan, o: ApplyOptions{SFTP: &SFTPTarget{Format: FormatCore}}}).buildFiles(false); err == nil {
		for _, f := range built {
			rowsOf[f.name] = f.logins
		}
	}
	st := &LoadStatus{RunDir: runDir}
	every := o.Every
	if every <= 0 {
		every = time.Second
	}
	deadline := time.Now().Add(o.Timeout)
	for _, full := range rep.Files {
		name := path.Base(full)
		fs := FileStatus{File: full}
		if strings.HasPrefix(name, "ccw_users_") {
			fs.Status, fs.Note = LoadUnknown, "Coupa documents no load-result API for the CCW User file: check what landed with ccwrecon verify "+runDir
			st.Files = append(st.Files, fs)
			continue
		}
		wait := every
		for {
			srcs, err := client.DataFileSources(ctx, name)
			if err != nil {
				return nil, err
			}
			fs.Status = "not found yet"
			if len(srcs) > 0 {
				last := srcs[0]
				for _, x := range srcs {
					if x.ID > last.ID {
						last = x
					}
				}
				fs.Status, fs.Result = last.Status, last.ResultText
				fs.RowError = rowErrors(last.UploadErrors, users, rowsOf[feeds.TrimPGPExt(name)])
			}
			if o.Progress != nil {
				o.Progress(name, fs.Status)
			}
			if fs.Finished() || !time.Now().Add(wait).Before(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
		}
		st.Files = append(st.Files, fs)
	}
	if err := st.save(runDir); err != nil {
		return nil, err
	}
	return st, nil
}

func rowErrors(errs []coupa.UploadError, users map[string]*UserPlan, rows []string) []RowError {
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

// Text is the status for people.
func (l *LoadStatus) Text() string {
	var b strings.Builder
	safe := termtext.Safe
	for _, f := range l.Files {
		fmt.Fprintf(&b, "%s: %s", safe(f.File), safe(f.Status))
		if f.Result != "" {
			fmt.Fprintf(&b, " (%s)", safe(f.Result))
		}
		b.WriteString("\n")
		if f.Note != "" {
			fmt.Fprintf(&b, "  %s\n", safe(f.Note))
		}
		for _, r := range f.RowError {
			where := fmt.Sprintf("row %d (file line %d)", r.Row, r.FileLine)
			if r.FeedLine > 0 {
				where += fmt.Sprintf(", feed line %d", r.FeedLine)
			}
			field := ""
			if r.Field != "" {
				field = fmt.Sprintf(" %s %q:", safe(r.Field), safe(r.Value))
			}
			fmt.Fprintf(&b, "  ! %s, %s:%s %s\n", safe(r.User), where, field, safe(strings.Join(r.Messages, "; ")))
		}
	}
	finished := len(l.Files) > 0 // Coupa's own answer for every file (not a CCW file's unknown)
	for _, f := range l.Files {
		finished = finished && (f.Status == LoadDone || f.Status == LoadFailed)
	}
	switch {
	case l.OK():
		b.WriteString("Coupa loaded every file without refusing a row.\n")
	case finished:
		b.WriteString("Coupa finished loading every file, refusing what is listed above: fix those rows and load them again.\n")
	default:
		b.WriteString("Coupa has not loaded every file yet: look again later (ccwrecon status RUN --wait 15m).\n")
	}
	return b.String()
}

func (l *LoadStatus) save(dir string) error {
	j, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := writePrivate(filepath.Join(dir, "status.json"), termtext.JSON(append(j, '\n'))); err != nil {
		return err
	}
	return writePrivate(filepath.Join(dir, "status.txt"), []byte(l.Text()))
}

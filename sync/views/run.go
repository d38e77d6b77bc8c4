package views

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// writeReports leaves the evidence beside the journal: text, JSON and CSV,
// all private.
func WriteReportFiles(r *apply.Report) error {
	dir := r.RunDir
	var txt bytes.Buffer
	WriteReportText(&txt, r)
	if err := fileutil.WritePrivate(filepath.Join(dir, "report.txt"), txt.Bytes()); err != nil {
		return err
	}
	j, _ := json.MarshalIndent(r, "", "  ")
	if err := fileutil.WritePrivate(filepath.Join(dir, "report.json"), termtext.JSON(append(j, '\n'))); err != nil {
		return err
	}
	var c bytes.Buffer
	w := csv.NewWriter(&c)
	cell := func(s string) string { return termtext.Cell(termtext.Safe(s)) }
	w.Write([]string{"user", "step", "status", "fields", "message"})
	for _, l := range r.Lines {
		w.Write([]string{cell(l.User), l.Op, l.Status, strings.Join(l.Fields, " "), cell(l.Message)})
	}
	for _, m := range r.NotStored {
		w.Write([]string{cell(m.User), "verify", apply.StatusNotStored, m.Field, cell(fmt.Sprintf("sent %q, Coupa holds %q", m.Sent, m.Holds))})
	}
	w.Flush()
	return fileutil.WritePrivate(filepath.Join(dir, "report.csv"), c.Bytes())
}

// WriteText writes the report as people read it.
func WriteReportText(w io.Writer, r *apply.Report) {
	safe := termtext.Safe
	fmt.Fprintf(w, "ccwrecon apply report\nInstance: %s\nPlan: %s (%s)\nVia: %s to %s\nStarted: %s\nFinished: %s\n\n",
		safe(r.Instance), safe(r.Plan), r.Digest, r.Via, safe(r.Destination), r.Started.Format(time.RFC3339), r.Finished.Format(time.RFC3339))
	for _, x := range r.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", safe(x))
	}
	for _, l := range r.Lines {
		fmt.Fprintf(w, "%-10s %-24s %-12s %s", l.Status, safe(l.User), l.Op, strings.Join(l.Fields, " "))
		if l.Message != "" {
			fmt.Fprintf(w, "  %s", safe(l.Message))
		}
		fmt.Fprintln(w)
	}
	if len(r.NotStored) > 0 {
		fmt.Fprintln(w, "\nAccepted by Coupa but not stored (read back after the run):")
		for _, m := range r.NotStored {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	fmt.Fprintf(w, "\n%s\n", r.Summary())
	if r.Next != "" {
		fmt.Fprintln(w, r.Next)
	}
}

// WriteText writes the verification as people read it.
func WriteVerificationText(w io.Writer, v *apply.Verification) {
	for _, c := range v.Changes {
		line := fmt.Sprintf("%-9s %s %s: want %s", c.Status, termtext.Safe(c.User), c.Field, plans.Quote(c.Want))
		if c.Status != apply.Landed {
			line += fmt.Sprintf(", Coupa holds %s", plans.Quote(c.Holds))
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, v.Summary())
}

// WriteVerificationFiles leaves the verification beside the run's journal,
// as JSON and as text.
func WriteVerificationFiles(runDir string, v *apply.Verification) error {
	jb, _ := json.MarshalIndent(v, "", "  ")
	if err := fileutil.WritePrivate(filepath.Join(runDir, "verify.json"), termtext.JSON(append(jb, '\n'))); err != nil {
		return err
	}
	var txt strings.Builder
	WriteVerificationText(&txt, v)
	return fileutil.WritePrivate(filepath.Join(runDir, "verify.txt"), []byte(txt.String()))
}

// Text is the status for people.
func LoadStatusText(l *followup.LoadStatus) string {
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
		finished = finished && (f.Status == followup.LoadDone || f.Status == followup.LoadFailed)
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

func WriteLoadStatusFiles(dir string, l *followup.LoadStatus) error {
	j, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := fileutil.WritePrivate(filepath.Join(dir, "status.json"), termtext.JSON(append(j, '\n'))); err != nil {
		return err
	}
	return fileutil.WritePrivate(filepath.Join(dir, "status.txt"), []byte(LoadStatusText(l)))
}

// WriteLoadStatusJSON is status --format json.
func WriteLoadStatusJSON(w io.Writer, l *followup.LoadStatus) error { return writeJSON(w, l) }

// WriteApplyEnd is what apply says when a run ends: the summary and what
// Coupa did not store on out, warnings on errOut, then where the evidence
// is and what to do next.
func WriteApplyEnd(out, errOut io.Writer, r *apply.Report) {
	fmt.Fprintln(out, r.Summary())
	for _, m := range r.NotStored {
		fmt.Fprintln(out, "  not stored:", m.String())
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(errOut, "warning:", termtext.Safe(w))
	}
	fmt.Fprintf(out, "Journal and reports: %s\n", r.RunDir)
	if r.Next != "" {
		fmt.Fprintln(out, r.Next)
	}
}

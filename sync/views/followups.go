package views

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
)

// The follow-ups' views: drift, one user's history and doctor, drawn as
// text or JSON from their typed results (as plans and reports are in
// render.go and report.go), so a command only hands its result over.

// writeJSON is the JSON view every command uses: indented, one document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteJSON is drift's JSON view (the contract's drift document).
func WriteDriftJSON(w io.Writer, d *followup.Drift) error { return writeJSON(w, d) }

// WriteText is drift's text view: each user changed since, by whom, and
// each field's before and after.
func WriteDriftText(w io.Writer, d *followup.Drift) {
	safe := termtext.Safe
	fmt.Fprintf(w, "Changes in %s since %s (%s)\n\n", safe(d.Instance), safe(d.Since), d.SinceTime.UTC().Format("2006-01-02 15:04:05Z"))
	for _, u := range d.Users {
		fmt.Fprintf(w, "  ~ %s  updated %s%s\n", safe(u.Key), safe(u.UpdatedAt), byWhom(u.UpdatedBy))
		if u.Note != "" {
			fmt.Fprintf(w, "      # %s\n", safe(u.Note))
		}
		width := 0
		for _, ch := range u.Changes {
			width = max(width, len(ch.Field))
		}
		for _, ch := range u.Changes {
			fmt.Fprintf(w, "      %-*s %q -> %q\n", width, ch.Field, safe(ch.Before), safe(ch.After))
		}
	}
	if len(d.Users) == 0 {
		fmt.Fprintln(w, "  (nothing changed)")
	}
	fmt.Fprintf(w, "\n%s changed since %s.\n", plans.Plural(len(d.Users), "user", "users"), strings.TrimSpace(safe(d.Since)))
}

func byWhom(login string) string {
	if login == "" {
		return ""
	}
	return " by " + termtext.Safe(login)
}

// WriteHistoryJSON is the JSON view of one user's history.
func WriteHistoryJSON(w io.Writer, login string, h []followup.UserVersion) error {
	return writeJSON(w, struct {
		User     string                 `json:"user"`
		Versions []followup.UserVersion `json:"versions"`
	}{login, h})
}

// WriteHistoryText is the text view of one user's history: each version
// seen, when and by whom it was written, and what changed.
func WriteHistoryText(w io.Writer, login string, h []followup.UserVersion) {
	safe := termtext.Safe
	fmt.Fprintf(w, "History of %s (%s)\n", safe(login), plans.Plural(len(h), "version", "versions"))
	for _, v := range h {
		fmt.Fprintf(w, "\n  seen %s: updated %s%s\n", v.Seen.UTC().Format("2006-01-02 15:04:05Z"), safe(v.UpdatedAt), byWhom(v.UpdatedBy))
		if v.Note != "" {
			fmt.Fprintf(w, "      # %s\n", safe(v.Note))
		}
		for _, ch := range v.Changes {
			fmt.Fprintf(w, "      %s %q -> %q\n", ch.Field, safe(ch.Before), safe(ch.After))
		}
	}
}

// DoctorMade is the checks that were made (held or warned) when doctor
// was stopped: those cut short are not failures of the settings.
func DoctorMade(checks []followup.DoctorCheck) []followup.DoctorCheck {
	var made []followup.DoctorCheck
	for _, ch := range checks {
		if ch.Status == followup.CheckOK || ch.Status == followup.CheckWarn {
			made = append(made, ch)
		}
	}
	return made
}

// WriteDoctorJSON is doctor's JSON view.
func WriteDoctorJSON(w io.Writer, checks []followup.DoctorCheck) error {
	return writeJSON(w, struct {
		OK     bool                   `json:"ok"`
		Checks []followup.DoctorCheck `json:"checks"`
	}{followup.DoctorOK(checks), checks})
}

// WriteDoctorText is doctor's text view: one line per check, and what to
// do under each that did not hold.
func WriteDoctorText(w io.Writer, checks []followup.DoctorCheck, t *style.Theme) {
	for _, ch := range checks {
		mark := map[followup.CheckStatus]string{followup.CheckOK: t.Add.Render("✓"), followup.CheckWarn: t.Change.Render("!"),
			followup.CheckFail: t.Problem.Render("✗"), followup.CheckSkip: t.Dim.Render("-")}[ch.Status]
		line := fmt.Sprintf("%s %s: %s", mark, ch.Name, termtext.Safe(ch.Detail))
		if ch.Status == followup.CheckSkip {
			line = fmt.Sprintf("%s %s: skipped: %s", mark, ch.Name, termtext.Safe(ch.Detail))
		}
		fmt.Fprintln(w, line)
		if ch.Fix != "" && ch.Status != followup.CheckOK {
			fmt.Fprintln(w, "    → "+termtext.Safe(ch.Fix))
		}
	}
}

// WriteDoctorStopped is doctor's text view when stopped: the checks made.
func WriteDoctorStopped(w io.Writer, made []followup.DoctorCheck) {
	for _, ch := range made {
		fmt.Fprintf(w, "%s: %s\n", ch.Name, termtext.Safe(ch.Detail))
	}
}

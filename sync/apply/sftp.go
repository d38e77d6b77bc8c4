package apply

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// File formats of the SFTP path.
const (
	FormatCCW  = "ccw"  // the CCW User file, for CCW stand-alone customers, into /Incoming/CCW
	FormatCore = "core" // Coupa's Users import CSV, for unified customers, into /Incoming/Users
)

// SFTPTarget says where and how the SFTP path delivers files.
type SFTPTarget struct {
	Config    feeds.SFTPConfig
	Dir       string // CCW User file folder (default /Incoming/CCW)
	UsersDir  string // Users CSV folder (default /Incoming/Users)
	Format    string // FormatCCW or FormatCore
	CCW       feeds.CCWOptions
	EncryptTo *feeds.Recipients // nil: plain files
	Armor     bool
	FileExt   string // CCW file: .csv (default) or .txt
	PGPExt    string // appended when encrypted: default .asc armored, .pgp binary
}

// Folder is where this format's files go.
func (t *SFTPTarget) Folder() string {
	if t.Format == FormatCore {
		if t.UsersDir == "" {
			return "/Incoming/Users"
		}
		return t.UsersDir
	}
	if t.Dir == "" {
		return "/Incoming/CCW"
	}
	return t.Dir
}

// Destination names the host and folder, for confirmations and reports.
func (t *SFTPTarget) Destination() string {
	return t.Config.Addr + ":" + t.Folder()
}

// coreRoles are Coupa built-ins that are not CCW roles.
var coreRoles = map[string]bool{"user": true, "admin": true, "buyer": true, "accounts payable": true,
	"central receiving": true, "accounting supervisor": true, "edit as approver": true, "inventory manager": true}

// records are the selected users' final records, supervisors first. They
// are built from the plan alone, so the dry run shows exactly the file
// that is sent (the stale check has proved Coupa still holds these values).
func (a *applier) records() ([]*record.User, map[string]bool) {
	creates, updates, deacts := a.selectedUsers()
	var out []*record.User
	creating := map[string]bool{}
	targets := a.plan.Settings.SegmentTargets
	for _, u := range append(append(creates, updates...), deacts...) {
		r := record.New(record.Source{})
		if u.Fingerprint == nil {
			creating[strings.ToLower(u.Key)] = true
		} else {
			// keyed by Id, any field may change (Coupa's loader cannot
			// change an employee number keyed by Login)
			r.Set(record.CoupaID, strconv.Itoa(u.Fingerprint.ID))
			for _, f := range u.Same {
				putValue(r, f.Field, f.Value)
			}
			for _, c := range u.Changes {
				if !c.Selected {
					putValue(r, c.Field, c.Before) // a change left out keeps Coupa's value
				}
			}
			if u.CoupaAccount != nil {
				for n, v := range u.CoupaAccount.Segments {
					if !r.Has(record.SegmentField(n)) {
						r.Set(record.SegmentField(n), v)
					}
				}
			}
		}
		for _, c := range u.SelectedChanges() {
			if c.After.IsNone() {
				r.Put(c.Field, record.Clear)
				if c.Field == record.Roles {
					r.Roles = []string{}
				}
				continue
			}
			putValue(r, c.Field, c.After)
		}
		if c := u.Change(record.CCWUser); c == nil || !c.Selected {
			r.Delete(record.CCWUser) // blank: the load leaves the licence as Coupa holds it
		}
		if r.Active == nil {
			r.Active = record.True
		}
		for _, s := range u.CCWSegments {
			r.SetSegment(s.N, s.Segment)
		}
		for n := 1; n <= record.MaxSegments; n++ { // a segment change left out keeps Coupa's value
			field := record.SegmentField(n)
			if t := targets[n]; t != "" && t != "chart" && t != "feed-only" {
				field = t
			}
			if c := u.Change(field); c != nil && !c.Selected {
				if held, ok := u.CCWHeld.Get(n); ok {
					r.SetSegment(n, held)
				} else if n <= 7 {
					r.SetSegment(n, record.Segment{Name: c.Before.Text()})
				} else {
					r.SetSegment(n, record.Segment{Code: c.Before.Text()})
				}
			}
		}
		if a.o.SFTP.Format != FormatCore {
			// CCW files carry one CCW role; Coupa's built-ins are not CCW roles.
			role := "Engaging Manager"
			for _, x := range r.Roles {
				if !coreRoles[strings.ToLower(x)] {
					role = x
					break
				}
			}
			r.Roles = []string{role}
		}
		if r.Get(record.Login) == "" {
			r.Set(record.Login, u.Key)
		}
		out = append(out, r)
	}
	return out, creating
}

// putValue stores a typed value in a file record.
func putValue(r *record.User, field string, v plans.Value) {
	switch field {
	case record.Roles:
		r.Roles = v.RoleList()
	case record.Active:
		r.Active = record.BoolPtr(v.BoolValue())
	default:
		r.Set(field, v.String())
	}
}

func (a *applier) buildFiles(encrypt bool) ([]File, error) {
	t := a.o.SFTP
	recs, creating := a.records()
	if len(recs) == 0 {
		return nil, nil
	}
	stamp := a.plan.CreatedAt // deterministic, so a resumed run sends the same names
	var files []File
	if t.Format == FormatCore {
		cf, err := feeds.WriteCoupaCSV(recs, creating, stamp, 0, 0)
		if err != nil {
			return nil, err
		}
		for _, f := range cf {
			files = append(files, File{f.Name, f.Data, f.Logins})
		}
	} else {
		var buf bytes.Buffer
		o := t.CCW
		o.Delta = true
		if err := feeds.WriteCCW(&buf, recs, o); err != nil {
			return nil, err
		}
		ext := t.FileExt
		if ext == "" {
			ext = ".csv"
		}
		var logins []string
		for _, r := range recs {
			logins = append(logins, r.Get(record.Login))
		}
		files = append(files, File{"ccw_users_" + stamp.UTC().Format("20060102_150405Z") + ext, buf.Bytes(), logins})
	}
	if encrypt && t.EncryptTo != nil {
		for i, f := range files {
			var enc bytes.Buffer
			if err := t.EncryptTo.Encrypt(&enc, bytes.NewReader(f.Data), t.Armor); err != nil {
				return nil, err
			}
			ext := t.PGPExt
			if ext == "" {
				ext = map[bool]string{true: ".asc", false: ".pgp"}[t.Armor]
			}
			files[i] = File{f.Name + ext, enc.Bytes(), f.Logins}
		}
	}
	return files, nil
}

func (a *applier) sftpDryRun() error {
	files, err := a.buildFiles(true)
	if err != nil {
		return err
	}
	plain, err := a.buildFiles(false) // the plaintext is what the operator needs to read
	if err != nil {
		return err
	}
	t := a.o.SFTP
	w := a.o.DryRunOut
	for i, f := range files {
		fmt.Fprintf(w, "# %s (%d bytes", path.Join(t.Folder(), f.Name), len(f.Data))
		if t.EncryptTo != nil {
			fmt.Fprint(w, ", PGP-encrypted; plaintext shown")
		}
		fmt.Fprintln(w, ")")
		for _, line := range strings.SplitAfter(string(plain[i].Data), "\n") {
			if l := strings.TrimRight(line, "\r\n"); l != "" {
				fmt.Fprintln(w, termtext.Safe(l))
			}
		}
	}
	c := a.plan.Selected
	fmt.Fprintf(w, "\n%s (%s to %s) would be uploaded to %s; nothing was sent.\n", plans.Plural(len(files), "file", "files"),
		plans.Plural(c.Changes, "change", "changes"), plans.Plural(c.Users, "user", "users"), termtext.Safe(t.Destination()))
	return nil
}

// delivered hands the plaintext of an uploaded CCW User file to the
// Delivered hook (kept in the run folder, and as what --baseline last
// compares with); a failure to keep it is a warning: the upload happened.
func (a *applier) delivered(name string) {
	plain, err := a.buildFiles(false)
	if err == nil {
		for _, f := range plain {
			if strings.HasPrefix(name, f.Name) {
				err = a.o.Delivered(a.report.RunDir, f.Name, f.Data)
			}
		}
	}
	if err != nil {
		a.mu.Lock()
		a.report.Warnings = append(a.report.Warnings, "the delivered file was not kept for --baseline last: "+err.Error())
		a.mu.Unlock()
	}
}

func (a *applier) sftpApply(ctx context.Context) error {
	files, err := a.buildFiles(true)
	if err != nil {
		return err
	}
	byLogin := map[string]*plans.UserPlan{}
	for _, u := range a.plan.Users {
		if u.SelectedCount() > 0 {
			byLogin[strings.ToLower(u.Key)] = u
			a.total += u.SelectedCount()
			a.users++
			a.outcome[u] = &Tally{}
		}
	}
	if len(files) == 0 {
		return nil
	}
	t := a.o.SFTP
	conn, err := feeds.DialSFTP(ctx, t.Config)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, f := range files {
		if a.halted(ctx) {
			break
		}
		var users []*plans.UserPlan
		for _, l := range f.Logins {
			if u := byLogin[strings.ToLower(l)]; u != nil {
				users = append(users, u)
			}
		}
		status, msg := StatusApplied, ""
		if phase, _ := a.journal.state(f.Name, OpUpload); phase == PhaseDone {
			msg = "uploaded in an earlier run"
		} else {
			if err := a.journal.Append(Entry{User: f.Name, Op: OpUpload, Phase: PhaseIntent}); err != nil {
				return err
			}
			if err := conn.Upload(ctx, t.Folder(), f.Name, f.Data); err != nil {
				status, msg = StatusFailed, err.Error()
				if jerr := a.journal.Append(Entry{User: f.Name, Op: OpUpload, Phase: PhaseFailed, Message: msg}); jerr != nil {
					return jerr
				}
			} else if err := a.journal.Append(Entry{User: f.Name, Op: OpUpload, Phase: PhaseDone}); err != nil {
				return err
			}
		}
		if status == StatusApplied {
			a.report.Files = append(a.report.Files, path.Join(t.Folder(), f.Name))
			msg = strings.TrimSpace(fmt.Sprintf("in %s, %d bytes. %s", f.Name, len(f.Data), msg))
			if a.o.Delivered != nil && t.Format != FormatCore {
				a.delivered(f.Name)
			}
		}
		for _, u := range users {
			var fields []string
			for _, c := range u.SelectedChanges() {
				fields = append(fields, c.Field)
			}
			a.record(u, OpUpload, fields, status, msg)
			a.userDone()
		}
	}
	return nil
}

// File is one file an SFTP apply delivers: its name, its bytes (plaintext
// until encrypted for sending) and the user of each data row.
type File struct {
	Name   string
	Data   []byte
	Logins []string // in row order
}

// PlanFiles builds, without sending anything, the plaintext files an SFTP
// apply of the plan's selected changes delivers to target: deterministic,
// so a preview or a later status reads the very rows that were sent.
func PlanFiles(plan *plans.Plan, target *SFTPTarget) ([]File, error) {
	a := &applier{plan: plan, o: ApplyOptions{SFTP: target}, outcome: map[*plans.UserPlan]*Tally{}}
	return a.buildFiles(false)
}

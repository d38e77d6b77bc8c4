package sync

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
)

// SFTPTarget says where and how the SFTP path delivers files.
type SFTPTarget struct {
	Config    feeds.SFTPConfig
	Dir       string             // default /Incoming/CCW
	Format    string             // "ccw" (CCW User delta file) or "core" (Coupa Users CSV)
	Delimiter rune               // CCW file delimiter, default '|'
	EncryptTo openpgp.EntityList // nil: plain files
	Armor     bool
	FileExt   string // CCW file: .csv (default) or .txt
	PGPExt    string // appended when encrypted: default .asc armored, .pgp binary
}

// coreRoles are Coupa built-ins that are not CCW roles.
var coreRoles = map[string]bool{"user": true, "admin": true, "buyer": true, "accounts payable": true,
	"central receiving": true, "accounting supervisor": true, "edit as approver": true, "inventory manager": true}

// targets are the selected users' final records, supervisors first.
func (a *applier) targets() ([]*record.User, map[string]bool) {
	creates, updates, deacts := a.selectedUsers()
	var out []*record.User
	creating := map[string]bool{}
	for _, u := range append(append(creates, updates...), deacts...) {
		// Built from the plan alone, so the dry run shows exactly the file that
		// is sent; the stale check has proved Coupa still holds these values.
		r := record.New(record.Source{})
		if u.Fingerprint == nil {
			creating[strings.ToLower(u.Key)] = true
		} else {
			for _, f := range u.Same {
				if f.Field == record.Roles {
					r.Roles = record.SplitList(f.Value)
				} else {
					r.Set(f.Field, f.Value)
				}
			}
			for _, c := range u.Changes {
				if !c.Selected {
					r.Set(c.Field, c.Coupa) // an unselected change keeps Coupa's value
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
			switch c.Field {
			case record.Roles:
				r.Roles = record.SplitList(c.Feed)
			case record.Active:
				b := c.Feed == "true"
				r.Active = &b
			default:
				if c.Feed == "" {
					r.Put(c.Field, record.Clear)
				} else {
					r.Put(c.Field, c.Feed)
				}
			}
		}
		if r.Active == nil {
			t := true
			r.Active = &t
		}
		if a.o.SFTP.Format != "core" {
			// CCW files carry one CCW role; Coupa's built-ins are not CCW roles.
			role := "Engaging Manager"
			for _, x := range r.Roles {
				if !coreRoles[strings.ToLower(x)] {
					role = x
					break
				}
			}
			r.Roles = []string{role}
			for n := 1; n <= record.MaxSegments; n++ {
				if v := r.Get(record.SegmentField(n)); v != "" && v != record.Clear {
					r.Segments[n].Code = v
				}
			}
		}
		if r.Get(record.Login) == "" {
			r.Set(record.Login, u.Key)
		}
		out = append(out, r)
	}
	return out, creating
}

type outFile struct {
	name string
	data []byte
}

func (a *applier) buildFiles() ([]outFile, error) {
	t := a.o.SFTP
	recs, creating := a.targets()
	if len(recs) == 0 {
		return nil, nil
	}
	stamp := a.plan.CreatedAt // deterministic, so a resumed run sends the same names
	var files []outFile
	if t.Format == "core" {
		cf, err := feeds.WriteCoupaCSV(recs, creating, stamp, 0, 0)
		if err != nil {
			return nil, err
		}
		for _, f := range cf {
			files = append(files, outFile{f.Name, f.Data})
		}
	} else {
		var buf bytes.Buffer
		if err := feeds.WriteCCW(&buf, recs, feeds.CCWOptions{Delta: true, Delimiter: t.Delimiter}); err != nil {
			return nil, err
		}
		ext := t.FileExt
		if ext == "" {
			ext = ".csv"
		}
		files = append(files, outFile{"ccw_users_" + stamp.UTC().Format("20060102_150405Z") + ext, buf.Bytes()})
	}
	if t.EncryptTo != nil {
		for i, f := range files {
			var enc bytes.Buffer
			if err := feeds.Encrypt(&enc, bytes.NewReader(f.data), t.EncryptTo, t.Armor); err != nil {
				return nil, err
			}
			ext := t.PGPExt
			if ext == "" {
				ext = map[bool]string{true: ".asc", false: ".pgp"}[t.Armor]
			}
			files[i] = outFile{f.name + ext, enc.Bytes()}
		}
	}
	return files, nil
}

func (a *applier) sftpDryRun() error {
	files, err := a.buildFiles()
	if err != nil {
		return err
	}
	t := a.o.SFTP
	for _, f := range files {
		fmt.Fprintf(a.o.DryRunOut, "# %s/%s (%d bytes", strings.TrimRight(t.Dir, "/"), f.name, len(f.data))
		if t.EncryptTo != nil {
			fmt.Fprint(a.o.DryRunOut, ", PGP-encrypted; plaintext shown")
		}
		fmt.Fprintln(a.o.DryRunOut, ")")
	}
	// show the plaintext, which is what the operator needs to read
	enc := t.EncryptTo
	t.EncryptTo = nil
	plain, err := a.buildFiles()
	t.EncryptTo = enc
	if err != nil {
		return err
	}
	for _, f := range plain {
		a.o.DryRunOut.Write(f.data)
	}
	fmt.Fprintf(a.o.DryRunOut, "\n%d files would be uploaded to %s:%s; nothing was sent.\n", len(files), t.Config.Addr, t.Dir)
	return nil
}

func (a *applier) sftpApply() error {
	files, err := a.buildFiles()
	if err != nil {
		return err
	}
	a.total = len(files)
	if len(files) == 0 {
		return nil
	}
	t := a.o.SFTP
	conn, err := feeds.DialSFTP(a.ctx, t.Config)
	if err != nil {
		return err
	}
	defer conn.Close()
	creates, updates, deacts := a.selectedUsers()
	all := append(append(creates, updates...), deacts...)
	for _, f := range files {
		u := &UserPlan{Key: f.name}
		if phase, _ := a.journal.state(f.name, "upload"); phase == "done" {
			a.emit(u, "upload", "applied", "uploaded in an earlier run")
			continue
		}
		if err := a.journalAppend(Entry{User: f.name, Op: "upload", Phase: "intent"}); err != nil {
			return err
		}
		if err := conn.Upload(a.ctx, t.Dir, f.name, f.data); err != nil {
			a.journalAppend(Entry{User: f.name, Op: "upload", Phase: "failed", Message: err.Error()})
			a.emit(u, "upload", "failed", err.Error())
			return nil
		}
		a.journalAppend(Entry{User: f.name, Op: "upload", Phase: "done"})
		a.report.Files = append(a.report.Files, t.Dir+"/"+f.name)
		a.emit(u, "upload", "applied", fmt.Sprintf("%d bytes, %d users", len(f.data), len(all)))
	}
	return nil
}

// writeReports leaves the evidence beside the journal: text, JSON and CSV.
func (a *applier) writeReports() error {
	r := a.report
	dir := r.RunDir
	var txt bytes.Buffer
	fmt.Fprintf(&txt, "ccwrecon apply report\nInstance: %s\nPlan: %s\nVia: %s\nStarted: %s\nFinished: %s\n\n",
		r.Instance, r.Plan, r.Via, r.Started.Format(time.RFC3339), r.Finished.Format(time.RFC3339))
	for _, w := range r.Warnings {
		fmt.Fprintf(&txt, "Warning: %s\n", w)
	}
	for _, l := range r.Lines {
		fmt.Fprintf(&txt, "%-8s %-24s %-12s %s\n", l.Status, l.User, l.Op, l.Message)
	}
	fmt.Fprintf(&txt, "\nApply complete: %d applied, %d failed, %d skipped.\n", r.Applied, r.Failed, r.Skipped)
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), txt.Bytes(), 0o644); err != nil {
		return err
	}
	j, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	var c bytes.Buffer
	w := csv.NewWriter(&c)
	w.Write([]string{"user", "step", "status", "message"})
	for _, l := range r.Lines {
		w.Write([]string{l.User, l.Op, l.Status, l.Message})
	}
	w.Flush()
	return os.WriteFile(filepath.Join(dir, "report.csv"), c.Bytes(), 0o644)
}

// Summary is the closing line of a run.
func (r *Report) Summary() string {
	return "Apply complete: " + strconv.Itoa(r.Applied) + " applied, " + strconv.Itoa(r.Failed) + " failed, " + strconv.Itoa(r.Skipped) + " skipped."
}

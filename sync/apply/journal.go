package apply

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"time"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Journal phases. An intent is written before every request and an
// outcome after it: a request with an intent and no outcome, or an
// uncertain one, may or may not have reached Coupa.
const (
	PhaseIntent      = "intent"
	PhaseDone        = "done"
	PhaseFailed      = "failed"    // Coupa refused it: nothing changed
	PhaseUncertain   = "uncertain" // sent, outcome unknown (lost answer, interrupted)
	PhaseSkipped     = "skipped"
	PhaseVerified    = "verified"   // read back: Coupa holds the change
	PhaseNotStored   = "not-stored" // read back: Coupa accepted it but does not hold it
	PhaseInterrupted = "interrupted"
	PhaseFinished    = "finished"
)

// Entry is one line of the append-only apply journal.
type Entry struct {
	Time       time.Time `json:"time"`
	User       string    `json:"user,omitempty"`
	Op         string    `json:"op,omitempty"`
	Phase      string    `json:"phase"`
	CoupaID    int       `json:"coupa-id,omitempty"`
	Field      string    `json:"field,omitempty"`
	Sent       string    `json:"sent,omitempty"`
	Holds      string    `json:"holds,omitempty"`
	Message    string    `json:"message,omitempty"`
	PriorRoles []string  `json:"prior-roles,omitempty"`
}

// Journal appends entries with fsync, so a run killed at any point can
// resume exactly. It is safe for the parallel workers of one run.
type Journal struct {
	Dir     string
	mu      gosync.Mutex
	f       journalFile
	entries []Entry
	now     func() time.Time
}

// RunDir is where the runs of a plan keep their journal and reports: beside
// the plan, named after its content, so --resume finds it again.
func RunDir(planPath string, planBytes []byte) string {
	h := sha256.Sum256(planBytes)
	base := strings.TrimSuffix(filepath.Base(planPath), filepath.Ext(planPath))
	return filepath.Join(filepath.Dir(planPath), "ccwrecon-runs", base+"-"+hex.EncodeToString(h[:6]))
}

// journalRepair says how to mend a journal's last line before appending.
type journalRepair struct {
	truncateAt int64 // >= 0: cut a torn last line off here
	newline    bool  // the last entry is whole but lost its newline
}

// JournalAsRead is a run's journal as read, for follow-ups that weigh
// what a run did without writing to it.
func JournalAsRead(runDir string, entries []Entry) *Journal {
	return &Journal{Dir: runDir, entries: entries}
}

// ReadJournal reads a journal. Lines may be of any length. A last line
// cut short by a kill is left out (the request it recorded is treated as
// uncertain), never guessed at; any other unreadable line makes the whole
// journal unreadable.
func ReadJournal(path string) ([]Entry, error) {
	entries, _, err := readJournal(path)
	return entries, err
}

func readJournal(path string) (entries []Entry, fix journalRepair, err error) {
	fix.truncateAt = -1
	f, err := fileutil.OpenOwn(path, os.O_RDONLY)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fix, nil
	}
	if err != nil {
		return nil, fix, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var off int64
	for n := 1; ; n++ {
		line, rerr := r.ReadBytes('\n')
		if len(line) > 0 {
			last := rerr == io.EOF
			complete := line[len(line)-1] == '\n'
			var e Entry
			if uerr := json.Unmarshal(bytes.TrimSpace(line), &e); uerr != nil || e.Phase == "" {
				if last && !complete {
					fix.truncateAt = off // torn by a kill mid-write
					return entries, fix, nil
				}
				return nil, fix, fmt.Errorf("journal %s line %d is unreadable; refusing to go on from a journal that cannot be read completely (inspect or move it)", path, n)
			}
			entries = append(entries, e)
			off += int64(len(line))
			if last && !complete {
				fix.newline = true
			}
		}
		if rerr == io.EOF {
			return entries, fix, nil
		}
		if rerr != nil {
			return nil, fix, rerr
		}
	}
}

// OpenJournal opens (or creates) the journal of a run folder, repairing a
// torn last line before anything is appended after it, and keeps a copy
// of the plan beside it. The folder and its files are private.
func OpenJournal(dir string, planBytes []byte) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	os.Chmod(dir, 0o700)
	planCopy := filepath.Join(dir, "plan.json")
	if _, err := os.Stat(planCopy); errors.Is(err, os.ErrNotExist) {
		if err := fileutil.WriteAtomic(planCopy, fileutil.Private, func(w io.Writer) error { _, err := w.Write(planBytes); return err }); err != nil {
			return nil, err
		}
	}
	path := filepath.Join(dir, "journal.jsonl")
	entries, fix, err := readJournal(path)
	if err != nil {
		return nil, err
	}
	if fix.truncateAt >= 0 {
		if err := os.Truncate(path, fix.truncateAt); err != nil {
			return nil, fmt.Errorf("journal %s: cannot repair its torn last line: %v", path, err)
		}
	}
	f, err := openJournalFile(path)
	if err != nil {
		return nil, err
	}
	if fix.newline {
		if _, err := f.Write([]byte{'\n'}); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal %s: cannot repair its last line: %v", path, err)
		}
	}
	return &Journal{Dir: dir, f: f, entries: entries, now: time.Now}, nil
}

// journalFile is what the journal writes to (a file; tests put a full disk here).
type journalFile interface {
	Write([]byte) (int, error)
	Sync() error
	Close() error
	Name() string
}

var openJournalFile = func(path string) (journalFile, error) {
	return fileutil.OpenOwn(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY)
}

// ErrJournal wraps a failure to record: the run stops before the next
// request, because an unrecorded request breaks the resume promise.
var ErrJournal = errors.New("the journal could not be written")

// Append writes one entry durably.
func (j *Journal) Append(e Entry) error {
	e.Time = j.now().UTC()
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("%w (%s): %v", ErrJournal, j.f.Name(), err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("%w (%s): %v", ErrJournal, j.f.Name(), err)
	}
	j.entries = append(j.entries, e)
	return nil
}

// Close closes the journal file.
func (j *Journal) Close() error { return j.f.Close() }

// Entries are what has been recorded so far.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Entry(nil), j.entries...)
}

// state returns the last request phase recorded for (user, op) and its entry.
func (j *Journal) state(user, op string) (string, Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := len(j.entries) - 1; i >= 0; i-- {
		e := j.entries[i]
		if e.User == user && e.Op == op {
			switch e.Phase {
			case PhaseIntent, PhaseDone, PhaseFailed, PhaseUncertain, PhaseSkipped:
				return e.Phase, e
			}
		}
	}
	return "", Entry{}
}

// touched reports whether any request of a user was attempted.
func (j *Journal) touched(user string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.entries {
		if e.User == user && e.Phase == PhaseIntent {
			return true
		}
	}
	return false
}

func (j *Journal) finished() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.entries {
		if e.Phase == PhaseFinished {
			return true
		}
	}
	return false
}

// JournalError refuses a journal that disagrees with its plan.
type JournalError struct {
	Path string
	Line int
	Why  string
}

func (e *JournalError) Error() string {
	return fmt.Sprintf("%s:%d: %s; the journal is evidence of this plan's run and does not match it, so nothing was applied (move the run folder away to start over, or make a new plan)", e.Path, e.Line, e.Why)
}

// journalIDs checks a journal against its plan and returns the Coupa ids
// of the users the run itself created (lower-case login -> id). The
// journal is evidence, not authority: a user Coupa already had is written
// only under the id its fingerprint recorded, so an entry naming a user
// outside the plan, or another id for a planned user, stops the run.
func JournalIDs(p *plans.Plan, j *Journal) (map[string]int, error) {
	byKey := make(map[string]*plans.UserPlan, len(p.Users))
	for _, u := range p.Users {
		byKey[u.Key] = u
	}
	path := filepath.Join(j.Dir, "journal.jsonl")
	ids := map[string]int{}
	for i, e := range j.Entries() {
		if e.User == "" {
			if e.CoupaID != 0 {
				return nil, &JournalError{path, i + 1, "an entry without a user names Coupa id " + fmt.Sprint(e.CoupaID)}
			}
			continue
		}
		u := byKey[e.User]
		if u == nil {
			return nil, &JournalError{path, i + 1, fmt.Sprintf("user %s is not in this plan", termtext.Safe(e.User))}
		}
		if e.CoupaID == 0 {
			continue
		}
		switch {
		case u.Fingerprint != nil:
			if e.CoupaID != u.Fingerprint.ID {
				return nil, &JournalError{path, i + 1, fmt.Sprintf("user %s has Coupa id %d in the plan, the journal names %d", termtext.Safe(e.User), u.Fingerprint.ID, e.CoupaID)}
			}
		case u.Action == plans.Create && e.Phase == PhaseDone && (e.Op == OpCreate || ids[strings.ToLower(u.Key)] != 0):
			if prev, ok := ids[strings.ToLower(u.Key)]; ok && prev != e.CoupaID {
				return nil, &JournalError{path, i + 1, fmt.Sprintf("user %s was created as Coupa id %d, this line names %d", termtext.Safe(e.User), prev, e.CoupaID)}
			}
			ids[strings.ToLower(u.Key)] = e.CoupaID
		default:
			return nil, &JournalError{path, i + 1, fmt.Sprintf("a %s %s entry names Coupa id %d for user %s, which this run did not create", termtext.Safe(e.Op), termtext.Safe(e.Phase), e.CoupaID, termtext.Safe(e.User))}
		}
	}
	return ids, nil
}

package sync

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"time"
)

// Entry is one line of the append-only apply journal: an intent before a
// request, an outcome after it.
type Entry struct {
	Time       time.Time `json:"time"`
	User       string    `json:"user"`
	Op         string    `json:"op"`
	Phase      string    `json:"phase"` // intent | done | failed | skipped | finished
	CoupaID    int       `json:"coupa-id,omitempty"`
	Message    string    `json:"message,omitempty"`
	PriorRoles []string  `json:"prior-roles,omitempty"`
}

// Journal appends entries with fsync, so a killed run can resume exactly.
// It is safe for the parallel workers of one run.
type Journal struct {
	Dir     string
	mu      gosync.Mutex
	f       *os.File
	entries []Entry
}

// RunDir is where the runs of a plan keep their journal and reports: beside
// the plan, named after its content, so --resume finds it again.
func RunDir(planPath string, planBytes []byte) string {
	h := sha256.Sum256(planBytes)
	base := strings.TrimSuffix(filepath.Base(planPath), filepath.Ext(planPath))
	return filepath.Join(filepath.Dir(planPath), "ccwrecon-runs", base+"-"+hex.EncodeToString(h[:6]))
}

// OpenJournal opens (or creates) the journal of a run directory and keeps
// a copy of the plan beside it.
func OpenJournal(dir string, planBytes []byte) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.json"), planBytes, 0o644); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "journal.jsonl")
	j := &Journal{Dir: dir}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e Entry
			if json.Unmarshal(sc.Bytes(), &e) == nil { // a torn last line from a kill is ignored
				j.entries = append(j.entries, e)
			}
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	j.f = f
	return j, nil
}

// Entries are what has been recorded so far.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Entry(nil), j.entries...)
}

// Append writes one entry durably.
func (j *Journal) Append(e Entry) error {
	e.Time = time.Now().UTC()
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("journal: %v", err)
	}
	j.entries = append(j.entries, e)
	return j.f.Sync()
}

// Close closes the journal file.
func (j *Journal) Close() error { return j.f.Close() }

// state returns the last phase recorded for (user, op) and its entry.
func (j *Journal) state(user, op string) (string, Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := len(j.entries) - 1; i >= 0; i-- {
		e := j.entries[i]
		if e.User == user && e.Op == op {
			return e.Phase, e
		}
	}
	return "", Entry{}
}

func (j *Journal) touched(user string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.entries {
		if e.User == user {
			return true
		}
	}
	return false
}

func (j *Journal) finished() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.entries {
		if e.Phase == "finished" {
			return true
		}
	}
	return false
}

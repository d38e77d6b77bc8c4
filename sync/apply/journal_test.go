package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// The journal reads lines of any length, mends a torn last line before
// appending, and refuses a journal it cannot read completely.
func TestJournalReadsAnyLineRepairsATornTailRefusesCorruption(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.jsonl")
	long, _ := json.Marshal(Entry{User: "u", Op: OpUpload, Phase: PhaseDone, Message: strings.Repeat("m", 2<<20)})
	torn := `{"user":"v","op":"update","pha`
	os.WriteFile(path, append(append(long, '\n'), torn...), 0o600)
	j, err := OpenJournal(dir, []byte("plan"))
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Entries()) != 1 {
		t.Fatalf("%d entries", len(j.Entries()))
	}
	if err := j.Append(Entry{User: "w", Op: OpUpdate, Phase: PhaseIntent}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	got, err := ReadJournal(path)
	if err != nil || len(got) != 2 || got[1].User != "w" {
		t.Fatalf("the entry after a torn line: %v %+v", err, got)
	}
	// a whole last entry without its newline is kept, and mended
	b, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.TrimSuffix(b, []byte("\n")), 0o600)
	j, _ = OpenJournal(dir, []byte("plan"))
	j.Append(Entry{User: "x", Phase: PhaseIntent})
	j.Close()
	if got, _ := ReadJournal(path); len(got) != 3 {
		t.Fatalf("%d entries", len(got))
	}
	// corruption in the middle is refused
	b, _ = os.ReadFile(path)
	os.WriteFile(path, append([]byte("{not json}\n"), b...), 0o600)
	if _, err := OpenJournal(dir, []byte("plan")); err == nil || !strings.Contains(err.Error(), "line 1 is unreadable") {
		t.Fatalf("%v", err)
	}
}

// failingFile is a disk that fills up after n writes.
type failingFile struct {
	*os.File
	n int
}

func (f *failingFile) Write(b []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errors.New("no space left on device")
	}
	return f.File.Write(b)
}

// A journal that cannot record stops the run before its next request:
// nothing is sent that the journal did not record first.
func TestAFullJournalStopsTheRun(t *testing.T) {
	seed, feed := synctest.Population(t, 60, 40, 0)
	srv, base := synctest.Serve(t, seed, emulator.Options{})
	c := synctest.NewClient(t, base, -1, 0)
	p, path, b := planFor(t, c, feed, t.TempDir())
	prev := openJournalFile
	t.Cleanup(func() { openJournalFile = prev })
	openJournalFile = func(name string) (journalFile, error) {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		return &failingFile{File: f, n: 7}, err
	}
	before := srv.Hits.Load()
	rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules, Workers: 4})
	if !errors.Is(err, ErrJournal) || rep == nil || rep.OK() || !strings.Contains(rep.Next, "--resume") {
		t.Fatalf("%v %+v", err, rep)
	}
	// the stale check (one id[in] request, one login[in]) and at most the
	// requests whose intent was recorded
	if sent := srv.Hits.Load() - before; sent > 2+7 {
		t.Fatalf("%d requests for 7 journal lines", sent)
	}
}

// A create whose outcome is unknown is looked up by login on resume, never
// sent twice.
func TestUncertainCreateIsLookedUpOnResume(t *testing.T) {
	t.Parallel()
	seed, feed := synctest.Population(t, 20, 0, 3)
	srv, base := synctest.Serve(t, seed, emulator.Options{})
	c := synctest.NewClient(t, base, -1, 0)
	p, path, b := planFor(t, c, feed, t.TempDir())
	// the first create reached Coupa, but the run died before its answer was recorded
	j, err := OpenJournal(RunDir(path, b), b)
	if err != nil {
		t.Fatal(err)
	}
	j.Append(Entry{User: "new.hire0", Op: OpCreate, Phase: PhaseIntent})
	j.Close()
	if _, err := c.CreateUser(context.Background(), coupa.UserPatch{Login: str("new.hire0"), Email: str("new.hire0@example.com"),
		Firstname: str("New0"), Lastname: str("Hire")}); err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Resume: true, Rules: synctest.DefaultRules})
	if err != nil || rep.Users.Failed > 0 {
		t.Fatalf("%v %s", err, rep.Summary())
	}
	n := 0
	for _, u := range srv.Users() {
		if u.Login == "new.hire0" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("new.hire0 exists %d times", n)
	}
}

// Resume re-checks users whose only entry is an intent: an out-of-band
// change to a field the plan writes, made meanwhile, refuses the resume.
func TestResumeRechecksPartlyAppliedUsers(t *testing.T) {
	t.Parallel()
	seed, feed := synctest.Population(t, 20, 5, 0)
	_, base := synctest.Serve(t, seed, emulator.Options{})
	c := synctest.NewClient(t, base, -1, 0)
	p, path, b := planFor(t, c, feed, t.TempDir())
	u := p.Users[0]
	j, _ := OpenJournal(RunDir(path, b), b)
	j.Append(Entry{User: u.Key, Op: OpUpdate, Phase: PhaseIntent})
	j.Close()
	if _, err := c.UpdateUser(context.Background(), u.Fingerprint.ID, coupa.UserPatch{Firstname: str("Someone-else")}); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Resume: true, Rules: synctest.DefaultRules})
	var se *StaleError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), `firstname now "Someone-else", neither`) {
		t.Fatalf("%v", err)
	}
}

// Two runs of one plan at once: the second is refused at once.
func TestASecondRunOfAPlanIsRefused(t *testing.T) {
	t.Parallel()
	seed, feed := synctest.Population(t, 20, 5, 0)
	_, base := synctest.Serve(t, seed, emulator.Options{Latency: 0})
	c := synctest.NewClient(t, base, -1, 0)
	p, path, b := planFor(t, c, feed, t.TempDir())
	dir := RunDir(path, b)
	os.MkdirAll(dir, 0o700)
	first := make(chan struct{})
	release := make(chan struct{})
	go func() {
		Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules, Workers: 1,
			Progress: func(Event) {
				select {
				case first <- struct{}{}:
					<-release
				default:
				}
			}})
	}()
	<-first
	_, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: b, Rules: synctest.DefaultRules})
	close(release)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("%v", err)
	}
}

// The digest covers every field of a plan but the selection: a test that
// fails when a new field is added and forgotten.
func TestTheDigestCoversEveryField(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_delta.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups})
	base := plans.DigestOf(p)
	// omittedUnchanged only feeds Summary.Unchanged, which is covered;
	// digested remembers what the digest was taken of
	skip := map[string]bool{"Digest": true, "Selected": true, "NotSelected": true, "omittedUnchanged": true, "digested": true}
	mutate := func(name string, v reflect.Value, restore func()) {
		if d := plans.DigestOf(p); d == base {
			t.Errorf("changing %s does not change the digest", name)
		}
		restore()
	}
	pv := reflect.ValueOf(p).Elem()
	for i := 0; i < pv.NumField(); i++ {
		f := pv.Type().Field(i)
		if skip[f.Name] || f.Name == "Users" {
			continue
		}
		old := reflect.ValueOf(pv.Field(i).Interface())
		if !changeValue(pv.Field(i)) {
			t.Fatalf("cannot mutate Plan.%s", f.Name)
		}
		mutate("Plan."+f.Name, pv.Field(i), func() { pv.Field(i).Set(old) })
	}
	var u *plans.UserPlan
	for _, x := range p.Users {
		if x.Action == plans.Update && x.CoupaAccount != nil && len(x.Same) > 0 && x.CCWSegments != nil {
			u = x
		}
	}
	uv := reflect.ValueOf(u).Elem()
	for i := 0; i < uv.NumField(); i++ {
		f := uv.Type().Field(i)
		if f.Name == "Selected" {
			continue
		}
		old := reflect.ValueOf(uv.Field(i).Interface())
		if !changeValue(uv.Field(i)) {
			t.Fatalf("cannot mutate UserPlan.%s", f.Name)
		}
		mutate("UserPlan."+f.Name, uv.Field(i), func() { uv.Field(i).Set(old) })
	}
	// selection changes leave it alone
	plans.SelectAll(p.Users, false, true)
	if plans.DigestOf(p) != base {
		t.Fatal("the selection changed the digest")
	}
	_ = record.Login
}

// changeValue sets a field to a different value of its type.
func changeValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
		} else {
			v.Set(v.Slice(1, v.Len()))
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf(99), reflect.Zero(v.Type().Elem()))
		v.Set(m)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		} else {
			v.Set(reflect.Zero(v.Type()))
		}
	case reflect.Struct:
		if t, ok := v.Interface().(interface{ IsZero() bool }); ok && !t.IsZero() {
			v.Set(reflect.Zero(v.Type()))
			return true
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() && changeValue(v.Field(i)) {
				return true
			}
		}
		return false
	default:
		return false
	}
	return true
}

// A CCW feed's users need the Contingent Workforce licence: a user who
// lacks it gets a selected ccw-user change, and says why.
func TestCCWFeedGrantsTheLicence(t *testing.T) {
	t.Parallel()
	snap := synctest.AcmeSnapshot(t)
	f, err := feeds.Read(strings.NewReader("Status|User ID|Last Name|First Name|Email\n1|mlopez|Lopez|Maria|mlopez@acme.example\n"), "f.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := engine.Diff(f, snap, engine.Config{})
	c := synctest.User(p, "mlopez").Change(record.CCWUser)
	if c == nil || !c.Selected || c.Before.BoolValue() || !c.After.BoolValue() || !strings.Contains(c.Note, "never reaches CCW") {
		t.Fatalf("%+v", synctest.User(p, "mlopez"))
	}
	p, _ = engine.Diff(f, snap, engine.Config{IgnoreCCWLicence: true})
	if synctest.User(p, "mlopez").Change(record.CCWUser) != nil {
		t.Fatal("the licence setting is ignored")
	}
}

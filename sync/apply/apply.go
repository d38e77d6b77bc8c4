package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/record"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// ApplyOptions control an apply run.
type ApplyOptions struct {
	PlanPath  string
	PlanBytes []byte
	Resume    bool
	DryRun    bool
	DryRunOut io.Writer
	// Rules are checked again here, from the current settings.
	Rules    plans.Rules
	Workers  int // parallel users in the update phase
	Progress func(Event)
	// Stop ends dispatching (the first Ctrl+C): requests in flight finish
	// and are recorded, nothing new is sent. Cancelling the context instead
	// abandons requests in flight (they are recorded as uncertain).
	Stop <-chan struct{}
	SFTP *SFTPTarget // nil: through the API
	// Scope counts, in Coupa now, the users the mass-deactivation guard
	// weighs deactivations against (nil: Coupa cannot be read; only the
	// guard's absolute limit then holds).
	Scope func(context.Context) (int, error)
	// Delivered keeps the plaintext of an uploaded CCW User file (the run
	// folder, name, bytes): what --baseline last compares with.
	Delivered func(runDir, name string, plain []byte) error
	// Continue is the complete command that resumes this run ("": one made
	// from the plan's path alone).
	Continue string
	// LockDir holds the run locks keyed by plan content and instance
	// ("": the user's cache folder).
	LockDir string
}

// takeRunLock takes the lock of a plan's content on its instance.
func takeRunLock(lockDir string, plan *plans.Plan, runDir string) (*fileutil.Lock, error) {
	if lockDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("no folder for the run lock: %v", err)
		}
		lockDir = filepath.Join(base, "ccwrecon", "locks")
	}
	if err := fileutil.MkdirPrivate(lockDir); err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimRight(plan.Instance, "/")) + "\n" + plan.Digest))
	lock, err := fileutil.TryLock(filepath.Join(lockDir, hex.EncodeToString(h[:12])+".lock"))
	if err != nil {
		var le *fileutil.LockedError
		if errors.As(err, &le) {
			return nil, &LockedError{RunDir: runDir, PID: le.PID}
		}
		return nil, err
	}
	return lock, nil
}

// ErrInterrupted is returned when a run was stopped before it finished.
var ErrInterrupted = errors.New("interrupted")

// InstanceError refuses a plan made for another instance than the settings name.
type InstanceError struct{ Plan, Settings string }

func (e *InstanceError) Error() string {
	return fmt.Sprintf("the plan was made for %s but the settings point at %s; refusing", termtext.Safe(e.Plan), termtext.Safe(e.Settings))
}

// LockedError refuses a second run of a plan being applied.
type LockedError struct {
	RunDir string
	PID    int
}

func (e *LockedError) Error() string {
	who := "another ccwrecon"
	if e.PID > 0 {
		who = fmt.Sprintf("another ccwrecon (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is applying this plan (or a copy of it) to this instance right now; nothing was applied by this run (its folder would be %s): wait for the other to finish or stop it", who, e.RunDir)
}

// SameInstance compares instance URLs.
func SameInstance(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

type applier struct {
	client  *coupa.Client
	plan    *plans.Plan
	o       ApplyOptions
	journal *Journal
	report  *Report
	mu      gosync.Mutex
	ids     map[string]int  // login (lower) -> Coupa id
	failed  map[string]bool // users with a failed request (lower)
	fatal   error
	outcome map[*plans.UserPlan]*Tally
	done    int
	total   int
	usersN  int
	users   int
}

// Apply executes the selected changes of a plan. It re-checks every
// selection rule, refuses a plan made for another instance, takes the run
// folder's lock, refuses a stale plan, journals every request, reads back
// what it wrote, and leaves reports. The report comes back whenever the run
// started, with an error when it was interrupted or could not record.
func Apply(ctx context.Context, client *coupa.Client, plan *plans.Plan, o ApplyOptions) (*Report, error) {
	if err := plans.CheckSelection(plan, o.Rules); err != nil {
		return nil, err
	}
	if client != nil && !SameInstance(client.Instance(), plan.Instance) {
		return nil, &InstanceError{Plan: plan.Instance, Settings: client.Instance()}
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	a := &applier{client: client, plan: plan, o: o, ids: map[string]int{}, failed: map[string]bool{}, outcome: map[*plans.UserPlan]*Tally{},
		report: &Report{Instance: plan.Instance, Plan: o.PlanPath, Digest: plan.Digest, Via: plans.RouteAPI, Destination: plan.Instance, Started: time.Now().UTC()}}
	if o.SFTP != nil {
		a.report.Via, a.report.Destination = plans.RouteSFTP, o.SFTP.Destination()
	}
	for _, u := range plan.Users {
		if u.Fingerprint != nil {
			a.ids[strings.ToLower(u.Key)] = u.Fingerprint.ID
		}
	}
	if o.DryRun {
		if o.SFTP != nil {
			return a.report, a.sftpDryRun()
		}
		return a.report, a.dryRun()
	}
	if client == nil && o.SFTP == nil {
		return nil, errors.New("applying through the API needs Coupa credentials")
	}
	if err := a.guardNow(ctx); err != nil {
		return nil, err
	}
	dir := RunDir(o.PlanPath, o.PlanBytes)
	a.report.RunDir = dir
	// One run per plan content and instance, wherever the file sits: the
	// lock lives in the state folder, named after both, so a copy of a
	// plan under another name is the same run.
	runLock, err := takeRunLock(o.LockDir, plan, dir)
	if err != nil {
		return nil, err
	}
	defer runLock.Unlock()
	if err := fileutil.MkdirPrivate(dir); err != nil {
		return nil, err
	}
	lock, err := fileutil.TryLock(filepath.Join(dir, "lock"))
	if err != nil {
		var le *fileutil.LockedError
		if errors.As(err, &le) {
			return nil, &LockedError{RunDir: dir, PID: le.PID}
		}
		return nil, err
	}
	defer lock.Unlock()
	j, err := OpenJournal(dir, o.PlanBytes)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	a.journal = j
	if j.finished() {
		return nil, fmt.Errorf("this plan was already applied (journal %s); make a new plan", dir)
	}
	if len(j.Entries()) > 0 && !o.Resume {
		cont := o.Continue
		if cont == "" {
			cont = "ccwrecon apply " + ShellQuote(o.PlanPath) + " --resume"
		}
		return nil, fmt.Errorf("an earlier run of this plan stopped part-way (journal %s): continue it with: %s", dir, cont)
	}
	ids, err := JournalIDs(plan, j)
	if err != nil {
		return nil, err
	}
	for login, id := range ids {
		a.ids[login] = id
	}
	if plans.IsBaseline(plan.Instance) {
		a.report.Warnings = append(a.report.Warnings, "a baseline plan: the file carries the feed's values as compared with "+plans.BaselineFile(plan.Instance)+" at "+plan.CreatedAt.Format(time.RFC3339))
	} else if client == nil {
		// SFTP without API access (CCW stand-alone customers): say so, loudly.
		a.report.Warnings = append(a.report.Warnings, "no Coupa API credentials: the plan could not be checked for staleness; the file carries the plan's values as of "+plan.CreatedAt.Format(time.RFC3339))
	} else if err := a.checkStale(ctx); err != nil {
		return nil, err
	}
	if o.SFTP != nil {
		err = a.sftpApply(ctx)
	} else {
		a.apiApply(ctx)
		if a.fatal == nil && !a.stopped(ctx) {
			a.verify(ctx)
		}
		err = a.fatal
	}
	a.tallyUsers()
	a.report.Finished = time.Now().UTC()
	interrupted := a.stopped(ctx) && a.report.Changes.Pending > 0
	if o.Continue == "" {
		o.Continue = "ccwrecon apply " + ShellQuote(o.PlanPath) + " --resume"
	}
	switch {
	case err != nil:
		a.report.Resume = o.Continue
		a.report.Next = "The run stopped before its next request. Fix the cause, then continue with: " + o.Continue
	case interrupted:
		a.report.Interrupted = true
		a.report.Resume = o.Continue
		a.report.Next = "Continue with: " + o.Continue
		if jerr := j.Append(Entry{Phase: PhaseInterrupted, Message: a.report.Summary()}); jerr != nil {
			err = jerr
		}
	case a.report.Via == plans.RouteSFTP:
		a.report.Next = "Coupa loads the file within minutes; then check what landed with: ccwrecon verify " + dir
		if plans.IsBaseline(plan.Instance) {
			a.report.Next = "CCW loads the file on its next poll. Next time, compare the new export with what was delivered: ccwrecon diff --feed NEW --baseline last"
		}
		err = j.Append(Entry{Phase: PhaseFinished, Message: a.report.Summary()})
	default:
		err = j.Append(Entry{Phase: PhaseFinished, Message: a.report.Summary()})
	}
	if err == nil && interrupted {
		err = ErrInterrupted
	}
	return a.report, err
}

// guardNow weighs the plan's deactivations against Coupa as it is now
// (the users in scope counted live, with the current settings), so a plan
// whose recorded scope was edited cannot widen what the guard lets through.
func (a *applier) guardNow(ctx context.Context) error {
	g := a.o.Rules.Guard
	n := plans.Deactivations(a.plan)
	if n == 0 || g.Allow {
		return nil
	}
	scope := a.plan.Settings.Scope
	if a.o.Scope != nil {
		live, err := a.o.Scope(ctx)
		if err != nil {
			return fmt.Errorf("counting the users in Coupa that the mass-deactivation guard weighs against failed, so nothing was applied: %w", err)
		}
		scope = live
	} else {
		// No way to count Coupa now (SFTP only): the plan's count may be
		// edited, so only the absolute limit holds.
		scope = 0
	}
	if g.Exceeded(n, scope) {
		return &plans.GuardError{N: n, Scope: scope, Guard: g}
	}
	return nil
}

// stopped reports a stop request or a cancelled context.
func (a *applier) stopped(ctx context.Context) bool {
	select {
	case <-a.o.Stop:
		return true
	default:
	}
	return ctx.Err() != nil
}

// halted: nothing new may be sent.
func (a *applier) halted(ctx context.Context) bool {
	a.mu.Lock()
	fatal := a.fatal != nil
	a.mu.Unlock()
	return fatal || a.stopped(ctx)
}

func (a *applier) setFatal(err error) {
	a.mu.Lock()
	if a.fatal == nil {
		a.fatal = err
	}
	a.mu.Unlock()
}

// selectedUsers lists users with selected changes in apply order: creates
// (managers first, as planned), then updates and reactivations, then
// deactivations.
func (a *applier) selectedUsers() (creates, updates, deacts []*plans.UserPlan) {
	for _, u := range a.plan.Users {
		if u.SelectedCount() == 0 {
			continue
		}
		switch u.Action {
		case plans.Create:
			creates = append(creates, u)
		case plans.Update, plans.Reactivate:
			updates = append(updates, u)
		case plans.Deactivate:
			deacts = append(deacts, u)
		}
	}
	return
}

func (a *applier) apiApply(ctx context.Context) {
	creates, updates, deacts := a.selectedUsers()
	for _, u := range append(append(append([]*plans.UserPlan(nil), creates...), updates...), deacts...) {
		a.total += u.SelectedCount()
		a.users++
		a.outcome[u] = &Tally{}
	}
	for _, u := range creates { // one by one: a report's manager must exist first
		if a.halted(ctx) {
			break
		}
		a.runUser(ctx, u)
	}
	for _, group := range [][]*plans.UserPlan{updates, deacts} {
		a.parallel(ctx, group)
	}
}

// parallel runs users on a fixed pool of workers. Workers never leave
// early, so the dispatcher never waits on a channel nobody reads; a stop
// ends dispatching at once.
func (a *applier) parallel(ctx context.Context, users []*plans.UserPlan) {
	work := make(chan *plans.UserPlan)
	var wg gosync.WaitGroup
	for w := 0; w < a.o.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				a.runUser(ctx, u)
			}
		}()
	}
dispatch:
	for _, u := range users {
		if a.halted(ctx) {
			break
		}
		select {
		case work <- u:
		case <-a.o.Stop:
			break dispatch
		case <-ctx.Done():
			break dispatch
		}
	}
	close(work)
	wg.Wait()
}

// runUser performs a user's requests; a failed request skips the rest of
// that user. A stop or a journal failure ends it before its next request.
func (a *applier) runUser(ctx context.Context, u *plans.UserPlan) {
	steps := stepsOf(u)
	defer a.userDone()
	if m := u.Change(record.Manager); m != nil && m.Selected && !m.After.IsNone() {
		a.mu.Lock()
		bad := a.failed[strings.ToLower(m.After.Text())]
		a.mu.Unlock()
		if bad {
			for _, st := range steps {
				if a.journal.Append(Entry{User: u.Key, Op: st.op, Phase: PhaseSkipped, Message: "supervisor " + m.After.Text() + " was not applied"}) != nil {
					break
				}
				a.record(u, st.op, st.fields, StatusSkipped, "supervisor "+m.After.Text()+" was not applied")
			}
			a.markFailed(u)
			return
		}
	}
	// A user's steps are one unit: once its first request has gone out (in
	// this run or an earlier one), a stop or a failing journal no longer
	// ends it, so a role removal is never left at its clear. The rest run
	// on a context that a stop does not cancel, bounded by unitGrace.
	committed := false
	for i, st := range steps {
		if !committed {
			if a.halted(ctx) {
				return
			}
			if phase, _ := a.journal.state(u.Key, st.op); phase != "" && phase != PhaseSkipped {
				committed = true
			}
		}
		sctx := ctx
		if committed {
			var cancel context.CancelFunc
			sctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), unitGrace)
			defer cancel()
		}
		status, err := a.runStep(sctx, u, st, committed)
		committed = true
		if err == nil {
			continue
		}
		if status == "" { // nothing was sent: the journal failed
			return
		}
		fields := st.fields
		if f, clear, ok := twoStep(st.op); ok && clear {
			fields = []string{f}
		}
		a.record(u, st.op, fields, status, err.Error())
		for _, rest := range steps[i+1:] {
			if a.journal.Append(Entry{User: u.Key, Op: rest.op, Phase: PhaseSkipped, Message: "an earlier request failed"}) != nil {
				break
			}
			if _, clear, ok := twoStep(st.op); ok && clear && rest.op == setOp(st.fieldOf()) {
				continue // counted with the failed clear
			}
			a.record(u, rest.op, rest.fields, StatusSkipped, "an earlier request failed")
		}
		a.markFailed(u)
		return
	}
}

// unitGrace bounds how long the rest of a started user may take after a
// stop: its remaining requests, each with the client's own timeout.
const unitGrace = 2 * time.Minute

// runStep sends one request. It returns the status of a failure ("" when
// nothing was sent because the journal could not record). A step of a
// user already under way (committed) is sent even when its intent cannot
// be recorded: leaving the user half-done would be worse than an
// unrecorded request, which --resume re-reads anyway.
func (a *applier) runStep(ctx context.Context, u *plans.UserPlan, st step, committed bool) (string, error) {
	phase, _ := a.journal.state(u.Key, st.op)
	if phase == PhaseDone {
		a.record(u, st.op, st.fields, StatusApplied, "done in an earlier run")
		return "", nil
	}
	if st.op == OpCreate && (phase == PhaseIntent || phase == PhaseUncertain) {
		// A create whose outcome is unknown: look before creating again.
		found, err := a.client.FindUserByLogin(ctx, u.Key)
		if err != nil {
			return StatusUncertain, fmt.Errorf("looking up an earlier uncertain create failed: %v", err)
		}
		if found != nil {
			a.setID(u.Key, found.ID)
			if err := a.journal.Append(Entry{User: u.Key, Op: st.op, Phase: PhaseDone, CoupaID: found.ID, Message: "found after an uncertain create"}); err != nil {
				a.setFatal(err)
			}
			a.record(u, st.op, st.fields, StatusApplied, "created in an earlier run")
			return "", nil
		}
	}
	intent := Entry{User: u.Key, Op: st.op, Phase: PhaseIntent}
	if f, clear, ok := twoStep(st.op); ok && clear {
		intent.PriorRoles = u.Change(f).Before.RoleList() // the set before the clear (roles or members)
	}
	if err := a.journal.Append(intent); err != nil {
		a.setFatal(err)
		if !committed {
			return "", err
		}
	}
	body := a.patch(u, st)
	var id int
	var err error
	if st.op == OpCreate {
		id, err = a.create(ctx, u, body)
	} else {
		id = a.id(u.Key)
		_, err = a.client.UpdateUser(ctx, id, body)
		if f, clear, ok := twoStep(st.op); ok && !clear && err != nil && definite(err) {
			// the set failed after the clear: put the prior set back
			prior := u.Change(f).Before.RoleList()
			var restore coupa.UserPatch
			plans.Spec(f).Write(&restore, plans.Roles(prior))
			what := "prior " + f
			if f == record.Roles {
				what = "prior roles"
			}
			if _, rerr := a.client.UpdateUser(ctx, id, restore); rerr == nil {
				err = fmt.Errorf("%w; the %s (%s) were restored", err, what, strings.Join(prior, ", "))
			} else {
				err = fmt.Errorf("%w; restoring the %s (%s) failed too: %v", err, what, strings.Join(prior, ", "), rerr)
			}
		}
	}
	if err != nil {
		phase, status := PhaseFailed, StatusFailed
		if !definite(err) || ctx.Err() != nil {
			phase, status = PhaseUncertain, StatusUncertain
			err = fmt.Errorf("%v (the outcome is unknown: --resume looks before sending again)", err)
		}
		if jerr := a.journal.Append(Entry{User: u.Key, Op: st.op, Phase: phase, Message: err.Error()}); jerr != nil {
			a.setFatal(jerr)
		}
		return status, err
	}
	if jerr := a.journal.Append(Entry{User: u.Key, Op: st.op, Phase: PhaseDone, CoupaID: id}); jerr != nil {
		a.setFatal(jerr)
	}
	a.record(u, st.op, st.fields, StatusApplied, "")
	return "", nil
}

// definite reports an answer that proves Coupa did not apply the request
// (a validation error, a refused credential, an unknown id).
func definite(err error) bool {
	if errors.Is(err, coupa.ErrUncertain) {
		return false
	}
	var ae *coupa.APIError
	return coupa.NotProcessed(err) || (errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != 408)
}

// create POSTs a user; when the answer is lost it looks the login up
// before trying again, so a user is never created twice.
func (a *applier) create(ctx context.Context, u *plans.UserPlan, body coupa.UserPatch) (int, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		created, err := a.client.CreateUser(ctx, body)
		if err == nil {
			a.setID(u.Key, created.ID)
			return created.ID, nil
		}
		lastErr = err
		if !errors.Is(err, coupa.ErrUncertain) || ctx.Err() != nil {
			return 0, err
		}
		found, ferr := a.client.FindUserByLogin(ctx, u.Key)
		if ferr != nil {
			return 0, fmt.Errorf("%w (and looking it up failed: %v)", err, ferr)
		}
		if found != nil {
			a.setID(u.Key, found.ID)
			return found.ID, nil
		}
	}
	return 0, lastErr
}

// record counts a request's outcome and reports progress.
func (a *applier) record(u *plans.UserPlan, op string, fields []string, status, msg string) {
	a.mu.Lock()
	a.report.Lines = append(a.report.Lines, ReportLine{User: u.Key, Op: op, Status: status, Fields: fields, Message: msg})
	t := a.outcome[u]
	if t == nil {
		t = &Tally{}
		a.outcome[u] = t
	}
	n := len(fields)
	c := &a.report.Changes
	switch status {
	case StatusApplied:
		c.Applied += n
		t.Applied += n
	case StatusFailed:
		c.Failed += n
		t.Failed += n
	case StatusUncertain:
		c.Uncertain += n
		t.Uncertain += n
	case StatusSkipped:
		c.Skipped += n
		t.Skipped += n
	}
	a.done += n
	ev := Event{User: u.Key, Op: op, Status: status, Message: msg, Changes: n, Done: a.done, Total: a.total, UsersDone: a.usersN, Users: a.users}
	a.mu.Unlock()
	if a.o.Progress != nil {
		a.o.Progress(ev)
	}
}

func (a *applier) userDone() {
	a.mu.Lock()
	a.usersN++
	a.mu.Unlock()
}

// tallyUsers classifies every selected user once the run is over, and
// counts the changes nobody attempted.
func (a *applier) tallyUsers() {
	var u Tally
	for p, t := range a.outcome {
		pending := p.SelectedCount() - (t.Applied + t.Failed + t.Uncertain + t.Skipped)
		if pending > 0 {
			a.report.Changes.Pending += pending
		}
		switch {
		case t.Failed > 0:
			u.Failed++
		case t.Uncertain > 0:
			u.Uncertain++
		case pending > 0:
			u.Pending++
		case t.Applied == 0 && t.Skipped > 0:
			u.Skipped++
		case t.Skipped > 0:
			u.Failed++
		default:
			u.Applied++
			if t.NotStored > 0 {
				u.NotStored++
			} else if t.Verified > 0 {
				u.Verified++
			}
		}
	}
	a.report.Users = u
}

func (a *applier) markFailed(u *plans.UserPlan) {
	a.mu.Lock()
	a.failed[strings.ToLower(u.Key)] = true
	a.mu.Unlock()
}

func (a *applier) setID(login string, id int) {
	a.mu.Lock()
	a.ids[strings.ToLower(login)] = id
	a.mu.Unlock()
}

func (a *applier) id(login string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids[strings.ToLower(login)]
}

// dryRun prints the exact requests, sending nothing.
func (a *applier) dryRun() error {
	w := a.o.DryRunOut
	creates, updates, deacts := a.selectedUsers()
	n, changes, users := 0, 0, 0
	for _, u := range append(append(creates, updates...), deacts...) {
		users++
		changes += u.SelectedCount()
		for _, st := range stepsOf(u) {
			n++
			method, path := "PUT", "/api/users/"
			if st.op == OpCreate {
				method, path = "POST", "/api/users"
			} else if id := a.id(u.Key); id != 0 {
				path += strconv.Itoa(id)
			} else {
				path += "{id of " + termtext.Safe(u.Key) + "}"
			}
			b, err := json.MarshalIndent(a.patch(u, st), "", "  ")
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "# %s: %s (%s)\n%s %s\n%s\n\n", termtext.Safe(u.Key), st.op, strings.Join(st.fields, ", "), method, path, termtext.JSON(b))
		}
	}
	fmt.Fprintf(w, "%s (%s to %s) would be sent to %s; nothing was sent.\n", plans.Plural(n, "request", "requests"),
		plans.Plural(changes, "change", "changes"), plans.Plural(users, "user", "users"), termtext.Safe(a.plan.Instance))
	return nil
}

// shellQuote quotes an argument for a POSIX shell when it needs it.
func ShellQuote(a string) string {
	if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

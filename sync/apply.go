package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/record"
)

// Event reports apply progress: one per finished step.
type Event struct {
	User, Op, Status, Message string
	Done, Total               int
}

// ApplyOptions control an apply run.
type ApplyOptions struct {
	PlanPath              string
	PlanBytes             []byte
	Resume                bool
	DryRun                bool
	DryRunOut             io.Writer
	AllowMassDeactivation bool
	Workers               int // parallel users in the update phase
	Progress              func(Event)
	SFTP                  *SFTPTarget // nil: apply through the API
}

// ReportLine is one step's outcome.
type ReportLine struct {
	User    string `json:"user"`
	Op      string `json:"op"`
	Status  string `json:"status"` // applied | failed | skipped
	Message string `json:"message,omitempty"`
}

// Report is the evidence of a run.
type Report struct {
	Instance string       `json:"instance"`
	Plan     string       `json:"plan"`
	Via      string       `json:"via"`
	RunDir   string       `json:"run-dir,omitempty"`
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	Applied  int          `json:"applied"`
	Failed   int          `json:"failed"`
	Skipped  int          `json:"skipped"`
	Files    []string     `json:"files,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
	Lines    []ReportLine `json:"lines"`
}

// StaleError lists users whose Coupa record moved since the plan.
type StaleError struct{ Users []string }

func (e *StaleError) Error() string {
	return fmt.Sprintf("the plan is stale: %d users changed in Coupa since it was made (%s). Nothing was applied; run diff again",
		len(e.Users), strings.Join(e.Users, ", "))
}

// GuardError is the mass-deactivation refusal.
type GuardError struct{ N, Scope, Max int }

func (e *GuardError) Error() string {
	return fmt.Sprintf("refusing to deactivate %d users (more than %d and more than the limit share of the %d in scope): pass --allow-mass-deactivation if this is intended", e.N, e.Max, e.Scope)
}

type applier struct {
	ctx     context.Context
	client  *coupa.Client
	plan    *Plan
	o       ApplyOptions
	journal *Journal
	mu      gosync.Mutex
	report  *Report
	ids     map[string]int  // login -> Coupa id (fingerprints and creates)
	failed  map[string]bool // users with a failed step
	done    int
	total   int
}

// Apply executes the selected changes of a plan, refusing stale plans.
func Apply(ctx context.Context, client *coupa.Client, plan *Plan, o ApplyOptions) (*Report, error) {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	via := "api"
	if o.SFTP != nil {
		via = "sftp"
	}
	a := &applier{ctx: ctx, client: client, plan: plan, o: o, ids: map[string]int{}, failed: map[string]bool{},
		report: &Report{Instance: plan.Instance, Plan: o.PlanPath, Via: via, Started: time.Now().UTC()}}
	n := CountSelectedDeactivations(plan)
	if !o.AllowMassDeactivation && ExceedsGuard(n, plan.Settings.Scope, plan.Settings.MaxDeactivate, plan.Settings.MaxDeactPct) {
		return nil, &GuardError{N: n, Scope: plan.Settings.Scope, Max: plan.Settings.MaxDeactivate}
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
	a.report.RunDir = RunDir(o.PlanPath, o.PlanBytes)
	j, err := OpenJournal(a.report.RunDir, o.PlanBytes)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	a.journal = j
	if j.finished() {
		return nil, fmt.Errorf("this plan was already applied (journal %s); make a new plan", j.Dir)
	}
	if len(j.Entries()) > 0 && !o.Resume {
		return nil, fmt.Errorf("an earlier run of this plan stopped part-way (journal %s): continue it with --resume", j.Dir)
	}
	if client == nil {
		// SFTP without API access (CCW stand-alone customers): say so, loudly.
		a.report.Warnings = append(a.report.Warnings, "no Coupa API credentials: the plan could not be checked for staleness; the file carries the plan's values as of "+plan.CreatedAt.Format(time.RFC3339))
	} else if err := a.checkStale(); err != nil {
		return nil, err
	}
	if o.SFTP != nil {
		err = a.sftpApply()
	} else {
		err = a.apiApply()
	}
	if err != nil {
		return a.report, err
	}
	j.Append(Entry{Phase: "finished", Message: fmt.Sprintf("%d applied, %d failed, %d skipped", a.report.Applied, a.report.Failed, a.report.Skipped)})
	a.report.Finished = time.Now().UTC()
	return a.report, a.writeReports()
}

// selectedUsers lists users with selected changes in apply order: creates
// (managers first, as planned), then updates and reactivations, then deactivations.
func (a *applier) selectedUsers() (creates, updates, deacts []*UserPlan) {
	for _, u := range a.plan.Users {
		if len(u.SelectedChanges()) == 0 {
			continue
		}
		switch u.Action {
		case Create:
			creates = append(creates, u)
		case Update, Reactivate:
			updates = append(updates, u)
		case Deactivate:
			deacts = append(deacts, u)
		}
	}
	return
}

// checkStale re-reads every touched user (id[in], 50 at a time) and
// refuses the whole plan if any fingerprint moved or a planned login now exists.
func (a *applier) checkStale() error {
	creates, updates, deacts := a.selectedUsers()
	var ids []int
	for _, u := range append(updates, deacts...) {
		if a.o.Resume && a.journal.touched(u.Key) {
			continue
		}
		ids = append(ids, u.Fingerprint.ID)
	}
	cur, err := a.client.UsersByID(a.ctx, ids)
	if err != nil {
		return err
	}
	var stale []string
	for _, u := range append(updates, deacts...) {
		if a.o.Resume && a.journal.touched(u.Key) {
			continue
		}
		c, ok := cur[u.Fingerprint.ID]
		if !ok {
			stale = append(stale, u.Key+" (gone)")
			continue
		}
		if fp := FingerprintOf(&c); fp.Hash != u.Fingerprint.Hash || fp.UpdatedAt != u.Fingerprint.UpdatedAt {
			stale = append(stale, u.Key)
		}
	}
	var logins []string
	for _, u := range creates {
		if !(a.o.Resume && a.journal.touched(u.Key)) {
			logins = append(logins, u.Key)
		}
	}
	for start := 0; start < len(logins); start += coupa.PageSize {
		batch := logins[start:min(start+coupa.PageSize, len(logins))]
		found, err := a.client.ListUsers(a.ctx, url.Values{"login[in]": {strings.Join(batch, ",")}}, nil)
		if err != nil {
			return err
		}
		for _, f := range found {
			stale = append(stale, f.Login+" (now exists in Coupa)")
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		return &StaleError{Users: stale}
	}
	return nil
}

// stepsOf lists a user's requests.
func stepsOf(u *UserPlan) []string {
	var steps []string
	changes := u.SelectedChanges()
	hasSeg, rolesRemove := false, false
	for _, c := range changes {
		if strings.HasPrefix(c.Field, "default-account.segment-") {
			hasSeg = true
		}
		if c.Field == record.Roles && u.Action != Create && removesRoles(c) {
			rolesRemove = true
		}
	}
	switch u.Action {
	case Create:
		steps = append(steps, "create")
	case Deactivate:
		steps = append(steps, "deactivate")
	default:
		if hasOther(changes) {
			steps = append(steps, "update")
		}
	}
	if rolesRemove {
		steps = append(steps, "roles-clear", "roles-set")
	}
	if hasSeg {
		steps = append(steps, "segments")
	}
	return steps
}

func hasOther(changes []Change) bool {
	for _, c := range changes {
		if !strings.HasPrefix(c.Field, "default-account.segment-") && (c.Field != record.Roles || !removesRoles(c)) {
			return true
		}
	}
	return false
}

func removesRoles(c Change) bool {
	want := map[string]bool{}
	for _, r := range record.SplitList(c.Feed) {
		want[strings.ToLower(r)] = true
	}
	for _, r := range record.SplitList(c.Coupa) {
		if !want[strings.ToLower(r)] {
			return true
		}
	}
	return false
}

// body builds the JSON body of a step.
func (a *applier) body(u *UserPlan, op string) map[string]any {
	b := map[string]any{}
	changes := u.SelectedChanges()
	switch op {
	case "roles-clear":
		return map[string]any{"roles": []any{}}
	case "roles-set":
		return map[string]any{"roles": roleRefs(u.Change(record.Roles).Feed)}
	case "segments":
		seg := map[string]any{}
		for n, v := range a.fullSegments(u) {
			seg["segment-"+strconv.Itoa(n)] = v
		}
		if chart := a.chartOf(u); chart != "" {
			seg["account-type"] = map[string]any{"name": chart}
		}
		return map[string]any{"default-account": seg}
	}
	for _, c := range changes {
		if strings.HasPrefix(c.Field, "default-account.segment-") {
			continue
		}
		var v any = c.Feed
		if c.Feed == "" {
			v = nil // cleared
		}
		switch {
		case c.Field == record.Roles:
			if op == "update" && removesRoles(c) {
				continue
			}
			b["roles"] = roleRefs(c.Feed)
		case c.Field == record.Active:
			b["active"] = c.Feed == "true"
		case c.Field == record.Currency:
			b[c.Field] = ref("code", c.Feed)
		case c.Field == record.Manager:
			b[c.Field] = ref("login", c.Feed)
		case c.Field == record.AccountType:
			b[c.Field] = ref("name", c.Feed)
		case c.Field == record.SecurityType:
			n, _ := strconv.Atoi(c.Feed)
			b[c.Field] = n
		case c.Field == record.PhoneWork:
			if c.Feed == "" {
				b[c.Field] = nil
			} else {
				b[c.Field] = ParsePhone(c.Feed)
			}
		case strings.HasPrefix(c.Field, "custom-fields."):
			cf, _ := b["custom-fields"].(map[string]any)
			if cf == nil {
				cf = map[string]any{}
				b["custom-fields"] = cf
			}
			cf[strings.TrimPrefix(c.Field, "custom-fields.")] = v
		default:
			b[c.Field] = v
		}
	}
	if op == "create" {
		b["active"] = true
		if a.plan.Feed.Kind == "ccw" {
			b["ccw-user"] = true // a CCW feed's users hold the CCW licence
		}
	}
	return b
}

func ref(key, v string) any {
	if v == "" {
		return nil
	}
	return map[string]any{key: v}
}

func roleRefs(list string) []any {
	out := []any{}
	for _, r := range record.SplitList(list) {
		out = append(out, map[string]any{"name": r})
	}
	return out
}

func (a *applier) chartOf(u *UserPlan) string {
	if c := u.Change(record.AccountType); c != nil && c.Selected {
		return c.Feed
	}
	if u.CoupaAccount != nil && u.CoupaAccount.Chart != "" {
		return u.CoupaAccount.Chart
	}
	return a.plan.Settings.Chart
}

// fullSegments is the whole default account code: Coupa supports only full codes.
func (a *applier) fullSegments(u *UserPlan) map[int]string {
	segs := map[int]string{}
	if u.CoupaAccount != nil { // the stale check proved Coupa still holds these
		for n, v := range u.CoupaAccount.Segments {
			segs[n] = v
		}
	}
	for _, c := range u.SelectedChanges() {
		if strings.HasPrefix(c.Field, "default-account.segment-") {
			n, _ := strconv.Atoi(strings.TrimPrefix(c.Field, "default-account.segment-"))
			if c.Feed == "" {
				delete(segs, n)
			} else {
				segs[n] = c.Feed
			}
		}
	}
	return segs
}

// ParsePhone splits "+1 (415) 555-0102 x12" into Coupa's phone object.
func ParsePhone(s string) map[string]any {
	ext := ""
	if i := strings.IndexAny(strings.ToLower(s), "x"); i >= 0 {
		ext = digitsOf(s[i+1:])
		s = s[:i]
	}
	var groups []string
	cur := ""
	for _, c := range s {
		if c >= '0' && c <= '9' {
			cur += string(c)
		} else if cur != "" {
			groups = append(groups, cur)
			cur = ""
		}
	}
	if cur != "" {
		groups = append(groups, cur)
	}
	p := map[string]any{}
	if strings.HasPrefix(strings.TrimSpace(s), "+") && len(groups) > 1 {
		p["country-code"] = groups[0]
		groups = groups[1:]
	}
	if len(groups) > 1 {
		p["area-code"] = groups[0]
		groups = groups[1:]
	}
	p["number"] = strings.Join(groups, "")
	if ext != "" {
		p["extension"] = ext
	}
	return p
}

func (a *applier) emit(u *UserPlan, op, status, msg string) {
	a.mu.Lock()
	line := ReportLine{User: u.Key, Op: op, Status: status, Message: msg}
	a.report.Lines = append(a.report.Lines, line)
	switch status {
	case "applied":
		a.report.Applied++
	case "failed":
		a.report.Failed++
	case "skipped":
		a.report.Skipped++
	}
	a.done++
	ev := Event{User: u.Key, Op: op, Status: status, Message: msg, Done: a.done, Total: a.total}
	a.mu.Unlock()
	if a.o.Progress != nil {
		a.o.Progress(ev)
	}
}

func (a *applier) journalAppend(e Entry) error { return a.journal.Append(e) }

func (a *applier) apiApply() error {
	creates, updates, deacts := a.selectedUsers()
	for _, u := range append(append(append([]*UserPlan(nil), creates...), updates...), deacts...) {
		a.total += len(stepsOf(u))
	}
	for _, u := range creates { // one by one: a report's manager must exist first
		if err := a.runUser(u); err != nil {
			return err
		}
	}
	for _, group := range [][]*UserPlan{updates, deacts} {
		if err := a.parallel(group); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) parallel(users []*UserPlan) error {
	work := make(chan *UserPlan)
	errs := make(chan error, a.o.Workers)
	var wg gosync.WaitGroup
	for w := 0; w < a.o.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				if err := a.runUser(u); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, u := range users {
		if a.ctx.Err() != nil {
			break
		}
		work <- u
	}
	close(work)
	wg.Wait()
	close(errs)
	if a.ctx.Err() != nil {
		return fmt.Errorf("interrupted: %d of %d steps done; continue with --resume", a.done, a.total)
	}
	return <-errs
}

// runUser performs a user's steps; a failed step skips the rest of that
// user. Only journal failures and cancellation stop the run.
func (a *applier) runUser(u *UserPlan) error {
	steps := stepsOf(u)
	if m := u.Change(record.Manager); m != nil && m.Selected {
		a.mu.Lock()
		bad := a.failed[strings.ToLower(m.Feed)]
		a.mu.Unlock()
		if bad {
			for _, op := range steps {
				a.journalAppend(Entry{User: u.Key, Op: op, Phase: "skipped", Message: "supervisor " + m.Feed + " failed"})
				a.emit(u, op, "skipped", "supervisor "+m.Feed+" was not applied")
			}
			a.markFailed(u)
			return nil
		}
	}
	for i, op := range steps {
		if a.ctx.Err() != nil {
			return a.ctx.Err()
		}
		phase, last := a.journal.state(u.Key, op)
		if phase == "done" {
			if last.CoupaID != 0 {
				a.setID(u.Key, last.CoupaID)
			}
			a.emit(u, op, "applied", "done in an earlier run")
			continue
		}
		err := a.runStep(u, op, phase == "intent", last)
		if err == nil {
			continue
		}
		if a.ctx.Err() != nil {
			return fmt.Errorf("interrupted during %s of %s; continue with --resume", op, u.Key)
		}
		if errors.Is(err, errJournal) {
			return err
		}
		a.emit(u, op, "failed", err.Error())
		for _, rest := range steps[i+1:] {
			a.journalAppend(Entry{User: u.Key, Op: rest, Phase: "skipped", Message: "an earlier step failed"})
			a.emit(u, rest, "skipped", "an earlier step failed")
		}
		a.markFailed(u)
		return nil
	}
	return nil
}

var errJournal = errors.New("journal")

func (a *applier) markFailed(u *UserPlan) {
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

func (a *applier) runStep(u *UserPlan, op string, resumed bool, last Entry) error {
	intent := Entry{User: u.Key, Op: op, Phase: "intent"}
	if op == "roles-clear" {
		intent.PriorRoles = record.SplitList(u.Change(record.Roles).Coupa)
	}
	if resumed && op == "create" {
		// A create whose answer was lost: look before creating again.
		if found, err := a.client.FindUserByLogin(a.ctx, u.Key); err != nil {
			return err
		} else if found != nil {
			a.setID(u.Key, found.ID)
			if err := a.journalAppend(Entry{User: u.Key, Op: op, Phase: "done", CoupaID: found.ID, Message: "found after an interrupted create"}); err != nil {
				return fmt.Errorf("%w: %v", errJournal, err)
			}
			a.emit(u, op, "applied", "created in an earlier run")
			return nil
		}
	}
	if err := a.journalAppend(intent); err != nil {
		return fmt.Errorf("%w: %v", errJournal, err)
	}
	body := a.body(u, op)
	var id int
	var err error
	if op == "create" {
		id, err = a.create(u, body)
	} else {
		id = a.id(u.Key)
		_, err = a.client.UpdateUser(a.ctx, id, body)
		if err != nil && op == "roles-set" {
			prior := record.SplitList(u.Change(record.Roles).Coupa)
			if _, rerr := a.client.UpdateUser(a.ctx, id, map[string]any{"roles": roleRefs(strings.Join(prior, ","))}); rerr == nil {
				err = fmt.Errorf("%v; the prior roles (%s) were restored", err, strings.Join(prior, ", "))
			} else {
				err = fmt.Errorf("%v; restoring the prior roles (%s) failed too: %v", err, strings.Join(prior, ", "), rerr)
			}
		}
	}
	if err != nil {
		a.journalAppend(Entry{User: u.Key, Op: op, Phase: "failed", Message: err.Error()})
		return err
	}
	if err := a.journalAppend(Entry{User: u.Key, Op: op, Phase: "done", CoupaID: id}); err != nil {
		return fmt.Errorf("%w: %v", errJournal, err)
	}
	a.emit(u, op, "applied", "")
	return nil
}

// create POSTs a user; when the answer is lost it looks the login up
// before trying again, so a user is never created twice.
func (a *applier) create(u *UserPlan, body map[string]any) (int, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		created, err := a.client.CreateUser(a.ctx, body)
		if err == nil {
			a.setID(u.Key, created.ID)
			return created.ID, nil
		}
		lastErr = err
		if !errors.Is(err, coupa.ErrUncertain) {
			return 0, err
		}
		found, ferr := a.client.FindUserByLogin(a.ctx, u.Key)
		if ferr != nil {
			return 0, fmt.Errorf("%v (and looking it up failed: %v)", err, ferr)
		}
		if found != nil {
			a.setID(u.Key, found.ID)
			return found.ID, nil
		}
	}
	return 0, lastErr
}

// dryRun prints the exact requests, sending nothing.
func (a *applier) dryRun() error {
	w := a.o.DryRunOut
	creates, updates, deacts := a.selectedUsers()
	n := 0
	for _, u := range append(append(creates, updates...), deacts...) {
		for _, op := range stepsOf(u) {
			n++
			method, path := "PUT", "/api/users/"
			if op == "create" {
				method, path = "POST", "/api/users"
			} else if id := a.id(u.Key); id != 0 {
				path += strconv.Itoa(id)
			} else {
				path += "{id of " + u.Key + "}"
			}
			b, _ := json.Marshal(a.body(u, op))
			fmt.Fprintf(w, "# %s: %s\n%s %s\n%s\n\n", u.Key, op, method, path, b)
		}
	}
	fmt.Fprintf(w, "%d requests would be sent to %s; nothing was sent.\n", n, a.plan.Instance)
	return nil
}

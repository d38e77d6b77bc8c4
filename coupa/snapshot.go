package coupa

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	gosync "sync"
	"time"
	"unsafe"

	"github.com/ccwrecon/ccwrecon/internal/blocks"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
)

// SnapshotFormat identifies the snapshot document version.
const SnapshotFormat = "ccwrecon-snapshot/1"

// Snapshot is Coupa's state as one JSON document: every user, active and
// inactive, plus the reference data a diff needs. It holds no secrets.
type Snapshot struct {
	Format    string    `json:"format"`
	Instance  string    `json:"instance"`
	FetchedAt time.Time `json:"fetched-at"`
	HighWater string    `json:"high-water,omitempty"` // newest updated-at seen
	// ReferenceAt is Coupa's clock, less a margin, when the reference lists
	// were last read: a refresh asks only for those updated since.
	ReferenceAt string `json:"reference-at,omitempty"`
	// ReferenceFullAt is when they were last read in full: a deleted
	// record shows only then (see Config.ReferenceMaxAge).
	ReferenceFullAt string        `json:"reference-full-at,omitempty"`
	Users           []User        `json:"users"`
	Currencies      []Currency    `json:"currencies"`
	AccountTypes    []AccountType `json:"account-types"`
	Lookups         []Lookup      `json:"lookups"`
	LookupValues    []LookupValue `json:"lookup-values"`
	UserGroups      []Group       `json:"user-groups"`
	AccountGroups   []Group       `json:"account-groups"`
	ContentGroups   []Group       `json:"content-groups"`
	// RoleCatalogue is every role of the instance, read with the GraphQL
	// roles query (empty when Coupa refused it: see Warnings).
	RoleCatalogue []Role `json:"roles,omitempty"`
	// Stats of the fetch that produced it (not part of Coupa's state).
	Stats    FetchStats `json:"stats"`
	Warnings []string   `json:"warnings,omitempty"`
	// plainCache says the cache this was read from (or refreshed from) is
	// an earlier version's plain JSON: it is written again in the current
	// layout (see CacheOutdated).
	plainCache bool
}

// CacheOutdated says the cache behind this snapshot is in an earlier
// layout and should be written again even when little changed.
func (s *Snapshot) CacheOutdated() bool { return s.plainCache }

// FetchStats says how a snapshot was obtained.
type FetchStats struct {
	Incremental bool  `json:"incremental"`
	Requests    int64 `json:"requests"`
	Throttled   int64 `json:"throttled"`
	Retries     int64 `json:"retries"`
	Changed     int   `json:"changed-users"`
	// ReferenceSince is set when the reference lists were refreshed by
	// the records updated since then, laid over the cache's.
	ReferenceSince string `json:"reference-since,omitempty"`
}

// Fetch reads Coupa's state. With a previous snapshot of the same instance
// it only asks for users updated since then (a page instead of thousands),
// including those updated in the same second as the last refresh; it counts
// as changed only users whose record actually differs. A cache that no
// longer describes the instance (a sandbox refresh: a lower highest id, or
// another user under the same id) is replaced by a full read, with a warning.
func (c *Client) Fetch(ctx context.Context, prev *Snapshot, progress ProgressFunc) (*Snapshot, error) {
	return c.fetch(ctx, prev, progress, false)
}

// Refresh is Fetch taking prev over: its users are updated in place
// rather than copied (100,000 users are 40 MB), so prev must not be used
// afterwards. For a cache loaded for this one refresh.
func (c *Client) Refresh(ctx context.Context, prev *Snapshot, progress ProgressFunc) (*Snapshot, error) {
	return c.fetch(ctx, prev, progress, true)
}

func (c *Client) fetch(ctx context.Context, prev *Snapshot, progress ProgressFunc, inPlace bool) (*Snapshot, error) {
	start := c.Requests.Load()
	var early *earlyRequests
	if prev != nil && prev.Instance == c.Instance() && prev.HighWater != "" && prev.Format == SnapshotFormat {
		early = c.startEarly(ctx, prev.cacheHead(), progress)
	}
	return c.assemble(ctx, prev, early, progress, inPlace, start)
}

// earlyRequests are a refresh's requests that need nothing from the
// cache but its high water: they can go out while the cache is read.
type earlyRequests struct {
	highWater string
	done      chan struct{}
	top       *User
	changed   []User
	ref       Snapshot // the reference lists and their warnings
	refRead   referenceRead
	err       error
}

// referenceSince is the mark from which a refresh of the cache described
// by head may read the reference lists' changes alone, or "" when they
// are to be read in full (never read, or read in full too long ago).
func (c *Client) referenceSince(head cacheHead) string {
	if head.ReferenceAt == "" || c.cfg.ReferenceMaxAge < 0 {
		return ""
	}
	full, err := time.Parse(time.RFC3339, head.ReferenceFullAt)
	if err != nil || time.Since(full) > c.cfg.ReferenceMaxAge || time.Since(full) < -highWaterMargin {
		return ""
	}
	if _, err := time.Parse(time.RFC3339, head.ReferenceAt); err != nil {
		return ""
	}
	return head.ReferenceAt
}

func (c *Client) startEarly(ctx context.Context, head cacheHead, progress ProgressFunc) *earlyRequests {
	highWater, since := head.HighWater, c.referenceSince(head)
	e := &earlyRequests{highWater: highWater, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		// the cache probe, the changed users and the reference lists need
		// nothing from each other: one round trip, not a dozen in a row
		var wg gosync.WaitGroup
		errs := make([]error, 3)
		wg.Add(3)
		go func() { defer wg.Done(); e.top, errs[0] = c.topUser(ctx) }()
		go func() {
			defer wg.Done()
			e.changed, errs[1] = c.ListUsers(ctx, url.Values{"updated_at[gt_or_eq]": {highWater}}, progress)
		}()
		go func() { defer wg.Done(); e.refRead, errs[2] = c.fetchReference(ctx, &e.ref, since, progress) }()
		wg.Wait()
		for _, err := range errs {
			if err != nil && e.err == nil {
				e.err = err
			}
		}
	}()
	return e
}

// assemble builds the snapshot from prev and the early requests (nil for a
// full read): users changed since the cache replace their cached records,
// unless the cache no longer describes the instance, when every user is
// read again.
func (c *Client) assemble(ctx context.Context, prev *Snapshot, early *earlyRequests, progress ProgressFunc, inPlace bool, start int64) (*Snapshot, error) {
	s := &Snapshot{Format: SnapshotFormat, Instance: c.Instance(), FetchedAt: time.Now().UTC()}
	if early != nil {
		<-early.done
		if early.err != nil {
			return nil, early.err
		}
	}
	incremental := early != nil && prev != nil && prev.Instance == s.Instance && prev.HighWater == early.highWater && prev.Format == SnapshotFormat
	if incremental {
		if why := cacheMismatch(early.top, prev); why != "" {
			incremental = false
			s.Warnings = append(s.Warnings, "the cached snapshot no longer matches "+s.Instance+" ("+why+"; a sandbox refresh?): every user was read again")
		}
	}
	if incremental {
		base := prev.Users
		if !inPlace {
			base = append([]User(nil), base...)
		}
		s.Users, s.Stats.Changed = mergeUsers(base, early.changed)
	} else {
		users, err := c.ListUsers(ctx, nil, progress)
		if err != nil {
			return nil, err
		}
		s.Users = users
		s.Stats.Changed = len(users)
	}
	sortUsers(s.Users)
	var future []string
	s.HighWater, future = capHighWater(highWater(s.Users), c.ServerTime(), s.Users)
	if len(future) > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%d users have an updated-at later than Coupa's clock (%s); they are read again on every refresh and never hold back the others' changes", len(future), strings.Join(future[:min(len(future), 5)], ", ")))
	}
	if err := c.settleReference(ctx, s, prev, early, incremental, progress); err != nil {
		return nil, err
	}
	s.Stats.Incremental = incremental
	s.plainCache = incremental && prev.plainCache
	s.Stats.Requests = c.Requests.Load() - start
	s.Stats.Throttled = c.Throttled.Load()
	s.Stats.Retries = c.Retries.Load()
	return s, nil
}

// settleReference gives s its reference lists: those the early requests
// read, laid over prev's when they are the changes since prev's mark, or a
// full read when there were none, or when prev does not describe the
// instance (changes are then no use).
func (c *Client) settleReference(ctx context.Context, s, prev *Snapshot, early *earlyRequests, incremental bool, progress ProgressFunc) error {
	now := time.Now().UTC().Format(time.RFC3339)
	if early == nil || (early.refRead.since != "" && (!incremental || prev.ReferenceAt != early.refRead.since)) {
		read, err := c.fetchReference(ctx, s, "", progress)
		s.ReferenceAt, s.ReferenceFullAt = read.mark, now
		return err
	}
	s.takeReference(&early.ref)
	s.ReferenceAt, s.ReferenceFullAt = early.refRead.mark, now
	if early.refRead.since != "" {
		s.layReference(prev, early.refRead.partial)
		s.ReferenceFullAt = prev.ReferenceFullAt
		s.Stats.ReferenceSince = early.refRead.since
	}
	return nil
}

// takeReference moves the reference lists (and their warnings) of r into s.
func (s *Snapshot) takeReference(r *Snapshot) {
	s.Currencies, s.AccountTypes, s.Lookups, s.LookupValues = r.Currencies, r.AccountTypes, r.Lookups, r.LookupValues
	s.UserGroups, s.AccountGroups, s.ContentGroups, s.RoleCatalogue = r.UserGroups, r.AccountGroups, r.ContentGroups, r.RoleCatalogue
	s.Warnings = append(s.Warnings, r.Warnings...)
}

// RefreshCache is Refresh of the snapshot cached at path: the requests
// that need only the cache's first line (its high water) go out while the
// rest of the cache is read. A cache that cannot be read gives a full
// read, as Refresh does; one rewritten meanwhile is refreshed from what
// was read.
func (c *Client) RefreshCache(ctx context.Context, path string, progress ProgressFunc) (*Snapshot, error) {
	start := c.Requests.Load()
	var early *earlyRequests
	if head, ok := readCacheHead(path); ok && head.Format == SnapshotFormat && head.Instance == c.Instance() && head.HighWater != "" {
		early = c.startEarly(ctx, head, progress)
	}
	prev, damage := loadCacheOf(path, c.Instance())
	var s *Snapshot
	var err error
	if early != nil && prev != nil && prev.HighWater != early.highWater {
		<-early.done // another process rewrote it meanwhile: begin again from what was read
		s, err = c.Refresh(ctx, prev, progress)
	} else { // (no usable cache: a full read, with the reference lists already asked for)
		if early == nil && prev != nil && prev.HighWater != "" {
			early = c.startEarly(ctx, prev.cacheHead(), progress)
		}
		s, err = c.assemble(ctx, prev, early, progress, true, start)
	}
	if err == nil && damage != nil {
		s.Warnings = append(s.Warnings, fmt.Sprintf("the cached snapshot of %s could not be used (%v): every user was read again", c.Instance(), damage))
	}
	return s, err
}

// loadCacheOf is LoadCachedFrom that also says why a cache that exists
// could not be used (nil when there is none, or it is another instance's).
func loadCacheOf(path, instance string) (*Snapshot, error) {
	s, err := loadCache(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case s.Instance != instance:
		return nil, nil
	}
	return s, nil
}

// cacheHead is what a cache's first line says, as Save writes it.
type cacheHead struct {
	Format          string `json:"format"`
	Instance        string `json:"instance"`
	HighWater       string `json:"high-water"`
	ReferenceAt     string `json:"reference-at"`
	ReferenceFullAt string `json:"reference-full-at"`
}

// cacheHead is what s's first line says once saved.
func (s *Snapshot) cacheHead() cacheHead {
	return cacheHead{Format: s.Format, Instance: s.Instance, HighWater: s.HighWater, ReferenceAt: s.ReferenceAt, ReferenceFullAt: s.ReferenceFullAt}
}

// readCacheHead reads the head of a snapshot Save wrote, whose users
// begin on the first line; ok is false for any other layout.
func readCacheHead(path string) (cacheHead, bool) {
	var h cacheHead
	f, _, err := fileutil.OpenRegular(path)
	if err != nil {
		return h, false
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, buf)
	line := buf[:n]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	i := bytes.LastIndex(line, []byte(`"users":[`))
	if i < 0 {
		return h, false
	}
	doc := append(bytes.TrimRight(line[:i], ","), '}')
	if json.Unmarshal(doc, &h) != nil {
		return h, false
	}
	return h, true
}

// cacheMismatch tells why a cached snapshot cannot be refreshed
// incrementally, or "" when it can; top is the instance's highest user.
func cacheMismatch(top *User, prev *Snapshot) string {
	prevTop := 0
	for i := range prev.Users {
		if prev.Users[i].ID > prevTop {
			prevTop = prev.Users[i].ID
		}
	}
	if top == nil {
		if prevTop > 0 {
			return "it has no users now"
		}
		return ""
	}
	if top.ID < prevTop {
		return fmt.Sprintf("its highest user id is %d, the cache has %d", top.ID, prevTop)
	}
	for i := range prev.Users {
		if prev.Users[i].ID == top.ID && !strings.EqualFold(prev.Users[i].Login, top.Login) {
			return fmt.Sprintf("user %d is %s now, the cache has %s", top.ID, top.Login, prev.Users[i].Login)
		}
	}
	return ""
}

// referenceLists is how many REST reference lists a snapshot holds (the
// role catalogue, one GraphQL request, is always read whole).
const referenceLists = 7

// referenceRead says how the reference lists were read.
type referenceRead struct {
	since   string               // "": every list in full; else only records updated since
	partial [referenceLists]bool // lists holding only the records updated since: to lay over the cache's
	mark    string               // Coupa's clock, less a margin, when the read began: the next since
}

// fetchReference reads the reference data: in full, or with since only
// the records updated since then (Coupa's updated-at filter), to be laid
// over a cache's lists. A list the credential may not read (403) or the
// instance does not serve (404) becomes a warning in the snapshot: the
// diff then names what it could not check, instead of the whole fetch
// failing for a list it may not need. A list that refuses the filter (400)
// is read in full.
func (c *Client) fetchReference(ctx context.Context, s *Snapshot, since string, progress ProgressFunc) (referenceRead, error) {
	// Every list at once, inside the rate limit's burst: over a network
	// each is a round trip, and none needs another.
	var (
		mu       gosync.Mutex
		wg       gosync.WaitGroup
		firstErr error
		warnings = make([]string, referenceLists+1) // in a fixed order, whatever finishes first
		read     = referenceRead{since: since}
		began    = time.Now()
	)
	tolerate := func(k int, stage string, err error) {
		var ae *APIError
		switch {
		case err == nil:
		case errors.As(err, &ae) && (ae.Status == 403 || ae.Status == 404):
			warnings[k] = fmt.Sprintf("%s not read: %s", stage, ae.Error())
		case k == referenceLists && ctx.Err() == nil:
			// the catalogue is optional (GraphQL may be off, absent or not
			// JSON on an instance): any failure falls back, said once
			warnings[k] = "the role catalogue was not read (Coupa refused the GraphQL roles query: " + err.Error() + "): roles are checked against those users hold plus the profile's known-roles"
		default:
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}
	}
	run := func(k int, stage string, read func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tolerate(k, stage, read())
		}()
	}
	// list reads one collection, since the mark when there is one.
	list := func(k int, path, stage string, out any) {
		run(k, stage, func() error {
			err := readList(ctx, c, path, since, stage, progress, out)
			var ae *APIError
			if since != "" && errors.As(err, &ae) && ae.Status == 400 {
				err = readList(ctx, c, path, "", stage, progress, out) // the filter is not served here
			} else if since != "" && err == nil {
				read.partial[k] = true
			}
			return err
		})
	}
	list(0, "currencies", "currencies", &s.Currencies)
	list(1, "account_types", "charts of accounts", &s.AccountTypes)
	list(2, "lookups", "lookups", &s.Lookups)
	list(3, "lookup_values", "lookup values", &s.LookupValues)
	list(4, "user_groups", "user groups", &s.UserGroups)
	list(5, "account_groups", "account groups", &s.AccountGroups)
	list(6, "business_groups", "content groups", &s.ContentGroups)
	run(referenceLists, "roles", func() (err error) {
		s.RoleCatalogue, err = c.RoleCatalogue(ctx)
		return
	})
	wg.Wait()
	if firstErr != nil {
		return read, firstErr
	}
	for _, w := range warnings {
		if w != "" {
			s.Warnings = append(s.Warnings, w)
		}
	}
	// Coupa's clock when the read began: its last answer's, less the time
	// the read took (this machine's clock when Coupa sent no Date), less
	// the margin that covers records written while it ran.
	server := c.ServerTime()
	if server.IsZero() {
		server = time.Now().UTC()
	}
	read.mark = server.Add(-time.Since(began)).Add(-highWaterMargin).UTC().Format("2006-01-02T15:04:05Z")
	return read, nil
}

// readList reads one reference list into out (a pointer to its slice),
// only the records updated since since when it is not "".
func readList(ctx context.Context, c *Client, path, since, stage string, progress ProgressFunc, out any) (err error) {
	var filter url.Values
	if since != "" {
		filter = url.Values{"updated_at[gt_or_eq]": {since}}
	}
	switch out := out.(type) {
	case *[]Currency:
		*out, err = listAll(ctx, c, path, filter, 0, stage, progress, func(x *Currency) int { return x.ID })
	case *[]AccountType:
		*out, err = listAll(ctx, c, path, filter, 0, stage, progress, func(x *AccountType) int { return x.ID })
	case *[]Lookup:
		*out, err = listAll(ctx, c, path, filter, 0, stage, progress, func(x *Lookup) int { return x.ID })
	case *[]LookupValue:
		*out, err = listAll(ctx, c, path, filter, 0, stage, progress, func(x *LookupValue) int { return x.ID })
	case *[]Group:
		*out, err = listAll(ctx, c, path, filter, 0, stage, progress, func(x *Group) int { return x.ID })
	default:
		panic(fmt.Sprintf("readList: %T", out))
	}
	return err
}

// layReference lays the reference records read since prev's mark over
// prev's lists: a record read again replaces its cached copy, a new one
// joins, in id order.
func (s *Snapshot) layReference(prev *Snapshot, partial [referenceLists]bool) {
	if partial[0] {
		s.Currencies = layByID(prev.Currencies, s.Currencies, func(x *Currency) int { return x.ID })
	}
	if partial[1] {
		s.AccountTypes = layByID(prev.AccountTypes, s.AccountTypes, func(x *AccountType) int { return x.ID })
	}
	if partial[2] {
		s.Lookups = layByID(prev.Lookups, s.Lookups, func(x *Lookup) int { return x.ID })
	}
	if partial[3] {
		s.LookupValues = layByID(prev.LookupValues, s.LookupValues, func(x *LookupValue) int { return x.ID })
	}
	group := func(x *Group) int { return x.ID }
	if partial[4] {
		s.UserGroups = layByID(prev.UserGroups, s.UserGroups, group)
	}
	if partial[5] {
		s.AccountGroups = layByID(prev.AccountGroups, s.AccountGroups, group)
	}
	if partial[6] {
		s.ContentGroups = layByID(prev.ContentGroups, s.ContentGroups, group)
	}
}

func layByID[T any](cached, changed []T, id func(*T) int) []T {
	out := make([]T, 0, len(cached)+len(changed))
	fresh := make(map[int]int, len(changed))
	for i := range changed {
		fresh[id(&changed[i])] = i
	}
	for i := range cached {
		if j, ok := fresh[id(&cached[i])]; ok {
			out = append(out, changed[j])
			delete(fresh, id(&cached[i]))
			continue
		}
		out = append(out, cached[i])
	}
	for i := range changed {
		if _, ok := fresh[id(&changed[i])]; ok {
			out = append(out, changed[i])
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return id(&out[a]) < id(&out[b]) })
	return out
}

// mergeUsers lays re-read users over the cached ones and counts those
// whose record actually differs.
func mergeUsers(out, changed []User) ([]User, int) {
	// index the few changed users, not the many cached ones
	at := make(map[int]int, len(changed))
	for j := range changed {
		at[changed[j].ID] = j
	}
	n := 0
	for i := range out {
		if j, ok := at[out[i].ID]; ok {
			if !sameUser(out[i], changed[j]) {
				n++
			}
			out[i] = changed[j]
			delete(at, out[i].ID)
		}
	}
	for j := range changed { // new since the cache, in the order read
		if _, ok := at[changed[j].ID]; ok {
			out = append(out, changed[j])
			n++
		}
	}
	return out, n
}

// sameUser says two reads of a user hold the same record: an empty list
// is the same whether it was read as [] or left out (a cache writes none).
func sameUser(a, b User) bool {
	a.raw, b.raw = "", ""
	va, vb := reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem()
	for i := 0; i < va.NumField(); i++ {
		for _, f := range [2]reflect.Value{va.Field(i), vb.Field(i)} {
			if f.Kind() == reflect.Slice && f.Len() == 0 && f.CanSet() {
				f.Set(reflect.Zero(f.Type()))
			}
		}
	}
	return reflect.DeepEqual(a, b)
}

// highWaterMargin is how far behind Coupa's clock the high water stays:
// records written while a read runs, and clocks a little apart, are read
// again next time rather than missed.
const highWaterMargin = 5 * time.Minute

// capHighWater keeps the high water at or before Coupa's clock (its Date
// header; this machine's when Coupa sent none) less a margin: one record
// dated in the future must not make every later refresh skip the others'
// changes. It names the users dated later than that clock.
func capHighWater(hw string, server time.Time, users []User) (string, []string) {
	if server.IsZero() {
		server = time.Now().UTC()
	}
	limit := server.Add(-highWaterMargin).UTC()
	t, err := time.Parse(time.RFC3339, hw)
	if err != nil || !t.After(limit) {
		return hw, nil
	}
	var future []string
	for i := range users {
		if ut, err := time.Parse(time.RFC3339, users[i].UpdatedAt); err == nil && ut.After(server.Add(highWaterMargin)) {
			future = append(future, users[i].Login)
		}
	}
	return limit.Format("2006-01-02T15:04:05Z"), future
}

func highWater(users []User) string {
	best, bestT, bestUTC := "", time.Time{}, false
	for i := range users {
		u := &users[i]
		if bestUTC && utcSeconds(u.UpdatedAt) {
			if u.UpdatedAt > best { // one layout, one zone: the text orders as the time
				best, bestT = u.UpdatedAt, time.Time{}
			}
			continue
		}
		t, err := time.Parse(time.RFC3339, u.UpdatedAt)
		if err != nil {
			continue
		}
		if bestT.IsZero() && best != "" {
			bestT, _ = time.Parse(time.RFC3339, best)
		}
		if t.After(bestT) {
			best, bestT, bestUTC = u.UpdatedAt, t, utcSeconds(u.UpdatedAt)
		}
	}
	return best
}

// utcSeconds reports a time written as Coupa writes it, 2006-01-02T15:04:05Z.
func utcSeconds(s string) bool {
	if len(s) != 20 || s[19] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	two := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	year, month, day := two(0)*100+two(2), two(5), two(8)
	if month < 1 || month > 12 || day < 1 || two(11) > 23 || two(14) > 59 || two(17) > 59 {
		return false // time.Parse refuses these
	}
	return day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Roles returns the instance's role catalogue, read from users' roles
// (Coupa has no REST roles endpoint).
func (s *Snapshot) Roles() []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range s.Users {
		for _, r := range u.Roles {
			if !seen[r.Name] {
				seen[r.Name] = true
				out = append(out, r.Name)
			}
		}
	}
	return out
}

// Save writes the snapshot atomically and private (0600): a temporary file
// renamed into place, so a failure never leaves a partial snapshot.
func (s *Snapshot) Save(path string) error {
	return fileutil.WriteAtomic(path, fileutil.Private, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 1<<20)
		if _, err := s.encode(w, nil); err != nil {
			return err
		}
		return w.Flush()
	})
}

// encode streams the document, one user per line (the layout decodeFast
// reads), encoding blocks of users on every core: a 100,000-user snapshot
// is never held in memory twice.
func (s *Snapshot) encode(w io.Writer, lens []int32) (prefix int, err error) {
	head := *s
	head.Users = nil
	b, err := json.Marshal(head)
	if err != nil {
		return 0, err
	}
	// {"format":...,"users":null,...} -> splice the users array in place of null
	i := bytes.Index(b, []byte(`"users":null`))
	if i < 0 {
		return 0, errors.New("snapshot: cannot place users")
	}
	if _, err := w.Write(b[:i]); err != nil {
		return 0, err
	}
	if len(s.Users) == 0 {
		io.WriteString(w, `"users":[]`)
	} else {
		io.WriteString(w, usersOpen)
		if err := encodeUsers(w, s.Users, lens); err != nil {
			return 0, err
		}
		io.WriteString(w, usersClose)
	}
	_, err = w.Write(b[i+len(`"users":null`):])
	if err == nil {
		_, err = io.WriteString(w, "\n")
	}
	return i, err
}

// encodeUsers writes users one per line, separated by commas, encoded in
// blocks on every core; a user read from a cache is written back from its
// own line.
func encodeUsers(w io.Writer, users []User, lens []int32) error {
	return blocks.Write(w, len(users), 2048, 2048*700, func(buf *bytes.Buffer, lo, hi int) error {
		enc := json.NewEncoder(buf)
		for j := lo; j < hi; j++ {
			if j > 0 {
				buf.WriteString(",\n")
			}
			at := buf.Len()
			if users[j].raw != "" {
				buf.WriteString(users[j].raw)
			} else {
				if err := enc.Encode(&users[j]); err != nil {
					return err
				}
				buf.Truncate(buf.Len() - 1) // Encode's newline
			}
			if lens != nil {
				lens[j] = int32(buf.Len() - at) // the line's length, for the cache's binary part
			}
		}
		return nil
	})
}

// LoadSnapshot reads a snapshot file and checks its format.
func LoadSnapshot(path string) (*Snapshot, error) {
	b, err := fileutil.ReadRegular(path, MaxSnapshotBytes)
	if err != nil {
		return nil, err
	}
	return decodeSnapshot(path, b)
}

// loadCache reads a cache file in place (see fileutil.MapRegular): this
// program rewrites a cache only by renaming a new one into place.
func loadCache(path string) (*Snapshot, error) {
	b, err := fileutil.MapRegular(path, MaxSnapshotBytes)
	if err != nil {
		return nil, err
	}
	s, err := decodeSnapshot(path, b)
	if err == nil && !isCacheFile(b) {
		s.plainCache = true
	}
	return s, err
}

func decodeSnapshot(path string, b []byte) (*Snapshot, error) {
	s, cache, err := decodeCache(b)
	switch {
	case cache && err != nil:
		return nil, fmt.Errorf("%s: %v", path, err)
	case !cache:
		// The users' strings are slices of the file's bytes: b is never
		// written again, and copying 60 MB costs more than decoding it.
		s, err = decodeFast(unsafe.String(unsafe.SliceData(b), len(b)))
		if errors.Is(err, errSlowPath) {
			s = &Snapshot{}
			err = json.Unmarshal(b, s)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: not a ccwrecon snapshot: %v", path, err)
		}
	}
	if s.Format != SnapshotFormat {
		return nil, fmt.Errorf("%s: unknown snapshot format %q (want %s)", path, s.Format, SnapshotFormat)
	}
	return s, nil
}

// MaxSnapshotBytes bounds what LoadSnapshot reads (100,000 users are ~60 MB).
const MaxSnapshotBytes = 4 << 30

// CachePath is where snapshots of an instance are cached.
func CachePath(instance string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(instance))
	return filepath.Join(dir, "ccwrecon", "snapshots", hex.EncodeToString(h[:8])+".json"), nil
}

// LoadCached returns the cached snapshot of an instance, or nil.
func LoadCached(instance string) *Snapshot {
	p, err := CachePath(instance)
	if err != nil {
		return nil
	}
	return LoadCachedFrom(p, instance)
}

// LoadCachedFrom returns the snapshot cached at path if it is one of this
// instance, or nil (a missing, old or corrupt cache means a full read).
func LoadCachedFrom(path, instance string) *Snapshot {
	s, _ := loadCacheOf(path, instance)
	return s
}

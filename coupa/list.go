package coupa

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// PageSize is Coupa's maximum records per GET.
const PageSize = 50

// Progress reports a long operation: Done of Total units (Total 0 when unknown).
type Progress struct {
	Stage       string
	Done, Total int
}

// ProgressFunc receives progress; it must be cheap and safe for concurrent use.
type ProgressFunc func(Progress)

// UserFields is the projection ccwrecon asks for: small payloads, every compared field.
var UserFields = func() string {
	seg := make([]string, 0, 22)
	seg = append(seg, "id", "code")
	for i := 1; i <= 20; i++ {
		seg = append(seg, segmentKey(i))
	}
	f := []any{"id", "created-at", "updated-at", "login", "email", "firstname", "lastname", "middlename",
		"employee-number", "mention-name", "sso-identifier", "active", "account-security-type",
		"ccw-user", "api-user", "authentication-method", "default-locale", "business-group-security-type",
		"purchasing-user", "expense-user", "sourcing-user", "inventory-user", "contracts-user", "analytics-user",
		map[string]any{"default-currency": []string{"id", "code"}},
		map[string]any{"default-account-type": []string{"id", "name"}},
		map[string]any{"default-account": seg},
		map[string]any{"manager": []string{"id", "login"}},
		map[string]any{"updated-by": []string{"id", "login"}},
		map[string]any{"phone-work": []string{"country-code", "area-code", "number", "extension"}},
		map[string]any{"roles": []string{"id", "name"}},
		map[string]any{"account-groups": []string{"id", "name"}},
		map[string]any{"user-groups": []string{"id", "name"}},
		map[string]any{"content-groups": []string{"id", "name"}},
		map[string]any{"approval-groups": []string{"id", "name"}},
		map[string]any{"default-address": []string{"id", "name", "location-code"}},
		map[string]any{"custom-fields": map[string]any{}},
	}
	for _, l := range LimitFields {
		f = append(f, map[string]any{l: []any{"id", "name", "amount", map[string]any{"currency": []string{"id", "code"}}}})
	}
	b, _ := json.Marshal(f)
	return string(b)
}()

// maxListPages bounds any list (819,200 records; the largest Coupa
// instances hold about 300,000 users), and maxGrowth the pages a list may
// grow past its estimate while it is read (users created meanwhile).
const (
	maxListPages = 1 << 14
	maxGrowth    = 64
)

// maxWindow bounds how many pages one round may queue, whatever an
// estimate claims: a server claiming a highest id of 9e18 gets no more.
const maxWindow = 1 << 16

// listAll fetches every record of a collection. Pages are fetched in
// parallel by offset, ordered by id: users are never deleted and new ids
// sort last, so id order is stable while the crawl runs. Coupa sends no
// total count, so pages go in rounds: first the estimated range (or one
// page), then growing windows, and no page is dispatched past a short one.
// The estimate never sizes an allocation: pages are kept as they come.
func listAll[T any](ctx context.Context, c *Client, path string, filter url.Values, estimate int, stage string, progress ProgressFunc, id func(*T) int) ([]T, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(c.cfg.Concurrency, 1)
	totalPages := 0
	if estimate > 0 {
		totalPages = min((estimate+PageSize-1)/PageSize, maxWindow)
	}
	var (
		mu       sync.Mutex
		pages    = map[int][]T{}
		short    = -1
		firstErr error
		done     atomic.Int64
		count    int
		owner    = map[int]int32{} // record id -> the page that first held it
	)
	// Paging must advance: a page holding only records already read (a
	// server ignoring offset), or more pages than the instance announced,
	// ends the read with an error instead of looping for ever.
	maxPages := maxListPages
	if totalPages > 0 {
		maxPages = min(maxPages, totalPages+1+maxGrowth)
	}
	pagingErr := func(why string) error {
		return fmt.Errorf("Coupa GET /api/%s: %s; stopping the read (a proxy or Coupa is not paging as documented)", path, why)
	}
	ended := func(p int) bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil || (short >= 0 && p > short)
	}
	fetch := func(p int) {
		q := url.Values{}
		for k, v := range filter {
			q[k] = v
		}
		q.Set("order_by", "id")
		q.Set("dir", "asc")
		q.Set("limit", strconv.Itoa(PageSize))
		q.Set("offset", strconv.Itoa(p*PageSize))
		var items []T
		err := c.do(ctx, http.MethodGet, path, q, nil, &items)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			cancel()
			return
		}
		if p >= maxPages && len(items) > 0 {
			if firstErr == nil {
				firstErr = pagingErr(fmt.Sprintf("more than %d pages of %d, more than the instance announced", maxPages, PageSize))
			}
			cancel()
			return
		}
		fresh := len(items) == 0
		repeats := -1
		for i := range items {
			k := id(&items[i])
			if k == 0 {
				fresh = true
				continue
			}
			if q, dup := owner[k]; dup {
				repeats = int(q)
				continue
			}
			owner[k] = int32(p)
			fresh = true
		}
		if !fresh {
			if firstErr == nil {
				firstErr = pagingErr(fmt.Sprintf("the page at offset %d repeats records already read at offset %d", p*PageSize, repeats*PageSize))
			}
			cancel()
			return
		}
		pages[p] = items
		count += len(items)
		if len(items) < PageSize && (short < 0 || p < short) {
			short = p
		}
		d := int(done.Add(1))
		if progress != nil {
			t := totalPages
			if d > t {
				t = 0
			}
			progress(Progress{Stage: stage, Done: d, Total: t})
		}
	}
	from, to := 0, totalPages+1 // +1: the page that proves the end
	sem := make(chan struct{}, workers)
	for {
		var wg sync.WaitGroup
		for p := from; p < to && !ended(p); p++ {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil || ended(p) {
				if ctx.Err() == nil {
					<-sem
				}
				break
			}
			wg.Add(1)
			go func(p int) {
				defer func() { <-sem; wg.Done() }()
				fetch(p)
			}(p)
		}
		wg.Wait()
		if firstErr != nil {
			return nil, firstErr
		}
		if err := ctx.Err(); err != nil {
			return nil, ctxErr(ctx, err)
		}
		if short >= 0 {
			break
		}
		// no estimate, or more users than it said: grow 1, 2, 4… pages so a short list wastes little
		from, to = to, to+min(workers, max(1, 2*(to-from)))
	}
	out := make([]T, 0, count)
	for p := 0; p <= short; p++ {
		items := pages[p]
		for i := range items {
			if k := id(&items[i]); k != 0 && owner[k] != int32(p) {
				continue // read on another page as well
			}
			out = append(out, items[i])
		}
		pages[p] = nil
	}
	return out, nil
}

// topUser reads the user with the highest id (a cheap bound of the user
// count, and a probe of whether a cache still describes the instance).
func (c *Client) topUser(ctx context.Context) (*User, error) {
	q := url.Values{"order_by": {"id"}, "dir": {"desc"}, "limit": {"1"}, "fields": {`["id","login","updated-at"]`}}
	var top []User
	if err := c.do(ctx, http.MethodGet, "users", q, nil, &top); err != nil {
		return nil, err
	}
	if len(top) == 0 {
		return nil, nil
	}
	return &top[0], nil
}

// estimateUsers returns the highest user id: an upper bound of the user
// count (Coupa sends no total-count header).
func (c *Client) estimateUsers(ctx context.Context) (int, error) {
	top, err := c.topUser(ctx)
	if err != nil || top == nil {
		return 0, err
	}
	return top.ID, nil
}

// ListUsers fetches every user (active and inactive) matching filter.
func (c *Client) ListUsers(ctx context.Context, filter url.Values, progress ProgressFunc) ([]User, error) {
	est := 0
	if len(filter) == 0 {
		var err error
		if est, err = c.estimateUsers(ctx); err != nil {
			return nil, err
		}
	}
	q := url.Values{"fields": {UserFields}}
	for k, v := range filter {
		q[k] = v
	}
	return listAll(ctx, c, "users", q, est, "users", progress, func(u *User) int { return u.ID })
}

// UsersByID re-reads users in batches of 50 with id[in].
func (c *Client) UsersByID(ctx context.Context, ids []int) (map[int]User, error) {
	out := map[int]User{}
	for start := 0; start < len(ids); start += PageSize {
		end := min(start+PageSize, len(ids))
		parts := make([]string, 0, end-start)
		for _, id := range ids[start:end] {
			parts = append(parts, strconv.Itoa(id))
		}
		q := url.Values{"id[in]": {strings.Join(parts, ",")}, "fields": {UserFields}, "limit": {strconv.Itoa(PageSize)}}
		var users []User
		if err := c.do(ctx, http.MethodGet, "users", q, nil, &users); err != nil {
			return nil, err
		}
		for _, u := range users {
			out[u.ID] = u
		}
	}
	return out, nil
}

// FindUserByLogin returns the user with this exact login, or nil.
func (c *Client) FindUserByLogin(ctx context.Context, login string) (*User, error) {
	q := url.Values{"login": {login}, "fields": {UserFields}}
	var users []User
	if err := c.do(ctx, http.MethodGet, "users", q, nil, &users); err != nil {
		return nil, err
	}
	for i := range users {
		if strings.EqualFold(users[i].Login, login) {
			return &users[i], nil
		}
	}
	return nil, nil
}

// UsersByLogin re-reads users by login in batches of 50 (login[in]); the
// result is keyed by lower-cased login.
func (c *Client) UsersByLogin(ctx context.Context, logins []string) (map[string]User, error) {
	out := map[string]User{}
	for start := 0; start < len(logins); start += PageSize {
		batch := logins[start:min(start+PageSize, len(logins))]
		q := url.Values{"login[in]": {strings.Join(batch, ",")}, "fields": {UserFields}, "limit": {strconv.Itoa(PageSize)}}
		var users []User
		if err := c.do(ctx, http.MethodGet, "users", q, nil, &users); err != nil {
			return nil, err
		}
		for _, u := range users {
			out[strings.ToLower(u.Login)] = u
		}
	}
	return out, nil
}

// CreateUser POSTs a new user. An error wrapping ErrUncertain means the
// user may exist anyway: look it up by login before trying again.
func (c *Client) CreateUser(ctx context.Context, body UserPatch) (*User, error) {
	var u User
	q := url.Values{"fields": {UserFields}}
	if err := c.do(ctx, http.MethodPost, "users", q, body, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUser PUTs a partial update of one user.
func (c *Client) UpdateUser(ctx context.Context, id int, body UserPatch) (*User, error) {
	var u User
	q := url.Values{"fields": {UserFields}}
	if err := c.do(ctx, http.MethodPut, "users/"+strconv.Itoa(id), q, body, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// GetUser reads one user.
func (c *Client) GetUser(ctx context.Context, id int) (*User, error) {
	var u User
	if err := c.do(ctx, http.MethodGet, "users/"+strconv.Itoa(id), url.Values{"fields": {UserFields}}, nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

func sortUsers(users []User) {
	if slices.IsSortedFunc(users, func(a, b User) int { return cmp.Compare(a.ID, b.ID) }) {
		return // a cache read back, merged in place: sorted already, and each swap moves 400 bytes
	}
	sort.Slice(users, func(i, j int) bool { return users[i].ID < users[j].ID })
}

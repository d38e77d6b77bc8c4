package coupa_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

func start(t testing.TB, seed *emulator.Seed, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	srv := emulator.New(seed, opts)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	u, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return srv, u
}

func client(t testing.TB, base string, mod func(*coupa.Config)) *coupa.Client {
	t.Helper()
	cfg := coupa.Config{BaseURL: base, ClientID: emulator.DefaultClientID, ClientSecret: emulator.DefaultClientSecret,
		Scopes: coupa.WriteScopes, Rate: 1000, Burst: 100, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := coupa.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListPagesPast50AndKeepsEveryUser(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(537), emulator.Options{})
	c := client(t, base, nil)
	var pages atomic.Int64
	users, err := c.ListUsers(context.Background(), nil, func(p coupa.Progress) { pages.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 537 {
		t.Fatalf("got %d users, want 537", len(users))
	}
	seen := map[int]bool{}
	for _, u := range users {
		if seen[u.ID] {
			t.Fatalf("duplicate user %d", u.ID)
		}
		seen[u.ID] = true
	}
	if inactive := countInactive(users); inactive == 0 {
		t.Fatal("inactive users must be listed too")
	}
	if pages.Load() < 11 {
		t.Fatalf("progress reported %d pages, want at least 11", pages.Load())
	}
}

func countInactive(users []coupa.User) int {
	n := 0
	for _, u := range users {
		if !u.Active {
			n++
		}
	}
	return n
}

func TestFiltersReachTheServerEncoded(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(120), emulator.Options{})
	c := client(t, base, nil)
	// A '+' in a timestamp offset must arrive as '+', not as a space.
	users, err := c.ListUsers(context.Background(), url.Values{"updated-at[gt]": {"2026-01-05T10:50:00+00:00"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 120-110 {
		t.Fatalf("updated-at[gt] returned %d users, want 10", len(users))
	}
	users, err = c.ListUsers(context.Background(), url.Values{"roles[name]": {"Buyer"}, "active": {"true"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if !hasRole(u, "Buyer") || !u.Active {
			t.Fatalf("nested filter leaked %s", u.Login)
		}
	}
	if len(users) == 0 {
		t.Fatal("nested filter found nobody")
	}
	_, err = c.ListUsers(context.Background(), url.Values{"no-such-field": {"x"}}, nil)
	if !IsStatus(err, 400) {
		t.Fatalf("unknown filter attribute: got %v, want a 400", err)
	}
}

func hasRole(u coupa.User, name string) bool {
	for _, r := range u.Roles {
		if r.Name == name {
			return true
		}
	}
	return false
}

func ptr(s string) *string { return &s }

func IsStatus(err error, status int) bool {
	var ae *coupa.APIError
	return errors.As(err, &ae) && ae.Status == status
}

func TestAuthFailuresAreClearAndSecretFree(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(3), emulator.Options{})
	ctx := context.Background()
	bad := client(t, base, func(c *coupa.Config) { c.ClientSecret = "wrong-secret-123" })
	_, err := bad.ListUsers(ctx, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "COUPA_CLIENT_SECRET") || strings.Contains(err.Error(), "wrong-secret-123") {
		t.Fatalf("bad secret: %v", err)
	}
	key := client(t, base, func(c *coupa.Config) { c.ClientID, c.ClientSecret, c.APIKey = "", "", "not-a-key" })
	_, err = key.ListUsers(ctx, nil, nil)
	if !IsStatus(err, 401) || strings.Contains(err.Error(), "not-a-key") {
		t.Fatalf("bad API key: %v", err)
	}
	narrow := client(t, base, func(c *coupa.Config) { c.Scopes = []string{"core.user.read"} })
	_, err = narrow.UpdateUser(ctx, 1, coupa.UserPatch{Firstname: ptr("X")})
	if !IsStatus(err, 403) || !strings.Contains(err.Error(), "core.user.write") {
		t.Fatalf("missing scope: %v", err)
	}
}

func TestThrottledFetchHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	// Every reading of the emulator's clock moves it 5 ms (a request with an
	// OAuth token reads it twice, so 0.5 token of the 50/s accrues a
	// request): 600 users are 14 requests, beyond the burst of 5 plus what
	// accrues (400 users, 10 requests, were on the edge), so a client that
	// ignores the limit meets 429s however its requests interleave.
	var tick atomic.Int64
	virtual := func() time.Time {
		return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(tick.Add(1)) * 50 * time.Millisecond / 10)
	}
	srv, base := start(t, emulator.Generate(600), emulator.Options{Rate: 50, Burst: 5, Now: virtual, FineRetryAfter: true})
	// A client that ignores the server's limit gets 429s and must still finish.
	c := client(t, base, func(c *coupa.Config) { c.Rate = -1 }) // ignores the server's limit
	users, err := c.ListUsers(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 600 {
		t.Fatalf("got %d users", len(users))
	}
	if srv.Throttled.Load() == 0 || c.Throttled.Load() == 0 {
		t.Fatal("expected the emulator to throttle an unlimited client")
	}
}

// A client paced for the server's limit is never throttled, even when
// its requests arrive with jitter: checked on a virtual clock, so the
// answer does not depend on how busy the machine is.
func TestPacingStaysUnderTheServersBucket(t *testing.T) {
	t.Parallel()
	for _, lim := range []struct {
		rate  float64
		burst int
	}{{25, 20}, {50, 5}, {10, 3}} {
		client := coupa.Pacing(lim.rate, lim.burst)
		server := rate.NewLimiter(rate.Limit(lim.rate), lim.burst)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		jitter := []time.Duration{0, 3 * time.Millisecond, 0, 7 * time.Millisecond, time.Millisecond}
		for i := 0; i < 2000; i++ {
			send := now.Add(client.ReserveN(now, 1).DelayFrom(now))
			arrive := send.Add(jitter[i%len(jitter)])
			if d := server.ReserveN(arrive, 1).DelayFrom(arrive); d > 0 {
				t.Fatalf("%v/s burst %d: request %d would be throttled (%s early)", lim.rate, lim.burst, i, d)
			}
			now = send
		}
	}
}

func TestBounded503Retries(t *testing.T) {
	t.Parallel()
	srv, base := start(t, emulator.Generate(10), emulator.Options{})
	c := client(t, base, func(c *coupa.Config) { c.MaxRetries = 3 })
	srv.InjectFaults(2, 0)
	if _, err := c.ListUsers(context.Background(), nil, nil); err != nil {
		t.Fatalf("two 503s then success: %v", err)
	}
	srv.InjectFaults(100, 0)
	start := srv.Hits.Load()
	_, err := c.GetUser(context.Background(), 1)
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Fatalf("endless 503: %v", err)
	}
	if n := srv.Hits.Load() - start; n != 4 {
		t.Fatalf("sent %d requests, want 4", n)
	}
}

func TestTokenIsRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	srv, base := start(t, emulator.Generate(5), emulator.Options{TokenTTL: 290 * time.Second})
	_ = srv
	tokens := 0
	var hc = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/oauth2/token") {
			tokens++
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := client(t, base, func(c *coupa.Config) { c.HTTPClient = hc })
	for i := 0; i < 3; i++ {
		if _, err := c.GetUser(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	// A 290 s token is within the 5-minute early-renewal window: every call renews.
	if tokens != 3 {
		t.Fatalf("minted %d tokens, want 3 (renewed before expiry)", tokens)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCancellationStopsAFetch(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(2000), emulator.Options{Latency: 50 * time.Millisecond})
	c := client(t, base, func(c *coupa.Config) { c.Concurrency = 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err := c.Fetch(ctx, nil, nil)
	if err == nil {
		t.Fatal("fetch survived cancellation")
	}
	if time.Since(t0) > 2*time.Second {
		t.Fatalf("cancellation took %v", time.Since(t0))
	}
}

func TestHangingAndBrokenServers(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer hang.Close()
	c := client(t, hang.URL, func(c *coupa.Config) {
		c.ClientID, c.ClientSecret, c.APIKey, c.Timeout, c.MaxRetries = "", "", "k", 100*time.Millisecond, 5
	})
	t0 := time.Now()
	if _, err := c.GetUser(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("hanging server: %v", err)
	}
	if d := time.Since(t0); d > time.Second { // two timeouts and one backoff, not six
		t.Fatalf("gave up after %v", d)
	}
	trunc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"id":1,"login":"a"`))
	}))
	defer trunc.Close()
	c = client(t, trunc.URL, func(c *coupa.Config) { c.ClientID, c.ClientSecret, c.APIKey, c.MaxRetries = "", "", "k", 1 })
	if _, err := c.ListUsers(context.Background(), url.Values{"login": {"a"}}, nil); err == nil || !strings.Contains(err.Error(), "unreadable JSON") {
		t.Fatalf("truncated JSON: %v", err)
	}
	if _, err := coupa.New(coupa.Config{BaseURL: "http://example.com", APIKey: "k"}); err == nil {
		t.Fatal("plain http to a non-loopback host must be refused")
	}
}

// clock is a settable clock for the emulator: tests move it, never sleep.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestSnapshotIsIncrementalAndAtomic(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	srv, base := start(t, emulator.Generate(260), emulator.Options{Now: clk.Now})
	c := client(t, base, nil)
	ctx := context.Background()
	if _, err := c.UpdateUser(ctx, 9, coupa.UserPatch{Firstname: ptr("Early")}); err != nil {
		t.Fatal(err)
	}
	s1, err := c.Fetch(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Re-opening an unchanged instance says so, although the boundary
	// second's users are read again.
	same, err := c.Fetch(ctx, s1, nil)
	if err != nil || !same.Stats.Incremental || same.Stats.Changed != 0 {
		t.Fatalf("unchanged re-open: %+v %v", same.Stats, err)
	}
	// An update in the same second as the high-water mark is still seen.
	if _, err := c.UpdateUser(ctx, 11, coupa.UserPatch{Firstname: ptr("SameSecond")}); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Second)
	if _, err := c.UpdateUser(ctx, 7, coupa.UserPatch{Firstname: ptr("Renamed")}); err != nil {
		t.Fatal(err)
	}
	before := srv.Hits.Load()
	s2, err := c.Fetch(ctx, s1, nil)
	if err != nil {
		t.Fatal(err)
	}
	userRequests := srv.Hits.Load() - before - 9 // seven reference collections and the role catalogue (a page, then the empty one)
	if userRequests != 2 {                       // the cache probe (highest id) and one page of changes
		t.Fatalf("incremental refresh used %d user requests, want 2", userRequests)
	}
	if s2.Stats.Changed != 2 {
		t.Fatalf("changed %d, want 2", s2.Stats.Changed)
	}
	for _, u := range s2.Users {
		if u.ID == 11 && u.Firstname != "SameSecond" {
			t.Fatal("incremental refresh missed a same-second update")
		}
	}
	if len(s2.Users) != 260 {
		t.Fatalf("merged snapshot has %d users", len(s2.Users))
	}
	for _, u := range s2.Users {
		if u.ID == 7 && u.Firstname != "Renamed" {
			t.Fatal("incremental refresh missed the update")
		}
	}
	path := filepath.Join(t.TempDir(), "snap.json")
	if err := s2.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := coupa.LoadSnapshot(path)
	if err != nil || len(back.Users) != 260 {
		t.Fatalf("reload: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

// Coupa's own published samples decode into the models.
func TestPublishedSamplesDecode(t *testing.T) {
	t.Parallel()
	var list []coupa.User
	decodeFile(t, "users-list.response.json", &list)
	if len(list) != 2 || list[0].ID != 771 || list[0].Login == "" {
		t.Fatalf("users-list: %+v", list)
	}
	var show coupa.User
	decodeFile(t, "user-show.response.json", &show)
	if show.Login != "tkennedy" || show.DefaultAccount == nil || len(show.DefaultAccount.Segments) == 0 {
		t.Fatalf("user-show: login %q account %+v", show.Login, show.DefaultAccount)
	}
	var created coupa.User
	decodeFile(t, "user-create.response.json", &created)
	if created.ID != 606 || len(created.Roles) == 0 || created.Roles[0].Name != "User" {
		t.Fatalf("user-create: %+v", created)
	}
	var errs coupa.ErrorBody
	decodeFile(t, "user-create-errors.response.json", &errs)
	if len(errs.Errors["user"]) != 2 {
		t.Fatalf("errors: %+v", errs)
	}
	var updated coupa.User
	decodeFile(t, "user-update.response.json", &updated)
	if updated.ID != 5 {
		t.Fatalf("user-update: %+v", updated)
	}
}

func decodeFile(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "coupa-samples", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// The emulator's users have the keys Coupa's sample show has (same shape).
func TestEmulatorAnswersHaveCoupasShape(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(3), emulator.Options{})
	req, _ := http.NewRequest("GET", base+"/api/users/2", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-COUPA-API-KEY", emulator.DefaultAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	json.NewDecoder(resp.Body).Decode(&got)
	var sample map[string]any
	decodeFile(t, "user-show.response.json", &sample)
	for _, k := range []string{"id", "login", "email", "firstname", "lastname", "active", "roles", "manager",
		"default-currency", "employee-number", "account-security-type", "created-at", "updated-at", "mention-name"} {
		if _, ok := sample[k]; !ok {
			t.Fatalf("sample lacks %s", k)
		}
		if _, ok := got[k]; !ok {
			t.Errorf("emulator user lacks %q", k)
		}
	}
	// XML unless JSON is asked for, as Coupa answers.
	req.Header.Del("Accept")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if !strings.Contains(resp2.Header.Get("Content-Type"), "xml") {
		t.Fatalf("default content type %q", resp2.Header.Get("Content-Type"))
	}
}

func TestGroupsAreOptionalButUsersAreNot(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(30), emulator.Options{})
	narrow := client(t, base, func(c *coupa.Config) {
		c.Scopes = []string{"core.user.read", "core.common.read", "core.accounting.read"} // no core.user_group.read
	})
	s, err := narrow.Fetch(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Users) != 30 || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "core.user_group.read") { // user groups only: account/content groups are core.accounting/core.common
		t.Fatalf("warnings %v", s.Warnings)
	}
	noUsers := client(t, base, func(c *coupa.Config) { c.Scopes = []string{"core.common.read"} })
	// (without core.user_group.read the three group lists warn; users are still required)
	if _, err := noUsers.Fetch(context.Background(), nil, nil); !IsStatus(err, 403) {
		t.Fatalf("users without scope: %v", err)
	}
}

func TestRefusedDefaultScopesFallBackToUsers(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Generate(20), emulator.Options{
		Clients: map[string]emulator.Client{"users-only": {Secret: "s", Scopes: []string{"core.user.read"}}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, _ := srv.Start(ctx, "127.0.0.1:0")
	c := client(t, base, func(c *coupa.Config) {
		c.ClientID, c.ClientSecret, c.Scopes, c.FallbackScopes = "users-only", "s", coupa.ReadScopes, []string{"core.user.read"}
	})
	s, err := c.Fetch(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Users) != 20 || len(s.Warnings) != 8 {
		t.Fatalf("%d users, warnings %v", len(s.Users), s.Warnings)
	}
}

package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/ccwrecon/ccwrecon/coupa"
)

// Client is an OAuth client-credentials client known to the emulator.
type Client struct {
	Secret string
	Scopes []string
}

// AllScopes are granted to the default credentials.
var AllScopes = []string{"core.user.read", "core.user.write", "core.common.read", "core.common.write",
	"core.accounting.read", "core.accounting.write", "core.user_group.read", "core.user_group.write", "openid", "login"}

// Options configure an emulator.
type Options struct {
	Rate     float64       // requests/s before 429; 0 = unlimited
	Burst    int           // burst allowance
	Latency  time.Duration // added to every API answer
	APIKeys  map[string][]string
	Clients  map[string]Client
	TokenTTL time.Duration // default 86399 s, as Coupa
	// ReplaceCollections makes a non-empty roles/groups list replace the
	// user's list; by default it adds (Coupa's documented two-step removal).
	ReplaceCollections bool
	// IgnoreWrites lists user fields Coupa accepts in a write but does not
	// store (as it does with attributes it treats as read-only: R39 marks
	// phone-work's parts read-only). Only a read-back shows it.
	IgnoreWrites []string
	// Actors names the user each API key or OAuth client acts as, for
	// updated-by (default: the API user "integration").
	Actors map[string]string
	// FineRetryAfter sends Retry-After in fractions of a second (tests:
	// Coupa's whole seconds would make a throttling test wait seconds).
	FineRetryAfter bool
	// Now is the emulator's clock (default time.Now): tests move it
	// instead of sleeping.
	Now func() time.Time
	// LoadDelay is how long after LoadUsersCSV the file is processed, as
	// Coupa's poller does minutes later.
	LoadDelay time.Duration
}

// DefaultCredentials are used when Options name none.
const (
	DefaultAPIKey       = "emulator-api-key"
	DefaultClientID     = "emulator-client"
	DefaultClientSecret = "emulator-secret"
)

// Server is a running emulator's state and handler.
type Server struct {
	opts    Options
	mu      sync.RWMutex
	users   []*coupa.User // sorted by id
	byID    map[int]*coupa.User
	seed    *Seed
	nextID  int
	tokens  map[string]token
	limiter *rate.Limiter
	// Fault injection: counters consumed by the next requests.
	fail503     atomic.Int64
	fail500Post atomic.Int64
	Hits        atomic.Int64 // API requests served
	Throttled   atomic.Int64 // 429s answered
	now         func() time.Time
	files       []map[string]any // data file sources, oldest first
	limits      map[string]int   // approval limit ids by "amount currency"
	lastLoad    <-chan struct{}  // closes once the last queued data file is loaded
	// refEdits are reference records changed (or added) since the seed,
	// by resource and id (see EditReference).
	refEdits map[string]map[int]map[string]any
}

type token struct {
	scopes  map[string]bool
	actor   string
	expires time.Time
}

// New builds an emulator from a seed (nil: empty instance).
func New(seed *Seed, opts Options) *Server {
	if seed == nil {
		seed = DefaultReference()
	}
	if len(seed.Roles) == 0 {
		seed.Roles = DefaultRoles
	}
	if opts.APIKeys == nil {
		opts.APIKeys = map[string][]string{DefaultAPIKey: AllScopes}
	}
	if opts.Clients == nil {
		opts.Clients = map[string]Client{DefaultClientID: {Secret: DefaultClientSecret, Scopes: AllScopes}}
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 86399 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, seed: seed, byID: map[int]*coupa.User{}, tokens: map[string]token{}, now: opts.Now}
	if opts.Rate > 0 {
		b := opts.Burst
		if b < 1 {
			b = 1
		}
		s.limiter = rate.NewLimiter(rate.Limit(opts.Rate), b)
	}
	for i := range seed.Users {
		u := seed.Users[i]
		s.resolveSeedRefs(&u)
		s.users = append(s.users, &u)
		s.byID[u.ID] = &u
		if u.ID >= s.nextID {
			s.nextID = u.ID + 1
		}
	}
	sort.Slice(s.users, func(i, j int) bool { return s.users[i].ID < s.users[j].ID })
	if s.nextID == 0 {
		s.nextID = 1
	}
	return s
}

// resolveSeedRefs fills ids/logins of seeded references and default timestamps.
func (s *Server) resolveSeedRefs(u *coupa.User) {
	if u.CreatedAt == "" {
		u.CreatedAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	if u.UpdatedAt == "" {
		u.UpdatedAt = u.CreatedAt
	}
	if u.Roles == nil {
		u.Roles = []coupa.Role{}
	}
	for i, r := range u.Roles {
		if rr := s.role(coupa.Ref{ID: r.ID, Name: r.Name}); rr != nil {
			u.Roles[i] = *rr
		}
	}
	if u.AuthenticationMethod == "" {
		u.AuthenticationMethod = "coupa_credentials"
	}
	if u.MentionName == "" {
		u.MentionName = strings.ToLower(u.Firstname + u.Lastname + strconv.Itoa(u.ID))
	}
}

// InjectFaults makes the next n503 requests answer 503 before doing
// anything, and the next n500 writes answer 500 after being applied.
func (s *Server) InjectFaults(n503, n500 int) {
	s.fail503.Store(int64(n503))
	s.fail500Post.Store(int64(n500))
}

// SetLimits changes the rate limit at run time (tests).
func (s *Server) SetLimits(r float64, burst int) {
	if r <= 0 {
		s.limiter = nil
		return
	}
	s.limiter = rate.NewLimiter(rate.Limit(r), burst)
}

// Users returns a copy of the current users (tests).
func (s *Server) Users() []coupa.User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]coupa.User, len(s.users))
	for i, u := range s.users {
		out[i] = *u
		s.fillManager(&out[i])
	}
	return out
}

// Start serves on addr (e.g. 127.0.0.1:0) until ctx ends; it returns the base URL.
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth2/token" {
		s.handleToken(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		http.NotFound(w, r)
		return
	}
	s.Hits.Add(1)
	now := s.now()                                            // the emulator's clock: a test can make the rate independent of the machine's speed
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat)) // Coupa's clock, as records are dated by it
	asJSON := strings.Contains(r.Header.Get("Accept"), "json")
	if s.limiter != nil {
		res := s.limiter.ReserveN(now, 1)
		if d := res.DelayFrom(now); d > 0 {
			res.CancelAt(now)
			s.Throttled.Add(1)
			if s.opts.FineRetryAfter {
				w.Header().Set("Retry-After", strconv.FormatFloat(d.Seconds(), 'f', 3, 64))
			} else {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
			}
			writeErr(w, asJSON, http.StatusTooManyRequests, "request", "Rate limit exceeded")
			return
		}
	}
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if s.fail503.Load() > 0 && s.fail503.Add(-1) >= 0 {
		writeErr(w, asJSON, http.StatusServiceUnavailable, "request", "Service temporarily unavailable")
		return
	}
	scopes, actor, ok := s.authenticate(r)
	if !ok {
		writeErr(w, asJSON, http.StatusUnauthorized, "request", "Invalid or expired credentials")
		return
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/"), "/"), "/")
	resource := parts[0]
	need := coupa.ScopeFor(r.Method, resource)
	if !scopes[need] {
		writeErr(w, asJSON, http.StatusForbidden, "request", "Missing scope "+need)
		return
	}
	status, body := s.route(r.WithContext(withActor(r.Context(), actor)), parts)
	if status >= 200 && status < 300 && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
		if s.fail500Post.Load() > 0 && s.fail500Post.Add(-1) >= 0 {
			writeErr(w, asJSON, http.StatusInternalServerError, "request", "Internal server error")
			return
		}
	}
	if r.URL.Query().Get("return_object") == "none" && r.Method != http.MethodGet && status < 300 {
		w.WriteHeader(status)
		return
	}
	write(w, asJSON, status, body)
}

func (s *Server) authenticate(r *http.Request) (map[string]bool, string, bool) {
	if k := r.Header.Get("X-COUPA-API-KEY"); k != "" {
		sc, ok := s.opts.APIKeys[k]
		return setOf(sc), s.actorOf(k), ok
	}
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return nil, "", false
	}
	s.mu.RLock()
	t, ok := s.tokens[h[7:]]
	s.mu.RUnlock()
	if !ok || s.now().After(t.expires) {
		return nil, "", false
	}
	return t.scopes, t.actor, true
}

func (s *Server) actorOf(credential string) string {
	if a := s.opts.Actors[credential]; a != "" {
		return a
	}
	return "integration"
}

type actorKey struct{}

func withActor(ctx context.Context, login string) context.Context {
	return context.WithValue(ctx, actorKey{}, login)
}

// actorRef is the user a request acts as, for updated-by.
func (s *Server) actorRef(r *http.Request) *coupa.Ref {
	login, _ := r.Context().Value(actorKey{}).(string)
	if u := s.findLogin(login); u != nil {
		return &coupa.Ref{ID: u.ID, Login: u.Login}
	}
	return &coupa.Ref{Login: login}
}

func setOf(l []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range l {
		m[x] = true
	}
	return m
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenErr(w, "invalid_request", "unreadable form")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		tokenErr(w, "unsupported_grant_type", "only client_credentials")
		return
	}
	c, ok := s.opts.Clients[id]
	if !ok || c.Secret != secret {
		tokenErr(w, "invalid_client", "Client authentication failed") // Coupa answers 400 regardless
		return
	}
	allowed := setOf(c.Scopes)
	granted := map[string]bool{}
	if req := strings.Fields(r.PostForm.Get("scope")); len(req) > 0 {
		for _, sc := range req {
			if !allowed[sc] {
				tokenErr(w, "invalid_scope", "scope "+sc+" is not allowed for this client")
				return
			}
			granted[sc] = true
		}
	} else {
		granted = allowed
	}
	b := make([]byte, 24)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = token{scopes: granted, actor: s.actorOf(id), expires: s.now().Add(s.opts.TokenTTL)}
	s.mu.Unlock()
	names := make([]string, 0, len(granted))
	for k := range granted {
		names = append(names, k)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer",
		"expires_in": int(s.opts.TokenTTL.Seconds()), "scope": strings.Join(names, " ")})
}

func tokenErr(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func writeErr(w http.ResponseWriter, asJSON bool, status int, resource, msg string) {
	write(w, asJSON, status, map[string]any{"errors": map[string]any{resource: []any{msg}}})
}

func write(w http.ResponseWriter, asJSON bool, status int, body any) {
	if !asJSON {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		writeXML(w, body)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func errBody(resource string, msgs ...string) map[string]any {
	l := make([]any, len(msgs))
	for i, m := range msgs {
		l[i] = m
	}
	return map[string]any{"errors": map[string]any{resource: l}}
}

func (s *Server) route(r *http.Request, parts []string) (int, any) {
	resource := parts[0]
	if resource == "data_file_sources" {
		return s.dataFileSources(r, parts)
	}
	if resource == "graphql" {
		return s.graphql(r)
	}
	if resource == "users" {
		switch {
		case len(parts) == 1 && r.Method == http.MethodGet:
			return s.listUsers(r)
		case len(parts) == 1 && r.Method == http.MethodPost:
			return s.createUser(r)
		case len(parts) == 2 && r.Method == http.MethodGet:
			return s.showUser(r, parts[1])
		case len(parts) == 2 && (r.Method == http.MethodPut || r.Method == http.MethodPatch):
			return s.updateUser(r, parts[1])
		}
		return http.StatusMethodNotAllowed, errBody("user", "Method not allowed: users are never deleted; deactivate with active=false")
	}
	items, name, ok := s.reference(resource)
	if !ok {
		return http.StatusNotFound, errBody("request", "Unknown resource "+resource)
	}
	if r.Method != http.MethodGet {
		return http.StatusMethodNotAllowed, errBody(name, resource+" are read-only in this emulator")
	}
	if len(parts) == 2 {
		for _, it := range items {
			if str(it["id"]) == parts[1] {
				return 200, it
			}
		}
		return http.StatusNotFound, errBody(name, "Not found")
	}
	return s.list(r, name, items, nil)
}

func (s *Server) reference(resource string) ([]map[string]any, string, bool) {
	var v any
	name := strings.TrimSuffix(resource, "s")
	switch resource {
	case "currencies":
		v, name = s.seed.Currencies, "currency"
	case "account_types":
		types := make([]coupa.AccountType, len(s.seed.Charts))
		for i, c := range s.seed.Charts {
			types[i] = c.AccountType
		}
		v = types
	case "lookups":
		v = s.seed.Lookups
	case "lookup_values":
		v = s.seed.LookupValues
	case "user_groups":
		v = s.seed.UserGroups
	case "account_groups":
		v = s.seed.AccountGroups
	case "business_groups":
		v = s.seed.ContentGroups
	default:
		return nil, "", false
	}
	b, _ := json.Marshal(v)
	var out []map[string]any
	json.Unmarshal(b, &out)
	// every record carries Coupa's timestamps, so updated-at filters work
	seeded := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	s.mu.RLock()
	defer s.mu.RUnlock()
	edits := s.refEdits[resource]
	for _, it := range out {
		it["created-at"], it["updated-at"] = seeded, seeded
		if e, ok := edits[idOf(it["id"])]; ok {
			for k, v := range e {
				it[k] = v
			}
		}
	}
	for id, e := range edits {
		found := false
		for _, it := range out {
			if idOf(it["id"]) == id {
				found = true
				break
			}
		}
		if !found {
			it := map[string]any{"id": id, "created-at": e["updated-at"]}
			for k, v := range e {
				it[k] = v
			}
			out = append(out, it)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return idOf(out[i]["id"]) < idOf(out[j]["id"]) })
	return out, name, true
}

// idOf reads an id as JSON decoding left it (float64) or as given (int).
func idOf(v any) int {
	switch v := v.(type) {
	case float64:
		return int(v)
	case int:
		return v
	}
	return 0
}

// EditReference changes (or adds) the reference record id of a resource
// (lookup_values, user_groups, ...) as an administrator would in Coupa's
// setup pages: attrs are laid over it and its updated-at is now.
func (s *Server) EditReference(resource string, id int, attrs map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refEdits == nil {
		s.refEdits = map[string]map[int]map[string]any{}
	}
	if s.refEdits[resource] == nil {
		s.refEdits[resource] = map[int]map[string]any{}
	}
	e := s.refEdits[resource][id]
	if e == nil {
		e = map[string]any{}
		s.refEdits[resource][id] = e
	}
	for k, v := range attrs {
		e[k] = v
	}
	e["updated-at"] = s.now().UTC().Format(time.RFC3339)
}

// list filters, sorts, pages and projects a collection.
func (s *Server) list(r *http.Request, name string, items []map[string]any, known map[string]bool) (int, any) {
	q := r.URL.Query()
	if known == nil {
		known = map[string]bool{}
		for _, it := range items {
			for k := range it {
				known[k] = true
			}
		}
		known["id"] = true
	}
	conds, err := parseConditions(q, known)
	if err != nil {
		return 400, errBody(name, err.Error())
	}
	proj, err := parseFields(q.Get("fields"))
	if err != nil {
		return 400, errBody(name, err.Error())
	}
	limit, offset := 50, 0
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 && v < 50 {
		limit = v
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v > 0 {
		offset = v
	}
	var matched []map[string]any
	for _, it := range items {
		ok := true
		for _, c := range conds {
			if !c.match(it) {
				ok = false
				break
			}
		}
		if ok {
			matched = append(matched, it)
		}
	}
	if ob := norm(q.Get("order_by")); ob != "" && ob != "id" || q.Get("dir") == "desc" {
		if ob == "" {
			ob = "id"
		}
		desc := strings.EqualFold(q.Get("dir"), "desc")
		sort.SliceStable(matched, func(i, j int) bool {
			c := compare(str(matched[i][ob]), str(matched[j][ob]))
			if desc {
				return c > 0
			}
			return c < 0
		})
	}
	out := []any{}
	for i := offset; i < len(matched) && len(out) < limit; i++ {
		out = append(out, render(matched[i], q.Get("return_object"), proj))
	}
	return 200, out
}

func render(obj map[string]any, ret string, proj projection) any {
	switch ret {
	case "limited":
		return map[string]any{"id": obj["id"]}
	case "shallow":
		obj = shallow(obj)
	}
	return proj.apply(obj)
}

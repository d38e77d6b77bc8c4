package coupa

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/time/rate"
)

// ReadScopes are requested by commands that only read.
var ReadScopes = []string{"core.user.read", "core.common.read", "core.accounting.read", "core.user_group.read"}

// WriteScopes are requested by commands that write users.
var WriteScopes = append(append([]string(nil), ReadScopes...), "core.user.write")

// Config configures a Client. Secrets live here only in memory; they never
// reach errors, logs or snapshots.
type Config struct {
	BaseURL      string
	APIKey       string
	ClientID     string
	ClientSecret string
	Scopes       []string // empty: ReadScopes, or WriteScopes with Write
	// FallbackScopes are asked for when the token endpoint refuses Scopes
	// (invalid_scope): a client that may only read (and write) users still
	// works. Empty with empty Scopes: the user scopes alone.
	FallbackScopes []string
	Write          bool          // the client will write users
	Rate           float64       // requests per second; 0: Coupa's 25/s; negative: unlimited
	Burst          int           // token-bucket burst
	Concurrency    int           // parallel page fetches
	MaxRetries     int           // retries after the first attempt
	Timeout        time.Duration // per attempt
	HTTPClient     *http.Client  // optional base transport (tests, TLS settings)
	// Notice hears what the client waits for (a Retry-After): no wait is
	// silent. It must be safe for concurrent use.
	Notice func(string)
	// MaxBody bounds one answer (default 16 MB: a page of 50 users is a
	// few hundred KB); answers being read at once share 4× that.
	MaxBody int64
	// ReferenceMaxAge is how long the reference lists may be refreshed by
	// their changes alone (updated-at since the last read): Coupa's API
	// shows no deleted record in such a read, so past this age they are
	// read in full again. 0: 12 hours; negative: always in full.
	ReferenceMaxAge time.Duration
}

// DefaultReferenceMaxAge bounds how long a deleted group or lookup value
// may linger in the cache: twice a cutover day.
const DefaultReferenceMaxAge = 12 * time.Hour

// Defaults fills unset values: Coupa's documented 25 req/s with a burst of 20.
func (c *Config) Defaults() {
	if c.Rate == 0 {
		c.Rate = 25
	}
	if c.Burst == 0 {
		c.Burst = 20
	}
	if c.Concurrency == 0 {
		c.Concurrency = 32 // latency-bound: the rate limiter, not this, sets the pace
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 5
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxBody == 0 {
		c.MaxBody = 16 << 20
	}
	if c.ReferenceMaxAge == 0 {
		c.ReferenceMaxAge = DefaultReferenceMaxAge
	}
	if len(c.Scopes) == 0 { // defaults: if the client may not have them all, users alone still work
		c.Scopes, c.FallbackScopes = ReadScopes, []string{"core.user.read"}
		if c.Write {
			c.Scopes, c.FallbackScopes = WriteScopes, []string{"core.user.read", "core.user.write"}
		}
	}
}

// Client talks to one Coupa instance.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	limiter *rate.Limiter
	auth    string       // "oauth" or "api-key", for error hints
	plain   *http.Client // without credentials: the token endpoint
	// Stats, for benchmarks and reports.
	Requests, Throttled, Retries atomic.Int64
	// serverTime is Coupa's clock (its last Date header, unix seconds).
	serverTime atomic.Int64
	// bodies bounds the bytes of answers being read at once.
	bodies *bodyBudget
}

// ServerTime is Coupa's clock as its last answer's Date header gave it
// (the zero time before any answer carried one).
func (c *Client) ServerTime() time.Time {
	if s := c.serverTime.Load(); s != 0 {
		return time.Unix(s, 0).UTC()
	}
	return time.Time{}
}

// bodyBudget is the memory answers being read at once may hold together.
// It never waits (readers holding parts of it while waiting for more would
// deadlock): an answer that finds it spent is refused.
type bodyBudget struct {
	mu   gosync.Mutex
	free int64
}

func newBodyBudget(total int64) *bodyBudget { return &bodyBudget{free: total} }

func (b *bodyBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.free < n {
		return false
	}
	b.free -= n
	return true
}

func (b *bodyBudget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
}

// ErrTooLarge is an answer beyond what its request can hold.
var ErrTooLarge = errors.New("answer too large")

// readBody reads an answer of at most the client's limit, within the
// budget of answers read at once: a server sending endless bodies on every
// parallel request costs at most the budget, never the machine.
func (c *Client) readBody(r io.Reader, method, path string) ([]byte, error) {
	var buf bytes.Buffer
	chunk := int64(256 << 10)
	held := int64(0)
	defer func() { c.bodies.give(held) }()
	for {
		if int64(buf.Len()) > c.cfg.MaxBody {
			return nil, fmt.Errorf("Coupa %s %s: %w: more than %d MB, far beyond what the request can hold; refusing it", method, path, ErrTooLarge, c.cfg.MaxBody>>20)
		}
		if int64(buf.Len())+chunk > held {
			if !c.bodies.take(chunk) {
				return nil, fmt.Errorf("Coupa %s %s: %w: the answers being read at once hold more than %d MB together; refusing them", method, path, ErrTooLarge, 4*c.cfg.MaxBody>>20)
			}
			held += chunk
		}
		n, err := io.CopyN(&buf, r, chunk)
		if err == io.EOF || (err == nil && n < chunk) {
			return buf.Bytes(), nil
		}
		if err != nil {
			return buf.Bytes(), err
		}
	}
}

// New validates the configuration and builds a client. Credentials are
// only ever sent to the configured instance: a redirect to another scheme,
// host or port is refused, and no request elsewhere carries them.
func New(cfg Config) (*Client, error) {
	cfg.Defaults()
	if cfg.BaseURL == "" {
		return nil, errors.New("no Coupa URL: set --coupa-url or COUPA_URL")
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("Coupa URL %q is not an http(s) URL like https://acme.coupahost.com", redactURL(cfg.BaseURL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("Coupa URL %s carries credentials; remove them and use COUPA_CLIENT_ID/COUPA_CLIENT_SECRET or COUPA_API_KEY", redactURL(cfg.BaseURL))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("Coupa URL %s: give the instance's base URL only, like https://acme.coupahost.com", redactURL(cfg.BaseURL))
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("Coupa URL %q: plain http is only accepted for a loopback emulator; use https", cfg.BaseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/api")
	transport := http.DefaultTransport.(*http.Transport).Clone()
	var base http.RoundTripper = transport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	c := &Client{cfg: cfg, base: u, bodies: newBodyBudget(4 * cfg.MaxBody)}
	c.limiter = Pacing(cfg.Rate, cfg.Burst)
	plain := &http.Client{Transport: base, CheckRedirect: c.checkRedirect}
	c.plain = plain
	at := &authTransport{base: base, origin: u}
	switch {
	case cfg.ClientID != "" || cfg.ClientSecret != "":
		if cfg.ClientID == "" || cfg.ClientSecret == "" {
			return nil, errors.New("OAuth needs both COUPA_CLIENT_ID and COUPA_CLIENT_SECRET")
		}
		cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			TokenURL: u.String() + "/oauth2/token", Scopes: cfg.Scopes}
		at.tokens = &tokenSource{primary: cc, http: plain}
		if len(cfg.FallbackScopes) > 0 {
			fb := cc
			fb.Scopes = cfg.FallbackScopes
			at.tokens.fallback = &fb
		}
		c.auth = "oauth"
	case cfg.APIKey != "":
		at.apiKey = cfg.APIKey
		c.auth = "api-key"
	default:
		return nil, errors.New("no Coupa credentials: set COUPA_CLIENT_ID and COUPA_CLIENT_SECRET (OAuth 2.0) or COUPA_API_KEY")
	}
	c.http = &http.Client{Transport: at, CheckRedirect: c.checkRedirect}
	return c, nil
}

// Pacing is the client's request limiter for a server allowing r
// requests a second with a burst of b: a little under the server's bucket,
// because requests that leave evenly spaced arrive with jitter, and an
// exact match would earn stray 429s. A negative rate is unlimited.
func Pacing(r float64, b int) *rate.Limiter {
	if r <= 0 {
		return rate.NewLimiter(rate.Inf, b)
	}
	return rate.NewLimiter(rate.Limit(r*0.95), max(1, b-2))
}

// Instance is the instance's base URL (no credentials).
func (c *Client) Instance() string { return c.base.String() }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL drops any user:password from a URL before it is shown.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.User("REDACTED")
	return u.String()
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// RedirectError is a redirect away from the configured instance, refused.
type RedirectError struct{ From, To string }

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s answered with a redirect to %s; refusing to follow it: credentials are only sent to the configured instance (check --coupa-url)", e.From, e.To)
}

func bare(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment, v.User = "", "", nil
	return v.String()
}

// checkRedirect follows redirects within the instance only.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if !sameOrigin(req.URL, c.base) {
		return &RedirectError{From: bare(via[len(via)-1].URL), To: bare(req.URL)}
	}
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	return nil
}

// authTransport attaches the credential, and only to the instance.
type authTransport struct {
	base   http.RoundTripper
	origin *url.URL
	apiKey string
	tokens *tokenSource
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !sameOrigin(r.URL, t.origin) {
		return nil, &RedirectError{From: bare(t.origin), To: bare(r.URL)}
	}
	r2 := r.Clone(r.Context())
	if t.tokens != nil {
		tok, err := t.tokens.token(r.Context())
		if err != nil {
			return nil, err
		}
		r2.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	} else {
		r2.Header.Set("X-COUPA-API-KEY", t.apiKey)
	}
	return t.base.RoundTrip(r2)
}

// tokenSource fetches client-credentials tokens with the caller's context
// (so an interrupted command never waits for the token endpoint), renews
// them 5 minutes before expiry (Coupa tokens live 24 h), and asks for the
// fallback scopes once the primary set is refused.
type tokenSource struct {
	mu       gosync.Mutex
	primary  clientcredentials.Config
	fallback *clientcredentials.Config
	http     *http.Client
	tok      *oauth2.Token
	refused  bool
}

func (t *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && (t.tok.Expiry.IsZero() || time.Until(t.tok.Expiry) > 5*time.Minute) {
		return t.tok, nil
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, t.http)
	if !t.refused {
		tok, err := t.primary.Token(ctx)
		var re *oauth2.RetrieveError
		if err == nil || t.fallback == nil || !errors.As(err, &re) || re.ErrorCode != "invalid_scope" {
			if err == nil {
				t.tok = tok
			}
			return tok, err
		}
		t.refused = true
	}
	tok, err := t.fallback.Token(ctx)
	if err == nil {
		t.tok = tok
	}
	return tok, err
}

// TokenError is a refused OAuth token request.
type TokenError struct{ Base, Code string }

func (e *TokenError) Error() string {
	return fmt.Sprintf("OAuth token request to %s/oauth2/token refused (%s): check COUPA_CLIENT_ID, COUPA_CLIENT_SECRET and COUPA_SCOPES", e.Base, e.Code)
}

// APIError is a failed Coupa call, readable by an operator.
type APIError struct {
	Method, Path string
	Status       int
	Messages     []string
	Hint         string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Coupa %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if len(e.Messages) > 0 {
		b.WriteString(": " + strings.Join(e.Messages, "; "))
	}
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// IsValidation reports a 400/422: Coupa refused the content.
func IsValidation(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Status == 400 || ae.Status == 422)
}

// ErrUncertain wraps failures where a write may or may not have happened
// (a lost answer, a 500 after the request was sent).
var ErrUncertain = errors.New("the outcome of the write is unknown")

func retryable(status int) bool {
	return status == 429 || status == 500 || status == 502 || status == 503 || status == 504
}

// do sends one API call with rate limiting and bounded retries. POSTs are
// only retried when Coupa certainly did not process them (429, 503);
// other failures come back wrapped in ErrUncertain for the caller to check.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	u := c.base.String() + "/api/" + strings.TrimPrefix(path, "/")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var lastErr error
	timeouts := 0
	for attempt := 0; attempt <= c.cfg.MaxRetries; attempt++ {
		if attempt > 0 {
			c.Retries.Add(1)
		}
		if err := c.limiter.Wait(ctx); err != nil {
			return ctxErr(ctx, err)
		}
		wait, err := c.once(ctx, method, u, path, payload, out)
		if err == nil {
			return nil
		}
		lastErr = err
		if ctx.Err() != nil {
			return ctxErr(ctx, ctx.Err())
		}
		if wait < 0 { // not retryable
			return err
		}
		if errors.Is(err, errTimeout) {
			if timeouts++; timeouts == 2 { // a server that hangs: two full timeouts are enough
				if method == http.MethodPost {
					return fmt.Errorf("%w: %w", ErrUncertain, err)
				}
				return err
			}
		}
		if method == http.MethodPost && !errors.Is(err, errSafeRetry) {
			return fmt.Errorf("%w: %w", ErrUncertain, err)
		}
		if attempt == c.cfg.MaxRetries {
			break
		}
		if wait == 0 {
			wait = backoff(attempt)
		} else {
			// Retry-After, spread a little: parallel workers told the same
			// wait would otherwise all come back in the same instant.
			wait += time.Duration(rand.Int64N(int64(max(wait/4, 20*time.Millisecond)) + 1))
			if c.cfg.Notice != nil && wait >= time.Second {
				c.cfg.Notice(fmt.Sprintf("Coupa asked to wait (Retry-After): waiting %.1f s before trying %s %s again", wait.Seconds(), method, path))
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctxErr(ctx, ctx.Err())
		case <-t.C:
		}
	}
	return fmt.Errorf("giving up after %d attempts: %w", c.cfg.MaxRetries+1, unwrapSafe(lastErr))
}

var errSafeRetry = errors.New("not processed by Coupa")

// NotProcessed reports an answer that proves Coupa did not process the
// request (a 429 or 503, even after the retries ran out).
func NotProcessed(err error) bool {
	var ae *APIError
	return errors.Is(err, errSafeRetry) || (errors.As(err, &ae) && (ae.Status == 429 || ae.Status == 503))
}

var errTimeout = errors.New("timed out")

type safeErr struct{ err error }

func (s safeErr) Error() string        { return s.err.Error() }
func (s safeErr) Is(target error) bool { return target == errSafeRetry }
func (s safeErr) Unwrap() error        { return s.err }

func unwrapSafe(err error) error {
	var s safeErr
	if errors.As(err, &s) {
		return s.err
	}
	return err
}

func ctxErr(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errors.New("timed out waiting for Coupa")
	}
	if ctx.Err() != nil {
		return errors.New("cancelled")
	}
	return err
}

func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << attempt
	if d > 10*time.Second {
		d = 10 * time.Second
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1)) // jitter
}

// once performs a single attempt. It returns the wait before a retry:
// -1 when the error is final, 0 for the default backoff.
func (c *Client) once(ctx context.Context, method, u, path string, payload []byte, out any) (time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, method, u, rd)
	if err != nil {
		return -1, err
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.Requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		err, final := c.transportError(err)
		if final {
			return -1, err // a refused token, a redirect elsewhere, an unknown host: retrying cannot help
		}
		return 0, err
	}
	defer resp.Body.Close()
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		c.serverTime.Store(t.Unix())
	}
	data, rerr := c.readBody(resp.Body, method, path)
	if errors.Is(rerr, ErrTooLarge) {
		return -1, rerr
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if rerr != nil {
			return 0, fmt.Errorf("Coupa %s %s: answer cut short: %v", method, path, rerr)
		}
		if out == nil || len(bytes.TrimSpace(data)) == 0 {
			return 0, nil
		}
		if !strings.Contains(resp.Header.Get("Content-Type"), "json") && !json.Valid(data) {
			return -1, fmt.Errorf("Coupa %s %s: expected JSON, got %q", method, path, resp.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal(data, out); err != nil {
			// A truncated body is a transport fault: retry it.
			return 0, fmt.Errorf("Coupa %s %s: unreadable JSON answer (%v)", method, path, err)
		}
		return 0, nil
	}
	ae := &APIError{Method: method, Path: path, Status: resp.StatusCode, Messages: errorMessages(data)}
	switch resp.StatusCode {
	case 401:
		ae.Hint = c.credentialHint()
		return -1, ae
	case 403:
		ae.Hint = "the credential lacks the scope " + scopeFor(method, path) + "; add it to the OAuth client or COUPA_SCOPES"
		return -1, ae
	}
	if !retryable(resp.StatusCode) {
		return -1, ae
	}
	wait := retryAfter(resp.Header.Get("Retry-After"))
	if wait > c.cfg.Timeout {
		// Not waited for: a day's sleep outside --timeout looks like a hang.
		return -1, fmt.Errorf("%w; Coupa asked to wait %.0f s (Retry-After), longer than the request timeout of %s: try again later", ae, wait.Seconds(), c.cfg.Timeout)
	}
	if resp.StatusCode == 429 {
		c.Throttled.Add(1)
		return wait, safeErr{ae}
	}
	if resp.StatusCode == 503 {
		return wait, safeErr{ae}
	}
	return wait, ae
}

func (c *Client) credentialHint() string {
	if c.auth == "oauth" {
		return "Coupa rejected the OAuth token: check COUPA_CLIENT_ID / COUPA_CLIENT_SECRET"
	}
	return "Coupa rejected the API key: check COUPA_API_KEY (API keys are unsupported from R35; prefer OAuth)"
}

// transportError explains a failure to talk to Coupa, and says whether
// retrying could help: an unknown host, a refused connection, a refused
// TLS certificate, a refused token or a redirect elsewhere cannot.
func (c *Client) transportError(err error) (error, bool) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" && re.Response != nil {
			code = strconv.Itoa(re.Response.StatusCode)
		}
		return &TokenError{Base: c.base.String(), Code: code}, true
	}
	var rd *RedirectError
	if errors.As(err, &rd) {
		return rd, true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer from %s within %s: %w", c.base.Host, c.cfg.Timeout, errTimeout), false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && !dns.IsTimeout && !dns.IsTemporary {
		return fmt.Errorf("cannot reach %s: the host name %s does not resolve (check --coupa-url)", c.base.Host, dns.Name), true
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("cannot reach %s: connection refused (is the URL right, and is the instance up?)", c.base.Host), true
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) {
		return fmt.Errorf("cannot reach %s: its TLS certificate is refused (%v)", c.base.Host, err), true
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		return fmt.Errorf("cannot reach %s: it does not speak TLS (is it http://?)", c.base.Host), true
	}
	return fmt.Errorf("cannot reach %s: %v", c.base.Host, err), false
}

func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func errorMessages(data []byte) []string {
	var eb ErrorBody
	if json.Unmarshal(data, &eb) == nil && len(eb.Errors) > 0 {
		var msgs []string
		for _, list := range eb.Errors {
			msgs = append(msgs, list...)
		}
		return msgs
	}
	var oe struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(data, &oe) == nil && oe.Error != "" {
		return []string{strings.TrimSpace(oe.Error + " " + oe.Description)}
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" || strings.HasPrefix(s, "<") {
		return nil
	}
	return []string{s}
}

// scopeFor names the scope an API path needs.
func scopeFor(method, path string) string {
	res := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]
	return ScopeFor(method, strings.SplitN(res, "?", 2)[0])
}

// ScopeFor names the OAuth scope a resource needs (Coupa's exact mapping is
// only visible inside an instance; this follows its service.object.right naming).
func ScopeFor(method, resource string) string {
	right := "read"
	if method != http.MethodGet {
		right = "write"
	}
	switch resource {
	case "graphql": // read-only: queries only
		return "core.common.read"
	case "users":
		return "core.user." + right
	case "user_groups", "user_group_memberships":
		return "core.user_group." + right
	case "account_types", "accounts", "account_groups", "lookups", "lookup_values":
		return "core.accounting." + right
	}
	return "core.common." + right
}

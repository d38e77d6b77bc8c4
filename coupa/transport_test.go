package coupa_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

// headerLog records the credential headers a server received.
type headerLog struct {
	mu   sync.Mutex
	seen []string
}

func (h *headerLog) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		if k := r.Header.Get("X-COUPA-API-KEY"); k != "" {
			h.seen = append(h.seen, "key:"+k)
		}
		if a := r.Header.Get("Authorization"); a != "" {
			h.seen = append(h.seen, "auth:"+a)
		}
		if r.URL.Path == "/oauth2/token" {
			r.ParseForm()
			h.seen = append(h.seen, "token-request:"+r.PostForm.Get("client_secret"))
		}
		h.mu.Unlock()
		if next != nil {
			next.ServeHTTP(w, r)
		}
	})
}

func (h *headerLog) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

// A Coupa URL answering 302 to another host gets no credential across,
// for the API key, the bearer token and the token request alike.
func TestCredentialsNeverFollowARedirectElsewhere(t *testing.T) {
	t.Parallel()
	other := &headerLog{}
	evil := httptest.NewServer(other.handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[]`))
	})))
	defer evil.Close()
	emu := emulator.New(emulator.Generate(3), emulator.Options{})
	for _, path := range []string{"/api/users", "/oauth2/token"} {
		redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == path {
				http.Redirect(w, r, evil.URL+r.URL.Path, http.StatusFound)
				return
			}
			emu.ServeHTTP(w, r)
		}))
		for _, auth := range []string{"api-key", "oauth"} {
			c := client(t, redirecting.URL, func(cfg *coupa.Config) {
				cfg.MaxRetries = 1
				if auth == "api-key" {
					cfg.ClientID, cfg.ClientSecret, cfg.APIKey = "", "", "secret-key-123"
				} else {
					cfg.ClientSecret = emulator.DefaultClientSecret
				}
			})
			_, err := c.ListUsers(context.Background(), nil, nil)
			if path == "/oauth2/token" && auth == "api-key" {
				continue // an API key never asks for a token
			}
			if err == nil || !strings.Contains(err.Error(), "refusing to follow") || !strings.Contains(err.Error(), evil.URL) {
				t.Fatalf("%s via %s: %v", auth, path, err)
			}
			if strings.Contains(err.Error(), "secret-key-123") || strings.Contains(err.Error(), emulator.DefaultClientSecret) {
				t.Fatalf("the error shows a secret: %v", err)
			}
		}
		redirecting.Close()
	}
	if got := other.all(); len(got) > 0 {
		t.Fatalf("the other host received credentials: %v", got)
	}
}

// A redirect within the instance is followed; the same host on another
// scheme (https to http) is another origin.
func TestRedirectsWithinTheInstanceAreFollowed(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(3), emulator.Options{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer front.Close()
	c := client(t, front.URL, func(cfg *coupa.Config) { cfg.MaxRetries = 1 })
	if _, err := c.ListUsers(context.Background(), nil, nil); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("another port is another origin: %v", err)
	}
}

func TestCredentialsInTheURLAreRefused(t *testing.T) {
	t.Parallel()
	_, err := coupa.New(coupa.Config{BaseURL: "https://user:hunter2@acme.coupahost.com", APIKey: "k"})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "carries credentials") {
		t.Fatalf("%v", err)
	}
}

// A server claiming an absurd highest id is not trusted: no huge
// allocation, no thousands of requests for empty pages.
func TestAbsurdHighestIDIsNotTrusted(t *testing.T) {
	t.Parallel()
	for _, claim := range []string{"9000000000000000000", "3000000000", "2000000"} {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Query().Get("dir") == "desc" && r.URL.Query().Get("limit") == "1" {
				w.Write([]byte(`[{"id":` + claim + `,"login":"x"}]`))
				return
			}
			w.Write([]byte(`[]`))
		}))
		c := client(t, srv.URL, func(cfg *coupa.Config) { cfg.ClientID, cfg.ClientSecret, cfg.APIKey = "", "", "k" })
		users, err := c.ListUsers(context.Background(), nil, nil)
		srv.Close()
		if err != nil || len(users) != 0 {
			t.Fatalf("claim %s: %v %d", claim, err, len(users))
		}
		if n := hits.Load(); n > 40 {
			t.Fatalf("claim %s: %d requests for an empty instance", claim, n)
		}
	}
}

// After a sandbox refresh (same URL, other data) the cache is not laid
// under the new data: a full read replaces it, with a warning.
func TestACacheOfAnotherInstanceStateIsRebuilt(t *testing.T) {
	t.Parallel()
	_, base := start(t, emulator.Generate(120), emulator.Options{})
	c := client(t, base, nil)
	ctx := context.Background()
	prev, err := c.Fetch(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	prev.Users = append(prev.Users, coupa.User{ID: 500, Login: "gone.user", UpdatedAt: prev.HighWater})
	s, err := c.Fetch(ctx, prev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stats.Incremental || len(s.Users) != 120 || len(s.Warnings) == 0 || !strings.Contains(s.Warnings[0], "no longer matches") {
		t.Fatalf("incremental %v, %d users, warnings %v", s.Stats.Incremental, len(s.Users), s.Warnings)
	}
	prev.Users = prev.Users[:120]
	prev.Users[119].Login = "someone.else"
	s, _ = c.Fetch(ctx, prev, nil)
	if s.Stats.Incremental {
		t.Fatal("another user under the same id must rebuild the cache")
	}
}

// A host that does not resolve fails at once with the cause: retrying
// cannot fix it.
func TestUnknownHostFailsFast(t *testing.T) {
	t.Parallel()
	c, err := coupa.New(coupa.Config{BaseURL: "https://nonexistent.invalid", APIKey: "k", MaxRetries: 5})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.ListUsers(context.Background(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "does not resolve") || c.Retries.Load() != 0 {
		t.Fatalf("%v (retries %d)", err, c.Retries.Load())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestRefusedConnectionFailsFast(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	c := client(t, url, func(cfg *coupa.Config) { cfg.ClientID, cfg.ClientSecret, cfg.APIKey, cfg.MaxRetries = "", "", "k", 5 })
	_, err := c.ListUsers(context.Background(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || c.Retries.Load() != 0 {
		t.Fatalf("%v (retries %d)", err, c.Retries.Load())
	}
}

// The token request honours the command's context: an interrupted command
// never waits on a token endpoint that does not answer.
func TestTokenRequestHonoursTheContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)
	c := client(t, hang.URL, func(cfg *coupa.Config) { cfg.Timeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.ListUsers(ctx, nil, nil); err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("waited %s on the token endpoint", d)
	}
}

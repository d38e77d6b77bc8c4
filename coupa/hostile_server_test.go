package coupa_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

// hostile serves the API key's requests with handler.
func hostile(t *testing.T, handler http.HandlerFunc) *coupa.Client {
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := coupa.New(coupa.Config{BaseURL: srv.URL, APIKey: "k", Rate: -1, Timeout: 2 * time.Second, MaxRetries: 2})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pageOf(from, n int) []byte {
	var users []coupa.User
	for i := 0; i < n; i++ {
		users = append(users, coupa.User{ID: from + i, Login: fmt.Sprintf("u%d", from+i), Active: true})
	}
	b, _ := json.Marshal(users)
	return b
}

// A server that ignores offset answers every page with the same users:
// the read stops with an error naming the paging problem.
func TestAPageThatRepeatsEndsTheRead(t *testing.T) {
	t.Parallel()
	c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("dir") == "desc" {
			w.Write(pageOf(100000, 1)) // announces many users
			return
		}
		w.Write(pageOf(1, 50)) // whatever the offset
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := c.ListUsers(ctx, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "repeats records already read") {
		t.Fatalf("got %v", err)
	}
}

// A server that pages on past what it announced is stopped there.
func TestMorePagesThanAnnouncedEndTheRead(t *testing.T) {
	t.Parallel()
	c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("dir") == "desc" {
			w.Write(pageOf(100, 1))
			return
		}
		var off int
		fmt.Sscan(r.URL.Query().Get("offset"), &off)
		w.Write(pageOf(off+1, 50)) // new ids for ever
	})
	_, err := c.ListUsers(context.Background(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "more than the instance announced") {
		t.Fatalf("got %v", err)
	}
}

// Endless bodies on every parallel page request are refused, and the read
// holds no more than its budget while they arrive.
func TestEndlessBodiesAreRefused(t *testing.T) {
	t.Parallel()
	chunk := []byte(strings.Repeat(" ", 64<<10))
	c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("dir") == "desc" {
			w.Write(pageOf(10000, 1))
			return
		}
		w.Write([]byte("["))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	done, peakc := make(chan struct{}), make(chan uint64)
	go func() {
		var m runtime.MemStats
		var peak uint64
		for {
			select {
			case <-done:
				peakc <- peak
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	_, err := c.ListUsers(context.Background(), nil, nil)
	close(done)
	peak := <-peakc
	if !errors.Is(err, coupa.ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	if peak > 512<<20 {
		t.Fatalf("the read held %d MB", peak>>20)
	}
}

// A Retry-After longer than the request timeout is not waited for: the
// error says how long Coupa asked to wait, at once.
func TestALongRetryAfterIsNotWaitedFor(t *testing.T) {
	t.Parallel()
	c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "86400")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	start := time.Now()
	_, err := c.ListUsers(context.Background(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "Coupa asked to wait 86400 s (Retry-After)") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
}

// One user dated in the future does not become the high water: a later
// refresh still sees another user's change.
func TestAFutureDatedUserDoesNotPoisonTheRefresh(t *testing.T) {
	t.Parallel()
	seed := emulator.Generate(120)
	seed.Users[7].UpdatedAt = "2099-01-01T00:00:00Z"
	_, base := start(t, seed, emulator.Options{})
	c := client(t, base, nil)
	snap, err := c.Fetch(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.HighWater >= "2099" || !strings.Contains(strings.Join(snap.Warnings, "\n"), "later than Coupa's clock") {
		t.Fatalf("high water %s, warnings %v", snap.HighWater, snap.Warnings)
	}
	target := seed.Users[30]
	name := "Changed-Out-Of-Band"
	if _, err := c.UpdateUser(context.Background(), target.ID, coupa.UserPatch{Firstname: &name}); err != nil {
		t.Fatal(err)
	}
	again, err := c.Refresh(context.Background(), snap, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Stats.Incremental {
		t.Fatal("the refresh was not incremental")
	}
	for _, u := range again.Users {
		if u.ID == target.ID && u.Firstname != name {
			t.Fatalf("the refresh missed the change: %q", u.Firstname)
		}
	}
}

// The role catalogue is optional: an instance whose /api/graphql answers
// anything but GraphQL (HTML, 500s) still fetches, with the fallback said.
func TestARoleCatalogueThatFailsIsAWarning(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Generate(30), emulator.Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/graphql" {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("<html>oops</html>"))
			return
		}
		srv.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	c, err := coupa.New(coupa.Config{BaseURL: ts.URL, APIKey: emulator.DefaultAPIKey, Rate: -1, MaxRetries: 1, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := c.Fetch(context.Background(), nil, nil)
	if err != nil || len(snap.Users) != 30 || !strings.Contains(strings.Join(snap.Warnings, "\n"), "the role catalogue was not read") {
		t.Fatalf("%v %v", err, snap)
	}
}

package sync

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/feeds"
)

const fx = "../testdata/feeds/"

var lookups = map[int]string{1: "Company", 2: "Cost Center", 3: "GL Account"}

// acme starts the emulator on the default instance and fetches a snapshot over HTTP.
func acme(t testing.TB) (*emulator.Server, *coupa.Client, *coupa.Snapshot) {
	t.Helper()
	seed, err := emulator.LoadSeed("../testdata/instance.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := emulator.New(seed, emulator.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := coupa.New(coupa.Config{BaseURL: base, APIKey: emulator.DefaultAPIKey, Rate: 500, Burst: 50})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := c.Fetch(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, snap
}

func readFeed(t testing.TB, name string, opts feeds.Options) *feeds.Feed {
	t.Helper()
	f, err := feeds.ReadFile(fx+name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func user(p *Plan, key string) *UserPlan {
	for _, u := range p.Users {
		if u.Key == key {
			return u
		}
	}
	return nil
}

// acmeSnapshot is the Acme instance as ccwrecon fetch wrote it: the diff
// is a pure function, so its tests need no HTTP.
func acmeSnapshot(t testing.TB) *coupa.Snapshot {
	t.Helper()
	s, err := coupa.LoadSnapshot("testdata/acme.snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// population is a generated instance plus a CCW delta feed renaming the
// first n users and adding m new ones (each new one reporting to the previous).
func population(t testing.TB, users, n, m int) (*emulator.Seed, *feeds.Feed) {
	seed := emulator.Generate(users)
	var b strings.Builder
	b.WriteString("Status|User ID|Last Name|First Name|Email|Supervisor ID\n")
	for i := 1; i < n+1; i++ {
		u := seed.Users[i]
		mgr := ""
		if u.Manager != nil {
			mgr = seed.Users[u.Manager.ID-1].Login
		}
		fmt.Fprintf(&b, "1|%s|%s|%s-renamed|%s|%s\n", u.Login, u.Lastname, u.Firstname, u.Email, mgr)
	}
	prev := seed.Users[0].Login
	for i := 0; i < m; i++ {
		login := fmt.Sprintf("new.hire%d", i)
		fmt.Fprintf(&b, "1|%s|Hire|New%d|%s@example.com|%s\n", login, i, login, prev)
		prev = login
	}
	f, err := feeds.Read(strings.NewReader(b.String()), "feed.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return seed, f
}

var defaultRules = Rules{Guard: Guard{Max: 25, Pct: 5}}

func serve(t testing.TB, seed *emulator.Seed, opts emulator.Options) (*emulator.Server, string) {
	srv := emulator.New(seed, opts)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return srv, base
}

func newClient(t testing.TB, base string, rate float64, burst int) *coupa.Client {
	c, err := coupa.New(coupa.Config{BaseURL: base, APIKey: emulator.DefaultAPIKey, Rate: rate, Burst: burst, MaxRetries: 6, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// saved writes a plan and reads it back, as apply sees it.
func savedPlan(t testing.TB, p *Plan, path string) (*Plan, []byte) {
	t.Helper()
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	back, b, err := LoadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	return back, b
}

package synctest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Root is the repository's root, found from this file: tests run in
// their own package's folder, at any depth.
var Root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}()

// Fx is the folder of the feed fixtures, ending in a separator.
var Fx = filepath.Join(Root, "testdata", "feeds") + string(filepath.Separator)

var Lookups = map[int]string{1: "Company", 2: "Cost Center", 3: "GL Account"}

// acme starts the emulator on the default instance and fetches a snapshot over HTTP.
func Acme(t testing.TB) (*emulator.Server, *coupa.Client, *coupa.Snapshot) {
	t.Helper()
	seed, err := emulator.LoadSeed(filepath.Join(Root, "testdata", "instance.json"))
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

func ReadFeed(t testing.TB, name string, opts feeds.Options) *feeds.Feed {
	t.Helper()
	f, err := feeds.ReadFile(Fx+name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func User(p *plans.Plan, key string) *plans.UserPlan {
	for _, u := range p.Users {
		if u.Key == key {
			return u
		}
	}
	return nil
}

// acmeSnapshot is the Acme instance as ccwrecon fetch wrote it: the diff
// is a pure function, so its tests need no HTTP.
func AcmeSnapshot(t testing.TB) *coupa.Snapshot {
	t.Helper()
	s, err := coupa.LoadSnapshot(filepath.Join(Root, "testdata", "acme.snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// population is a generated instance plus a CCW delta feed renaming the
// first n users and adding m new ones (each new one reporting to the previous).
func Population(t testing.TB, users, n, m int) (*emulator.Seed, *feeds.Feed) {
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

var DefaultRules = plans.Rules{Guard: plans.Guard{Max: 25, Pct: 5}}

func Serve(t testing.TB, seed *emulator.Seed, opts emulator.Options) (*emulator.Server, string) {
	srv := emulator.New(seed, opts)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return srv, base
}

func NewClient(t testing.TB, base string, rate float64, burst int) *coupa.Client {
	c, err := coupa.New(coupa.Config{BaseURL: base, APIKey: emulator.DefaultAPIKey, Rate: rate, Burst: burst, MaxRetries: 6, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// saved writes a plan and reads it back, as apply sees it.
func SavedPlan(t testing.TB, p *plans.Plan, path string) (*plans.Plan, []byte) {
	t.Helper()
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	back, b, err := plans.LoadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	return back, b
}

// QuantumLabFeed is the CCW delta with two users (mokafor, lrossi) moved to
// a cost centre Coupa does not have, "Quantum Lab".
func QuantumLabFeed(t testing.TB) *feeds.Feed {
	t.Helper()
	data, err := os.ReadFile(Fx + "ccw_delta.csv")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "|Acme US|Engineering|", "|Acme US|Quantum Lab|", 1)
	text = strings.Replace(text, "|Acme Europe|Engineering|", "|Acme Europe|Quantum Lab|", 1)
	f, err := feeds.Read(strings.NewReader(text), "feed.csv", feeds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

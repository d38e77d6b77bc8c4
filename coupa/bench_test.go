package coupa_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

// BenchmarkFetch10kAt25PerSecond: 10,000 users, server limit 25/s burst 20,
// 50 ms latency. Reports wall time against the floor (requests − burst) / rate
// and the 429s met.
func BenchmarkFetch10kAt25PerSecond(b *testing.B) {
	srv, base := start(b, emulator.Generate(10_000), emulator.Options{Rate: 25, Burst: 20, Latency: 50 * time.Millisecond})
	for i := 0; i < b.N; i++ {
		time.Sleep(time.Second) // let the server's bucket refill between runs
		c := client(b, base, func(c *coupa.Config) {
			c.Rate, c.Burst, c.ClientID, c.ClientSecret, c.APIKey = 25, 20, "", "", emulator.DefaultAPIKey
		})
		srv.Throttled.Store(0)
		t0 := time.Now()
		users, err := c.ListUsers(context.Background(), nil, nil)
		wall := time.Since(t0)
		if err != nil || len(users) != 10_000 {
			b.Fatalf("%d users, %v", len(users), err)
		}
		floor := float64(c.Requests.Load()-20) / 25
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(wall.Seconds()/floor, "x-floor")
		b.ReportMetric(float64(srv.Throttled.Load()), "429s")
		b.ReportMetric(float64(c.Requests.Load()), "requests")
	}
}

// BenchmarkFetch10kParallelVsSequential: no rate limit, 20 ms latency.
func BenchmarkFetch10kParallelVsSequential(b *testing.B) {
	_, base := start(b, emulator.Generate(10_000), emulator.Options{Latency: 20 * time.Millisecond})
	run := func(conc int) time.Duration {
		c := client(b, base, func(c *coupa.Config) { c.Rate, c.Concurrency = -1, conc })
		t0 := time.Now()
		if _, err := c.ListUsers(context.Background(), nil, nil); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for i := 0; i < b.N; i++ {
		seq, par := run(1), run(0) // 0: the default concurrency
		b.ReportMetric(seq.Seconds(), "sequential-s")
		b.ReportMetric(par.Seconds(), "parallel-s")
		b.ReportMetric(seq.Seconds()/par.Seconds(), "speedup")
	}
}

// BenchmarkSnapshot100kPeakRSS fetches a 100,000-user snapshot in a child
// process and reports that process's peak resident memory.
func BenchmarkSnapshot100kPeakRSS(b *testing.B) {
	_, base := start(b, emulator.Generate(100_000), emulator.Options{})
	for i := 0; i < b.N; i++ {
		out := b.TempDir() + "/snap.json"
		cmd := exec.Command(os.Args[0], "-test.run=^TestSnapshotChild$")
		cmd.Env = append(os.Environ(), "CCWRECON_SNAPSHOT_CHILD="+base, "CCWRECON_SNAPSHOT_OUT="+out)
		t0 := time.Now()
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, msg)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
		b.ReportMetric(time.Since(t0).Seconds(), "wall-s")
	}
}

// TestSnapshotChild is the process BenchmarkSnapshot100kPeakRSS measures.
func TestSnapshotChild(t *testing.T) {
	base := os.Getenv("CCWRECON_SNAPSHOT_CHILD")
	if base == "" {
		t.Skip("helper process")
	}
	c := client(t, base, func(c *coupa.Config) { c.Rate = -1 })
	s, err := c.Fetch(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(os.Getenv("CCWRECON_SNAPSHOT_OUT")); err != nil {
		t.Fatal(err)
	}
	fmt.Println(len(s.Users))
}

// BenchmarkLoadSnapshot100k loads a 100,000-user snapshot file three ways:
// reading its bytes (the floor), encoding/json (the reference the fast
// path replaced) and LoadSnapshot. Each checks what it decoded.
func BenchmarkLoadSnapshot100k(b *testing.B) {
	seed := emulator.Generate(100_000)
	snap := &coupa.Snapshot{Format: coupa.SnapshotFormat, Instance: "https://acme.coupahost.com", Currencies: seed.Currencies,
		Lookups: seed.Lookups, LookupValues: seed.LookupValues, Users: seed.Users}
	path := b.TempDir() + "/snap.json"
	if err := snap.Save(path); err != nil {
		b.Fatal(err)
	}
	want := snap.Users[54321]
	check := func(s *coupa.Snapshot) {
		if len(s.Users) != 100_000 || s.Users[54321].Login != want.Login || s.Users[54321].Email != want.Email {
			b.Fatalf("decoded %d users, user 54321 %q", len(s.Users), s.Users[54321].Login)
		}
	}
	b.Run("floor-read-bytes", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			data, err := os.ReadFile(path)
			if err != nil || len(data) == 0 {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			data, _ := os.ReadFile(path)
			var s coupa.Snapshot
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
			check(&s)
		}
	})
	b.Run("ccwrecon", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := coupa.LoadSnapshot(path)
			if err != nil {
				b.Fatal(err)
			}
			check(s)
		}
	})
	cache := b.TempDir() + "/cache.json"
	b.Run("cache", func(b *testing.B) { // the per-instance cache: JSON plus the users in binary, read in place
		if err := snap.SaveCache(cache); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s := coupa.LoadCachedFrom(cache, snap.Instance)
			if s == nil {
				b.Fatal("the cache was not read")
			}
			check(s)
		}
	})
	b.Run("save", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := snap.Save(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("save-cache", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := snap.SaveCache(cache); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReferenceRefresh5kLookupValues150ms: a re-open of a cached
// 10,000-user instance whose chart has 5,000 lookup values (100 pages),
// 150 ms per answer, Coupa's 25 requests/s: the reference lists read in
// full against their changes since the cache (one page each). The floor
// is two round trips (the token, then every read at once).
func BenchmarkReferenceRefresh5kLookupValues150ms(b *testing.B) {
	const latency = 150 * time.Millisecond
	_, base := start(b, manyLookupValues(5000), emulator.Options{Latency: latency})
	ctx := context.Background()
	warm := client(b, base, func(c *coupa.Config) { c.Rate = -1 })
	cached, err := warm.Fetch(ctx, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	reopen := func(maxAge time.Duration) (time.Duration, *coupa.Snapshot) {
		c := client(b, base, func(c *coupa.Config) { c.Rate, c.Burst, c.ReferenceMaxAge = 25, 20, maxAge })
		t0 := time.Now()
		s, err := c.Fetch(ctx, cached, nil)
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(t0), s
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		full, fs := reopen(-1)
		changes, cs := reopen(0)
		if fs.Stats.ReferenceSince != "" || cs.Stats.ReferenceSince == "" || !reflect.DeepEqual(referenceOf(fs), referenceOf(cs)) {
			b.Fatal("the two re-opens disagree, or did not read as intended")
		}
		b.ReportMetric(full.Seconds(), "full-s")
		b.ReportMetric(changes.Seconds(), "changes-s")
		b.ReportMetric((2 * latency).Seconds(), "floor-s")
		b.ReportMetric(float64(fs.Stats.Requests), "full-requests")
		b.ReportMetric(float64(cs.Stats.Requests), "changes-requests")
	}
}

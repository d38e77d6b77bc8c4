package coupa_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
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

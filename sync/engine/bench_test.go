package engine

import (
	"bytes"
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

// big100k is a 100,000-user snapshot and a CCW feed touching every user:
// 1 in 10 renamed, 1 in 50 moved to another supervisor, 1 in 100 new.
func big100k(b *testing.B) (*coupa.Snapshot, []byte) {
	seed := emulator.Generate(100_000)
	snap := &coupa.Snapshot{Format: coupa.SnapshotFormat, Instance: "https://acme.coupahost.com",
		Currencies: seed.Currencies, Lookups: seed.Lookups, LookupValues: seed.LookupValues}
	for _, c := range seed.Charts {
		snap.AccountTypes = append(snap.AccountTypes, c.AccountType)
	}
	logins := make([]string, len(seed.Users)+1)
	for _, u := range seed.Users {
		logins[u.ID] = u.Login
	}
	for _, u := range seed.Users {
		if u.Manager != nil {
			u.Manager.Login = logins[u.Manager.ID]
		}
		snap.Users = append(snap.Users, u)
	}
	var f bytes.Buffer
	f.WriteString("Status|User ID|Last Name|First Name|Email|CCW User Role|Supervisor ID|Employee Number\n")
	for i, u := range snap.Users {
		first, mgr := u.Firstname, ""
		if u.Manager != nil {
			mgr = u.Manager.Login
		}
		if i%10 == 0 {
			first += "x"
		}
		if i%50 == 7 && i > 100 {
			mgr = snap.Users[i/3].Login
		}
		status := "1"
		if !u.Active {
			status = "0"
		}
		fmt.Fprintf(&f, "%s|%s|%s|%s|%s|User|%s|%s\n", status, u.Login, u.Lastname, first, u.Email, mgr, u.EmployeeNumber)
		if i%100 == 0 {
			fmt.Fprintf(&f, "1|new.user%d|New|User%d|new.user%d@example.com|User|%s|N%06d\n", i, i, i, u.Login, i)
		}
	}
	return snap, f.Bytes()
}

// BenchmarkDiff100k: 100,000 feed rows against 100,000 Coupa users (fetch excluded).
func BenchmarkDiff100k(b *testing.B) {
	snap, data := big100k(b)
	feed, err := feeds.Read(bytes.NewReader(data), "big.csv", feeds.Options{})
	if err != nil {
		b.Fatal(err)
	}
	// The floor: what any diff must do at least, index Coupa's users by
	// login and find each feed row's user.
	b.Run("floor-index-and-match", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if found := indexAndMatch(snap, feed); found < 90_000 {
				b.Fatal(found)
			}
		}
	})
	b.Run("diff", func(b *testing.B) {
		b.ReportAllocs() // what a plan keeps costs pages and the collector's time (README)
		runtime.GC()
		var p *plans.Plan
		for i := 0; i < b.N; i++ {
			if p, err = Diff(feed, snap, Config{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		// in use: the inputs and the plan, once garbage is collected (what
		// was read before depends on when the collector last ran)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(p)
		b.ReportMetric(float64(after.HeapInuse)/(1<<20), "heap-inuse-MB")
		b.ReportMetric(float64(p.Summary.Create+p.Summary.Update), "changed-users")
		if p.Summary.Create+p.Summary.Update != 31653 {
			b.Fatalf("%+v", p.Summary)
		}
	})
}

// BenchmarkDiffSnapshotEndToEnd100k is `ccwrecon diff --snapshot` at
// 100,000 users: read the snapshot and the feed from disk, diff, write JSON.
func BenchmarkDiffSnapshotEndToEnd100k(b *testing.B) {
	snap, data := big100k(b)
	dir := b.TempDir()
	sp, fp := filepath.Join(dir, "snap.json"), filepath.Join(dir, "feed.csv")
	if err := snap.Save(sp); err != nil {
		b.Fatal(err)
	}
	os.WriteFile(fp, data, 0o644)
	snap = nil
	runtime.GC()
	b.ResetTimer()
	var load, read, diff, write, floor time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		s, err := coupa.LoadSnapshot(sp)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		f, err := feeds.ReadFile(fp, feeds.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		p, err := Diff(f, s, Config{})
		if err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		var out countingWriter
		if err := plans.WriteJSON(&out, p); err != nil {
			b.Fatal(err)
		}
		load, read, diff, write = load+t1.Sub(t0), read+t2.Sub(t1), diff+t3.Sub(t2), write+time.Since(t3)
		b.StopTimer()
		t4 := time.Now() // the floor: reading both files' bytes
		sb, _ := os.ReadFile(sp)
		fb, _ := os.ReadFile(fp)
		if len(sb) == 0 || len(fb) == 0 {
			b.Fatal("empty files")
		}
		floor += time.Since(t4)
		b.StartTimer()
		if m := p.Summary; m.Create != 973 || m.Update != 30680 || m.Errors != 2381 || out.n < 30<<20 {
			b.Fatalf("%+v, %d bytes of JSON", p.Summary, out.n)
		}
	}
	n := float64(b.N)
	b.ReportMetric(load.Seconds()/n, "load-s")
	b.ReportMetric(read.Seconds()/n, "feed-s")
	b.ReportMetric(diff.Seconds()/n, "diff-s")
	b.ReportMetric(write.Seconds()/n, "json-s")
	b.ReportMetric(floor.Seconds()/n, "floor-read-files-s")
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// indexAndMatch is the diff's floor: index Coupa's users by login and find
// each feed row's user; it returns how many rows found theirs.
func indexAndMatch(snap *coupa.Snapshot, feed *feeds.Feed) int {
	by := make(map[string]*coupa.User, len(snap.Users))
	for j := range snap.Users {
		by[strings.ToLower(snap.Users[j].Login)] = &snap.Users[j]
	}
	found := 0
	for _, u := range feed.Users {
		if by[strings.ToLower(u.Get("login"))] != nil {
			found++
		}
	}
	return found
}

package cmd_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

// live100k is a 100,000-user emulator (the built binary, as operators run
// it), a CCW delta feed touching 10% of them, and a cache warmed by one
// full fetch; then one user is changed out of band, as happens between
// two runs on a cutover night.
type live100k struct {
	url, feed, dir string
	env            []string
	latency        time.Duration // the emulator's, per response
	// the full fetch that warmed the cache
	fetchWall time.Duration
	fetchRSS  float64
}

func newLive100k(b *testing.B) *live100k { return newLive100kAt(b, 0) }

// newLive100kAt is newLive100k over a network answering each request
// after latency (a laptop to a Coupa instance: about 150 ms).
func newLive100kAt(b *testing.B, latency time.Duration) *live100k {
	return newLive(b, 100_000, latency)
}

// newLive is newLive100kAt with users users; the full fetch that warms the
// cache is measured (fetchWall, fetchRSS).
func newLive(b *testing.B, users int, latency time.Duration) *live100k {
	b.Helper()
	l := &live100k{dir: b.TempDir(), latency: latency}
	cmd := exec.Command(bin, "emulate", "--addr", "127.0.0.1:0", "--users", strconv.Itoa(users), "--rate", "0", "--latency", latency.String())
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make([]byte, 64)
	n, _ := out.Read(line)
	l.url = strings.TrimSpace(string(line[:n]))
	l.env = append(os.Environ(), "COUPA_URL="+l.url, "COUPA_API_KEY="+emulator.DefaultAPIKey,
		"XDG_CACHE_HOME="+filepath.Join(l.dir, "cache"), "XDG_CONFIG_HOME="+filepath.Join(l.dir, "config"), "NO_COLOR=1")

	f := ccwDelta(emulator.Generate(users), false)
	l.feed = filepath.Join(l.dir, "feed.csv")
	os.WriteFile(l.feed, f.Bytes(), 0o600)

	t0 := time.Now()
	rss, err := l.run("--rate", "-1", "fetch", "--out", filepath.Join(l.dir, "warm.json"))
	if err != nil {
		b.Fatal(err)
	}
	l.fetchWall, l.fetchRSS = time.Since(t0), rss
	putUser(b, l.url, "4242", `{"lastname":"Changed"}`)
	// The child's peak RSS is read from its rusage, which on Linux counts
	// this process's pages at the fork: give the generated data back first.
	f = nil
	runtime.GC()
	debug.FreeOSMemory()
	return l
}

// run runs the binary and returns its peak resident memory.
func (l *live100k) run(args ...string) (rssMB float64, err error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = l.env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			return 0, fmt.Errorf("%v: %v\n%s", args, err, stderr.String())
		}
	}
	return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024, nil
}

// floor is what no run can beat: starting the binary, plus the incremental
// refresh's requests answered by this emulator, made in-process.
func (l *live100k) floor(b *testing.B) (startup, requests time.Duration) {
	t0 := time.Now()
	if _, err := l.run("--version"); err != nil {
		b.Fatal(err)
	}
	startup = time.Since(t0)
	t0 = time.Now()
	for _, path := range []string{"users?updated_at[gt_or_eq]=2026-03-15T00:00:00Z&limit=50", "users?order_by=id&dir=desc&limit=1",
		"currencies", "account_types", "lookups", "lookup_values", "user_groups", "account_groups", "business_groups"} {
		req, _ := http.NewRequest("GET", l.url+"/api/"+path, nil)
		req.Header.Set("X-COUPA-API-KEY", emulator.DefaultAPIKey)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%s: %v %v", path, err, resp)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return startup, time.Since(t0)
}

// touchFloor is how long a process takes only to start and touch mb
// megabytes of fresh memory: on a virtual machine each first touch of a
// page is a fault, and a run cannot hold its working set for less.
func touchFloor(b *testing.B, mb float64) time.Duration {
	cmd := exec.Command(os.Args[0], "-test.run=^TestTouchChild$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("CCWRECON_TOUCH_MB=%d", int(mb)))
	t0 := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	return time.Since(t0)
}

// TestTouchChild is the process touchFloor measures.
func TestTouchChild(t *testing.T) {
	mb, _ := strconv.Atoi(os.Getenv("CCWRECON_TOUCH_MB"))
	if mb == 0 {
		t.Skip("helper process")
	}
	keep := make([][]byte, 0, mb)
	for i := 0; i < mb; i++ {
		p := make([]byte, 1<<20)
		for j := 0; j < len(p); j += 4096 {
			p[j] = 1
		}
		keep = append(keep, p)
	}
	if len(keep) != mb {
		t.Fatal(len(keep))
	}
}

// measureRuns runs the binary b.N times with args (made per run), checks
// each run, and reports the mean wall time, the highest peak RSS and,
// measured after, the floors.
func measureRuns(b *testing.B, l *live100k, args func(i int) []string, check func(i int)) {
	b.ResetTimer()
	var wall time.Duration
	var rss float64
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r, err := l.run(args(i)...)
		wall += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		rss = max(rss, r)
		check(i)
	}
	b.StopTimer()
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
	b.ReportMetric(rss, "peak-RSS-MB")
	startup, requests := l.floor(b)
	b.ReportMetric(startup.Seconds(), "floor-startup-s")
	b.ReportMetric(requests.Seconds(), "floor-requests-s")
	b.ReportMetric(touchFloor(b, rss).Seconds(), "floor-touch-RSS-s")
	if l.latency > 0 {
		// a refresh needs two answers one after the other at least: the
		// changed users, then (the GraphQL roles paging) an empty page
		b.ReportMetric((startup + 2*l.latency).Seconds(), "floor-two-round-trips-s")
	}
}

// BenchmarkLiveDiff100kLatency150ms is BenchmarkLiveDiff100k over a
// network answering each request after 150 ms.
func BenchmarkLiveDiff100kLatency150ms(b *testing.B) {
	l := newLive100kAt(b, 150*time.Millisecond)
	out := func(i int) string { return filepath.Join(l.dir, fmt.Sprintf("plan%d.json", i)) }
	measureRuns(b, l, func(i int) []string { return []string{"diff", "--feed", l.feed, "--out", out(i)} }, func(i int) {
		plan, err := os.ReadFile(out(i))
		if err != nil || !bytes.Contains(plan, []byte(`"feed": "Changed"`)) && !bytes.Contains(plan, []byte(`"coupa": "Changed"`)) {
			b.Fatalf("the out-of-band change is not in the plan: %v", err)
		}
	})
}

// BenchmarkLiveDiff100k: `ccwrecon diff --feed` (100,000-row CCW delta,
// 10% touched) on a cached 100,000-user instance with one user changed
// since: wall time and peak RSS of the binary, next to its floor.
func BenchmarkLiveDiff100k(b *testing.B) {
	l := newLive100k(b)
	out := func(i int) string { return filepath.Join(l.dir, fmt.Sprintf("plan%d.json", i)) }
	measureRuns(b, l, func(i int) []string { return []string{"diff", "--feed", l.feed, "--out", out(i)} }, func(i int) {
		plan, err := os.ReadFile(out(i))
		if err != nil || !bytes.Contains(plan, []byte(`"feed": "Changed"`)) && !bytes.Contains(plan, []byte(`"coupa": "Changed"`)) {
			b.Fatalf("the out-of-band change is not in the plan: %v", err)
		}
	})
}

// BenchmarkFetchReopen100k: `ccwrecon fetch --out` of an unchanged
// (cached) 100,000-user instance, next to its floor.
func BenchmarkFetchReopen100k(b *testing.B) {
	l := newLive100k(b)
	out := filepath.Join(l.dir, "snap.json")
	if _, err := l.run("fetch", "--out", out); err != nil { // takes in the out-of-band change
		b.Fatal(err)
	}
	measureRuns(b, l, func(int) []string { os.Remove(out); return []string{"fetch", "--out", out} }, func(int) {
		if st, err := os.Stat(out); err != nil || st.Size() < 50<<20 {
			b.Fatalf("snapshot: %v", err)
		}
	})
}

// BenchmarkScale is the live re-open + diff (a CCW delta touching 10%) at
// 10,000, 100,000 and 300,000 users (the largest Coupa customers), with
// the full fetch that warmed each cache: cost should grow in proportion.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 300_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			l := newLive(b, n, 0)
			out := func(i int) string { return filepath.Join(l.dir, fmt.Sprintf("plan%d.json", i)) }
			measureRuns(b, l, func(i int) []string { return []string{"diff", "--feed", l.feed, "--out", out(i)} }, func(i int) {
				if _, err := os.Stat(out(i)); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(l.fetchWall.Seconds(), "fetch-full-s") // after the timer's reset, which drops metrics
			b.ReportMetric(l.fetchRSS, "fetch-full-RSS-MB")
		})
	}
}

// BenchmarkDiffSnapshotShaped100k: `ccwrecon diff --snapshot` as a process
// on a fetched 100,000-user snapshot and a CCW delta naming its three
// segments by their lookup values' names, 10% of users touched, JSON out;
// next to its floor: starting the binary and reading both files.
func BenchmarkDiffSnapshotShaped100k(b *testing.B) {
	l := newLive(b, 100_000, 0)
	snap := filepath.Join(l.dir, "warm.json")
	f := ccwDelta(emulator.Generate(100_000), true)
	feed := filepath.Join(l.dir, "shaped.csv")
	os.WriteFile(feed, f.Bytes(), 0o600)
	args := []string{"diff", "--snapshot", snap, "--feed", feed, "--format", "json",
		"--segment-lookup", "1=Company", "--segment-lookup", "2=Cost Center", "--segment-lookup", "3=GL Account"}
	b.ResetTimer()
	var wall time.Duration
	var rss float64
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, args...)
		cmd.Env = l.env
		var out bytes.Buffer
		cmd.Stdout = &out
		t0 := time.Now()
		err := cmd.Run()
		wall += time.Since(t0)
		if err != nil || !bytes.Contains(out.Bytes(), []byte(`"update": `)) || bytes.Contains(out.Bytes(), []byte(`is not a value of lookup`)) {
			b.Fatalf("%v: %.300s", err, out.String())
		}
		rss = max(rss, float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)/1024)
	}
	b.StopTimer()
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
	b.ReportMetric(rss, "peak-RSS-MB")
	startup, _ := l.floor(b)
	t0 := time.Now()
	os.ReadFile(snap)
	os.ReadFile(feed)
	b.ReportMetric(startup.Seconds(), "floor-startup-s")
	b.ReportMetric(time.Since(t0).Seconds(), "floor-read-files-s")
}

// ccwDelta is a CCW delta of every user of seed, 10% of them with a new
// first name; withSegments adds the three chart segments by their lookup
// values' names (as Master Data Segment N Name columns carry them).
func ccwDelta(seed *emulator.Seed, withSegments bool) *bytes.Buffer {
	name := map[string]string{}
	for _, v := range emulator.DefaultReference().LookupValues {
		name[v.Lookup.Name+"|"+v.ExternalRefNum] = v.Name
	}
	login := make([]string, len(seed.Users)+1)
	for _, u := range seed.Users {
		login[u.ID] = u.Login
	}
	var f bytes.Buffer
	f.WriteString("Status|User ID|Last Name|First Name|Email|Supervisor ID|Employee Number")
	if withSegments {
		f.WriteString("|Master Data Segment 1 Name|Master Data Segment 2 Name|Master Data Segment 3 Name")
	}
	f.WriteString("\n")
	for i, u := range seed.Users {
		first, mgr, status := u.Firstname, "", "1"
		if i%10 == 0 {
			first += "x"
		}
		if u.Manager != nil {
			mgr = login[u.Manager.ID]
		}
		if !u.Active {
			status = "0"
		}
		fmt.Fprintf(&f, "%s|%s|%s|%s|%s|%s|%s", status, u.Login, u.Lastname, first, u.Email, mgr, u.EmployeeNumber)
		if withSegments {
			var segs [3]string
			if a := u.DefaultAccount; a != nil {
				segs = [3]string{name["Company|"+a.Segments[1]], name["Cost Center|"+a.Segments[2]], name["GL Account|"+a.Segments[3]]}
			}
			fmt.Fprintf(&f, "|%s|%s|%s", segs[0], segs[1], segs[2])
		}
		f.WriteString("\n")
	}
	return &f
}

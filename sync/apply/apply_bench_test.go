package apply

import (
	"context"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
)

// BenchmarkApply1000UpdatesAt25PerSecond: wall time against the floor
// (requests − burst) / rate, and the 429s met.
func BenchmarkApply1000UpdatesAt25PerSecond(b *testing.B) {
	for i := 0; i < b.N; i++ {
		seed, feed := synctest.Population(b, 1001, 1000, 0)
		srv, base := synctest.Serve(b, seed, emulator.Options{Rate: 25, Burst: 20})
		p, path, pb := planFor(b, synctest.NewClient(b, base, -1, 0), feed, b.TempDir())
		time.Sleep(time.Second) // refill the server's bucket after planning
		srv.Throttled.Store(0)
		c := synctest.NewClient(b, base, 25, 20)
		t0 := time.Now()
		rep, err := Apply(context.Background(), c, p, ApplyOptions{PlanPath: path, PlanBytes: pb, Rules: synctest.DefaultRules})
		wall := time.Since(t0)
		if err != nil || rep.Users.Applied != 1000 || !rep.OK() {
			b.Fatalf("%v %+v", err, rep)
		}
		floor := float64(c.Requests.Load()-20) / 25
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(wall.Seconds()/floor, "x-floor")
		b.ReportMetric(float64(srv.Throttled.Load()), "429s")
		b.ReportMetric(float64(c.Requests.Load()), "requests")
	}
}

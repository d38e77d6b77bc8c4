package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// Every item is covered exactly once, whatever n and grain.
func TestRangesCoverEveryItemOnce(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000, 4097} {
		for _, grain := range []int{0, 1, 1000} {
			seen := make([]atomic.Int32, n)
			Ranges(n, grain, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if seen[i].Load() != 1 {
					t.Fatalf("n %d grain %d: item %d seen %d times", n, grain, i, seen[i].Load())
				}
			}
		}
	}
}

func TestWorkersMakeStateOncePerWorker(t *testing.T) {
	var made atomic.Int32
	seen := make([]atomic.Int32, 10_000)
	Workers(len(seen), 100, func() *int { made.Add(1); return new(int) }, func(s *int, lo, hi int) {
		for i := lo; i < hi; i++ {
			seen[i].Add(1)
			*s++ // a worker's own state: the race detector tells if shared
		}
	})
	if m := int(made.Load()); m < 1 || m > runtime.GOMAXPROCS(0) {
		t.Fatalf("state made %d times for %d cores", m, runtime.GOMAXPROCS(0))
	}
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("item %d seen %d times", i, seen[i].Load())
		}
	}
}

// A worker held up on its first range must not hold up the rest: the
// other core takes every other range (with one range per core, the other
// core would stop at half and this test would time out).
func TestRangesASlowWorkerHoldsUpNoOne(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n = 64
	held := max(1, n/(2*rangesPerWorker)) // the first range's size
	var done atomic.Int32
	rest := make(chan struct{})
	Ranges(n, 1, func(lo, hi int) {
		if lo == 0 {
			select {
			case <-rest:
			case <-time.After(10 * time.Second):
				t.Error("the other worker stopped before taking the held-up worker's ranges")
			}
		}
		if int(done.Add(int32(hi-lo))) == n-held && lo != 0 {
			close(rest) // every range but the held one is done
		}
	})
	if done.Load() != n {
		t.Fatalf("%d of %d items done", done.Load(), n)
	}
}

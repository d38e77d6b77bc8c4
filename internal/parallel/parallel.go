// Package parallel splits work over the machine's cores.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Ranges splits [0,n) into one contiguous range per core, each of at
// least grain items (fewer workers for less work), and runs do on each
// range side by side; it returns when all are done.
func Ranges(n, grain int, do func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/max(grain, 1)))
	if workers == 1 {
		do(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			do(lo, hi)
		}(n*w/workers, n*(w+1)/workers)
	}
	wg.Wait()
}

// Chunks runs one worker per core; each takes chunks of [0,n) in turn
// (take reports false when none is left). Unlike Ranges, a worker held up
// (by the collector, by another process) leaves its share to the others.
func Chunks(n, chunk int, worker func(take func() (lo, hi int, ok bool))) {
	chunk = max(chunk, 1)
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	var next atomic.Int64
	take := func() (int, int, bool) {
		lo := int(next.Add(int64(chunk))) - chunk
		if lo >= n {
			return 0, 0, false
		}
		return lo, min(lo+chunk, n), true
	}
	if workers <= 1 {
		worker(take)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(take)
		}()
	}
	wg.Wait()
}

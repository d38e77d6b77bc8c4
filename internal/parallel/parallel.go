// Package parallel splits work over the machine's cores.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Ranges splits [0,n) into contiguous ranges of at least grain items and
// runs do on them side by side, on every core; it returns when all are
// done. do may run several ranges on one core, in any order.
func Ranges(n, grain int, do func(lo, hi int)) {
	Workers(n, grain, func() struct{} { return struct{}{} }, func(_ struct{}, lo, hi int) { do(lo, hi) })
}

// rangesPerWorker is how many ranges the work is cut into per core: a
// worker that finishes early takes the next range, so a core slowed down
// (by the collector's worker, or a neighbour on a shared machine) holds
// up no one, at the cost of a few more hand-overs.
const rangesPerWorker = 8

// Workers is Ranges with one piece of state per worker (per core, at
// most): start makes it, before the worker's first range.
func Workers[S any](n, grain int, start func() S, do func(s S, lo, hi int)) {
	grain = max(grain, 1)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/grain))
	if workers == 1 {
		do(start(), 0, n)
		return
	}
	size := max(grain, n/(workers*rangesPerWorker))
	var next atomic.Int64 // the start of the next range not taken
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := start()
			for {
				lo := int(next.Add(int64(size))) - size
				if lo >= n {
					return
				}
				do(s, lo, min(n, lo+size))
			}
		}()
	}
	wg.Wait()
}

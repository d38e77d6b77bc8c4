// Package parallel splits work over the machine's cores.
package parallel

import (
	"runtime"
	"sync"
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

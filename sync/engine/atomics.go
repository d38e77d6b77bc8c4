package engine

import "sync/atomic"

// lowerTo sets *a to v if v is lower, and raiseTo to v if v is higher,
// whatever other goroutines store meanwhile: the first or last of
// something found by ranges side by side.
func lowerTo(a *atomic.Int64, v int64) {
	for was := a.Load(); v < was; was = a.Load() {
		if a.CompareAndSwap(was, v) {
			return
		}
	}
}

func raiseTo(a *int32, v int32) {
	for was := atomic.LoadInt32(a); v > was; was = atomic.LoadInt32(a) {
		if atomic.CompareAndSwapInt32(a, was, v) {
			return
		}
	}
}

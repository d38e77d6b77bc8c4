package parallel

import (
	"sync/atomic"
	"testing"
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

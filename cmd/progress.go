package cmd

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// stderrProgress prints progress on one line of stderr, only on a terminal,
// at most ten times a second.
func stderrProgress() (func(ccsync.Progress), func()) {
	if !isTerminal(os.Stderr) {
		return nil, func() {}
	}
	var mu sync.Mutex
	var last time.Time
	w := io.Writer(os.Stderr)
	shown := false
	fn := func(p ccsync.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 100*time.Millisecond && (p.Total == 0 || p.Done < p.Total) {
			return
		}
		last = time.Now()
		shown = true
		if p.Total > 0 {
			fmt.Fprintf(w, "\r\033[Kfetching %s: %d/%d pages (%d%%)", p.Stage, p.Done, p.Total, p.Done*100/p.Total)
		} else {
			fmt.Fprintf(w, "\r\033[Kfetching %s: %s", p.Stage, plans.Plural(p.Done, "page", "pages"))
		}
	}
	return fn, func() {
		mu.Lock()
		defer mu.Unlock()
		if shown {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}

package followup

import (
	"fmt"
	"os"
	"time"
)

// Each time the cache is rewritten, the snapshot it replaces is kept as
// CACHE.1 (the older ones move up to CACHE.N): renames, no copying. They
// are what drift --user reads a user's history from.

func RotateHistory(cache string, keep int) {
	if keep <= 0 {
		return
	}
	os.Remove(fmt.Sprintf("%s.%d", cache, keep))
	for i := keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", cache, i), fmt.Sprintf("%s.%d", cache, i+1))
	}
	os.Rename(cache, cache+".1")
}

// UserVersion is a user as one snapshot saw it, with what changed since
// the version before.
type UserVersion struct {
	Seen      time.Time     `json:"seen"` // when the snapshot was read
	UpdatedAt string        `json:"updated-at"`
	UpdatedBy string        `json:"updated-by"`
	Changes   []DriftChange `json:"changes"`
	Note      string        `json:"note,omitempty"`
}

// Package apply carries out a saved plan: the requests each user needs
// (clear-then-set for removals, two steps for a chart and its segments),
// the runner that sends them within Coupa's rate, the journal that makes a
// stop resumable, the stale check against Coupa as it is now, the read-back
// that finds what Coupa accepted but did not store, the SFTP files, and the
// Report of what happened. Verify re-reads a run later.
//
// What may not live here: drawing the report (views), deciding what is
// selected (plans), reading settings (sync).
package apply

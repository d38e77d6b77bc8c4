// Package sync is ccwrecon's service: one Service per engagement, which
// the command line and the console call for everything they do. It reads
// the settings it was given, opens Coupa (through the cache) or a baseline
// file, and hands the work to its sibling packages, each a job you can
// name:
//
//   - plans: the plan's vocabulary (fields, values, changes, problems,
//     selection rules, digest, loader, encoders, typed views);
//   - engine: matching and comparison, which make a plan;
//   - apply: the API and SFTP routes, the journal, the stale check and
//     the read-back;
//   - followup: what comes after a run (load status, undo, drift,
//     history) and doctor's checks;
//   - views: every text, JSON and CSV a command writes.
//
// Arrows go one way: plans ← engine ← apply ← followup ← views ← sync.
// What may not live here: a rule (it lives in plans), printing to a
// terminal, flags and the environment (package cmd), Bubble Tea (tui).
package sync

// Package followup is what comes after a run, from a run folder and Coupa:
// the load status of uploaded files and the rows Coupa refused, the undo
// plan of a run, drift (what changed in Coupa since a snapshot or a plan,
// and by whom), a user's history from the kept caches, and the typed
// results of doctor's checks.
//
// What may not live here: drawing (views), applying (apply; an undo is a
// plan the service applies like any other).
package followup

// Package views draws every command's output from typed results: the plan
// as text, JSON and CSV, the missing lookup values, the apply report and
// the run's evidence files, verification, load status, drift, history and
// doctor. The console draws the same typed views (plans' TeamChanges,
// RoleChanges, AccountChanges, ActionTable) with its own widgets.
//
// What may not live here: a rule (plans), a request (apply), a setting.
package views

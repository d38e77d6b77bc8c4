// Package tui is the interactive reconciliation console (Bubble Tea v1).
// Every tab and every step of an apply is a component with its own keys;
// the root routes messages to the active one and renders only it.
//
// What may not live here: a business rule. Loading, diffing, selecting,
// counting, confirming, exit statuses and applying are the engine's
// (package sync), which the console only calls and shows.
package tui

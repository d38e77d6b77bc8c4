// Package sync is ccwrecon's engine: it matches a feed with Coupa (or with
// a baseline file), computes a typed, field-by-field plan with its
// problems from one description per field (Registry), owns every selection
// rule, the exit status and the typed confirmation, and applies, verifies,
// undoes and reports plans through the Coupa API or as files over SFTP.
// The command line and the console only call it (Service).
//
// What may not live here: printing to a terminal (renderers write to the
// writers they are given), flags and the environment (package cmd), Bubble
// Tea (package tui).
package sync

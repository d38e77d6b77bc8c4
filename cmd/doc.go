// Package cmd wires the ccwrecon command line: it resolves settings from
// flags, the environment and the profile, builds the engine's service,
// and prints what the engine returns.
//
// What may not live here: a business rule (what is selected, counted,
// refused or written is the engine's, package sync), a request to Coupa or
// an SFTP server (package coupa and feeds, through sync). One place turns
// mistakes into one-line messages (plainly); exit statuses come from sync.
package cmd

// Package coupa is a client for Coupa's Core REST API (users and the
// reference data a reconciliation needs, the GraphQL role catalogue),
// snapshots and their cache, and, in coupa/emulator, a local emulator.
//
// What lives here: transport (OAuth, pacing, retries, bounded answers,
// paging that must advance), Coupa's JSON shapes and typed write bodies.
// What may not: anything of feeds (the two never import each other), any
// reconciliation rule (package sync), any printing.
package coupa

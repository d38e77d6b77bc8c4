// Package feeds reads user feeds (CCW User files, Coupa Users CSV, HR
// exports through a mapping file) into canonical records, writes the files
// CCW and Coupa pick up, and moves them over SFTP with optional PGP.
//
// What lives here: the strict CSV scanner, the readers and their problems
// at FILE:LINE:COLUMN, the writers, PGP, SFTP. What may not: anything of
// package coupa (the two never import each other) or of the engine.
package feeds

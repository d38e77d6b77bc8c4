// Package synctest holds the fixtures the engine's packages test with: the
// Acme instance served by the emulator, its snapshot, the feed fixtures,
// generated populations and a plan saved and read back as apply sees it.
// Tests only.
package synctest

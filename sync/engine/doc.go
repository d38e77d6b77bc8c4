// Package engine makes plans: it matches a feed's rows with Coupa's users
// (or a baseline file shaped as Coupa state), compares them field by field
// through plans' registry, checks the hierarchy, translates segments
// through the chart's lookups, weighs deactivations against the guard,
// and checks the settings against Coupa's reference data (Reference, for
// setup and doctor).
//
// It is a pure function of a feed, a snapshot and a Config: nothing here
// reads the network, writes a file or prints.
package engine

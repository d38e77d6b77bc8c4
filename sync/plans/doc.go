// Package plans is the plan's vocabulary, the one place every front-end
// and every job draws from: the field registry (one description per
// field), values and their comparison, changes, problems and their causes,
// every selection rule (the login hold, informational differences, error
// users, inferred deactivations, the guard and its defaults), counting,
// the digest, the strict loader and the encoders, and the typed views
// both renderers draw (hierarchy moves, role and membership gains and
// losses, segment groups, the per-action table).
//
// It imports no other part of the engine. What may not live here: reading
// Coupa or a feed (engine), sending anything (apply), drawing text (views).
package plans

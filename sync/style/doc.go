// Package style is ccwrecon's one set of colours and glyphs, shared by the
// command line's text output and the console. Colour is decided in one
// place: only on a terminal, never under NO_COLOR. Nothing depends on
// colour: every state also has a glyph or a word.
//
// What may not live here: words or rules; only how states look.
package style

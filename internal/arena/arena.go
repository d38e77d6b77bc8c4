// Package arena hands out many small values from a few large blocks:
// decoding or comparing 100,000 users would otherwise make hundreds of
// thousands of allocations for the collector to track. A value handed out
// lives as long as anything points into its block; nothing in a block is
// ever written again once handed out.
package arena

import "unsafe"

// block is how many values a Slab block holds.
const block = 1024

// Slab hands out values of T, and short runs of them, from blocks. The
// zero Slab is ready; one Slab is for one goroutine.
type Slab[T any] struct{ buf []T }

// New returns a new zero value.
func (s *Slab[T]) New() *T {
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]T, 0, block)
	}
	s.buf = s.buf[:len(s.buf)+1]
	return &s.buf[len(s.buf)-1]
}

// Keep copies items into a block and returns the copy at its exact size
// (nil for none): appending to it never reaches its neighbours.
func (s *Slab[T]) Keep(items []T) []T {
	switch {
	case len(items) == 0:
		return nil
	case len(items) > block/4:
		return append([]T(nil), items...)
	case cap(s.buf)-len(s.buf) < len(items):
		s.buf = make([]T, 0, block)
	}
	at := len(s.buf)
	s.buf = append(s.buf, items...)
	return s.buf[at:len(s.buf):len(s.buf)]
}

// textBlock is the size of a Text block.
const textBlock = 64 << 10

// Text keeps strings made of bytes in blocks. The zero Text is ready; one
// Text is for one goroutine.
type Text struct {
	buf   []byte
	start int
}

// Begin returns the block to append at most n bytes of one string to.
func (t *Text) Begin(n int) []byte {
	if cap(t.buf)-len(t.buf) < n {
		t.buf = make([]byte, 0, max(textBlock, n))
	}
	t.start = len(t.buf)
	return t.buf
}

// End keeps what was appended to Begin's block and returns it as a string.
func (t *Text) End(b []byte) string {
	t.buf = b
	if len(b) == t.start {
		return ""
	}
	return unsafe.String(&b[t.start], len(b)-t.start)
}

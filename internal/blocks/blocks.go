// Package blocks writes a long list in order while encoding it on every
// core: items are encoded in fixed blocks, each into one of a few buffers
// that go round (the look-ahead bound, and no fresh memory per block:
// page faults cost more than encoding), and written in order.
package blocks

import (
	"bytes"
	"io"
	"runtime"
)

// Write encodes n items in blocks of size block, calling encode(buf, lo,
// hi) for items [lo, hi) on any core, and writes the blocks to w in order.
// hint sizes each buffer. The first error ends the writing (every block
// still finishes, so nothing is left running).
func Write(w io.Writer, n, block, hint int, encode func(buf *bytes.Buffer, lo, hi int) error) error {
	type result struct {
		b   *bytes.Buffer
		err error
	}
	blocks := (n + block - 1) / block
	out := make([]chan result, blocks)
	for k := range out {
		out[k] = make(chan result, 1)
	}
	free := make(chan *bytes.Buffer, 2*runtime.GOMAXPROCS(0))
	for i := 0; i < cap(free); i++ {
		free <- bytes.NewBuffer(make([]byte, 0, hint))
	}
	go func() {
		for k := 0; k < blocks; k++ {
			buf := <-free
			go func(k int) {
				buf.Reset()
				err := encode(buf, k*block, min(n, (k+1)*block))
				out[k] <- result{buf, err}
			}(k)
		}
	}()
	var first error
	for k := 0; k < blocks; k++ {
		r := <-out[k]
		if first == nil {
			if first = r.err; first == nil {
				_, first = w.Write(r.b.Bytes())
			}
		}
		free <- r.b
	}
	return first
}

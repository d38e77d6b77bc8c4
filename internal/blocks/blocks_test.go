package blocks

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Blocks encoded on any core come out in order; an error stops the
// writing at its block.
func TestWriteKeepsOrderAndStopsAtAnError(t *testing.T) {
	t.Parallel()
	var want strings.Builder
	for i := 0; i < 5003; i++ {
		fmt.Fprintf(&want, "%d,", i)
	}
	var got bytes.Buffer
	err := Write(&got, 5003, 7, 64, func(buf *bytes.Buffer, lo, hi int) error {
		for i := lo; i < hi; i++ {
			fmt.Fprintf(buf, "%d,", i)
		}
		return nil
	})
	if err != nil || got.String() != want.String() {
		t.Fatalf("%v: out of order or lost", err)
	}
	got.Reset()
	boom := errors.New("boom")
	err = Write(&got, 100, 10, 64, func(buf *bytes.Buffer, lo, hi int) error {
		if lo == 50 {
			return boom
		}
		fmt.Fprintf(buf, "[%d]", lo)
		return nil
	})
	if !errors.Is(err, boom) || got.String() != "[0][10][20][30][40]" {
		t.Fatalf("%v %q", err, got.String())
	}
	if err := Write(&got, 0, 10, 64, nil); err != nil {
		t.Fatal(err)
	}
}

package sync

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"

	"github.com/ccwrecon/ccwrecon/internal/termtext"
)

// WriteJSON writes the plan document (the contract's diff JSON), with
// DEL and C1 characters escaped too. It is byte for byte what
// json.Encoder with a two-space indent writes, but streamed: the head is
// encoded alone and the users are encoded in blocks on every core and
// written in order, so a 100,000-user plan is never one giant buffer that
// is indented again.
func WriteJSON(w io.Writer, p *Plan) error {
	head := *p
	head.Users = nil
	var hb bytes.Buffer
	enc := json.NewEncoder(&hb)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&head); err != nil {
		return err
	}
	const hole = "\n  \"users\": null"
	i := bytes.Index(hb.Bytes(), []byte(hole))
	if i < 0 {
		return errors.New("plan: cannot place users")
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.Write(termtext.JSON(hb.Bytes()[:i]))
	if len(p.Users) == 0 {
		bw.WriteString("\n  \"users\": []")
	} else {
		bw.WriteString("\n  \"users\": [")
		if err := encodeBlocks(bw, p.Users); err != nil {
			return err
		}
		bw.WriteString("\n  ]")
	}
	bw.Write(termtext.JSON(hb.Bytes()[i+len(hole):]))
	return bw.Flush()
}

// encodeBlocks writes users as indented array elements, encoding blocks
// of them in parallel with a bounded look-ahead.
func encodeBlocks(w io.Writer, users []*UserPlan) error {
	const block = 1024
	type result struct {
		b   []byte
		err error
	}
	n := (len(users) + block - 1) / block
	out := make([]chan result, n)
	for k := range out {
		out[k] = make(chan result, 1)
	}
	sem := make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	go func() {
		for k := 0; k < n; k++ {
			sem <- struct{}{}
			go func(k int) {
				var buf bytes.Buffer
				buf.Grow(block * 640)
				uw := userWriter{buf: &buf}
				for j := k * block; j < min(len(users), (k+1)*block) && uw.err == nil; j++ {
					if j > 0 {
						buf.WriteByte(',')
					}
					buf.WriteString("\n    ")
					uw.user(users[j])
				}
				out[k] <- result{termtext.JSON(buf.Bytes()), uw.err}
			}(k)
		}
	}()
	var first error
	for k := 0; k < n; k++ {
		r := <-out[k]
		<-sem
		if first == nil {
			first = r.err
			if first == nil {
				_, first = w.Write(r.b)
			}
		}
	}
	return first
}

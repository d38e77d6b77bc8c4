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
// DEL and C1 characters escaped too. Unchanged users are counted in the
// summary and left out of users, as the contract allows: at 100,000 users
// they would be two thirds of the file and say nothing. It is byte for byte what
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
	if users := Saved(p.Users); len(users) == 0 {
		bw.WriteString("\n  \"users\": []")
	} else {
		bw.WriteString("\n  \"users\": [")
		if err := encodeBlocks(bw, users); err != nil {
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
		b   *bytes.Buffer
		err error
	}
	n := (len(users) + block - 1) / block
	out := make([]chan result, n)
	for k := range out {
		out[k] = make(chan result, 1)
	}
	// a fixed set of buffers goes round: the look-ahead bound, and no
	// fresh memory per block (page faults cost more than encoding)
	free := make(chan *bytes.Buffer, 2*runtime.GOMAXPROCS(0))
	for i := 0; i < cap(free); i++ {
		free <- bytes.NewBuffer(make([]byte, 0, block*640))
	}
	go func() {
		for k := 0; k < n; k++ {
			buf := <-free
			go func(k int) {
				buf.Reset()
				uw := userWriter{buf: buf}
				for j := k * block; j < min(len(users), (k+1)*block) && uw.err == nil; j++ {
					if j > 0 {
						buf.WriteByte(',')
					}
					buf.WriteString("\n    ")
					uw.user(users[j])
				}
				if esc := termtext.JSON(buf.Bytes()); len(esc) != buf.Len() {
					buf.Reset()
					buf.Write(esc)
				}
				out[k] <- result{buf, uw.err}
			}(k)
		}
	}()
	var first error
	for k := 0; k < n; k++ {
		r := <-out[k]
		if first == nil {
			first = r.err
			if first == nil {
				_, first = w.Write(r.b.Bytes())
			}
		}
		free <- r.b
	}
	return first
}

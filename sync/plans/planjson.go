package plans

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/ccwrecon/ccwrecon/internal/blocks"
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

// encodeBlocks writes users as indented array elements, encoded in blocks
// on every core and written in order.
func encodeBlocks(w io.Writer, users []*UserPlan) error {
	return blocks.Write(w, len(users), 1024, 1024*640, func(buf *bytes.Buffer, lo, hi int) error {
		uw := userWriter{buf: buf}
		for j := lo; j < hi && uw.err == nil; j++ {
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
		return uw.err
	})
}

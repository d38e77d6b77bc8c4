package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
)

// Data never drives the terminal: a control character in a value is a
// read error at its line and column; a line break in a quoted value stays.
func TestControlCharactersAreReadErrors(t *testing.T) {
	t.Parallel()
	data := "User ID|Last Name|First Name|Email\n" +
		"ok|Lee|\"Ann\nMarie\"|ok@acme.example\n" +
		"bad|Lee\x1b[5A\x1b[J|Ann|bad@acme.example\n" +
		"osc|Lee|Ann\x1b]52;c;aGk=\a|osc@acme.example\n" +
		"c1|Lee\u009b2J|Ann|c1@acme.example\n" +
		"nul\x00|Lee|Ann|nul@acme.example\n" +
		// values that are copied, not read in place: the row's first line
		// is plain, the value is not
		"ml|Lee|\"Ann\nMa\x1brie\"|ml@acme.example\n" +
		"dq|Lee|\"An\"\"n\x1b\"|dq@acme.example\n" +
		"q|Lee|\"Ann\x1b\"|q@acme.example\n" // quoted: the value starts after its quote
	_, err := Read(strings.NewReader(data), "hostile.csv", Options{})
	var re *ReadError
	if !errors.As(err, &re) || len(re.Problems) != 7 {
		t.Fatalf("%v", err)
	}
	want := []string{"hostile.csv:4:8: control character U+001B", "hostile.csv:5:12: control character U+001B",
		"hostile.csv:6:7: control character U+009B", "hostile.csv:7:4: control character U+0000",
		"hostile.csv:9:3: control character U+001B", "hostile.csv:10:14: control character U+001B",
		"hostile.csv:11:11: control character U+001B"}
	for i, w := range want {
		if !strings.HasPrefix(re.Problems[i].String(), w) {
			t.Errorf("problem %d: %s, want %s…", i, re.Problems[i], w)
		}
	}
}

// Feeds must be regular files: /dev/zero never ends and a FIFO blocks for
// ever; both are refused before reading.
func TestFeedsMustBeRegularFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.csv")
	os.Symlink("/dev/zero", zero)
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{zero: "device", fifo: "FIFO", dir: "directory"} {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(path, Options{}); done <- err }()
		select {
		case err := <-done:
			var nr *fileutil.NotRegularError
			if !errors.As(err, &nr) || !strings.Contains(err.Error(), kind) {
				t.Errorf("%s: %v", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: reading blocked", path)
		}
	}
}

// A line without end (a binary, a runaway export) is refused at its line.
func TestOverlongLinesAndFieldsAreRefused(t *testing.T) {
	t.Parallel()
	long := "User ID|Last Name|First Name|Email\nx|" + strings.Repeat("a", MaxLineBytes+10) + "|A|x@acme.example\n"
	_, err := Read(strings.NewReader(long), "long.csv", Options{})
	if err == nil || !strings.Contains(err.Error(), "long.csv:2: is longer than") {
		t.Fatalf("%v", err)
	}
	field := "User ID|Last Name|First Name|Email\nx|" + strings.Repeat("a", MaxFieldBytes+1) + "|A|x@acme.example\n"
	_, err = Read(strings.NewReader(field), "field.csv", Options{})
	if err == nil || !strings.Contains(err.Error(), "field.csv:2:3: a value of") {
		t.Fatalf("%v", err)
	}
}

// A YAML alias bomb is refused before it is expanded.
func TestMappingAliasBombIsRefused(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("anchor: &a [" + strings.Repeat("x,", 1000) + "x]\nfields:\n  login:\n    from: [")
	for i := 0; i < 1000; i++ {
		b.WriteString("*a,")
	}
	b.WriteString("*a]\n")
	_, err := ParseMapping([]byte(b.String()), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "aliases") {
		t.Fatalf("%v", err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(big, make([]byte, MaxMappingBytes+1), 0o600)
	if _, err := LoadMapping(big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("%v", err)
	}
}

// A server that accepts the connection and says nothing cannot hold the
// SSH handshake: the context (Ctrl+C) and the timeout end it.
func TestSSHHandshakeHonoursTheContext(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent
		}
	}()
	kh := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(kh, nil, 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = DialSFTP(ctx, SFTPConfig{Addr: ln.Addr().String(), User: "u", Password: "p", KnownHosts: kh, Timeout: time.Minute})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("%v after %s", err, time.Since(start))
	}
}

// A feed with 50,000 unknown columns keeps a bounded number of them with
// each row and names the rest in one warning.
func TestThousandsOfUnknownColumnsAreCountedNotStored(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("Status|User ID|Last Name|First Name|Email")
	for i := 0; i < 50000; i++ {
		fmt.Fprintf(&b, "|X%d", i)
	}
	b.WriteString("\n1|u1|L|F|u1@example.com" + strings.Repeat("|v", 50000) + "\n")
	f, err := Read(strings.NewReader(b.String()), "wide.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	f.Users[0].Range(func(field, _ string) {
		if strings.HasPrefix(field, "feed.") {
			kept++
		}
	})
	if kept != maxKeptColumns {
		t.Fatalf("%d unknown columns kept with the row", kept)
	}
	w := strings.Join(f.Warnings, "\n")
	if !strings.Contains(w, "50000 unknown columns") || !strings.Contains(w, "and 49990 more") || len(w) > 400 {
		t.Fatalf("warning: %.300s", w)
	}
}

// A file saved by a spreadsheet in a locale that separates with ; (or
// TAB) is read as such: its header is recognised.
func TestSemicolonAndTabSeparatedFeedsAreRead(t *testing.T) {
	t.Parallel()
	for _, sep := range []string{";", "\t"} {
		data := strings.Join([]string{"Status", "User ID", "Last Name", "First Name", "Email"}, sep) + "\n" +
			strings.Join([]string{"1", "spatel", "Patel", "Sunita", "spatel@acme.example"}, sep) + "\n"
		f, err := Read(strings.NewReader(data), "users.csv", Options{})
		if err != nil || len(f.Users) != 1 || f.Users[0].Get("login") != "spatel" {
			t.Fatalf("%q: %v", sep, err)
		}
	}
}

// Package fileutil holds the file helpers several packages share: atomic
// private writes, opening only regular files, and an exclusive lock.
package fileutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Private is the mode of everything ccwrecon writes that may hold customer
// data: plans, journals, reports, snapshots and caches.
const Private os.FileMode = 0o600

// WriteAtomic writes path through a temporary file in the same folder,
// fsyncs it and renames it into place, so a failure never leaves a partial
// file. Missing folders are created private (0700).
func WriteAtomic(path string, perm os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// NotRegularError says a path that must be a file is something else.
type NotRegularError struct {
	Path string
	Kind string
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, e.Kind)
}

func kindOf(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// OpenRegular opens a file for reading only if it is a regular file: a
// FIFO would block for ever and a device (/dev/zero) never ends. The check
// happens before opening, and again on the opened file in case the path
// was swapped in between.
func OpenRegular(path string) (*os.File, os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, &NotRegularError{Path: path, Kind: kindOf(st.Mode())}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{Path: path, Kind: kindOf(st.Mode())}
	}
	return f, st, nil
}

// openBounded opens a regular file of at most max bytes.
func openBounded(path string, max int64) (*os.File, os.FileInfo, error) {
	f, st, err := OpenRegular(path)
	if err != nil {
		return nil, nil, err
	}
	if st.Size() > max {
		f.Close()
		return nil, nil, fmt.Errorf("%s is %d bytes; the limit is %d", path, st.Size(), max)
	}
	return f, st, nil
}

// ReadRegular reads a whole regular file of at most max bytes.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, st, err := openBounded(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// sized from stat, so a 60 MB snapshot is one read, not a dozen copies
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+512))
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes", path, max)
	}
	return b, nil
}

// OpenOwn opens a file ccwrecon keeps in its own folders (a lock, a
// journal) without following a symlink, and refuses anything but a regular
// file: a planted link must never make ccwrecon truncate or append to what
// it points at. O_NONBLOCK keeps a planted FIFO from hanging the open.
func OpenOwn(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, Private)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, &NotRegularError{Path: path, Kind: "a symbolic link"}
		}
		if errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.EISDIR) {
			if st, serr := os.Lstat(path); serr == nil {
				return nil, &NotRegularError{Path: path, Kind: kindOf(st.Mode())}
			}
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &NotRegularError{Path: path, Kind: kindOf(st.Mode())}
	}
	// Reads and writes of a regular file ignore O_NONBLOCK; clear it anyway
	// so the descriptor behaves as an ordinary one.
	syscall.SetNonblock(int(f.Fd()), false)
	return f, nil
}

// Lock is an exclusive advisory lock held by this process.
type Lock struct{ f *os.File }

// LockedError names the process that holds a lock.
type LockedError struct {
	Path string
	PID  int
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("another ccwrecon (pid %d) holds %s", e.PID, e.Path)
	}
	return fmt.Sprintf("another process holds %s", e.Path)
}

// TryLock takes the lock file at path without waiting; it fails at once,
// naming the holder, when another process has it. The kernel releases the
// lock when the process ends, however it ends.
func TryLock(path string) (*Lock, error) {
	f, err := OpenOwn(path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := io.ReadAll(io.LimitReader(f, 32))
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return nil, &LockedError{Path: path, PID: pid}
		}
		return nil, err
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{f: f}, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}

// MkdirPrivate creates a folder (and its parents) readable only by the user.
func MkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// WritePrivate writes b to path atomically, readable by its owner only:
// run evidence, delivered files and state may hold personal data.
func WritePrivate(path string, b []byte) error {
	return WriteAtomic(path, Private, func(w io.Writer) error { _, err := w.Write(b); return err })
}

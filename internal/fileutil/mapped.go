package fileutil

import "syscall"

// MapRegular maps a regular file read-only into memory, up to max bytes,
// for data read in place: its pages are the page cache's own, already in
// memory after the file was written or last read, where a copy would be
// fresh memory to fault in (on a virtual machine the dearer half of
// reading a 60 MB cache). The mapping is never removed: strings are read
// from it for as long as the process runs. It is for files this program
// replaces only by renaming a new file into place (a cache); a file that
// another program truncates in place would fault the reader.
func MapRegular(path string, max int64) ([]byte, error) {
	f, st, err := openBounded(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() == 0 {
		return []byte{}, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return ReadRegular(path, max) // a file system that cannot map: read it
	}
	return b, nil
}

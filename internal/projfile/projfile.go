// Package projfile reads files a project controls (manifests, lock files,
// cargo config, toolchain files) on the host, before any sandbox exists.
// A project can make such a path a FIFO, a device or a huge file; reading it
// must neither hang nor exhaust memory.
package projfile

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxSize is the largest project file airlock reads.
const MaxSize = 32 << 20

// Read returns the contents of the regular file at path (symlinks are
// followed, as cargo follows them). Anything else is an error that names
// the path; a missing file is an error wrapping os.ErrNotExist.
func Read(path string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); airlock does not read it", path, st.Mode().Type())
	}
	if st.Size() > MaxSize {
		return nil, fmt.Errorf("%s is larger than %d MiB; airlock does not read it", path, MaxSize>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s is larger than %d MiB; airlock does not read it", path, MaxSize>>20)
	}
	return data, nil
}

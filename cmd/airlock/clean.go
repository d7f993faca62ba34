package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"
)

// removeTargetDir does what a plain `cargo clean` does: remove the target
// directory and say how much went, in cargo's words. The sandbox cannot:
// there the directory is a mount point.
func removeTargetDir(dir string, quiet bool, args []string) int {
	st, err := os.Lstat(dir)
	switch {
	case os.IsNotExist(err):
		err = nil
	case err == nil && st.Mode()&os.ModeSymlink != 0:
		return fail(fmt.Errorf("the target directory %s is a symlink; airlock does not remove through it", dir))
	}
	if err != nil {
		return fail(err)
	}
	files, bytes := 0, int64(0)
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
			if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
				bytes += info.Size()
			}
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		return fail(fmt.Errorf("removing the target directory: %w", err))
	}
	if !quiet {
		fmt.Fprintf(os.Stderr, "%s %s\n", status("Removed", colorOn(args)), cleanSummary(files, bytes))
	}
	return 0
}

// cleanSummary is cargo clean's summary: "21 files, 8.4MiB total".
func cleanSummary(files int, bytes int64) string {
	noun := "files"
	if files == 1 {
		noun = "file"
	}
	if files == 0 {
		return "0 files"
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	size, i := float64(bytes), 0
	for size >= 1024 && i < len(units)-1 {
		size /= 1024
		i++
	}
	return fmt.Sprintf("%d %s, %.1f%s total", files, noun, size, units[i])
}

// status renders cargo's right-aligned, green status word.
func status(word string, color bool) string {
	s := fmt.Sprintf("%12s", word)
	if color {
		return "\x1b[1m\x1b[92m" + s + "\x1b[0m"
	}
	return s
}

// colorOn decides colour as cargo does: --color, then CARGO_TERM_COLOR,
// then whether stderr is a terminal.
func colorOn(args []string) bool {
	choice := os.Getenv("CARGO_TERM_COLOR")
	for i, a := range args {
		if a == "--color" && i+1 < len(args) {
			choice = args[i+1]
		} else if v, ok := strings.CutPrefix(a, "--color="); ok {
			choice = v
		}
	}
	switch choice {
	case "always":
		return true
	case "never":
		return false
	}
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, os.Stderr.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

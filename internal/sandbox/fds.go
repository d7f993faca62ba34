package sandbox

import (
	"os"
	"strconv"
	"syscall"
)

// SealInheritedFDs marks every descriptor above stderr close-on-exec. A
// caller's open files (a shell's `exec 9>>~/.bashrc`, an editor's pipes) are
// not close-on-exec when airlock starts, and bwrap would hand them on to
// everything in the sandbox. airlock passes what it means to pass
// explicitly (os/exec's ExtraFiles), so nothing else needs to survive exec.
func SealInheritedFDs() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}

// Package sandbox runs a policy.Phase. The bubblewrap backend renders the
// phase's mounts, environment and namespaces as bwrap arguments; the rest of
// this package is process plumbing: status, signals, exit codes.
package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"airlock/internal/policy"
)

// StatusFD is the file descriptor bwrap writes its JSON status to (the first
// of exec.Cmd.ExtraFiles).
const StatusFD = 3

// BwrapArgs renders a phase as bwrap's arguments, ending in "--" and argv.
// Only options that bubblewrap 0.8 (Debian 12) has are used.
func BwrapArgs(p policy.Phase) []string {
	args := []string{
		"--unshare-all", // ipc, pid, net, uts, cgroup
		// A user namespace even for root, with no capabilities in it: as
		// root, bwrap otherwise keeps every capability, and the sandbox can
		// remount its read-only binds writable. No nested user namespaces
		// either: they are the usual first step of kernel exploits.
		"--unshare-user",
		"--disable-userns",
		"--cap-drop", "ALL",
		"--die-with-parent",
		"--new-session", // no controlling terminal: no TIOCSTI injection
		"--hostname", p.Hostname,
		"--json-status-fd", fmt.Sprint(StatusFD),
	}
	if p.Network {
		args = append(args, "--share-net")
	}
	for _, m := range p.Mounts {
		switch m.Kind {
		case policy.ReadOnly:
			args = append(args, pick(m.Optional, "--ro-bind-try", "--ro-bind"), m.Src, m.Dst)
		case policy.ReadWrite:
			args = append(args, pick(m.Optional, "--bind-try", "--bind"), m.Src, m.Dst)
		case policy.Tmpfs:
			args = append(args, "--tmpfs", m.Dst)
		case policy.Proc:
			args = append(args, "--proc", m.Dst)
		case policy.Dev:
			args = append(args, "--dev", m.Dst)
		case policy.Symlink:
			args = append(args, "--symlink", m.Src, m.Dst)
		}
	}
	args = append(args, "--chdir", p.Cwd, "--")
	return append(args, p.Argv...)
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// ErrNoBwrap means bubblewrap is not installed.
var ErrNoBwrap = errors.New("bubblewrap (bwrap) is not installed or not in PATH; " +
	"fix: apt-get install bubblewrap (or your distribution's package), then run `airlock doctor`")

// FindBwrap locates bwrap on PATH.
func FindBwrap() (string, error) {
	p, err := exec.LookPath("bwrap")
	if err != nil {
		return "", ErrNoBwrap
	}
	return p, nil
}

// Prepare creates the host paths that writable mounts need and that cargo
// would otherwise create itself (the target directory, download caches, lock
// files), and refuses writable mounts that are symlinks: a symlink planted in
// the workspace must not turn a writable bind into a path to host files.
func Prepare(p policy.Phase) error {
	for _, m := range p.Mounts {
		if m.Kind != policy.ReadWrite || m.Optional {
			continue
		}
		_, statErr := os.Lstat(m.Src)
		if err := ensure(m.Src); err != nil {
			return fmt.Errorf("preparing %s for the %s phase: %w", m.Src, p.Name, err)
		}
		if m.CacheDir && os.IsNotExist(statErr) {
			if err := os.WriteFile(filepath.Join(m.Src, "CACHEDIR.TAG"), []byte(cacheDirTag), 0o644); err != nil {
				return fmt.Errorf("preparing %s for the %s phase: %w", m.Src, p.Name, err)
			}
		}
	}
	return nil
}

// cacheDirTag is what cargo writes into a target directory it creates, so
// that backup tools skip it (https://bford.info/cachedir/).
const cacheDirTag = "Signature: 8a477f597d28d172789f06886806bc55\n" +
	"# This file is a cache directory tag created by cargo.\n" +
	"# For information about cache directory tags see https://bford.info/cachedir/\n"

// lockFiles are cargo's lock files: they are created empty, not as directories.
var lockFiles = map[string]bool{".package-cache": true, ".package-cache-mutate": true, "Cargo.lock": true}

func ensure(path string) error {
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("it is a symlink; airlock does not make symlinks writable in the sandbox (remove it, or grant its target with --rw)")
	case err == nil && st.Mode().IsRegular() && hardLinks(st) > 1:
		return fmt.Errorf("it has other hard links, which could be host files; airlock does not make it writable (replace it with a copy)")
	case err == nil:
		return nil
	case !os.IsNotExist(err):
		return err
	}
	if lockFiles[filepath.Base(path)] {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644)
		if err != nil && !os.IsExist(err) {
			return err
		}
		if f != nil {
			return f.Close()
		}
		return nil
	}
	return os.MkdirAll(path, 0o755)
}

func hardLinks(st os.FileInfo) uint64 {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Nlink)
	}
	return 1
}

// Describe renders a phase as a shell-like command line for explain output.
func Describe(bwrap string, p policy.Phase) string {
	parts := []string{shellQuote(bwrap)}
	for _, a := range BwrapArgs(p) {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Package nest puts the processes rust-analyzer starts (cargo, and through
// it build scripts and rustc; the proc-macro server, and through it proc
// macros) into a Landlock domain nested inside the sandbox. Landlock forbids
// a process to ptrace, open /proc/<pid>/fd or /proc/<pid>/mem of, or signal
// a process outside its own domain, so project code can no longer write
// into rust-analyzer's output or memory and forge what the editor receives.
//
// airlock's own binary is mounted into the sandbox at Dir/airlock and, for
// rust-analyzer, stands in for cargo (Dir/cargo) and for the toolchain's
// proc-macro server; invoked there, it nests itself and execs the real one.
package nest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"
)

// Dir is where the sandbox sees airlock's stand-ins.
const Dir = "/run/airlock/nest"

// Self is airlock's binary inside the sandbox; Cargo the stand-in for
// cargo; RealProcMacroServer where the toolchain's server is mounted.
var (
	Self                = filepath.Join(Dir, "airlock")
	Cargo               = filepath.Join(Dir, "cargo")
	RealProcMacroServer = filepath.Join(Dir, "real-proc-macro-srv")
)

// CargoEnv names the real cargo for the cargo stand-in.
const CargoEnv = "AIRLOCK_NEST_CARGO"

// ProcMacroServerName is the toolchain's proc-macro server's file name.
const ProcMacroServerName = "rust-analyzer-proc-macro-srv"

// Role says which stand-in this process is: "cargo" or the proc-macro
// server, or "" when it is not running as one. Only a binary that is the
// very file mounted at Self counts, so outside a sandbox set up for it
// (where Self does not exist) airlock never takes this path.
func Role(argv0 string) string {
	self, err := os.Stat("/proc/self/exe")
	if err != nil {
		return ""
	}
	mounted, err := os.Stat(Self)
	if err != nil || !os.SameFile(self, mounted) {
		return ""
	}
	switch base := filepath.Base(argv0); base {
	case "cargo", ProcMacroServerName:
		return base
	}
	return ""
}

// Target is the program a stand-in invoked as argv0 runs, and its
// environment.
func Target(role, argv0 string) (string, []string, error) {
	env := os.Environ()
	switch role {
	case "cargo":
		if t := os.Getenv(CargoEnv); t != "" {
			return t, env, nil
		}
		return "", nil, fmt.Errorf("%s is not set", CargoEnv)
	case ProcMacroServerName:
		// Mounted away from the toolchain, the server no longer finds
		// librustc_driver through its $ORIGIN/../lib run path.
		lib := filepath.Join(filepath.Dir(filepath.Dir(argv0)), "lib")
		if cur := os.Getenv("LD_LIBRARY_PATH"); cur != "" {
			lib += ":" + cur
		}
		return RealProcMacroServer, append(env, "LD_LIBRARY_PATH="+lib), nil
	}
	return "", nil, fmt.Errorf("unknown stand-in %q", role)
}

// Exec nests the calling process and execs target with argv (its argv[0]
// replaced) and env. If Landlock is unavailable it execs anyway (airlock
// warned the user before starting the server) and says so on stderr.
func Exec(target string, argv, env []string) error {
	// Landlock and no_new_privs apply to the calling thread; exec from it.
	runtime.LockOSThread()
	if err := restrict(); err != nil {
		fmt.Fprintf(os.Stderr, "airlock: could not nest %s in its own Landlock domain: %v\n", filepath.Base(target), err)
	}
	argv = append([]string{target}, argv[1:]...)
	return syscall.Exec(target, argv, env)
}

// Landlock system calls and constants (linux/landlock.h), x86-64 and arm64
// share the numbers.
const (
	sysCreateRuleset = 444
	sysRestrictSelf  = 446

	createRulesetVersion = 1 << 0
	accessFSMakeBlock    = 1 << 11
	scopeAbstractSocket  = 1 << 0
	scopeSignal          = 1 << 1

	prSetNoNewPrivs = 38
)

type rulesetAttr struct {
	handledAccessFS  uint64
	handledAccessNet uint64
	scoped           uint64
}

// ABI is the kernel's Landlock ABI version, or 0 when Landlock is
// unavailable (too old a kernel, or disabled at boot).
func ABI() int {
	v, _, errno := syscall.Syscall(sysCreateRuleset, 0, 0, createRulesetVersion)
	if errno != 0 {
		return 0
	}
	return int(v)
}

// restrict puts the calling thread into a new Landlock domain. The domain
// handles one file system right nothing here needs (creating block
// devices), so files are as accessible as before; what changes is that the
// thread, and everything it execs, leaves the domain of the processes
// outside it. From ABI 6 on, signals and abstract unix sockets are scoped
// to the domain as well.
func restrict() error {
	abi := ABI()
	if abi < 1 {
		return fmt.Errorf("landlock is not available on this kernel")
	}
	attr := rulesetAttr{handledAccessFS: accessFSMakeBlock}
	size := unsafe.Sizeof(attr.handledAccessFS)
	if abi >= 6 {
		attr.scoped = scopeAbstractSocket | scopeSignal
		size = unsafe.Sizeof(attr)
	}
	fd, _, errno := syscall.Syscall(sysCreateRuleset, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return fmt.Errorf("landlock_create_ruleset: %w", errno)
	}
	defer syscall.Close(int(fd))
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0); errno != 0 {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", errno)
	}
	if _, _, errno := syscall.Syscall(sysRestrictSelf, fd, 0, 0); errno != 0 {
		return fmt.Errorf("landlock_restrict_self: %w", errno)
	}
	return nil
}

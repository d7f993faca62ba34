// Package doctor checks whether this host can run airlock's sandbox, and says
// how to fix what it cannot.
package doctor

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Check is one finding.
type Check struct {
	Name   string
	OK     bool
	Warn   bool // a weakness that does not stop airlock
	Detail string
	Fix    string
}

// Bwrap checks that bubblewrap is installed, not setuid, and can create the
// namespaces airlock uses.
func Bwrap() []Check {
	path, err := exec.LookPath("bwrap")
	if err != nil {
		return []Check{{Name: "bubblewrap", Detail: "bwrap is not on PATH",
			Fix: "apt-get install bubblewrap (Debian/Ubuntu), dnf install bubblewrap (Fedora)"}}
	}
	out := []Check{}
	ver, _ := exec.Command(path, "--version").Output()
	out = append(out, Check{Name: "bubblewrap", OK: true, Detail: strings.TrimSpace(string(ver)) + " at " + path})
	if st, err := os.Stat(path); err == nil && st.Mode()&os.ModeSetuid != 0 {
		out = append(out, Check{Name: "bubblewrap setuid", Warn: true, OK: true,
			Detail: path + " is setuid root: it works, but runs with privileges and supports fewer options",
			Fix:    "prefer a non-setuid bwrap on a kernel with unprivileged user namespaces"})
	}
	// The namespace and capability options airlock's sandbox uses.
	cmd := exec.Command(path, "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
		"--die-with-parent", "--new-session", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true")
	if msg, err := cmd.CombinedOutput(); err != nil {
		out = append(out, Check{Name: "sandbox", Detail: fmt.Sprintf("bwrap cannot create namespaces: %s", strings.TrimSpace(string(msg))),
			Fix: userNSFix()})
	} else {
		out = append(out, Check{Name: "sandbox", OK: true, Detail: "bwrap creates user, PID, IPC, UTS and network namespaces, drops all capabilities and nested user namespaces"})
	}
	return out
}

// UserNamespaces reports the kernel settings that allow unprivileged user
// namespaces.
func UserNamespaces() Check {
	c := Check{Name: "user namespaces", OK: true, Detail: "enabled"}
	if v, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil && strings.TrimSpace(string(v)) == "0" {
		return Check{Name: "user namespaces", Detail: "user.max_user_namespaces is 0", Fix: userNSFix()}
	}
	if v, err := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); err == nil && strings.TrimSpace(string(v)) == "0" {
		if os.Geteuid() != 0 {
			return Check{Name: "user namespaces", Detail: "kernel.unprivileged_userns_clone is 0", Fix: userNSFix()}
		}
	}
	if v, err := os.ReadFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); err == nil && strings.TrimSpace(string(v)) == "1" {
		c.Warn = true
		c.Detail = "AppArmor restricts unprivileged user namespaces; bwrap needs an AppArmor profile that allows them"
		c.Fix = "install the distribution's bwrap AppArmor profile, or sysctl kernel.apparmor_restrict_unprivileged_userns=0"
	}
	return c
}

func userNSFix() string {
	return "enable unprivileged user namespaces: sysctl -w user.max_user_namespaces=15000 kernel.unprivileged_userns_clone=1 " +
		"(in a container: run it with user namespaces allowed, e.g. without a seccomp profile that blocks clone(CLONE_NEWUSER))"
}

// Landlock reports whether rust-analyzer's children can be nested in a
// Landlock domain of their own (see internal/nest); abi is nest.ABI().
func Landlock(abi int) Check {
	if abi < 1 {
		return Check{Name: "landlock", OK: true, Warn: true,
			Detail: "not available: build scripts and proc macros run by rust-analyzer are not kept apart from it",
			Fix:    "use a kernel with Landlock (5.13 or newer, with lsm=landlock among the boot options)"}
	}
	detail := fmt.Sprintf("ABI %d: rust-analyzer's children run in a nested domain", abi)
	if abi >= 6 {
		detail += ", with signals and abstract sockets scoped"
	}
	return Check{Name: "landlock", OK: true, Detail: detail}
}

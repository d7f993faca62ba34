package policy

import (
	"path/filepath"
	"sort"
)

// Host is what the caller found out about the machine and the user.
type Host struct {
	Home       string
	CargoHome  string
	RustupHome string
	// Env is the host environment (KEY=VALUE).
	Env []string
	// Cwd is airlock's working directory.
	Cwd string
	// RootSymlinks are top-level entries of / that are symlinks (bin ->
	// usr/bin on merged-/usr systems), name to target.
	RootSymlinks map[string]string
}

// Toolchain is the trusted toolchain the phases run.
type Toolchain struct {
	Name string
	Dir  string
}

// Grants are what the user added for one invocation.
type Grants struct {
	ReadOnly  []string          `json:"ro,omitempty"`
	ReadWrite []string          `json:"rw,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	Network   bool              `json:"net,omitempty"`
}

// systemDirs are host directories every phase sees read-only.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"}

// etcEntries are the parts of /etc that compilers, linkers, cargo and man
// (for `cargo help`) use.
// The rest of /etc (shadow, ssh host keys, …) stays out.
var etcEntries = []string{
	"alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group",
	"nsswitch.conf", "hosts", "localtime", "os-release", "ssl", "ca-certificates",
	"ca-certificates.conf", "pki", "gitconfig", "mime.types", "host.conf", "gai.conf", "manpath.config", "groff",
}

// networkEtc are /etc entries only a networked phase needs.
var networkEtc = []string{"resolv.conf"}

// SandboxHostname is the host name inside every sandbox.
const SandboxHostname = "airlock"

// base returns the mounts and environment every phase shares: the system
// read-only, private /tmp, /proc and /dev, an empty home, the toolchain.
func base(h Host, tc Toolchain, networked bool) ([]Mount, map[string]string) {
	var ms []Mount
	for _, d := range systemDirs {
		name := d[1:]
		if target, ok := h.RootSymlinks[name]; ok {
			ms = append(ms, Mount{Kind: Symlink, Src: target, Dst: d, Why: "system"})
			continue
		}
		ms = append(ms, Mount{Kind: ReadOnly, Src: d, Dst: d, Optional: true, Why: "system"})
	}
	etc := append([]string(nil), etcEntries...)
	if networked {
		etc = append(etc, networkEtc...)
	}
	for _, e := range etc {
		p := "/etc/" + e
		ms = append(ms, Mount{Kind: ReadOnly, Src: p, Dst: p, Optional: true, Why: "system configuration"})
	}
	ms = append(ms,
		Mount{Kind: Proc, Dst: "/proc"},
		Mount{Kind: Dev, Dst: "/dev"},
		Mount{Kind: Tmpfs, Dst: "/tmp", Why: "private /tmp"},
		Mount{Kind: Tmpfs, Dst: h.Home, Why: "empty home: nothing of $HOME unless granted"},
		Mount{Kind: Tmpfs, Dst: h.CargoHome, Why: "CARGO_HOME: only the parts below"},
		Mount{Kind: ReadOnly, Src: tc.Dir, Dst: tc.Dir, Why: "toolchain " + tc.Name},
	)
	env := filterEnv(h.Env, networked)
	env["HOME"] = h.Home
	env["CARGO_HOME"] = h.CargoHome
	env["RUSTUP_HOME"] = h.RustupHome
	env["RUSTUP_TOOLCHAIN"] = tc.Name
	env["TMPDIR"] = "/tmp"
	env["RUSTC"] = filepath.Join(tc.Dir, "bin", "rustc")
	// The sandbox's cargo home holds a throw-away tracking database, so
	// cargo's automatic cache cleaning would work from wrong data.
	env["CARGO_CACHE_AUTO_CLEAN_FREQUENCY"] = "never"
	env["PATH"] = sandboxPath(h, tc)
	return ms, env
}

// sandboxPath puts the toolchain first, then CARGO_HOME/bin (cargo plugins),
// then the system. Host PATH entries outside those are not visible anyway.
func sandboxPath(h Host, tc Toolchain) string {
	return filepath.Join(tc.Dir, "bin") + ":" + filepath.Join(h.CargoHome, "bin") +
		":/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
}

// applyGrants adds the user's grants to a phase.
func applyGrants(ms []Mount, env map[string]string, g Grants, writable bool) []Mount {
	for _, p := range g.ReadOnly {
		ms = append(ms, Mount{Kind: ReadOnly, Src: p, Dst: p, Why: "granted by --ro"})
	}
	if writable {
		for _, p := range g.ReadWrite {
			ms = append(ms, Mount{Kind: ReadWrite, Src: p, Dst: p, Why: "granted by --rw"})
		}
	}
	keys := make([]string, 0, len(g.Env))
	for k := range g.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env[k] = g.Env[k]
	}
	return ms
}

// finish sorts mounts parent-first and renders the environment.
func finish(p Phase, ms []Mount, env map[string]string) Phase {
	sortMounts(ms)
	p.Mounts = ms
	p.Env = envList(env)
	p.Hostname = SandboxHostname
	return p
}

// Package policy decides what each phase of an airlock run may see and do —
// mounts, environment, network, working directory, argv — as plain data.
// Backends in internal/sandbox render a Phase; nothing here starts a process
// or touches the file system.
package policy

import (
	"path/filepath"
	"sort"
	"strings"
)

// MountKind is how a path appears inside the sandbox.
type MountKind string

// Mount kinds.
const (
	ReadOnly  MountKind = "ro"      // bind the host path read-only
	ReadWrite MountKind = "rw"      // bind the host path writable
	Tmpfs     MountKind = "tmpfs"   // an empty private directory
	Proc      MountKind = "proc"    // a private /proc for the PID namespace
	Dev       MountKind = "dev"     // a minimal /dev
	Symlink   MountKind = "symlink" // a symlink Dst -> Src
)

// Mount is one entry of the sandbox's file system, applied in order.
type Mount struct {
	Kind MountKind `json:"kind"`
	// Src is the host path (or symlink target); empty for tmpfs/proc/dev.
	Src string `json:"src,omitempty"`
	// Dst is the path inside the sandbox.
	Dst string `json:"dst"`
	// Optional mounts are skipped when Src does not exist.
	Optional bool `json:"optional,omitempty"`
	// CacheDir: when airlock creates Src, it tags it as a cache directory
	// (CACHEDIR.TAG), as cargo does with the target directories it creates.
	CacheDir bool `json:"cache_dir,omitempty"`
	// Why says what the mount is for, for explain output.
	Why string `json:"why,omitempty"`
}

// Phase is one sandboxed process: everything a backend needs to run it.
type Phase struct {
	// Name is "fetch" or "run".
	Name string `json:"name"`
	// Purpose is a one-line description for explain output.
	Purpose string   `json:"purpose"`
	Argv    []string `json:"argv"`
	Cwd     string   `json:"cwd"`
	// Env is the complete environment, sorted KEY=VALUE.
	Env     []string `json:"env"`
	Mounts  []Mount  `json:"mounts"`
	Network bool     `json:"network"`
	// Conditional phases run only if the planner found something missing;
	// Reason says what.
	Conditional bool   `json:"conditional,omitempty"`
	Reason      string `json:"reason,omitempty"`
	// Hostname inside the sandbox.
	Hostname string `json:"hostname"`
	// IgnoredConfig are project configuration keys this phase does not
	// honour (networked phases only); airlock names them before it runs.
	IgnoredConfig []string `json:"ignored_config,omitempty"`
}

// Plan is the ordered list of phases for one airlock invocation.
type Plan struct {
	Tool      string   `json:"tool"`
	Args      []string `json:"args"`
	Toolchain string   `json:"toolchain"`
	// ToolchainSource says what selected the toolchain.
	ToolchainSource string  `json:"toolchain_source"`
	Workspace       string  `json:"workspace,omitempty"`
	TargetDir       string  `json:"target_dir,omitempty"`
	Phases          []Phase `json:"phases"`
	// Quiet: the user asked cargo for quiet output (-q); airlock's notices
	// about fetching stay quiet too.
	Quiet bool     `json:"quiet,omitempty"`
	Notes []string `json:"notes,omitempty"`
	// Warnings are printed before the command runs.
	Warnings []string `json:"warnings,omitempty"`
	// Recovery runs only if the run phase fails (see Recovery).
	Recovery *RecoveryPhases `json:"recovery,omitempty"`
	// Install is set for cargo install: after the phases, airlock moves
	// the staged binaries into Root.
	Install *InstallInfo `json:"install,omitempty"`
	// RemoveTargetDir is set for a plain `cargo clean`: airlock removes
	// this directory itself and runs no phase.
	RemoveTargetDir string `json:"remove_target_dir,omitempty"`
	// VCSGuard is set when the run phase may write the sources: after it,
	// airlock removes version control metadata that appeared (see
	// internal/vcsguard).
	VCSGuard *VCSGuard `json:"vcs_guard,omitempty"`
}

// VCSGuard is the version control metadata of a workspace before a run that
// may write its sources.
type VCSGuard struct {
	Root   string   `json:"root"`
	Skip   []string `json:"skip,omitempty"`
	Before []string `json:"before"`
}

// sortMounts orders mounts so that a parent directory is mounted before
// anything below it (a later mount of a parent would hide the child), keeping
// the given order among mounts of equal depth.
func sortMounts(ms []Mount) {
	sort.SliceStable(ms, func(i, j int) bool {
		return depth(ms[i].Dst) < depth(ms[j].Dst)
	})
}

func depth(p string) int {
	p = filepath.Clean(p)
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}

// Contains says whether path p is dir or below it (both cleaned, absolute).
func Contains(dir, p string) bool {
	dir, p = filepath.Clean(dir), filepath.Clean(p)
	if dir == p || dir == "/" {
		return true
	}
	return strings.HasPrefix(p, dir+"/")
}

// InstallInfo is what airlock does after a sandboxed cargo install.
type InstallInfo struct {
	WorkDir string `json:"work_dir"`
	Staging string `json:"staging"`
	Root    string `json:"root"`
	// Force lets the install replace binaries of other packages (--force).
	Force bool `json:"force,omitempty"`
	// Packages are the names of the packages being installed (empty when
	// not known beforehand, for --git): the staged install record, which
	// the sandbox could write, may name no others.
	Packages []string `json:"packages,omitempty"`
	// Shell is the manifest of the package that fetched (registry and git
	// installs), whose contents the caller writes before the fetch.
	Shell         string `json:"shell,omitempty"`
	ShellManifest string `json:"-"`
	// PackageCopy, for --locked registry installs, is where the caller
	// copies the downloaded package (named Package) before the second
	// fetch, which fetches what the package's own Cargo.lock names.
	PackageCopy string `json:"package_copy,omitempty"`
	Package     string `json:"package,omitempty"`
}

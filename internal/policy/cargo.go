package policy

import (
	"path/filepath"
	"sort"

	"airlock/internal/nest"
)

// CargoRequest is everything the planner resolved for one cargo invocation.
type CargoRequest struct {
	Host      Host
	Toolchain Toolchain
	Class     Class
	Grants    Grants
	// Args are cargo's arguments for the requested command (after
	// +toolchain, with relative paths made absolute where the sandbox's
	// working directory differs).
	Args []string
	// Workspace is the workspace root directory; empty when there is none.
	Workspace string
	// RootManifest is the workspace's root Cargo.toml.
	RootManifest string
	// Manifests are the workspace's package manifests (for commands that
	// edit them).
	Manifests []string
	// TargetDir is cargo's target directory (created by the caller).
	TargetDir string
	// LockPath is the workspace's Cargo.lock; it exists when a phase binds it
	// (the caller creates an empty one where cargo must write a new one).
	LockPath string
	// RunLockWritable lets the run phase write Cargo.lock.
	RunLockWritable bool
	// FetchReason is why a fetch phase is needed; empty when none is.
	FetchReason string
	// FetchArgs are extra arguments for `cargo fetch` (--locked, -Z…, the
	// user's --config).
	FetchArgs []string
	// ProjectConfig are the project configuration keys networked phases
	// honour, as --config KEY=VALUE arguments (cargo itself reads no project
	// configuration there); IgnoredConfig names the keys left out.
	ProjectConfig []string
	IgnoredConfig []string
	// Cwd is the working directory of the run phase.
	Cwd string
	// CreateDir is where new/init write the new package.
	CreateDir string
	// FetchOnly stops after the fetch phase (airlock --fetch-only).
	FetchOnly bool
	// OutputDirs are directories a networked command writes (cargo vendor's
	// destination); the caller creates them.
	OutputDirs []string
	// SysrootManifest is the toolchain's standard library workspace
	// (lib/rustlib/src/rust/library/Cargo.toml) when the command builds
	// the standard library (-Zbuild-std, miri): its dependencies are
	// fetched too.
	SysrootManifest string
	// VCSEntries is the version control metadata in a workspace whose
	// sources the command writes: each stays read-only.
	VCSEntries []string
	// Hidden are project files the run phase sees empty.
	Hidden []string
	// ExtraPath are directories appended to the run phase's PATH.
	ExtraPath []string
}

// ForCargo returns the plan for one cargo invocation.
func ForCargo(r CargoRequest) []Phase {
	var phases []Phase
	if r.Class.Networked {
		return append(phases, networkedCommand(r))
	}
	if r.Class.Fetch && r.FetchReason != "" {
		phases = append(phases, fetchPhase(r))
		if r.SysrootManifest != "" {
			phases = append(phases, sysrootFetchPhase(r, "the command builds the standard library from the toolchain's rust-src"))
		}
	}
	if r.FetchOnly {
		return phases
	}
	return append(phases, runPhase(r))
}

// Recovery returns the phases airlock uses when the offline run fails: a
// diagnosis (`cargo fetch --offline` in the run phase's sandbox, which names
// any download the planner did not foresee) and the fetch that supplies it.
// Nil for commands without a fetch phase.
func Recovery(r CargoRequest) *RecoveryPhases {
	if !r.Class.Fetch || r.FetchOnly || r.Workspace == "" {
		return nil
	}
	diag := runPhase(r)
	diag.Name = "diagnose"
	diag.Purpose = "after a failed run: does the offline sandbox lack a download?"
	diag.Argv = append([]string{cargoBin(r.Toolchain), "fetch", "--offline", "--manifest-path", r.RootManifest}, r.FetchArgs...)
	diag.Network = false
	r.FetchReason = "the offline run lacked a download"
	return &RecoveryPhases{Diagnose: diag, Fetch: fetchPhase(r)}
}

// RecoveryPhases are run only after the run phase failed.
type RecoveryPhases struct {
	Diagnose Phase `json:"diagnose"`
	Fetch    Phase `json:"fetch"`
}

// cargoBin is the toolchain's own cargo, never the rustup proxy.
func cargoBin(tc Toolchain) string { return filepath.Join(tc.Dir, "bin", "cargo") }

// fetchCwd is an empty directory outside any workspace, so cargo reads no
// project configuration by itself during networked phases.
const fetchCwd = "/run/airlock"

// networkedMounts are the mounts of a phase that downloads: the cargo home's
// caches writable, credentials readable, the workspace read-only.
func networkedMounts(r CargoRequest) ([]Mount, map[string]string) {
	ms, env := base(r.Host, r.Toolchain, true)
	ch := r.Host.CargoHome
	ms = append(ms,
		Mount{Kind: Tmpfs, Dst: fetchCwd, Why: "empty working directory: cargo finds no project config from here"},
		Mount{Kind: ReadWrite, Src: filepath.Join(ch, "registry"), Dst: filepath.Join(ch, "registry"), Why: "download cache"},
		Mount{Kind: ReadWrite, Src: filepath.Join(ch, "git"), Dst: filepath.Join(ch, "git"), Why: "git checkouts"},
		Mount{Kind: ReadWrite, Src: filepath.Join(ch, ".package-cache"), Dst: filepath.Join(ch, ".package-cache"), Why: "cargo's download lock, shared with the host"},
		Mount{Kind: ReadWrite, Src: filepath.Join(ch, ".package-cache-mutate"), Dst: filepath.Join(ch, ".package-cache-mutate"), Why: "cargo's download lock, shared with the host"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "config.toml"), Dst: filepath.Join(ch, "config.toml"), Optional: true, Why: "user cargo config"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "config"), Dst: filepath.Join(ch, "config"), Optional: true, Why: "user cargo config"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "credentials.toml"), Dst: filepath.Join(ch, "credentials.toml"), Optional: true, Why: "registry credentials: fetch phase only"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "credentials"), Dst: filepath.Join(ch, "credentials"), Optional: true, Why: "registry credentials: fetch phase only"},
	)
	if r.Workspace != "" {
		ms = append(ms, Mount{Kind: ReadOnly, Src: r.Workspace, Dst: r.Workspace, Why: "workspace, read-only"})
		if r.LockPath != "" {
			ms = append(ms, Mount{Kind: ReadWrite, Src: r.LockPath, Dst: r.LockPath, Why: "cargo may create or update the lock file"})
		}
	}
	ms = applyGrants(ms, env, Grants{ReadOnly: r.Grants.ReadOnly, Env: r.Grants.Env}, false)
	return ms, env
}

func fetchPhase(r CargoRequest) Phase {
	ms, env := networkedMounts(r)
	argv := append(configArgs(r), "fetch", "--manifest-path", r.RootManifest)
	argv = append(argv, r.FetchArgs...)
	return finish(Phase{
		Name:          "fetch",
		Purpose:       "download what the lock file names; runs no project code",
		Argv:          argv,
		Cwd:           fetchCwd,
		Network:       true,
		Conditional:   true,
		Reason:        r.FetchReason,
		IgnoredConfig: r.IgnoredConfig,
	}, ms, env)
}

// sysrootFetchPhase downloads the dependencies of the toolchain's standard
// library workspace, which cargo builds for -Zbuild-std and miri and
// rust-analyzer loads. The toolchain is trusted; its lock file is read-only.
func sysrootFetchPhase(r CargoRequest, reason string) Phase {
	ms, env := networkedMounts(r)
	// The library workspace uses unstable manifest features; rust-analyzer
	// loads it the same way. --locked: never rewrite the toolchain's lock.
	env["__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS"] = "nightly"
	argv := append(configArgs(r), "fetch", "--locked", "--manifest-path", r.SysrootManifest)
	return finish(Phase{
		Name:        "fetch",
		Purpose:     "download the standard library's dependencies; runs no project code",
		Argv:        argv,
		Cwd:         fetchCwd,
		Network:     true,
		Conditional: true,
		Reason:      reason,
	}, ms, env)
}

// networkedCommand runs a dependency-management command (update, add,
// tree…) with network but, like the fetch phase, no project code.
func networkedCommand(r CargoRequest) Phase {
	ms, env := networkedMounts(r)
	if r.Class.WriteManifest {
		// cargo replaces a manifest by renaming a temporary file next to
		// it, so its directory must be writable. Only the workspace's own
		// packages: a path dependency elsewhere is the user's to grant.
		// No project code runs in this phase; .git stays read-only anyway.
		for _, m := range r.Manifests {
			if Contains(r.Workspace, m) {
				d := filepath.Dir(m)
				ms = append(ms, Mount{Kind: ReadWrite, Src: d, Dst: d, Why: "the command rewrites the manifest here"})
			}
		}
		git := filepath.Join(r.Workspace, ".git")
		ms = append(ms, Mount{Kind: ReadOnly, Src: git, Dst: git, Optional: true, Why: "git metadata stays read-only"})
	}
	for _, d := range r.OutputDirs {
		ms = append(ms, Mount{Kind: ReadWrite, Src: d, Dst: d, Why: "the command writes its output here"})
	}
	ms = applyGrants(ms, env, Grants{ReadWrite: r.Grants.ReadWrite}, true)
	argv := append(configArgs(r), r.Args...)
	return finish(Phase{
		Name:          "fetch",
		Purpose:       "dependency command with network; runs no project code",
		Argv:          argv,
		Cwd:           fetchCwd,
		Network:       true,
		IgnoredConfig: r.IgnoredConfig,
	}, ms, env)
}

// configArgs starts a networked cargo command line: the toolchain's cargo
// and the project configuration it may honour.
func configArgs(r CargoRequest) []string {
	argv := []string{cargoBin(r.Toolchain)}
	for _, c := range r.ProjectConfig {
		argv = append(argv, "--config", c)
	}
	return argv
}

// runPhase is the requested command, offline.
func runPhase(r CargoRequest) Phase {
	ms, env := base(r.Host, r.Toolchain, false)
	ch := r.Host.CargoHome
	ms = append(ms,
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "registry"), Dst: filepath.Join(ch, "registry"), Optional: true, Why: "downloaded crates, read-only"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "git"), Dst: filepath.Join(ch, "git"), Optional: true, Why: "git checkouts, read-only"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "bin"), Dst: filepath.Join(ch, "bin"), Optional: true, Why: "installed cargo subcommands, read-only"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, ".crates.toml"), Dst: filepath.Join(ch, ".crates.toml"), Optional: true, Why: "cargo install's records, read-only"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, ".crates2.json"), Dst: filepath.Join(ch, ".crates2.json"), Optional: true, Why: "cargo install's records, read-only"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "config.toml"), Dst: filepath.Join(ch, "config.toml"), Optional: true, Why: "user cargo config"},
		Mount{Kind: ReadOnly, Src: filepath.Join(ch, "config"), Dst: filepath.Join(ch, "config"), Optional: true, Why: "user cargo config"},
	)
	env["CARGO_NET_OFFLINE"] = "true"
	if r.Class.InstallRecords {
		for _, f := range []string{".crates.toml", ".crates2.json"} {
			p := filepath.Join(ch, f)
			ms = append(ms, Mount{Kind: ReadWrite, Src: p, Dst: p, Optional: true, Why: "cargo's install records"})
		}
		ms = append(ms, Mount{Kind: ReadWrite, Src: filepath.Join(ch, "bin"), Dst: filepath.Join(ch, "bin"), Optional: true, Why: "uninstall removes binaries"})
	}
	if r.Workspace != "" {
		if r.Class.WriteSources {
			ms = append(ms, Mount{Kind: ReadWrite, Src: r.Workspace, Dst: r.Workspace, Why: "the command edits sources"})
			for _, v := range r.VCSEntries {
				ms = append(ms, Mount{Kind: ReadOnly, Src: v, Dst: v, Optional: true, Why: "version control metadata stays read-only"})
			}
		} else {
			ms = append(ms, Mount{Kind: ReadOnly, Src: r.Workspace, Dst: r.Workspace, Why: "workspace, read-only"})
			if r.RunLockWritable && r.LockPath != "" {
				ms = append(ms, Mount{Kind: ReadWrite, Src: r.LockPath, Dst: r.LockPath, Why: "cargo may update the lock file"})
			} else if r.LockPath != "" && !Contains(r.Workspace, r.LockPath) {
				ms = append(ms, Mount{Kind: ReadOnly, Src: r.LockPath, Dst: r.LockPath, Optional: true, Why: "the lock file the user chose, read-only"})
			}
		}
		if r.TargetDir != "" {
			ms = append(ms, Mount{Kind: ReadWrite, Src: r.TargetDir, Dst: r.TargetDir, CacheDir: true, Why: "build output"})
		}
	}
	for _, h := range r.Hidden {
		ms = append(ms, Mount{Kind: ReadOnly, Src: "/dev/null", Dst: h, Why: "hidden: it could name commands to run"})
	}
	for _, d := range r.ExtraPath {
		env["PATH"] += ":" + d
	}
	if r.CreateDir != "" {
		ms = append(ms, Mount{Kind: ReadWrite, Src: r.CreateDir, Dst: r.CreateDir, Why: "the new package goes here"})
		// cargo new/init run no project code; the new repository follows
		// the user's git settings (init.defaultBranch, …).
		for _, g := range []string{filepath.Join(r.Host.Home, ".gitconfig"), filepath.Join(r.Host.Home, ".config", "git", "config")} {
			ms = append(ms, Mount{Kind: ReadOnly, Src: g, Dst: g, Optional: true, Why: "your git settings, for the new repository"})
		}
	}
	ms = applyGrants(ms, env, r.Grants, true)
	argv := append([]string{cargoBin(r.Toolchain)}, r.Args...)
	return finish(Phase{
		Name:    "run",
		Purpose: "the requested command, offline",
		Argv:    argv,
		Cwd:     r.Cwd,
		Network: r.Grants.Network,
	}, ms, env)
}

// InstallRequest describes a sandboxed `cargo install`.
type InstallRequest struct {
	CargoRequest
	// WorkDir is airlock's private directory for this install: the shell
	// package that fetches, the staging root and the build directory.
	WorkDir string
	// FromPath is the --path package's workspace; empty for registry and
	// git installs.
	FromPath bool
}

// InstallShellDir, InstallStaging and InstallTarget are the parts of an
// install's WorkDir.
func InstallShellDir(work string) string { return filepath.Join(work, "shell") }
func InstallStaging(work string) string  { return filepath.Join(work, "root") }
func InstallTarget(work string) string   { return filepath.Join(work, "target") }

// FetchManifest is a fetch phase for an arbitrary manifest in a directory
// airlock owns (an install's shell package or package copy), which cargo
// may write its lock file into.
func FetchManifest(r CargoRequest, manifest string, extra ...string) Phase {
	ms, env := networkedMounts(r)
	dir := filepath.Dir(manifest)
	ms = append(ms, Mount{Kind: ReadWrite, Src: dir, Dst: dir, Why: "airlock's package for this fetch"})
	argv := append(configArgs(r), "fetch", "--manifest-path", manifest)
	argv = append(argv, extra...)
	return finish(Phase{
		Name:        "fetch",
		Purpose:     "download the package to install and its dependencies; runs no project code",
		Argv:        argv,
		Cwd:         fetchCwd,
		Network:     true,
		Conditional: true,
		Reason:      "cargo install needs the package and its dependencies",
	}, ms, env)
}

// ForInstall plans `cargo install`: fetch, then the install offline into a
// staging root (the caller moves the binaries to the real root).
func ForInstall(r InstallRequest) []Phase {
	var phases []Phase
	if r.FromPath {
		if r.FetchReason != "" {
			phases = append(phases, fetchPhase(r.CargoRequest))
		}
	} else {
		phases = append(phases, FetchManifest(r.CargoRequest, filepath.Join(InstallShellDir(r.WorkDir), "Cargo.toml")))
	}
	if r.FetchOnly {
		return phases
	}
	run := r.CargoRequest
	if !r.FromPath {
		run.TargetDir = ""
	}
	run.RunLockWritable = false
	// The staging bin on PATH: otherwise cargo tells the user to add the
	// staging directory to their PATH (airlock says it for the real root).
	run.ExtraPath = append(run.ExtraPath[:len(run.ExtraPath):len(run.ExtraPath)], filepath.Join(InstallStaging(r.WorkDir), "bin"))
	p := runPhase(run)
	p.Purpose = "cargo install, offline, into a staging root"
	for _, d := range []string{InstallStaging(r.WorkDir), InstallTarget(r.WorkDir)} {
		p.Mounts = append(p.Mounts, Mount{Kind: ReadWrite, Src: d, Dst: d, Why: "install staging (airlock copies the binaries out)"})
	}
	sortMounts(p.Mounts)
	return append(phases, p)
}

// ForPublish plans cargo publish: the usual fetch, the package and its
// verification build offline (packageArgs; nil to skip, for --no-verify),
// then the upload as a networked phase that builds nothing (uploadArgs;
// nil for --dry-run).
func ForPublish(r CargoRequest, packageArgs, uploadArgs []string) []Phase {
	var phases []Phase
	if r.FetchReason != "" {
		phases = append(phases, fetchPhase(r))
	}
	if r.FetchOnly {
		return phases
	}
	if packageArgs != nil {
		pkg := r
		pkg.Args = packageArgs
		p := runPhase(pkg)
		p.Purpose = "cargo package and its verification build, offline"
		phases = append(phases, p)
	}
	if uploadArgs != nil {
		up := r
		up.Args = uploadArgs
		up.Class.WriteManifest = false
		p := networkedCommand(up)
		if r.TargetDir != "" {
			// cargo publish packs the .crate under target/package.
			p.Mounts = append(p.Mounts, Mount{Kind: ReadWrite, Src: r.TargetDir, Dst: r.TargetDir, Why: "cargo packs the upload here"})
			sortMounts(p.Mounts)
		}
		p.Name = "upload"
		p.Purpose = "upload the package (--no-verify: builds nothing); credentials visible"
		phases = append(phases, p)
	}
	return phases
}

// ForRustAnalyzer plans the language server: the workspace's fetch phase
// (and the toolchain's rust-src library workspace), then rust-analyzer in
// the run phase's sandbox. Cargo, build scripts, proc macros and flycheck
// are its children and inherit the sandbox.
// Nest is how rust-analyzer's children are put in a domain of their own
// (see internal/nest): airlock's binary stands in for cargo and for the
// toolchain's proc-macro server. Airlock is airlock's binary on the host;
// ProcMacroServer the toolchain's server, or "" when it has none.
type Nest struct {
	Airlock         string
	ProcMacroServer string
	// CargoProxy is CARGO_HOME/bin/cargo (usually the rustup proxy), which
	// rust-analyzer prefers to $CARGO once it knows the sysroot; the
	// stand-in takes its place too. "" when there is none.
	CargoProxy string
}

func ForRustAnalyzer(r CargoRequest, server string, args []string, n *Nest) []Phase {
	var phases []Phase
	if r.FetchReason != "" {
		if r.Workspace != "" {
			phases = append(phases, fetchPhase(r))
		}
		if r.SysrootManifest != "" {
			phases = append(phases, sysrootFetchPhase(r, "rust-analyzer loads the standard library's workspace from the toolchain's rust-src"))
		}
	}
	p := runPhase(r)
	p.Purpose = "rust-analyzer, offline"
	p.Argv = append([]string{server}, args...)
	dir := filepath.Dir(server)
	p.Mounts = append(p.Mounts, Mount{Kind: ReadOnly, Src: dir, Dst: dir, Why: "the rust-analyzer binary"})
	if n != nil && n.Airlock != "" {
		p.Mounts = append(p.Mounts,
			Mount{Kind: ReadOnly, Src: n.Airlock, Dst: nest.Self, Why: "airlock, to nest rust-analyzer's children"},
			Mount{Kind: Symlink, Src: "airlock", Dst: nest.Cargo, Why: "cargo for rust-analyzer: nests itself, then runs the toolchain's"})
		p.Env = append(p.Env, "CARGO="+nest.Cargo, nest.CargoEnv+"="+cargoBin(r.Toolchain))
		if n.CargoProxy != "" {
			p.Mounts = append(p.Mounts, Mount{Kind: ReadOnly, Src: n.Airlock, Dst: n.CargoProxy, Why: "stands in for CARGO_HOME/bin/cargo, which rust-analyzer prefers"})
		}
		if n.ProcMacroServer != "" {
			p.Mounts = append(p.Mounts,
				Mount{Kind: ReadOnly, Src: n.ProcMacroServer, Dst: nest.RealProcMacroServer, Why: "the toolchain's proc-macro server"},
				Mount{Kind: ReadOnly, Src: n.Airlock, Dst: n.ProcMacroServer, Why: "stands in for the proc-macro server: nests itself, then runs it"})
		}
		sort.Strings(p.Env)
	}
	sortMounts(p.Mounts)
	return append(phases, p)
}

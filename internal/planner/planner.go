// Package planner turns a cargo command line into a policy.Plan: it finds the
// workspace, the toolchain, CARGO_HOME and the target directory, and decides
// whether a fetch phase is needed — reading files only, running nothing.
package planner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"airlock/internal/cargocli"
	"airlock/internal/cargoconfig"
	"airlock/internal/policy"
	"airlock/internal/toolchain"
	"airlock/internal/vcsguard"
	"airlock/internal/workspace"
)

// Env is the host context a plan is made in.
type Env struct {
	// Environ is the process environment (KEY=VALUE).
	Environ []string
	// Cwd is the working directory.
	Cwd string
	// Self is airlock's own executable, so that a cargo found on PATH is
	// never airlock itself.
	Self string
}

func (e Env) get(key string) string {
	for i := len(e.Environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(e.Environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// Homes are the user's directories.
type Homes struct {
	Home, CargoHome, RustupHome string
}

// ResolveHomes finds HOME, CARGO_HOME and RUSTUP_HOME as cargo and rustup do.
func ResolveHomes(e Env) (Homes, error) {
	h := Homes{Home: e.get("HOME")}
	if h.Home == "" {
		var err error
		if h.Home, err = os.UserHomeDir(); err != nil {
			return h, fmt.Errorf("HOME is not set: %w", err)
		}
	}
	h.CargoHome = absFrom(e.Cwd, e.get("CARGO_HOME"), filepath.Join(h.Home, ".cargo"))
	h.RustupHome = absFrom(e.Cwd, e.get("RUSTUP_HOME"), filepath.Join(h.Home, ".rustup"))
	return h, nil
}

func absFrom(cwd, p, def string) string {
	if p == "" {
		return def
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(cwd, p)
	}
	return filepath.Clean(p)
}

// FindToolchain resolves the toolchain for a directory, with rustup's rules,
// or falls back to a cargo on PATH that is neither airlock nor rustup.
func FindToolchain(e Env, h Homes, plus, dir string) (toolchain.Toolchain, error) {
	if explicit := e.get("AIRLOCK_CARGO"); explicit != "" {
		return toolchain.FromCargoBinary(explicit, "AIRLOCK_CARGO")
	}
	tc, err := toolchain.Resolve(toolchain.Request{
		Plus: plus, Env: e.get("RUSTUP_TOOLCHAIN"), Dir: dir, RustupHome: h.RustupHome,
	})
	if err == nil || !errors.Is(err, toolchain.ErrNoRustup) {
		return tc, err
	}
	if plus != "" {
		return tc, fmt.Errorf("cargo +%s needs rustup, which is not installed (%v)", plus, err)
	}
	cargo, lerr := lookPathExcept("cargo", e.get("PATH"), e.Self)
	if lerr != nil {
		return tc, fmt.Errorf("no Rust toolchain found: %v, and %v; fix: install Rust with rustup, or set AIRLOCK_CARGO=/path/to/cargo", err, lerr)
	}
	return toolchain.FromCargoBinary(cargo, "cargo on PATH")
}

// lookPathExcept finds name on path, skipping airlock itself (when installed
// as a cargo shim) and rustup proxies.
func lookPathExcept(name, path, self string) (string, error) {
	selfReal, _ := filepath.EvalSymlinks(self)
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil || real == selfReal || strings.HasPrefix(filepath.Base(real), "rustup") {
			continue
		}
		return p, nil
	}
	return "", fmt.Errorf("no %s on PATH other than airlock itself or a rustup proxy", name)
}

// HostInfo gathers what the policy needs to know about the machine.
func HostInfo(e Env, h Homes) policy.Host {
	links := map[string]string{}
	for _, d := range []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32"} {
		if t, err := os.Readlink("/" + d); err == nil {
			links[d] = t
		}
	}
	return policy.Host{
		Home: h.Home, CargoHome: h.CargoHome, RustupHome: h.RustupHome,
		Env: e.Environ, Cwd: e.Cwd, RootSymlinks: links,
	}
}

// Options are airlock's own choices for one invocation.
type Options struct {
	Grants policy.Grants
	// FetchOnly performs the fetch phase the command needs, and stops.
	FetchOnly bool
	// WorkDir is a private directory for cargo install (created by the
	// caller when it runs the plan).
	WorkDir string
}

// Cargo plans `cargo ARGS…` under airlock.
func Cargo(e Env, args []string, opts Options) (*policy.Plan, error) {
	grants := opts.Grants
	inv, err := cargocli.Parse(args)
	if err != nil {
		return nil, fmt.Errorf("reading the cargo command line: %w", err)
	}
	homes, err := ResolveHomes(e)
	if err != nil {
		return nil, err
	}
	dir := e.Cwd
	if inv.Dir != "" {
		dir = absFrom(e.Cwd, inv.Dir, e.Cwd)
	}
	if inv.Subcommand == "install" && !hasArg(inv.Args, "--list") && !inv.Help {
		return planInstall(e, inv, opts)
	}
	class, known := policy.ClassOf(inv.Subcommand)
	if inv.Subcommand == "install" {
		class, known = policy.Class{NoWorkspace: true, InstallRecords: true}, true // --list
	}
	if inv.Subcommand == "clippy" && hasArg(inv.Args, "--fix") {
		class = policy.Commands["fix"]
	}
	if inv.Help {
		class = policy.Class{NoWorkspace: true}
	}

	plan := &policy.Plan{Tool: "cargo", Args: args, Quiet: inv.Quiet}
	// Directories of the user's PATH that grants make visible join the
	// sandbox's (cargo-* subcommands there).
	granted := grantedPathDirs(e.get("PATH"), grants)
	if !known && !inv.Help {
		plan.Notes = append(plan.Notes, fmt.Sprintf("airlock does not know `cargo %s`; it runs offline with read-only sources", inv.Subcommand))
		if hint := subcommandHint(e, inv.Subcommand, granted); hint != "" {
			plan.Warnings = append(plan.Warnings, hint)
		}
	}

	// The workspace.
	var ws *workspace.Workspace
	manifest := ""
	if inv.ManifestPath != "" {
		manifest = absFrom(dir, inv.ManifestPath, "")
		if _, err := os.Stat(manifest); err != nil {
			return nil, fmt.Errorf("--manifest-path %s: %w", inv.ManifestPath, err)
		}
	} else if !class.CreatesPackage {
		manifest, err = workspace.FindManifest(dir)
		if err != nil && !class.NoWorkspace {
			return nil, fmt.Errorf("%w; run airlock in a cargo project, or pass --manifest-path", err)
		}
	}
	if manifest != "" {
		if ws, err = workspace.Find(manifest); err != nil {
			return nil, fmt.Errorf("reading the workspace: %w", err)
		}
	}

	// The toolchain, resolved from where cargo would be run.
	tc, err := FindToolchain(e, homes, inv.Toolchain, dir)
	if err != nil {
		return nil, err
	}
	plan.Toolchain, plan.ToolchainSource = tc.Name, tc.Source

	req := policy.CargoRequest{
		Host:      HostInfo(e, homes),
		Toolchain: policy.Toolchain{Name: tc.Name, Dir: tc.Dir},
		Class:     class,
		Grants:    grants,
		Args:      inv.Args,
		Cwd:       e.Cwd,
		FetchOnly: opts.FetchOnly,
		ExtraPath: granted,
	}
	if buildsStd(inv) {
		lib := filepath.Join(tc.Dir, "lib", "rustlib", "src", "rust", "library", "Cargo.toml")
		if _, err := os.Stat(lib); err == nil {
			req.SysrootManifest = lib
		} else {
			plan.Notes = append(plan.Notes, "the command builds the standard library, but the toolchain has no rust-src; fix: rustup component add rust-src")
		}
	}
	if ws != nil {
		if err := planWorkspace(e, homes, inv, class, ws, dir, &req, plan); err != nil {
			return nil, err
		}
	}
	if class.CreatesPackage {
		req.CreateDir = createDir(e.Cwd, inv)
	} else if class.WriteSources && ws != nil {
		if err := guardVCS(&req, plan, inv.Subcommand); err != nil {
			return nil, err
		}
	}
	if class.Networked {
		// Networked commands run outside the workspace, so that cargo reads
		// no project configuration: point them at the manifest explicitly.
		if manifest != "" && !class.NoWorkspace { // search and info take no --manifest-path
			req.Args = inv.WithManifestPath(manifest)
		}
		req.Args = cargocli.WithoutDir(cargocli.AbsolutizePaths(req.Args, e.Cwd))
		if inv.Subcommand == "vendor" {
			req.Args, req.OutputDirs = vendorDest(req.Args, dir)
		}
	} else if !visible(req, e.Cwd) {
		// The sandbox cannot enter a directory it does not contain; run from
		// the workspace and make relative paths absolute.
		req.Args = cargocli.AbsolutizePaths(req.Args, e.Cwd)
		req.Cwd = req.Workspace
		if req.Cwd == "" {
			req.Cwd = homes.Home
		}
	}
	if inv.Subcommand == "publish" && ws != nil {
		pkgArgs, upArgs := publishArgs(inv, manifest, e.Cwd)
		plan.Phases = policy.ForPublish(req, pkgArgs, upArgs)
		return plan, nil
	}
	if inv.Subcommand == "clean" && ws != nil && plainClean(inv) && !opts.FetchOnly {
		// The target directory is the sandbox's mount point, which cargo
		// cannot remove from inside; removing it runs nothing of the
		// project, so airlock does it.
		plan.RemoveTargetDir = req.TargetDir
		plan.Notes = append(plan.Notes, "airlock removes the target directory itself: cargo cannot remove the sandbox's mount point")
		return plan, nil
	}
	plan.Phases = policy.ForCargo(req)
	plan.Recovery = policy.Recovery(req)
	return plan, nil
}

// planWorkspace fills in what depends on the workspace: target directory,
// lock file, and whether to fetch.
func planWorkspace(e Env, h Homes, inv cargocli.Invocation, class policy.Class, ws *workspace.Workspace, dir string, req *policy.CargoRequest, plan *policy.Plan) error {
	req.Workspace = ws.Root
	req.RootManifest = ws.RootManifest.Path
	for _, m := range ws.Manifests {
		if class.WriteManifest {
			// Their directories become writable: only those that really
			// lie in the workspace, not through a symlinked directory.
			if _, _, inside, err := resolveInside(ws.Root, filepath.Dir(m.Path)); err != nil || !inside {
				continue
			}
		}
		req.Manifests = append(req.Manifests, m.Path)
	}
	plan.Workspace = ws.Root
	cfg, err := cargoconfig.Discover(dir, h.CargoHome)
	if err != nil {
		return err
	}
	view := cfg.ProjectFetchView(cargoconfig.ProtectedRegistries(cfg, h.CargoHome, e.Environ))
	req.ProjectConfig, req.IgnoredConfig = view.Args, view.Ignored
	target, err := targetDir(e, inv, cfg, ws)
	if err != nil {
		return err
	}
	req.TargetDir, plan.TargetDir = target, target
	if err := noSubmoduleIn(ws.Root, target); err != nil {
		return err
	}

	lockPath, err := lockPath(e, inv, cfg, ws)
	if err != nil {
		return err
	}
	req.LockPath = lockPath
	lock, lerr := workspace.ReadLock(lockPath)
	lockMissing := errors.Is(lerr, os.ErrNotExist)
	if lerr != nil && !lockMissing {
		return lerr
	}

	if err := outsidePathDeps(ws, req.Grants); err != nil {
		return err
	}
	offline := inv.Offline || e.get("CARGO_NET_OFFLINE") == "true"
	if class.Networked {
		return nil
	}
	if class.Fetch && (!offline || req.FetchOnly) {
		cache := workspace.CacheDirs{CargoHome: h.CargoHome, Local: cfg.LocalSources()}
		req.FetchReason = fetchReason(ws, lock, cache)
		if req.FetchReason == "" && req.SysrootManifest != "" {
			req.FetchReason = sysrootReason(req.SysrootManifest, cache)
		}
		if req.FetchReason == "" && req.FetchOnly {
			// Asked for explicitly: let cargo confirm everything is there.
			req.FetchReason = "requested with --fetch-only"
		}
		req.FetchArgs = fetchArgs(inv, e.Cwd)
	}
	// The run phase may write the lock file only when cargo will need to:
	// there is none yet, or it no longer matches the manifests and no fetch
	// phase brings it up to date first.
	switch {
	case lockMissing:
		req.RunLockWritable = req.FetchReason == ""
	case req.FetchReason == "":
		req.RunLockWritable = len(ws.StaleDependencies(lock)) > 0
	}
	if offline && class.Fetch && !req.FetchOnly {
		plan.Notes = append(plan.Notes, "offline mode requested: no fetch phase")
	}
	return nil
}

// fetchReason says why the fetch phase must run, or "" when everything the
// lock file names is in cargo's caches.
func fetchReason(ws *workspace.Workspace, lock *workspace.Lock, cache workspace.CacheDirs) string {
	if lock == nil {
		if !ws.HasExternalDependencies() {
			return "" // cargo writes the lock file offline
		}
		return "there is no Cargo.lock yet"
	}
	if stale := ws.StaleDependencies(lock); len(stale) > 0 {
		return "Cargo.lock does not match the manifests: " + summarize(stale)
	}
	missing := cache.MissingFromCache(lock)
	if len(missing) > 0 {
		return "not downloaded yet: " + summarize(missing)
	}
	return ""
}

func summarize[T fmt.Stringer](items []T) string {
	var parts []string
	for i, it := range items {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-3))
			break
		}
		parts = append(parts, it.String())
	}
	return strings.Join(parts, ", ")
}

// sysrootReason says whether the standard library's dependencies are missing.
func sysrootReason(manifest string, cache workspace.CacheDirs) string {
	lock, err := workspace.ReadLock(filepath.Join(filepath.Dir(manifest), "Cargo.lock"))
	if err != nil {
		return "the standard library's Cargo.lock is unreadable"
	}
	if missing := cache.MissingFromCache(lock); len(missing) > 0 {
		return "standard library dependencies not downloaded yet: " + summarize(missing)
	}
	return ""
}

// buildsStd says whether the command builds the standard library from
// source: -Zbuild-std, or cargo miri.
func buildsStd(inv cargocli.Invocation) bool {
	if inv.Subcommand == "miri" {
		return true
	}
	for _, z := range inv.Unstable {
		if z == "build-std" || strings.HasPrefix(z, "build-std=") {
			return true
		}
	}
	return false
}

// outsidePathDeps refuses path dependencies outside the workspace that the
// user has not granted: the project cannot make the sandbox show other
// directories, and cargo would only fail later, less clearly.
func outsidePathDeps(ws *workspace.Workspace, g policy.Grants) error {
	for _, m := range ws.Manifests {
		dir := filepath.Dir(m.Path)
		if policy.Contains(ws.Root, dir) {
			continue
		}
		granted := false
		for _, p := range append(append([]string(nil), g.ReadOnly...), g.ReadWrite...) {
			if policy.Contains(p, dir) {
				granted = true
			}
		}
		if !granted {
			return fmt.Errorf("the workspace uses the path dependency %s, outside the workspace %s; "+
				"fix: grant it read-only with airlock --ro %s cargo …", dir, ws.Root, dir)
		}
	}
	return nil
}

// grantedPathDirs are the directories of the user's PATH inside a grant.
func grantedPathDirs(path string, g policy.Grants) []string {
	var out []string
	for _, d := range filepath.SplitList(path) {
		for _, p := range append(append([]string(nil), g.ReadOnly...), g.ReadWrite...) {
			if filepath.IsAbs(d) && policy.Contains(p, d) && !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// subcommandHint explains why a third-party subcommand on the user's PATH
// will not be found: the sandbox sees only the toolchain, CARGO_HOME/bin,
// system directories and grants.
func subcommandHint(e Env, sub string, granted []string) string {
	p, err := lookPathExcept("cargo-"+sub, e.get("PATH"), e.Self)
	if err != nil {
		return ""
	}
	dir := filepath.Dir(p)
	if slices.Contains(granted, dir) {
		return ""
	}
	for _, sys := range []string{"/usr", "/bin", "/sbin", "/opt"} {
		if policy.Contains(sys, dir) {
			return ""
		}
	}
	if h := e.get("CARGO_HOME"); h != "" && dir == filepath.Join(h, "bin") {
		return ""
	}
	if home := e.get("HOME"); home != "" && dir == filepath.Join(home, ".cargo", "bin") {
		return ""
	}
	return fmt.Sprintf("airlock: cargo-%s is in %s, which the sandbox does not see; to run it, grant it: airlock --ro %s cargo %s …", sub, dir, dir, sub)
}

// plainClean says whether a cargo clean removes the whole target directory:
// no package, profile, target or doc selection, no dry run.
func plainClean(inv cargocli.Invocation) bool {
	args := inv.Args[inv.SubcommandIndex+1:]
	for i := 0; i < len(args); i++ {
		name, _, hasVal := strings.Cut(args[i], "=")
		switch name {
		case "-q", "--quiet", "-v", "-vv", "--verbose", "--frozen", "--locked", "--offline":
		case "--manifest-path", "--target-dir", "--color", "--config", "-Z":
			if !hasVal {
				i++
			}
		default:
			return false
		}
	}
	return true
}

// fetchArgs are the user's choices that also apply to the fetch.
func fetchArgs(inv cargocli.Invocation, cwd string) []string {
	var out []string
	if inv.Locked {
		out = append(out, "--locked")
	}
	if inv.Quiet {
		out = append(out, "--quiet")
	}
	for _, z := range inv.Unstable {
		out = append(out, "-Z", z)
	}

	for _, c := range inv.ConfigArgs {
		out = append(out, "--config", c)
	}
	// The fetch runs from another directory: config files by absolute path.
	return cargocli.AbsolutizePaths(out, cwd)
}

// lockPath finds the lock file cargo will use: --lockfile-path (older
// nightlies), then resolver.lockfile-path from --config,
// CARGO_RESOLVER_LOCKFILE_PATH or a config file; by default the one beside
// the workspace's root manifest. Like the target directory, a lock file the
// project's own config chose must stay inside the workspace: airlock makes
// it writable.
func lockPath(e Env, inv cargocli.Invocation, cfg *cargoconfig.Config, ws *workspace.Workspace) (string, error) {
	if inv.LockfilePath != "" {
		return absFrom(e.Cwd, inv.LockfilePath, ""), nil
	}
	for i := len(inv.ConfigArgs) - 1; i >= 0; i-- {
		if v, ok := cargoconfig.CLIValue(inv.ConfigArgs[i], "resolver", "lockfile-path"); ok {
			if s, isStr := v.(string); isStr {
				return absFrom(e.Cwd, s, ""), nil
			}
		}
	}
	if v := e.get("CARGO_RESOLVER_LOCKFILE_PATH"); v != "" {
		return absFrom(e.Cwd, v, ""), nil
	}
	v, f, ok := cfg.Lookup("resolver", "lockfile-path")
	if !ok {
		return ws.LockPath(), nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", fmt.Errorf("%s: resolver.lockfile-path must be a string", f.Path)
	}
	p := absFrom(f.BaseDir(), s, "")
	if !f.Project {
		return p, nil
	}
	_, real, inside, err := resolveInside(ws.Root, p)
	if err != nil {
		return "", err
	}
	if !inside {
		return "", fmt.Errorf("%s sets resolver.lockfile-path to %s, outside the workspace; airlock will not make it writable. "+
			"Fix: remove the setting, or set CARGO_RESOLVER_LOCKFILE_PATH yourself", f.Path, real)
	}
	return p, nil
}

// targetDir finds cargo's target directory. A target directory the project
// chose (build.target-dir in its config) must lie inside the workspace: the
// project cannot make a directory elsewhere writable.
func targetDir(e Env, inv cargocli.Invocation, cfg *cargoconfig.Config, ws *workspace.Workspace) (string, error) {
	root := ws.Root
	var dir string
	userChosen := true
	projectChosen := false
	switch {
	case inv.TargetDir != "":
		dir = absFrom(e.Cwd, inv.TargetDir, "")
	case e.get("CARGO_TARGET_DIR") != "":
		dir = absFrom(e.Cwd, e.get("CARGO_TARGET_DIR"), "")
	case e.get("CARGO_BUILD_TARGET_DIR") != "":
		dir = absFrom(e.Cwd, e.get("CARGO_BUILD_TARGET_DIR"), "")
	default:
		if v, f, ok := cfg.Lookup("build", "target-dir"); ok {
			s, isStr := v.(string)
			if !isStr {
				return "", fmt.Errorf("%s: build.target-dir must be a string", f.Path)
			}
			dir = absFrom(f.BaseDir(), s, "")
			userChosen = !f.Project
			projectChosen = f.Project
		} else {
			dir = filepath.Join(root, "target")
			userChosen = false
		}
	}
	if userChosen {
		return dir, nil
	}
	// A project-chosen or default target dir: its real location must stay in
	// the workspace, whatever symlinks the project planted.
	realRoot, realDir, inside, err := resolveInside(root, dir)
	if err != nil {
		return "", err
	}
	if !inside || realDir == realRoot {
		return "", fmt.Errorf("the project's target directory %s resolves to %s, outside the workspace; "+
			"airlock will not make it writable. Fix: pass --target-dir or set CARGO_TARGET_DIR", dir, realDir)
	}
	if why := unfitTarget(realRoot, realDir, ws, projectChosen); why != "" {
		return "", fmt.Errorf("the project's target directory %s %s; airlock will not make it writable. "+
			"Fix: pass --target-dir or set CARGO_TARGET_DIR", dir, why)
	}
	return dir, nil
}

// guardVCS finds the version control metadata of a workspace whose sources
// the command will write: the run phase keeps it read-only, and airlock
// removes what appears during the run. A symlinked entry is refused: its
// read-only bind would follow the link on the host.
func guardVCS(req *policy.CargoRequest, plan *policy.Plan, sub string) error {
	entries, err := vcsguard.Scan(req.Workspace, req.TargetDir)
	if err != nil {
		return fmt.Errorf("looking for version control metadata in %s: %w", req.Workspace, err)
	}
	if links := vcsguard.Symlinks(entries); len(links) > 0 {
		return fmt.Errorf("%s is a symlink; airlock will not let `cargo %s` write sources next to it "+
			"(fix: replace the symlink with the directory it points to)", links[0], sub)
	}
	req.VCSEntries = entries
	plan.VCSGuard = &policy.VCSGuard{Root: req.Workspace, Before: entries}
	if req.TargetDir != "" {
		plan.VCSGuard.Skip = []string{req.TargetDir}
	}
	return nil
}

// noSubmoduleIn refuses a target directory that holds a submodule path of
// the git repository around the workspace: a build script could plant a
// repository there, and `git status` on the host runs a submodule's
// configured programs (core.fsmonitor).
func noSubmoduleIn(root, target string) error {
	wt, gitDir := vcsguard.Repository(root)
	if gitDir == "" {
		return nil
	}
	links, err := vcsguard.Gitlinks(gitDir)
	if err != nil {
		return nil // not an index git can use either
	}
	for _, l := range links {
		if p := filepath.Join(wt, l); policy.Contains(target, p) {
			return fmt.Errorf("the submodule %s lies inside the target directory %s, where build scripts can write a repository that git would run on your machine; "+
				"fix: pass --target-dir or set CARGO_TARGET_DIR to a directory without submodules", p, target)
		}
	}
	return nil
}

// unfitTarget says why a target directory the project placed (or left at
// the default) must not become writable: it is, or is inside, version
// control metadata; or, when the project's config chose it, it already
// holds something other than cargo's output (a package, source files).
func unfitTarget(realRoot, realDir string, ws *workspace.Workspace, projectChosen bool) string {
	rel, _ := filepath.Rel(realRoot, realDir)
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if vcsguard.Names[part] {
			return "is version control metadata (" + part + ")"
		}
	}
	if !projectChosen {
		return ""
	}
	for _, m := range ws.Manifests {
		if realM, err := filepath.EvalSymlinks(filepath.Dir(m.Path)); err == nil && policy.Contains(realDir, realM) {
			return "contains the package " + realM
		}
	}
	st, err := os.Stat(realDir)
	if err != nil {
		return "" // cargo will create it
	}
	if !st.IsDir() {
		return "is not a directory"
	}
	entries, _ := os.ReadDir(realDir)
	for _, en := range entries {
		if !en.IsDir() && !targetRootFiles[en.Name()] {
			return "already holds files that are not cargo's output (" + en.Name() + ")"
		}
	}
	return ""
}

// targetRootFiles are the files cargo keeps at the top of a target
// directory; everything else there is in subdirectories.
var targetRootFiles = map[string]bool{
	"CACHEDIR.TAG": true, ".rustc_info.json": true, ".rustdoc_fingerprint.json": true,
	".future-incompat-report.json": true, ".package-cache": true,
}

// resolveInside resolves the workspace root and a path the project chose
// (which may not exist yet) through symlinks, and says whether the path
// really lies in the workspace.
func resolveInside(root, p string) (realRoot, real string, inside bool, err error) {
	if realRoot, err = filepath.EvalSymlinks(root); err != nil {
		return "", "", false, fmt.Errorf("resolving workspace root: %w", err)
	}
	if real, err = realPathAllowMissing(p); err != nil {
		return "", "", false, fmt.Errorf("resolving %s: %w", p, err)
	}
	return realRoot, real, policy.Contains(realRoot, real), nil
}

// realPathAllowMissing resolves symlinks in the longest existing prefix.
func realPathAllowMissing(p string) (string, error) {
	var rest []string
	cur := p
	for {
		real, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if !os.IsNotExist(err) {
			return "", err
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p, nil
		}
		rest = append([]string{filepath.Base(cur)}, rest...)
		cur = parent
	}
}

func createDir(cwd string, inv cargocli.Invocation) string {
	// `cargo new PATH` creates PATH: its parent must be writable.
	// `cargo init [PATH]` writes PATH (default: the working directory).
	pos := positional(inv)
	switch inv.Subcommand {
	case "new":
		if pos != "" {
			return filepath.Dir(absFrom(cwd, pos, ""))
		}
	case "init":
		if pos != "" {
			return absFrom(cwd, pos, "")
		}
	}
	return cwd
}

// publishArgs splits cargo publish into `cargo package` (the verification
// build, offline) and `cargo publish --no-verify` (the upload, networked,
// run from outside the workspace). A nil slice skips that step: the
// package step for --no-verify, the upload for --dry-run.
func publishArgs(inv cargocli.Invocation, manifest, cwd string) (pkg, upload []string) {
	noVerify, dryRun := hasArg(inv.Args, "--no-verify"), hasArg(inv.Args, "--dry-run") || hasArg(inv.Args, "-n")
	if !noVerify {
		pkg = append(pkg, inv.Args[:inv.SubcommandIndex]...)
		pkg = append(pkg, "package")
		rest := inv.Args[inv.SubcommandIndex+1:]
		for i := 0; i < len(rest); i++ {
			a := rest[i]
			switch {
			case a == "--token":
				i++
			case strings.HasPrefix(a, "--token="), a == "--dry-run", a == "-n":
			default:
				pkg = append(pkg, a)
			}
		}
	}
	if !dryRun {
		upload = inv.WithManifestPath(manifest)
		if !noVerify {
			upload = append(upload, "--no-verify")
		}
		upload = cargocli.WithoutDir(cargocli.AbsolutizePaths(upload, cwd))
	}
	return pkg, upload
}

// vendorDest makes cargo vendor's destination (its positional argument,
// default "vendor" in the working directory) absolute and writable.
func vendorDest(args []string, cwd string) ([]string, []string) {
	out := append([]string(nil), args...)
	inv, _ := cargocli.Parse(out)
	for j := inv.SubcommandIndex + 1; j < len(out); j++ {
		a := out[j]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			if (a == "-s" || a == "--sync" || a == "--manifest-path" || a == "--color" || a == "--config" || a == "-Z") && j+1 < len(out) {
				j++
			}
			continue
		}
		dest := absFrom(cwd, a, "")
		out[j] = dest
		return out, []string{dest}
	}
	dest := filepath.Join(cwd, "vendor")
	return append(out, dest), []string{dest}
}

// positional returns the first positional argument after the subcommand.
func positional(inv cargocli.Invocation) string {
	valued := map[string]bool{"--name": true, "--vcs": true, "--edition": true, "--registry": true,
		"--color": true, "--config": true, "-Z": true}
	for j := inv.SubcommandIndex + 1; j < len(inv.Args); j++ {
		a := inv.Args[j]
		if valued[a] {
			j++
			continue
		}
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

func hasArg(args []string, want string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == want {
			return true
		}
	}
	return false
}

// visible says whether dir exists inside the run phase's sandbox.
func visible(r policy.CargoRequest, dir string) bool {
	roots := []string{r.Workspace, r.TargetDir, r.CreateDir}
	roots = append(roots, r.Grants.ReadOnly...)
	roots = append(roots, r.Grants.ReadWrite...)
	for _, root := range roots {
		if root != "" && policy.Contains(root, dir) {
			return true
		}
	}
	return false
}

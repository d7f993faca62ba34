package planner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"airlock/internal/cargocli"
	"airlock/internal/nest"
	"airlock/internal/policy"
	"airlock/internal/workspace"
)

// ErrNetworkForServer refuses --net for rust-analyzer: the server runs
// whatever the workspace's build scripts and proc macros contain, on every
// keystroke, and never needs the network.
var ErrNetworkForServer = errors.New("network access for rust-analyzer is refused: it runs build scripts and proc macros on every edit; " +
	"airlock fetches dependencies itself when manifests change")

// RustAnalyzer plans `rust-analyzer ARGS…`. A missing workspace is not an
// error: editors start servers in any folder, and the server must start.
// Warnings says what the user should know (shown in the editor).
func RustAnalyzer(e Env, args []string, opts Options) (*policy.Plan, []string, error) {
	if opts.Grants.Network {
		return nil, nil, ErrNetworkForServer
	}
	homes, err := ResolveHomes(e)
	if err != nil {
		return nil, nil, err
	}
	tc, err := FindToolchain(e, homes, "", e.Cwd)
	if err != nil {
		return nil, nil, err
	}
	server, err := findServer(e, tc.Bin("rust-analyzer"))
	if err != nil {
		return nil, nil, err
	}
	plan := &policy.Plan{Tool: "rust-analyzer", Args: args, Toolchain: tc.Name, ToolchainSource: tc.Source}
	req := policy.CargoRequest{
		Host:      HostInfo(e, homes),
		Toolchain: policy.Toolchain{Name: tc.Name, Dir: tc.Dir},
		Class:     policy.Class{Fetch: true},
		Grants:    opts.Grants,
		Cwd:       e.Cwd,
		FetchOnly: opts.FetchOnly,
	}
	var warnings []string
	lib := filepath.Join(tc.Dir, "lib", "rustlib", "src", "rust", "library", "Cargo.toml")
	if _, err := os.Stat(lib); err == nil {
		req.SysrootManifest = lib
	} else {
		warnings = append(warnings, "airlock: the toolchain has no rust-src, so the standard library is not analysed; fix: rustup component add rust-src")
	}
	manifest, ferr := workspace.FindManifest(e.Cwd)
	if ferr == nil {
		ws, werr := workspace.Find(manifest)
		if werr != nil {
			warnings = append(warnings, "airlock: "+werr.Error())
		} else if perr := planWorkspace(e, homes, cargocli.Invocation{}, req.Class, ws, e.Cwd, &req, plan); perr != nil {
			return nil, nil, perr
		}
	} else {
		warnings = append(warnings, fmt.Sprintf("airlock: no Cargo.toml in %s or above: nothing to fetch; the server starts anyway", e.Cwd))
	}
	cache := workspace.CacheDirs{CargoHome: homes.CargoHome}
	if req.FetchReason == "" && req.SysrootManifest != "" {
		req.FetchReason = sysrootReason(req.SysrootManifest, cache)
	}
	if !visible(req, e.Cwd) {
		req.Cwd = homes.Home
		if req.Workspace != "" {
			req.Cwd = req.Workspace
		}
	}
	var n *policy.Nest
	if nest.ABI() < 1 {
		warnings = append(warnings, "airlock: this kernel has no Landlock, so build scripts and proc macros are not kept apart from rust-analyzer "+
			"(they could tamper with what it sends the editor); airlock still refuses requests that would act on your files")
	} else if self, err := filepath.EvalSymlinks(e.Self); err == nil {
		n = &policy.Nest{Airlock: self}
		srv := filepath.Join(tc.Dir, "libexec", nest.ProcMacroServerName)
		if st, err := os.Stat(srv); err == nil && st.Mode().IsRegular() {
			n.ProcMacroServer = srv
		}
		if st, err := os.Lstat(filepath.Join(homes.CargoHome, "bin", "cargo")); err == nil && !st.IsDir() {
			n.CargoProxy = filepath.Join(homes.CargoHome, "bin", "cargo")
		}
	}
	if configs := projectAnalyzerConfigs(req); len(configs) > 0 {
		// They can name commands for the server to run
		// (check.overrideCommand…), outside the nested domain.
		req.Hidden = configs
		warnings = append(warnings, "airlock: the project's rust-analyzer.toml is not honoured (it can name commands for the server to run); put settings in your editor instead")
	}
	plan.Phases = policy.ForRustAnalyzer(req, server, args, n)
	return plan, warnings, nil
}

// findServer locates the rust-analyzer binary: $AIRLOCK_RUST_ANALYZER, the
// toolchain's component, or one on PATH that is neither airlock (the shim)
// nor the rustup proxy.
func findServer(e Env, fromToolchain string) (string, error) {
	if p := e.get("AIRLOCK_RUST_ANALYZER"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("AIRLOCK_RUST_ANALYZER=%s: %w", p, err)
		}
		return abs, nil
	}
	if _, err := os.Stat(fromToolchain); err == nil {
		return fromToolchain, nil
	}
	p, err := lookPathExcept("rust-analyzer", e.get("PATH"), e.Self)
	if err != nil {
		return "", fmt.Errorf("no rust-analyzer found (%v); fix: rustup component add rust-analyzer, or set AIRLOCK_RUST_ANALYZER=/path/to/rust-analyzer", err)
	}
	return p, nil
}

// projectAnalyzerConfigs are the rust-analyzer.toml files rust-analyzer
// would read from the workspace: at its root and at each package's root.
func projectAnalyzerConfigs(req policy.CargoRequest) []string {
	dirs := []string{}
	if req.Workspace != "" {
		dirs = append(dirs, req.Workspace)
	}
	for _, m := range req.Manifests {
		dirs = append(dirs, filepath.Dir(m))
	}
	realRoot, _ := filepath.EvalSymlinks(req.Workspace)
	var out []string
	for _, d := range dirs {
		for _, name := range []string{"rust-analyzer.toml", ".rust-analyzer.toml"} {
			// Through symlinks: what the server would read is the file
			// they lead to, which must be hidden if it is the project's.
			real, err := filepath.EvalSymlinks(filepath.Join(d, name))
			if err != nil || realRoot == "" || !policy.Contains(realRoot, real) || slices.Contains(out, real) {
				continue
			}
			if st, err := os.Stat(real); err == nil && st.Mode().IsRegular() {
				out = append(out, real)
			}
		}
	}
	return out
}

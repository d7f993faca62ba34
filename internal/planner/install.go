package planner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"airlock/internal/cargocli"
	"airlock/internal/install"
	"airlock/internal/policy"
	"airlock/internal/workspace"
)

// planInstall plans cargo install: the package and its dependencies are
// fetched (a throw-away package depending on it, or the --path workspace),
// then cargo install runs offline into a staging root.
func planInstall(e Env, inv cargocli.Invocation, opts Options) (*policy.Plan, error) {
	spec, err := install.Parse(inv)
	if err != nil {
		return nil, err
	}
	homes, err := ResolveHomes(e)
	if err != nil {
		return nil, err
	}
	work := opts.WorkDir
	if work == "" {
		work = filepath.Join(os.TempDir(), fmt.Sprintf("airlock-install-%d", os.Getpid()))
	}
	tc, err := FindToolchain(e, homes, inv.Toolchain, e.Cwd)
	if err != nil {
		return nil, err
	}
	class := policy.Class{Fetch: true}
	staging := policy.InstallStaging(work)
	args := install.WithRoot(inv.Args, inv.SubcommandIndex, staging)
	// Like cargo: an install from a path builds in that package's target
	// directory (so a second install rebuilds little); others in a
	// throw-away one.
	if inv.TargetDir == "" && spec.Path == "" {
		args = append(args[:inv.SubcommandIndex+1], append([]string{"--target-dir", policy.InstallTarget(work)}, args[inv.SubcommandIndex+1:]...)...)
	}
	req := policy.InstallRequest{
		CargoRequest: policy.CargoRequest{
			Host:      HostInfo(e, homes),
			Toolchain: policy.Toolchain{Name: tc.Name, Dir: tc.Dir},
			Class:     class,
			Grants:    opts.Grants,
			Args:      cargocli.AbsolutizePaths(args, e.Cwd),
			Cwd:       e.Cwd,
			FetchOnly: opts.FetchOnly,
		},
		WorkDir: work,
	}
	plan := &policy.Plan{Tool: "cargo", Args: inv.Args, Toolchain: tc.Name, ToolchainSource: tc.Source}
	info := &policy.InstallInfo{WorkDir: work, Staging: staging, Force: spec.Force,
		Root: install.RootFor(spec, e.Cwd, e.get("CARGO_INSTALL_ROOT"), homes.CargoHome)}

	if spec.Path != "" {
		manifest, err := workspace.FindManifest(absFrom(e.Cwd, spec.Path, ""))
		if err != nil {
			return nil, fmt.Errorf("cargo install --path: %w", err)
		}
		ws, err := workspace.Find(manifest)
		if err != nil {
			return nil, fmt.Errorf("reading the workspace: %w", err)
		}
		if err := planWorkspace(e, homes, inv, class, ws, filepath.Dir(manifest), &req.CargoRequest, plan); err != nil {
			return nil, err
		}
		for _, m := range ws.Manifests {
			if m.Package != nil {
				info.Packages = append(info.Packages, m.Package.Name)
			}
		}
		req.FromPath = true
		if req.FetchReason == "" && opts.FetchOnly {
			req.FetchReason = "requested with --fetch-only"
		}
	} else {
		shell, err := spec.ShellManifest()
		if err != nil {
			return nil, err
		}
		info.Shell = filepath.Join(policy.InstallShellDir(work), "Cargo.toml")
		if spec.Git == "" {
			for _, c := range spec.Crates {
				name, _, _ := strings.Cut(c, "@")
				info.Packages = append(info.Packages, name)
			}
		}
		info.ShellManifest = shell
		req.FetchArgs = fetchArgs(inv, e.Cwd)
	}
	if !visible(req.CargoRequest, e.Cwd) {
		req.Cwd = homes.Home
	}
	plan.Phases = policy.ForInstall(req)
	if spec.Locked && spec.Path == "" && spec.Git == "" && len(spec.Crates) == 1 {
		// cargo install --locked builds with the package's own Cargo.lock:
		// fetch what it names, from a copy of the downloaded package.
		info.PackageCopy = filepath.Join(work, "pkg")
		info.Package, _, _ = strings.Cut(spec.Crates[0], "@")
		locked := policy.FetchManifest(req.CargoRequest, filepath.Join(info.PackageCopy, "Cargo.toml"), "--locked")
		locked.Reason = "cargo install --locked uses the package's own Cargo.lock"
		plan.Phases = append(plan.Phases[:1], append([]policy.Phase{locked}, plan.Phases[1:]...)...)
	}
	plan.Install = info
	return plan, nil
}

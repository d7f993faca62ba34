package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"airlock/internal/install"
	"airlock/internal/policy"
	"airlock/internal/workspace"
)

// prepareInstall writes the shell package that fetches an install's
// package and dependencies.
func prepareInstall(info *policy.InstallInfo) error {
	if info.Shell == "" {
		return nil
	}
	dir := filepath.Dir(info.Shell)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(info.Shell, []byte(info.ShellManifest), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "lib.rs"), nil, 0o600)
}

// beforePhase copies the downloaded package for a --locked install's
// second fetch, which needs the package's own Cargo.lock.
func beforePhase(info *policy.InstallInfo, ph policy.Phase, cargoHome string) error {
	if info == nil || info.PackageCopy == "" || !strings.Contains(strings.Join(ph.Argv, " "), info.PackageCopy) {
		return nil
	}
	lock, err := workspace.ReadLock(filepath.Join(filepath.Dir(info.Shell), "Cargo.lock"))
	if err != nil {
		return err
	}
	for _, p := range lock.Packages {
		if p.Name != info.Package || p.Kind() != workspace.SourceRegistry {
			continue
		}
		srcs, _ := filepath.Glob(filepath.Join(cargoHome, "registry", "src", "*", p.Name+"-"+p.Version))
		if len(srcs) == 0 {
			return fmt.Errorf("the downloaded sources of %s %s are missing", p.Name, p.Version)
		}
		return copyTree(srcs[0], info.PackageCopy)
	}
	return fmt.Errorf("%s is not in the fetched lock file", info.Package)
}

// copyTree copies regular files and directories; symlinks and special files
// of the package are skipped.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case d.Type().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
		return nil
	})
}

// finishInstall moves the staged binaries into the real install root.
func finishInstall(info *policy.InstallInfo) error {
	bins, err := install.Merge(info.Staging, info.Root, info.Force, info.Packages)
	if err != nil {
		return fmt.Errorf("moving the installed binaries to %s: %w", info.Root, err)
	}
	for _, b := range bins {
		fmt.Fprintf(os.Stderr, "airlock: installed %s\n", b)
	}
	// cargo's own reminder, for the real root (cargo saw only the staging one).
	bin := filepath.Join(info.Root, "bin")
	onPath := false
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		onPath = onPath || filepath.Clean(d) == bin
	}
	if len(bins) > 0 && !onPath {
		fmt.Fprintf(os.Stderr, "warning: be sure to add `%s` to your PATH to be able to run the installed binaries\n", bin)
	}
	return nil
}

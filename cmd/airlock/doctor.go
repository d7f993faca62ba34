package main

import (
	"fmt"
	"os"
	"path/filepath"

	"airlock/internal/doctor"
	"airlock/internal/nest"
	"airlock/internal/planner"
)

// runDoctor checks the host and prints the fix for each problem.
func runDoctor(args []string) int {
	if len(args) > 0 {
		return fail(fmt.Errorf("doctor takes no arguments"))
	}
	checks := doctor.Bwrap()
	checks = append(checks, doctor.UserNamespaces(), doctor.Landlock(nest.ABI()))
	checks = append(checks, toolchainChecks()...)
	failed := 0
	for _, c := range checks {
		mark := "ok  "
		switch {
		case !c.OK:
			mark = "FAIL"
			failed++
		case c.Warn:
			mark = "warn"
		}
		fmt.Printf("[%s] %s: %s\n", mark, c.Name, c.Detail)
		if c.Fix != "" && (!c.OK || c.Warn) {
			fmt.Printf("       fix: %s\n", c.Fix)
		}
	}
	if failed > 0 {
		fmt.Printf("%d problem(s): airlock will refuse to run until they are fixed\n", failed)
		return 1
	}
	fmt.Println("airlock can sandbox cargo on this host")
	return 0
}

func toolchainChecks() []doctor.Check {
	env, err := hostEnv()
	if err != nil {
		return []doctor.Check{{Name: "environment", Detail: err.Error()}}
	}
	homes, err := planner.ResolveHomes(env)
	if err != nil {
		return []doctor.Check{{Name: "home", Detail: err.Error(), Fix: "set HOME"}}
	}
	var out []doctor.Check
	tc, err := planner.FindToolchain(env, homes, "", env.Cwd)
	if err != nil {
		out = append(out, doctor.Check{Name: "toolchain", Detail: err.Error(),
			Fix: "install Rust with rustup (https://rustup.rs) or set AIRLOCK_CARGO"})
	} else {
		out = append(out, doctor.Check{Name: "toolchain", OK: true,
			Detail: fmt.Sprintf("%s (%s), cargo at %s", tc.Name, tc.Source, tc.Bin("cargo"))})
	}
	if _, err := os.Stat(homes.CargoHome); err != nil {
		out = append(out, doctor.Check{Name: "CARGO_HOME", OK: true, Warn: true,
			Detail: homes.CargoHome + " does not exist yet; the first fetch creates it"})
	} else {
		out = append(out, doctor.Check{Name: "CARGO_HOME", OK: true, Detail: homes.CargoHome})
	}
	self, _ := os.Executable()
	selfReal, _ := filepath.EvalSymlinks(self)
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, "cargo")
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue
		}
		if real == selfReal {
			out = append(out, doctor.Check{Name: "cargo shim", OK: true, Detail: "`cargo` on PATH is airlock (" + p + ")"})
		} else {
			out = append(out, doctor.Check{Name: "cargo shim", OK: true, Warn: true,
				Detail: "`cargo` on PATH is " + p + ", not airlock: editors and scripts run it unsandboxed",
				Fix:    "airlock shims ~/.local/share/airlock/bin and put that directory first on PATH"})
		}
		break
	}
	return out
}

// shims creates DIR/cargo as a symlink to airlock.
func shims(args []string) int {
	if len(args) != 1 {
		return fail(fmt.Errorf("usage: airlock shims DIR"))
	}
	dir, err := filepath.Abs(args[0])
	if err != nil {
		return fail(err)
	}
	self, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(fmt.Errorf("creating %s: %w", dir, err))
	}
	for _, name := range []string{"cargo", "rust-analyzer"} {
		link := filepath.Join(dir, name)
		if cur, err := os.Readlink(link); err == nil && cur == self {
			continue
		}
		if _, err := os.Lstat(link); err == nil {
			return fail(fmt.Errorf("%s exists and is not a link to airlock; remove it first", link))
		}
		if err := os.Symlink(self, link); err != nil {
			return fail(fmt.Errorf("creating %s: %w", link, err))
		}
	}
	fmt.Printf("created %s/cargo and %s/rust-analyzer -> %s\nput %s first on PATH, e.g. in ~/.profile:\n  export PATH=%q:$PATH\n", dir, dir, self, dir, dir)
	return 0
}

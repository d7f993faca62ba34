package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"airlock/internal/testregistry"
	"airlock/internal/toolchain"
)

// plainCargo runs the toolchain's own cargo, unsandboxed, with the test's
// CARGO_HOME: the "build job without network" of a CI pipeline.
func (e *env) plainCargo(dir string, args ...string) result {
	e.t.Helper()
	tc, err := toolchain.Resolve(toolchain.Request{Dir: dir, RustupHome: e.rustup})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(args) > 0 && strings.HasPrefix(args[0], "+") {
		if tc, err = toolchain.Resolve(toolchain.Request{Plus: args[0][1:], Dir: dir, RustupHome: e.rustup}); err != nil {
			e.t.Fatal(err)
		}
		args = args[1:]
	}
	cmd := exec.Command(tc.Bin("cargo"), args...)
	cmd.Dir = dir
	// What the rustup proxy would arrange: the toolchain's own tools.
	cmd.Env = append(e.environ(), "RUSTC="+tc.Bin("rustc"), "RUSTDOC="+tc.Bin("rustdoc"))
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := e.exitCode(cmd.Run())
	return result{out.String(), errb.String(), code}
}

// hasToolchain says whether the test's RUSTUP_HOME has a toolchain.
func (e *env) hasToolchain(name string) bool {
	_, err := toolchain.Resolve(toolchain.Request{Plus: name, Dir: e.root, RustupHome: e.rustup})
	return err == nil
}

// contractWorkspace publishes crates and writes a workspace that uses every
// kind of dependency: normal, optional behind a feature, dev, build,
// target-specific, a member's own, and an excluded package.
func contractWorkspace(e *env) string {
	lib := func(name, body string) testregistry.Crate {
		return testregistry.Crate{Name: name, Version: "1.0.0", Files: map[string]string{"src/lib.rs": body}}
	}
	e.publish(
		lib("alpha", "pub fn alpha() -> u32 { 1 }"),
		lib("beta", "pub fn beta() -> u32 { 2 }"),
		lib("opt", "pub fn opt() -> u32 { 3 }"),
		lib("devdep", "pub fn devdep() -> u32 { 4 }"),
		lib("builddep", "pub fn builddep() -> u32 { 5 }"),
		lib("winonly", "pub fn winonly() -> u32 { 6 }"),
		lib("linuxonly", "pub fn linuxonly() -> u32 { 7 }"),
	)
	return e.project("contract", map[string]string{
		"Cargo.toml": "[workspace]\nmembers = [\"app\", \"lib*\"]\nexclude = [\"libexcluded\"]\nresolver = \"2\"\n",
		"app/Cargo.toml": `[package]
name = "app"
version = "0.1.0"
edition = "2021"

[features]
extra = ["dep:opt"]

[dependencies]
libone = { path = "../libone" }
alpha = "1"
opt = { version = "1", optional = true }

[target.'cfg(windows)'.dependencies]
winonly = "1"

[target.'cfg(target_os = "linux")'.dependencies]
linuxonly = "1"

[dev-dependencies]
devdep = "1"

[build-dependencies]
builddep = "1"
`,
		"app/build.rs": "fn main() { assert_eq!(builddep::builddep(), 5); }\n",
		"app/src/main.rs": `fn main() {
    let mut n = alpha::alpha() + libone::one() + linuxonly::linuxonly();
    #[cfg(feature = "extra")]
    { n += opt::opt(); }
    println!("n={}", n);
}
#[test]
fn uses_devdep() { assert_eq!(devdep::devdep(), 4); }
`,
		"libone/Cargo.toml":       "[package]\nname = \"libone\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nbeta = \"1\"\n",
		"libone/src/lib.rs":       "pub fn one() -> u32 { beta::beta() }\n",
		"libexcluded/Cargo.toml":  "[package]\nname = \"libexcluded\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nnothere = \"1\"\n",
		"libexcluded/src/lib.rs":  "",
		"outside/placeholder.txt": "",
		"ci.toml":                 "[net]\nretry = 1\n",
	})
}

// TestFetchOnlyContract: after `airlock --fetch-only cargo ARGS`, plain
// `cargo ARGS --offline` succeeds, and nothing was built by the fetch.
func TestFetchOnlyContract(t *testing.T) {
	host := toolchain.HostTriple()
	cases := []struct {
		name      string
		dir       string // relative to the workspace, "" for the root; ".." for outside
		args      []string
		toolchain string // needed toolchain, "" for the default
	}{
		{"build", "", []string{"build"}, ""},
		{"build from a member dir", "app", []string{"build"}, ""},
		{"build --target", "", []string{"build", "--target", host}, ""},
		{"build --all-features", "", []string{"build", "--all-features"}, ""},
		{"build --features", "app", []string{"build", "--features", "extra"}, ""},
		{"build --no-default-features", "", []string{"build", "--no-default-features"}, ""},
		{"build -p", "", []string{"build", "-p", "libone"}, ""},
		{"--config file, relative", "", []string{"--config", "ci.toml", "build"}, ""},
		{"test --workspace", "", []string{"test", "--workspace"}, ""},
		{"check --manifest-path from outside", "..", []string{"check", "--manifest-path", "contract/app/Cargo.toml"}, ""},
		{"build -C (nightly)", "..", []string{"+nightly", "-Zunstable-options", "-C", "contract", "build"}, "nightly"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if c.toolchain != "" && !e.hasToolchain(c.toolchain) {
				t.Skipf("toolchain %s is not installed in %s", c.toolchain, e.rustup)
			}
			ws := contractWorkspace(e)
			dir := filepath.Join(ws, c.dir)
			args := c.args

			r := e.mustRun(dir, append([]string{"--fetch-only", "cargo"}, args...)...)
			if len(e.requestsMatching("/dl/")) == 0 {
				t.Fatalf("--fetch-only downloaded nothing:\n%s", r)
			}
			if fileExists(filepath.Join(ws, "target")) {
				t.Fatalf("--fetch-only built something")
			}
			for _, name := range []string{"winonly", "linuxonly", "devdep", "builddep"} {
				if len(e.requestsMatching("/dl/"+name+"/")) != 1 {
					t.Errorf("%s was not fetched: %v", name, e.reg.Requests())
				}
			}

			e.reg.ResetLog()
			pr := e.plainCargo(dir, append(args, "--offline")...)
			if pr.code != 0 {
				t.Fatalf("plain cargo %s --offline failed after --fetch-only:\n%s", strings.Join(args, " "), pr)
			}
			if n := len(e.reg.Requests()); n != 0 {
				t.Fatalf("the offline build made %d requests", n)
			}
			// And airlock agrees that nothing is missing now.
			ar := e.mustRun(dir, append([]string{"cargo"}, args...)...)
			if strings.Contains(ar.stderr, "airlock: fetching") || len(e.reg.Requests()) != 0 {
				t.Fatalf("airlock fetched again after --fetch-only:\n%s\nrequests: %v", ar, e.reg.Requests())
			}
		})
	}
}

func TestFetchOnlyForCommandsThatDownloadNothing(t *testing.T) {
	e := newEnv(t)
	ws := contractWorkspace(e)
	r := e.mustRun(ws, "--fetch-only", "cargo", "clean")
	if !strings.Contains(r.stderr, "nothing to fetch") || len(e.reg.Requests()) != 0 {
		t.Fatalf("--fetch-only cargo clean:\n%s", r)
	}
}

func TestNewDependencyIsFetchedOnNextBuild(t *testing.T) {
	e := newEnv(t)
	ws := contractWorkspace(e)
	e.mustRun(ws, "cargo", "build")
	e.publish(testregistry.Crate{Name: "fresh", Version: "2.1.0", Files: map[string]string{"src/lib.rs": "pub fn fresh() -> u32 { 21 }"}})
	manifest := filepath.Join(ws, "libone", "Cargo.toml")
	data, _ := os.ReadFile(manifest)
	e.write(ws, map[string]string{
		"libone/Cargo.toml": string(data) + "fresh = \"2\"\n",
		"libone/src/lib.rs": "pub fn one() -> u32 { beta::beta() + fresh::fresh() }\n",
	})
	e.reg.ResetLog()
	r := e.mustRun(ws, "cargo", "run", "-q", "-p", "app")
	if !strings.Contains(r.stdout, "n=31") {
		t.Fatalf("the new dependency was not used:\n%s", r)
	}
	if len(e.requestsMatching("/dl/fresh/2.1.0")) != 1 {
		t.Fatalf("the new dependency was not fetched: %v", e.reg.Requests())
	}
}

// TestOfflineMissIsExplainedAndRecovered: when the planner's view of the
// caches is wrong, the offline run fails; airlock says what was missing and
// how to fetch it, fetches once, and runs again. The planner accepts a
// crate extracted under any registry's directory (it does not recompute
// cargo's directory hash), so a crate present only under another
// registry's directory is such a blind spot.
func TestOfflineMissIsExplainedAndRecovered(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	e.mustRun(app, "cargo", "build")
	srcs, _ := filepath.Glob(filepath.Join(e.cargoHome, "registry", "src", "*", "adder-0.3.1"))
	caches, _ := filepath.Glob(filepath.Join(e.cargoHome, "registry", "cache", "*", "adder-0.3.1.crate"))
	if len(srcs) != 1 || len(caches) != 1 {
		t.Fatalf("unexpected cache layout: %v %v", srcs, caches)
	}
	other := filepath.Join(e.cargoHome, "registry", "src", "other-registry-0123456789abcdef")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(srcs[0], filepath.Join(other, "adder-0.3.1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(caches[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(app, "target")); err != nil {
		t.Fatal(err)
	}
	e.reg.ResetLog()
	r := e.run(app, "cargo", "build")
	if !strings.Contains(r.stderr, "airlock: the offline run lacked a download") ||
		!strings.Contains(r.stderr, "airlock --fetch-only cargo build") {
		t.Fatalf("the offline miss was not explained:\n%s", r)
	}
	if r.code != 0 {
		t.Fatalf("airlock did not recover by fetching once:\n%s", r)
	}
	if len(e.requestsMatching("/dl/adder/0.3.1")) != 1 {
		t.Fatalf("adder was not fetched again: %v", e.reg.Requests())
	}
}

// TestLockfilePath: a lock file the user placed elsewhere
// (CARGO_RESOLVER_LOCKFILE_PATH, nightly cargo) is the one airlock reads for
// the warm check and lets cargo write; a project's config cannot place it
// outside the workspace.
func TestLockfilePath(t *testing.T) {
	e := newEnv(t)
	if !e.hasToolchain("nightly") {
		t.Skipf("no nightly toolchain in %s: resolver.lockfile-path is unstable on stable cargo", e.rustup)
	}
	app := publishTwoDeps(e)
	lock := filepath.Join(e.root, "locks", "Cargo.lock")
	e.extraEnv = append(e.extraEnv, "CARGO_RESOLVER_LOCKFILE_PATH="+lock)

	e.mustRun(app, "--fetch-only", "cargo", "+nightly", "build")
	if !strings.Contains(mustRead(t, lock), `name = "adder"`) {
		t.Fatalf("the lock file was not written where the user chose")
	}
	if fileExists(filepath.Join(app, "Cargo.lock")) {
		t.Fatalf("a lock file was written into the workspace too")
	}
	if pr := e.plainCargo(app, "+nightly", "build", "--offline"); pr.code != 0 {
		t.Fatalf("plain cargo --offline after --fetch-only:\n%s", pr)
	}
	e.reg.ResetLog()
	r := e.mustRun(app, "cargo", "+nightly", "build")
	if strings.Contains(r.stderr, "airlock: fetching") || len(e.reg.Requests()) != 0 {
		t.Fatalf("warm build with the lock file elsewhere fetched:\n%s", r)
	}

	// The project's own config cannot choose where the lock file goes.
	elsewhere := filepath.Join(e.home, "planted", "Cargo.lock")
	e.extraEnv = nil
	e.write(app, map[string]string{".cargo/config.toml": "[resolver]\nlockfile-path = \"" + elsewhere + "\"\n"})
	r = e.run(app, "cargo", "+nightly", "build")
	if r.code == 0 || !strings.Contains(r.stderr, "outside the workspace") {
		t.Fatalf("a project-chosen lock file outside the workspace was accepted:\n%s", r)
	}
	if fileExists(elsewhere) {
		t.Fatalf("the planted lock file path was created")
	}
}

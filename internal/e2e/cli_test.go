package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestShimIsADropInCargo(t *testing.T) {
	e := newEnv(t)
	shimDir := filepath.Join(e.root, "shims")
	e.mustRun(e.root, "shims", shimDir)
	app := e.project("shimmed", map[string]string{
		"Cargo.toml":  "[package]\nname = \"shimmed\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs": "fn main() { println!(\"mode={}\", std::env::var(\"APP_MODE\").unwrap_or_default()); }\n",
	})
	// The shim comes first on PATH, as for an editor or a Makefile.
	e.path = shimDir + ":" + e.path
	cmd := exec.Command(filepath.Join(shimDir, "cargo"), "run", "-q", "--airlock-env=APP_MODE=shim")
	cmd.Dir = app
	cmd.Env = e.environ()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cargo through the shim: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != "mode=shim" {
		t.Fatalf("shim grant syntax did not reach the program: %q", out)
	}
	// +toolchain keeps working through the shim.
	cmd = exec.Command(filepath.Join(shimDir, "cargo"), "+stable", "--version")
	cmd.Dir = app
	cmd.Env = e.environ()
	if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "cargo ") {
		t.Fatalf("cargo +stable --version through the shim: %v\n%s", err, out)
	}
}

func TestShimNeverRunsItself(t *testing.T) {
	e := newEnv(t)
	shimDir := filepath.Join(e.root, "shims")
	e.mustRun(e.root, "shims", shimDir)
	app := e.project("norustup", map[string]string{
		"Cargo.toml":  "[package]\nname = \"norustup\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs": "fn main() {}\n",
	})
	// No rustup, and the only cargo on PATH is the shim: a clear error, no
	// recursion.
	e.rustup = filepath.Join(e.root, "no-rustup")
	bwrap, _ := exec.LookPath("bwrap")
	e.path = shimDir + ":" + filepath.Dir(bwrap)
	cmd := exec.Command(filepath.Join(shimDir, "cargo"), "build")
	cmd.Dir = app
	cmd.Env = e.environ()
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the shim ran with no real cargo:\n%s", out)
	}
	if !strings.Contains(string(out), "other than airlock itself") {
		t.Fatalf("unclear error:\n%s", out)
	}
}

func TestBadInputGetsAClearError(t *testing.T) {
	e := newEnv(t)
	good := e.project("good", map[string]string{
		"Cargo.toml":  "[package]\nname = \"good\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs": "fn main() {}\n",
	})
	bad := e.project("bad", map[string]string{
		"Cargo.toml":  "[package\nname = \"bad\"\n",
		"src/main.rs": "fn main() {}\n",
	})
	empty := filepath.Join(e.root, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		dir  string
		args []string
		want string
	}{
		{"no workspace", empty, []string{"cargo", "build"}, "could not find Cargo.toml"},
		{"malformed manifest", bad, []string{"cargo", "build"}, "parsing " + filepath.Join(bad, "Cargo.toml")},
		{"unknown airlock flag", good, []string{"--bogus", "cargo", "build"}, `unknown airlock flag "--bogus"`},
		{"grant that does not exist", good, []string{"--ro", "/does/not/exist", "cargo", "build"}, "--ro /does/not/exist: the path does not exist"},
		{"grant env that is unset", good, []string{"--env", "AIRLOCK_SURELY_UNSET", "cargo", "build"}, "AIRLOCK_SURELY_UNSET is not set"},
		{"unknown tool", good, []string{"make"}, `unknown command or tool "make"`},
		{"toolchain not installed", good, []string{"cargo", "+airlock-no-such-toolchain", "build"}, "rustup toolchain install airlock-no-such-toolchain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.run(c.dir, c.args...)
			if r.code == 0 {
				t.Fatalf("exit 0 for bad input:\n%s", r)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Fatalf("stderr lacks %q:\n%s", c.want, r.stderr)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines > 2 {
				t.Errorf("error takes %d lines, want at most 2:\n%s", lines, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(c.dir, "target")); err == nil {
				t.Error("something was built")
			}
		})
	}
}

func TestDoctor(t *testing.T) {
	e := newEnv(t)
	r := e.run(e.root, "doctor")
	if r.code != 0 || !strings.Contains(r.stdout, "[ok  ] sandbox") || !strings.Contains(r.stdout, "[ok  ] toolchain") {
		t.Fatalf("doctor on a working host:\n%s", r)
	}
	e.path = filepath.Join(e.root, "nothing")
	r = e.run(e.root, "doctor")
	if r.code == 0 || !strings.Contains(r.stdout, "[FAIL] bubblewrap") || !strings.Contains(r.stdout, "fix: apt-get install bubblewrap") {
		t.Fatalf("doctor without bwrap:\n%s", r)
	}
}

func TestExplainHumanReadable(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	r := e.mustRun(app, "explain", "--rw", e.root, "cargo", "test")
	for _, want := range []string{
		"phase 1: fetch", "runs because: there is no Cargo.lock yet", "phase 2: run", "network: none",
		"rw      " + filepath.Join(app, "target"), "ro      " + app, "granted by --rw", "CARGO_NET_OFFLINE=true",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain output lacks %q", want)
		}
	}
	if len(e.reg.Requests()) != 0 || fileExists(filepath.Join(app, "target")) {
		t.Errorf("explain ran something")
	}
	if t.Failed() {
		t.Log(r.stdout)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestCargoClean: a plain clean removes the whole target directory (the
// sandbox's mount point, so airlock does it), a selective one runs in the
// sandbox; both exit 0 as with cargo.
func TestCargoClean(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	e.mustRun(app, "cargo", "build", "-q")
	r := e.mustRun(app, "cargo", "clean", "-p", "app")
	if !strings.Contains(r.stderr, "Removed") || !fileExists(filepath.Join(app, "target")) {
		t.Fatalf("cargo clean -p:\n%s", r)
	}
	r = e.mustRun(app, "cargo", "clean")
	if !strings.Contains(r.stderr, "     Removed ") || !strings.Contains(r.stderr, " files, ") {
		t.Fatalf("cargo clean said:\n%s", r)
	}
	if fileExists(filepath.Join(app, "target")) {
		t.Fatal("cargo clean left the target directory")
	}
	if r := e.mustRun(app, "cargo", "clean"); !strings.Contains(r.stderr, "Removed 0 files") {
		t.Fatalf("a second cargo clean said:\n%s", r)
	}
}

// TestThirdPartySubcommandOnPath: a cargo-NAME on the user's PATH outside
// what the sandbox sees is named with the grant that makes it run; with the
// grant, its directory joins the sandbox's PATH.
func TestThirdPartySubcommandOnPath(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	bin := filepath.Join(e.root, "plugins")
	e.write(bin, map[string]string{"cargo-hello": "#!/bin/sh\necho hello from the plugin\n"})
	if err := os.Chmod(filepath.Join(bin, "cargo-hello"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.path = bin + ":" + e.path
	r := e.run(app, "cargo", "hello")
	if r.code == 0 || !strings.Contains(r.stderr, "airlock --ro "+bin+" cargo hello") {
		t.Fatalf("an ungranted plugin:\n%s", r)
	}
	r = e.mustRun(app, "--ro", bin, "cargo", "hello")
	if strings.TrimSpace(r.stdout) != "hello from the plugin" {
		t.Fatalf("the granted plugin did not run:\n%s", r)
	}
}

// TestCargoNewAndInit: new and init write the new package (and its git
// repository, following the user's git settings), offline, and nothing else.
func TestCargoNewAndInit(t *testing.T) {
	e := newEnv(t)
	e.write(e.home, map[string]string{".gitconfig": "[init]\n\tdefaultBranch = trunk\n"})
	e.write(e.root, map[string]string{"neighbour/keep.txt": "keep\n"})
	e.mustRun(e.root, "cargo", "new", "hello")
	if got := mustRead(t, filepath.Join(e.root, "hello", ".git", "HEAD")); got != "ref: refs/heads/trunk\n" {
		t.Errorf("the new repository ignored the user's git settings: HEAD %q", got)
	}
	r := e.mustRun(filepath.Join(e.root, "hello"), "cargo", "run", "-q")
	if strings.TrimSpace(r.stdout) != "Hello, world!" {
		t.Fatalf("the new package does not run:\n%s", r)
	}
	lib := filepath.Join(e.root, "existing")
	e.write(lib, map[string]string{"README": "mine\n"})
	e.mustRun(lib, "cargo", "init", "--lib", "--vcs", "none")
	if !fileExists(filepath.Join(lib, "Cargo.toml")) || !fileExists(filepath.Join(lib, "src", "lib.rs")) {
		t.Fatal("cargo init did not create the package")
	}
	mustEqualFile(t, filepath.Join(lib, "README"), "mine\n")
	mustEqualFile(t, filepath.Join(e.root, "neighbour", "keep.txt"), "keep\n")
}

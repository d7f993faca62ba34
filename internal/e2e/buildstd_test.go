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

// TestBuildStdFetchesSysrootDependencies: -Zbuild-std builds the standard
// library from the toolchain's rust-src, whose workspace has dependencies
// of its own. The machine's toolchains ship no rust-src, so the test links
// a toolchain (as `rustup toolchain link` does) made of the nightly
// toolchain's files plus a library workspace that depends on a crate of the
// test registry, and checks that --fetch-only downloads it.
func TestBuildStdFetchesSysrootDependencies(t *testing.T) {
	e := newEnv(t)
	nightly, err := toolchain.Resolve(toolchain.Request{Plus: "nightly", Dir: e.root, RustupHome: e.rustup})
	if err != nil {
		t.Skipf("no nightly toolchain (needed for -Z flags): %v", err)
	}
	if _, err := os.Stat(filepath.Join(nightly.Dir, "lib/rustlib/src/rust/library/Cargo.toml")); err == nil {
		t.Log("nightly has rust-src; the test still uses its own linked toolchain")
	}
	// A RUSTUP_HOME of the test's own: the default toolchain, and "linked".
	rh := filepath.Join(e.root, "rustup")
	linked := filepath.Join(rh, "toolchains", "linked")
	if err := os.MkdirAll(filepath.Dir(linked), 0o755); err != nil {
		t.Fatal(err)
	}
	realNightly, _ := filepath.EvalSymlinks(nightly.Dir)
	if out, err := exec.Command("cp", "-al", realNightly, linked).CombinedOutput(); err != nil {
		t.Skipf("cannot hard-link the nightly toolchain here (%v: %s)", err, out)
	}
	e.write(rh, map[string]string{"settings.toml": "version = \"12\"\ndefault_toolchain = \"linked\"\n"})
	e.rustup = rh

	e.publish(testregistry.Crate{Name: "stddep", Version: "0.9.0", Files: map[string]string{"src/lib.rs": ""}})
	lib := filepath.Join(linked, "lib/rustlib/src/rust/library")
	e.write(lib, map[string]string{
		"Cargo.toml": "[workspace]\nmembers = [\"std\"]\nresolver = \"2\"\n",
		"std/Cargo.toml": "[package]\nname = \"std\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nstddep = \"0.9\"\n\n" +
			"[features]\ndefault = []\nbacktrace = []\npanic-unwind = []\n",
		"std/src/lib.rs": "",
		"Cargo.lock": "version = 4\n\n[[package]]\nname = \"std\"\nversion = \"0.0.0\"\ndependencies = [\"stddep\"]\n\n" +
			"[[package]]\nname = \"stddep\"\nversion = \"0.9.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n" +
			"checksum = \"" + e.reg.Checksum("stddep", "0.9.0") + "\"\n",
	})
	app := publishTwoDeps(e)

	r := e.run(app, "explain", "cargo", "build", "-Zbuild-std", "--target", toolchain.HostTriple())
	if !strings.Contains(r.stdout, "fetch --locked --manifest-path "+filepath.Join(lib, "Cargo.toml")) {
		t.Fatalf("the plan has no sysroot fetch:\n%s", r)
	}
	r = e.run(app, "--fetch-only", "cargo", "build", "-Zbuild-std", "--target", toolchain.HostTriple())
	if len(e.requestsMatching("/dl/stddep/0.9.0")) != 1 {
		t.Fatalf("the standard library's dependency was not fetched: %v\n%s", e.reg.Requests(), r)
	}
	if len(e.requestsMatching("/dl/adder/")) != 1 {
		t.Fatalf("the workspace's dependencies were not fetched: %v\n%s", e.reg.Requests(), r)
	}
}

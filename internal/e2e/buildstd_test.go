package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"airlock/internal/toolchain"
)

// TestBuildStdFetchesSysrootDependencies: -Zbuild-std builds the standard
// library from the toolchain's rust-src, whose workspace has dependencies
// of its own. The test links a toolchain made of the nightly toolchain's
// files plus a library workspace that depends on a crate of the test
// registry (the real one needs crates.io), and checks that --fetch-only
// downloads it.
func TestBuildStdFetchesSysrootDependencies(t *testing.T) {
	e := newEnv(t)
	nightly, err := toolchain.Resolve(toolchain.Request{Plus: "nightly", Dir: e.root, RustupHome: e.rustup})
	if err != nil {
		t.Skipf("no nightly toolchain (needed for -Z flags): %v", err)
	}
	lib := e.fakeLibrary(e.linkToolchain(nightly))
	app := publishTwoDeps(e)

	r := e.run(app, "explain", "cargo", "build", "-Zbuild-std", "--target", toolchain.HostTriple())
	if !strings.Contains(r.stdout, "fetch --locked --manifest-path "+filepath.Join(lib, "Cargo.toml")) {
		t.Fatalf("the plan has no sysroot fetch:\n%s", r)
	}
	// cargo miri builds its sysroot the same way. (Miri itself is not
	// installed here, so only the plan is checked.)
	r = e.run(app, "explain", "cargo", "miri", "test")
	if !strings.Contains(r.stdout, "fetch --locked --manifest-path "+filepath.Join(lib, "Cargo.toml")) {
		t.Fatalf("the cargo miri plan has no sysroot fetch:\n%s", r)
	}
	r = e.run(app, "--fetch-only", "cargo", "build", "-Zbuild-std", "--target", toolchain.HostTriple())
	if len(e.requestsMatching("/dl/stddep/0.9.0")) != 1 {
		t.Fatalf("the standard library's dependency was not fetched: %v\n%s", e.reg.Requests(), r)
	}
	if len(e.requestsMatching("/dl/adder/")) != 1 {
		t.Fatalf("the workspace's dependencies were not fetched: %v\n%s", e.reg.Requests(), r)
	}
}

package e2e

import (
	"path/filepath"

	"airlock/internal/testtoolchain"
	"airlock/internal/toolchain"
)

// linkToolchain gives the test a RUSTUP_HOME of its own whose default
// toolchain is base's files without rust-src (see testtoolchain.Link).
func (e *env) linkToolchain(base toolchain.Toolchain) string {
	e.t.Helper()
	rh := filepath.Join(e.root, "rustup")
	linked, err := testtoolchain.Link(base.Dir, rh)
	if err != nil {
		e.t.Fatal(err)
	}
	e.rustup = rh
	return linked
}

// fakeLibrary gives a linked toolchain a rust-src library workspace whose
// std depends on stddep 0.9.0 from the test registry.
func (e *env) fakeLibrary(linked string) string {
	e.t.Helper()
	lib, err := testtoolchain.FakeLibrary(linked, e.reg)
	if err != nil {
		e.t.Fatal(err)
	}
	return lib
}

package e2e

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"airlock/internal/testregistry"
	"airlock/internal/toolchain"
)

// linkToolchain makes a toolchain of the test's own, as `rustup toolchain
// link` would register one, out of an installed toolchain: the test owns its
// rust-src, whether or not the machine's toolchain has one, and never writes
// into the real toolchain. Files are hard-linked where the kernel allows it
// (root) and copied where not (another user's files); the docs are left out.
// The test's RUSTUP_HOME then has "linked" as its default toolchain.
func (e *env) linkToolchain(base toolchain.Toolchain) string {
	e.t.Helper()
	real, err := filepath.EvalSymlinks(base.Dir)
	if err != nil {
		e.t.Fatal(err)
	}
	rh := filepath.Join(e.root, "rustup")
	linked := filepath.Join(rh, "toolchains", "linked")
	for _, top := range []string{"bin", "lib", "libexec"} {
		err := filepath.WalkDir(filepath.Join(real, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(real, p)
			dst := filepath.Join(linked, rel)
			switch {
			case rel == filepath.Join("lib", "rustlib", "src"):
				return fs.SkipDir // the test's own
			case d.IsDir():
				return os.MkdirAll(dst, 0o755)
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				return os.Symlink(target, dst)
			}
			if os.Link(p, dst) == nil {
				return nil
			}
			return copyFile(p, dst)
		})
		if err != nil && !(top == "libexec" && errors.Is(err, fs.ErrNotExist)) {
			e.t.Fatalf("linking the toolchain: %v", err)
		}
	}
	e.write(rh, map[string]string{"settings.toml": "version = \"12\"\ndefault_toolchain = \"linked\"\n"})
	e.rustup = rh
	return linked
}

// fakeLibrary gives a linked toolchain a rust-src library workspace whose
// std depends on stddep 0.9.0 from the test registry, with a lock file.
func (e *env) fakeLibrary(linked string) string {
	e.t.Helper()
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
	return lib
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

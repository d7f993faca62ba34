// Package testtoolchain makes toolchains of a test's own, the way `rustup
// toolchain link` registers one: an installed toolchain's files plus a rust-src
// library workspace the test controls. The real library workspace depends on
// crates.io; a hermetic test or benchmark needs one whose dependencies its own
// registry serves, whether or not the machine's toolchain has rust-src.
package testtoolchain

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"airlock/internal/testregistry"
)

// Name is the toolchain name Link registers.
const Name = "linked"

// Link makes rustupHome/toolchains/linked out of the toolchain at baseDir
// and makes it rustupHome's default. Files are hard-linked where the kernel
// allows it (root) and copied where not (another user's files); the docs
// and any rust-src are left out, so nothing is ever written into baseDir.
// rustc finds its sysroot from the librustc_driver it loaded, so symlinks
// to the base toolchain would not do.
func Link(baseDir, rustupHome string) (string, error) {
	real, err := filepath.EvalSymlinks(baseDir)
	if err != nil {
		return "", fmt.Errorf("resolving the base toolchain: %w", err)
	}
	linked := filepath.Join(rustupHome, "toolchains", Name)
	for _, top := range []string{"bin", "lib", "libexec"} {
		err := filepath.WalkDir(filepath.Join(real, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(real, p)
			dst := filepath.Join(linked, rel)
			switch {
			case rel == filepath.Join("lib", "rustlib", "src"):
				return fs.SkipDir
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
			return "", fmt.Errorf("linking the toolchain %s: %w", real, err)
		}
	}
	settings := "version = \"12\"\ndefault_toolchain = \"" + Name + "\"\n"
	if err := os.WriteFile(filepath.Join(rustupHome, "settings.toml"), []byte(settings), 0o644); err != nil {
		return "", err
	}
	return linked, nil
}

// FakeLibrary gives a linked toolchain a rust-src library workspace whose
// std depends on stddep 0.9.0, published to reg, with a lock file. It
// returns the library directory.
func FakeLibrary(linked string, reg *testregistry.Registry) (string, error) {
	if err := reg.Publish(testregistry.Crate{Name: "stddep", Version: "0.9.0", Files: map[string]string{"src/lib.rs": ""}}); err != nil {
		return "", err
	}
	lib := filepath.Join(linked, "lib", "rustlib", "src", "rust", "library")
	files := map[string]string{
		"Cargo.toml": "[workspace]\nmembers = [\"std\"]\nresolver = \"2\"\n",
		"std/Cargo.toml": "[package]\nname = \"std\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\nstddep = \"0.9\"\n\n" +
			"[features]\ndefault = []\nbacktrace = []\npanic-unwind = []\n",
		"std/src/lib.rs": "",
		"Cargo.lock": "version = 4\n\n[[package]]\nname = \"std\"\nversion = \"0.0.0\"\ndependencies = [\"stddep\"]\n\n" +
			"[[package]]\nname = \"stddep\"\nversion = \"0.9.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n" +
			"checksum = \"" + reg.Checksum("stddep", "0.9.0") + "\"\n",
	}
	for name, body := range files {
		p := filepath.Join(lib, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return "", err
		}
	}
	return lib, nil
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

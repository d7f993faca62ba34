package toolchain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const host = "x86_64-unknown-linux-gnu"

// fakeRustup makes a RUSTUP_HOME with settings.toml and installed toolchains
// (each a toolchains/<name>/bin/cargo file).
func fakeRustup(t *testing.T, settings string, installed ...string) string {
	t.Helper()
	home := t.TempDir()
	if settings != "" {
		write(t, filepath.Join(home, "settings.toml"), settings)
	}
	for _, name := range installed {
		write(t, filepath.Join(home, "toolchains", name, "bin", "cargo"), "#!/bin/sh\n")
	}
	return home
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// realTempDir is t.TempDir() with symlinks resolved, as Resolve reports
// directories by their physical path.
func realTempDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mkdir(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResolvePrecedence(t *testing.T) {
	all := []string{"stable-" + host, "beta-" + host, "nightly-" + host, "1.70.0-" + host,
		"1.75.0-" + host, "1.80.0-" + host, "mine", "nightly-2024-01-01-" + host}

	// Layout: proj/ (overridden in settings), proj/sub/ (toolchain file),
	// proj/sub/deep/ (where commands run), other/ (nothing).
	type layout struct {
		overrides map[string]string // relative dir -> toolchain
		files     map[string]string // relative path -> content
	}
	cases := []struct {
		name       string
		plus, env  string
		dir        string // relative to the project tree
		lay        layout
		wantName   string
		wantSource string // substring; "<root>" is replaced by the tree root
	}{
		{
			name:       "default",
			dir:        "a",
			wantName:   "stable-" + host,
			wantSource: "rustup default",
		},
		{
			name:       "plus beats everything",
			plus:       "nightly",
			env:        "beta",
			dir:        "a",
			lay:        layout{overrides: map[string]string{"a": "1.70.0"}, files: map[string]string{"a/rust-toolchain.toml": "[toolchain]\nchannel = \"1.75.0\"\n"}},
			wantName:   "nightly-" + host,
			wantSource: "+nightly on the command line",
		},
		{
			name:       "RUSTUP_TOOLCHAIN beats override and file",
			env:        "beta",
			dir:        "a",
			lay:        layout{overrides: map[string]string{"a": "1.70.0"}, files: map[string]string{"a/rust-toolchain.toml": "[toolchain]\nchannel = \"1.75.0\"\n"}},
			wantName:   "beta-" + host,
			wantSource: "RUSTUP_TOOLCHAIN",
		},
		{
			name:       "override beats a toolchain file in the same directory",
			dir:        "a",
			lay:        layout{overrides: map[string]string{"a": "1.70.0"}, files: map[string]string{"a/rust-toolchain.toml": "[toolchain]\nchannel = \"1.75.0\"\n"}},
			wantName:   "1.70.0-" + host,
			wantSource: "rustup override for <root>/a",
		},
		{
			name:       "override for an ancestor beats a toolchain file in a further ancestor",
			dir:        "a/b/c",
			lay:        layout{overrides: map[string]string{"a/b": "1.70.0"}, files: map[string]string{"a/rust-toolchain.toml": "[toolchain]\nchannel = \"1.75.0\"\n"}},
			wantName:   "1.70.0-" + host,
			wantSource: "rustup override for <root>/a/b",
		},
		{
			// rustup walks up one directory at a time, checking the override
			// database and then the toolchain files at each level.
			name:       "toolchain file nearer than an ancestor override wins, as in rustup",
			dir:        "a/b/c",
			lay:        layout{overrides: map[string]string{"a": "1.70.0"}, files: map[string]string{"a/b/rust-toolchain.toml": "[toolchain]\nchannel = \"1.75.0\"\n"}},
			wantName:   "1.75.0-" + host,
			wantSource: "<root>/a/b/rust-toolchain.toml",
		},
		{
			name:       "override for another directory does not apply",
			dir:        "a",
			lay:        layout{overrides: map[string]string{"other": "1.70.0", "a/b": "1.75.0"}},
			wantName:   "stable-" + host,
			wantSource: "rustup default",
		},
		{
			name:       "rust-toolchain.toml in the directory beats default",
			dir:        "a",
			lay:        layout{files: map[string]string{"a/rust-toolchain.toml": "[toolchain]\nchannel = \"nightly\"\ncomponents = [\"rustfmt\"]\n"}},
			wantName:   "nightly-" + host,
			wantSource: "<root>/a/rust-toolchain.toml",
		},
		{
			name:       "rust-toolchain.toml in an ancestor",
			dir:        "a/b/c",
			lay:        layout{files: map[string]string{"a/rust-toolchain.toml": "[toolchain]\nchannel = \"1.80.0\"\n"}},
			wantName:   "1.80.0-" + host,
			wantSource: "<root>/a/rust-toolchain.toml",
		},
		{
			name:       "nearest toolchain file wins",
			dir:        "a/b",
			lay:        layout{files: map[string]string{"a/rust-toolchain.toml": "[toolchain]\nchannel = \"1.80.0\"\n", "a/b/rust-toolchain": "beta\n"}},
			wantName:   "beta-" + host,
			wantSource: "<root>/a/b/rust-toolchain",
		},
		{
			name:       "legacy rust-toolchain with a bare channel",
			dir:        "a",
			lay:        layout{files: map[string]string{"a/rust-toolchain": "  1.75.0 \n"}},
			wantName:   "1.75.0-" + host,
			wantSource: "<root>/a/rust-toolchain",
		},
		{
			name:       "legacy rust-toolchain in TOML",
			dir:        "a",
			lay:        layout{files: map[string]string{"a/rust-toolchain": "[toolchain]\nchannel = \"nightly-2024-01-01\"\n"}},
			wantName:   "nightly-2024-01-01-" + host,
			wantSource: "<root>/a/rust-toolchain",
		},
		{
			name:       "legacy rust-toolchain preferred to rust-toolchain.toml, as in rustup",
			dir:        "a",
			lay:        layout{files: map[string]string{"a/rust-toolchain": "beta", "a/rust-toolchain.toml": "[toolchain]\nchannel = \"nightly\"\n"}},
			wantName:   "beta-" + host,
			wantSource: "<root>/a/rust-toolchain",
		},
		{
			name:       "fully qualified name kept",
			plus:       "stable-" + host,
			dir:        "a",
			wantName:   "stable-" + host,
			wantSource: "+stable-" + host,
		},
		{
			name:       "custom (linked) toolchain name used as is",
			plus:       "mine",
			dir:        "a",
			wantName:   "mine",
			wantSource: "+mine",
		},
		{
			name:       "dated nightly expands with the host",
			env:        "nightly-2024-01-01",
			dir:        "a",
			wantName:   "nightly-2024-01-01-" + host,
			wantSource: "RUSTUP_TOOLCHAIN",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := realTempDir(t)
			for _, d := range []string{"a/b/c", "other"} {
				mkdir(t, filepath.Join(root, d))
			}
			var st strings.Builder
			// default_host_triple pins the host so the test does not depend on GOARCH.
			fmt.Fprintf(&st, "version = \"12\"\ndefault_host_triple = %q\ndefault_toolchain = \"stable\"\nprofile = \"default\"\n\n[overrides]\n", host)
			for d, tc := range c.lay.overrides {
				fmt.Fprintf(&st, "%q = %q\n", filepath.Join(root, d), tc)
			}
			for p, content := range c.lay.files {
				write(t, filepath.Join(root, p), content)
			}
			home := fakeRustup(t, st.String(), all...)

			tc, err := Resolve(Request{Plus: c.plus, Env: c.env, Dir: filepath.Join(root, c.dir), RustupHome: home})
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if tc.Name != c.wantName {
				t.Errorf("Name = %q, want %q", tc.Name, c.wantName)
			}
			if want := filepath.Join(home, "toolchains", c.wantName); tc.Dir != want {
				t.Errorf("Dir = %q, want %q", tc.Dir, want)
			}
			if want := filepath.Join(home, "toolchains", c.wantName, "bin", "cargo"); tc.Bin("cargo") != want {
				t.Errorf("Bin(cargo) = %q, want %q", tc.Bin("cargo"), want)
			}
			wantSource := strings.ReplaceAll(c.wantSource, "<root>", root)
			if !strings.Contains(tc.Source, wantSource) {
				t.Errorf("Source = %q, want it to contain %q", tc.Source, wantSource)
			}
		})
	}
}

func TestResolveHostTriple(t *testing.T) {
	// Without default_host_triple, short names expand with HostTriple().
	h := HostTriple()
	home := fakeRustup(t, "default_toolchain = \"stable\"\n", "stable-"+h)
	tc, err := Resolve(Request{Dir: t.TempDir(), RustupHome: home})
	if err != nil {
		t.Fatal(err)
	}
	if tc.Name != "stable-"+h {
		t.Fatalf("Name = %q, want %q", tc.Name, "stable-"+h)
	}

	// default_host_triple wins over the built-in host.
	other := "aarch64-unknown-linux-musl"
	home = fakeRustup(t, "default_host_triple = \""+other+"\"\ndefault_toolchain = \"stable\"\n", "stable-"+other)
	tc, err = Resolve(Request{Dir: t.TempDir(), RustupHome: home})
	if err != nil {
		t.Fatal(err)
	}
	if tc.Name != "stable-"+other {
		t.Fatalf("Name = %q, want %q", tc.Name, "stable-"+other)
	}
}

func TestResolveSymlinkedDir(t *testing.T) {
	// rustup records overrides under the canonical path and walks the
	// physical directory; a symlinked working directory must find them.
	root := realTempDir(t)
	real := mkdir(t, filepath.Join(root, "real", "proj"))
	link := filepath.Join(root, "link")
	if err := os.Symlink(filepath.Join(root, "real"), link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	settings := fmt.Sprintf("default_host_triple = %q\ndefault_toolchain = \"stable\"\n[overrides]\n%q = \"nightly\"\n", host, real)
	home := fakeRustup(t, settings, "stable-"+host, "nightly-"+host)
	tc, err := Resolve(Request{Dir: filepath.Join(link, "proj"), RustupHome: home})
	if err != nil {
		t.Fatal(err)
	}
	if tc.Name != "nightly-"+host {
		t.Fatalf("Name = %q (source %q), want the override's nightly-%s", tc.Name, tc.Source, host)
	}
}

func TestResolveErrors(t *testing.T) {
	settings := fmt.Sprintf("default_host_triple = %q\ndefault_toolchain = \"stable\"\n", host)
	cases := []struct {
		name     string
		settings string // "" means no settings.toml
		files    map[string]string
		plus     string
		want     []string
		noRustup bool
	}{
		{
			name:     "no settings.toml",
			want:     []string{"rustup is not installed", "settings.toml"},
			noRustup: true,
		},
		{
			name:     "bad settings.toml",
			settings: "default_toolchain = [",
			want:     []string{"parsing", "settings.toml"},
		},
		{
			name:     "no default",
			settings: fmt.Sprintf("default_host_triple = %q\n", host),
			want:     []string{"no default toolchain", "rustup default stable"},
		},
		{
			name:     "not installed",
			settings: settings,
			plus:     "1.60.0",
			want:     []string{`"1.60.0"`, "rustup toolchain install 1.60.0", "+1.60.0"},
		},
		{
			name:     "default not installed",
			settings: fmt.Sprintf("default_host_triple = %q\ndefault_toolchain = \"beta\"\n", host),
			want:     []string{"rustup toolchain install beta", "rustup default"},
		},
		{
			name:     "file names a toolchain that is not installed",
			settings: settings,
			files:    map[string]string{"rust-toolchain.toml": "[toolchain]\nchannel = \"1.61.0\"\n"},
			want:     []string{"rustup toolchain install 1.61.0", "rust-toolchain.toml"},
		},
		{
			name:     "path toolchain refused",
			settings: settings,
			files:    map[string]string{"rust-toolchain.toml": "[toolchain]\npath = \"/opt/evil-toolchain\"\n"},
			want:     []string{"/opt/evil-toolchain", "rust-toolchain.toml", "airlock will not run it"},
		},
		{
			name:     "path toolchain in the legacy file refused",
			settings: settings,
			files:    map[string]string{"rust-toolchain": "[toolchain]\npath = \"./tc\"\n"},
			want:     []string{`"./tc"`, "rust-toolchain"},
		},
		{
			name:     "path toolchain refused even with a channel",
			settings: settings,
			files:    map[string]string{"rust-toolchain.toml": "[toolchain]\nchannel = \"stable\"\npath = \"./tc\"\n"},
			want:     []string{`"./tc"`},
		},
		{
			name:     "toolchain file without channel",
			settings: settings,
			files:    map[string]string{"rust-toolchain.toml": "[toolchain]\ncomponents = [\"clippy\"]\n"},
			want:     []string{"no [toolchain] channel"},
		},
		{
			name:     "bare name is not valid in rust-toolchain.toml",
			settings: settings,
			files:    map[string]string{"rust-toolchain.toml": "nightly\n"},
			want:     []string{"parsing", "rust-toolchain.toml"},
		},
		{
			name:     "empty legacy file",
			settings: settings,
			files:    map[string]string{"rust-toolchain": "\n \n"},
			want:     []string{"rust-toolchain is empty"},
		},
		{
			name:     "malformed toolchain file",
			settings: settings,
			files:    map[string]string{"rust-toolchain.toml": "[toolchain\n"},
			want:     []string{"parsing"},
		},
		{
			name:     "name with a slash",
			settings: settings,
			plus:     "../../evil",
			want:     []string{"invalid toolchain name"},
		},
		{
			name:     "dot-dot name",
			settings: settings,
			plus:     "..",
			want:     []string{"invalid toolchain name"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			home := fakeRustup(t, c.settings, "stable-"+host)
			dir := t.TempDir()
			for p, content := range c.files {
				write(t, filepath.Join(dir, p), content)
			}
			tc, err := Resolve(Request{Plus: c.plus, Dir: dir, RustupHome: home})
			if err == nil {
				t.Fatalf("Resolve = %+v, want an error", tc)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if got := errors.Is(err, ErrNoRustup); got != c.noRustup {
				t.Errorf("errors.Is(err, ErrNoRustup) = %v, want %v", got, c.noRustup)
			}
		})
	}
}

func TestResolveInstalledNeedsCargoFile(t *testing.T) {
	// A toolchain directory whose bin/cargo is a directory (or missing) is
	// not an installed toolchain.
	home := fakeRustup(t, fmt.Sprintf("default_host_triple = %q\ndefault_toolchain = \"stable\"\n", host))
	mkdir(t, filepath.Join(home, "toolchains", "stable-"+host, "bin", "cargo"))
	mkdir(t, filepath.Join(home, "toolchains", "stable", "bin"))
	if tc, err := Resolve(Request{Dir: t.TempDir(), RustupHome: home}); err == nil {
		t.Fatalf("Resolve = %+v, want a not-installed error", tc)
	} else if !strings.Contains(err.Error(), "rustup toolchain install stable") {
		t.Fatalf("error %q", err)
	}
}

func TestHostTriple(t *testing.T) {
	want := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686", "riscv64": "riscv64gc",
		"ppc64le": "powerpc64le", "s390x": "s390x"}[runtime.GOARCH]
	if want == "" {
		want = runtime.GOARCH
	}
	if got := HostTriple(); got != want+"-unknown-linux-gnu" {
		t.Fatalf("HostTriple() = %q, want %q", got, want+"-unknown-linux-gnu")
	}
}

func TestFromCargoBinary(t *testing.T) {
	root := t.TempDir()
	tcDir := filepath.Join(root, "opt", "rust-1.80")
	cargo := filepath.Join(tcDir, "bin", "cargo")
	write(t, cargo, "#!/bin/sh\n")
	rustup := filepath.Join(root, "home", ".cargo", "bin", "rustup")
	write(t, rustup, "#!/bin/sh\n")
	mkdir(t, filepath.Join(root, "usr", "bin"))
	linkToCargo := filepath.Join(root, "usr", "bin", "cargo")
	linkToRustup := filepath.Join(root, "home", ".cargo", "bin", "cargo")
	if err := os.Symlink(cargo, linkToCargo); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	if err := os.Symlink("rustup", linkToRustup); err != nil {
		t.Fatal(err)
	}
	hardProxy := filepath.Join(root, "home", ".cargo", "bin", "cargo-hard")
	if err := os.Link(rustup, hardProxy); err != nil {
		t.Fatal(err)
	}
	rustupInit := filepath.Join(root, "rustup-init")
	write(t, rustupInit, "")

	cases := []struct {
		name    string
		cargo   string
		wantDir string
		wantErr string
	}{
		{name: "direct", cargo: cargo, wantDir: tcDir},
		{name: "through a symlink", cargo: linkToCargo, wantDir: tcDir},
		{name: "rustup proxy symlink", cargo: linkToRustup, wantErr: "rustup proxy"},
		{name: "rustup binary", cargo: rustup, wantErr: "rustup proxy"},
		{name: "rustup-init", cargo: rustupInit, wantErr: "rustup proxy"},
		{name: "rustup proxy hard link", cargo: hardProxy, wantErr: "rustup proxy"},
		{name: "missing", cargo: filepath.Join(root, "nope", "cargo"), wantErr: "resolving"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc, err := FromCargoBinary(c.cargo, "AIRLOCK_CARGO")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("FromCargoBinary(%s) = %+v, %v; want an error containing %q", c.cargo, tc, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Toolchain{Name: filepath.Base(c.wantDir), Dir: c.wantDir, Source: "AIRLOCK_CARGO"}
			if tc != want {
				t.Fatalf("FromCargoBinary(%s) = %+v, want %+v", c.cargo, tc, want)
			}
			if tc.Bin("rustc") != filepath.Join(c.wantDir, "bin", "rustc") {
				t.Fatalf("Bin(rustc) = %q", tc.Bin("rustc"))
			}
		})
	}
}

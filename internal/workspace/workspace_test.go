package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// tree writes files (relative path -> content) under a new temporary
// directory and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func pkg(name, version string, rest ...string) string {
	return "[package]\nname = \"" + name + "\"\nversion = \"" + version + "\"\n" + strings.Join(rest, "\n") + "\n"
}

func TestFindManifest(t *testing.T) {
	root := tree(t, map[string]string{
		"ws/Cargo.toml":              "[workspace]\nmembers = [\"a\"]\n",
		"ws/a/Cargo.toml":            pkg("a", "0.1.0"),
		"ws/a/src/bin/main.rs":       "",
		"ws/b/src/lib.rs":            "",
		"dir-named/Cargo.toml/x.txt": "", // a directory called Cargo.toml
	})
	cases := []struct {
		name, dir, want string
	}{
		{"in the directory", "ws/a", "ws/a/Cargo.toml"},
		{"from a subdirectory", "ws/a/src/bin", "ws/a/Cargo.toml"},
		{"package without manifest falls back to the ancestor", "ws/b/src", "ws/Cargo.toml"},
		{"root", "ws", "ws/Cargo.toml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := FindManifest(filepath.Join(root, c.dir))
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, c.want); got != want {
				t.Fatalf("FindManifest = %q, want %q", got, want)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		for _, dir := range []string{root, filepath.Join(root, "dir-named")} {
			got, err := FindManifest(dir)
			if !errors.Is(err, ErrNoManifest) {
				t.Fatalf("FindManifest(%s) = %q, %v; want ErrNoManifest", dir, got, err)
			}
		}
	})
}

func rel(t *testing.T, root string, ms []*Manifest) []string {
	t.Helper()
	var out []string
	for _, m := range ms {
		r, err := filepath.Rel(root, m.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func TestFind(t *testing.T) {
	root := tree(t, map[string]string{
		// A single package.
		"single/Cargo.toml": pkg("single", "1.0.0", "[dependencies]\nserde = \"1\""),
		// A virtual workspace with globs, exclude and path dependencies.
		"ws/Cargo.toml": `[workspace]
members = ["app", "crates/*"]
exclude = ["crates/skip", "vendor"]
`,
		"ws/app/Cargo.toml":              pkg("app", "0.1.0", "[dependencies]\nlib = { path = \"../lib\" }\nshared = { path = \"../../shared\" }\n[dev-dependencies]\ntesthelp = { path = \"../testhelp\" }"),
		"ws/app/src/main.rs":             "",
		"ws/lib/Cargo.toml":              pkg("lib", "0.1.0", "[dependencies]\nutil = { path = \"../util\" }"),
		"ws/util/Cargo.toml":             pkg("util", "0.1.0"),
		"ws/testhelp/Cargo.toml":         pkg("testhelp", "0.1.0"),
		"ws/crates/a/Cargo.toml":         pkg("a", "0.1.0"),
		"ws/crates/b/Cargo.toml":         pkg("b", "0.1.0", "[target.'cfg(unix)'.dependencies]\nvend = { path = \"../../vendor/vend\" }"),
		"ws/crates/skip/Cargo.toml":      pkg("skip", "0.1.0"),
		"ws/crates/not-a-crate/README":   "",
		"ws/vendor/vend/Cargo.toml":      pkg("vend", "0.1.0"),
		"ws/stray/Cargo.toml":            pkg("stray", "0.1.0"),
		"shared/Cargo.toml":              pkg("shared", "0.1.0", "[dev-dependencies]\nbench = { path = \"../not-there\" }"),
		"pointer/other/Cargo.toml":       "[workspace]\nmembers = [\"../p\"]\n",
		"pointer/p/Cargo.toml":           pkg("p", "0.1.0", "workspace = \"../other\""),
		"pointer/bad/Cargo.toml":         pkg("bad", "0.1.0", "workspace = \"../p\""),
		"pointer/missing/Cargo.toml":     pkg("missing", "0.1.0", "workspace = \"../nowhere\""),
		"rootpkg/Cargo.toml":             pkg("rootpkg", "0.1.0", "[workspace]\nmembers = [\"m\"]"),
		"rootpkg/m/Cargo.toml":           pkg("m", "0.1.0"),
		"rootpkg/m/src/deep/x.rs":        "",
		"nested/Cargo.toml":              "[workspace]\nmembers = [\"inner\"]\n",
		"nested/inner/Cargo.toml":        pkg("inner", "0.1.0", "[workspace]"),
		"nested/inner/sub/Cargo.toml":    pkg("sub", "0.1.0"),
		"unlisted/Cargo.toml":            "[workspace]\nmembers = [\"a\"]\n",
		"unlisted/a/Cargo.toml":          pkg("a", "0.1.0"),
		"unlisted/b/Cargo.toml":          pkg("b", "0.1.0"),
		"excludedpath/Cargo.toml":        "[workspace]\nmembers = [\"a\"]\nexclude = [\"x\"]\n",
		"excludedpath/a/Cargo.toml":      pkg("a", "0.1.0", "[dependencies]\nx = { path = \"../x\" }"),
		"excludedpath/x/Cargo.toml":      pkg("x", "0.1.0"),
		"memberdev/Cargo.toml":           "[workspace]\nmembers = [\"a\"]\n",
		"memberdev/a/Cargo.toml":         pkg("a", "0.1.0", "[dev-dependencies]\nd = { path = \"../d\" }"),
		"memberdev/d/Cargo.toml":         pkg("d", "0.1.0"),
		"memberdev/d/src/lib.rs":         "",
		"memberdev/d/tests/it/mod.rs":    "",
		"memberdev/unrelated/Cargo.toml": pkg("unrelated", "0.1.0"),
	})
	cases := []struct {
		name      string
		manifest  string
		wantRoot  string
		wantFiles []string // every manifest loaded, relative to the tree
	}{
		{"single package", "single/Cargo.toml", "single", []string{"single/Cargo.toml"}},
		{"virtual root", "ws/Cargo.toml", "ws", []string{
			"shared/Cargo.toml", "ws/Cargo.toml", "ws/app/Cargo.toml", "ws/crates/a/Cargo.toml", "ws/crates/b/Cargo.toml",
			"ws/lib/Cargo.toml", "ws/testhelp/Cargo.toml", "ws/util/Cargo.toml", "ws/vendor/vend/Cargo.toml"}},
		{"listed member", "ws/app/Cargo.toml", "ws", nil},
		{"glob member", "ws/crates/a/Cargo.toml", "ws", nil},
		{"path dependency of a member is a member", "ws/lib/Cargo.toml", "ws", nil},
		{"transitive path dependency is a member", "ws/util/Cargo.toml", "ws", nil},
		{"dev-dependency path of a member is a member", "ws/testhelp/Cargo.toml", "ws", nil},
		{"excluded glob match is its own root", "ws/crates/skip/Cargo.toml", "ws/crates/skip", []string{"ws/crates/skip/Cargo.toml"}},
		{"excluded path dependency is its own root", "ws/vendor/vend/Cargo.toml", "ws/vendor/vend", []string{"ws/vendor/vend/Cargo.toml"}},
		{"unrelated package in the tree is its own root", "ws/stray/Cargo.toml", "ws/stray", []string{"ws/stray/Cargo.toml"}},
		{"package.workspace pointer", "pointer/p/Cargo.toml", "pointer/other", []string{"pointer/other/Cargo.toml", "pointer/p/Cargo.toml"}},
		{"root package with members", "rootpkg/m/Cargo.toml", "rootpkg", []string{"rootpkg/Cargo.toml", "rootpkg/m/Cargo.toml"}},
		{"a package's own [workspace] wins over an ancestor", "nested/inner/Cargo.toml", "nested/inner", []string{"nested/inner/Cargo.toml"}},
		{"member of no ancestor workspace: its own root", "nested/inner/sub/Cargo.toml", "nested/inner/sub", []string{"nested/inner/sub/Cargo.toml"}},
		{"not listed, not a path dependency", "unlisted/b/Cargo.toml", "unlisted/b", []string{"unlisted/b/Cargo.toml"}},
		{"excluded path dependency is not a member", "excludedpath/x/Cargo.toml", "excludedpath/x", []string{"excludedpath/x/Cargo.toml"}},
		{"excluded path dependency still loaded from the root", "excludedpath/Cargo.toml", "excludedpath",
			[]string{"excludedpath/Cargo.toml", "excludedpath/a/Cargo.toml", "excludedpath/x/Cargo.toml"}},
		{"dev path dependency found from its own directory", "memberdev/d/Cargo.toml", "memberdev",
			[]string{"memberdev/Cargo.toml", "memberdev/a/Cargo.toml", "memberdev/d/Cargo.toml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws, err := Find(filepath.Join(root, c.manifest))
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if want := filepath.Join(root, c.wantRoot); ws.Root != want {
				t.Fatalf("Root = %q, want %q", ws.Root, want)
			}
			if want := filepath.Join(root, c.wantRoot, "Cargo.toml"); ws.RootManifest.Path != want {
				t.Errorf("RootManifest.Path = %q, want %q", ws.RootManifest.Path, want)
			}
			if want := filepath.Join(root, c.wantRoot, "Cargo.lock"); ws.LockPath() != want {
				t.Errorf("LockPath = %q, want %q", ws.LockPath(), want)
			}
			if c.wantFiles != nil {
				if got := rel(t, root, ws.Manifests); !reflect.DeepEqual(got, c.wantFiles) {
					t.Errorf("Manifests =\n%q\nwant\n%q", got, c.wantFiles)
				}
			}
			if ws.Manifests[0] != ws.RootManifest {
				t.Errorf("the root manifest is not first")
			}
			found := false
			for _, m := range ws.Manifests {
				found = found || m.Path == filepath.Join(root, c.manifest)
			}
			if !found {
				t.Errorf("the manifest asked for is not among the workspace's manifests")
			}
		})
	}

	t.Run("relative manifest path", func(t *testing.T) {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chdir(wd) })
		if err := os.Chdir(filepath.Join(root, "ws", "app")); err != nil {
			t.Fatal(err)
		}
		ws, err := Find("Cargo.toml")
		if err != nil {
			t.Fatal(err)
		}
		if ws.Root != filepath.Join(root, "ws") {
			t.Fatalf("Root = %q", ws.Root)
		}
	})

	t.Run("member from a subdirectory", func(t *testing.T) {
		mp, err := FindManifest(filepath.Join(root, "rootpkg", "m", "src", "deep"))
		if err != nil {
			t.Fatal(err)
		}
		ws, err := Find(mp)
		if err != nil {
			t.Fatal(err)
		}
		if ws.Root != filepath.Join(root, "rootpkg") {
			t.Fatalf("Root = %q", ws.Root)
		}
	})

	for _, c := range []struct{ name, manifest, want string }{
		{"pointer to a package without [workspace]", "pointer/bad/Cargo.toml", "has no [workspace]"},
		{"pointer to nothing", "pointer/missing/Cargo.toml", "package.workspace"},
		{"missing manifest", "nope/Cargo.toml", "reading manifest"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws, err := Find(filepath.Join(root, c.manifest))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Find = %+v, %v; want an error containing %q", ws, err, c.want)
			}
		})
	}
}

func TestFindErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		start string
		want  string
	}{
		{"bad TOML", map[string]string{"Cargo.toml": "[package\n"}, "Cargo.toml", "parsing"},
		{"neither package nor workspace", map[string]string{"Cargo.toml": "[dependencies]\nx = \"1\"\n"}, "Cargo.toml", "neither [package] nor [workspace]"},
		{"dependency of the wrong type", map[string]string{"Cargo.toml": pkg("a", "1.0.0", "[dependencies]\nx = 1")}, "Cargo.toml", "string or a table"},
		{"unparsable member", map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"m\"]\n", "m/Cargo.toml": "nonsense"}, "Cargo.toml", "parsing"},
		{"missing path dependency of a member", map[string]string{"Cargo.toml": pkg("a", "1.0.0", "[dependencies]\nx = { path = \"x\" }")}, "Cargo.toml", "reading manifest"},
		{"unparsable ancestor", map[string]string{"Cargo.toml": "[[[", "m/Cargo.toml": pkg("m", "1.0.0")}, "m/Cargo.toml", "parsing"},
		{"bad member glob", map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"[\"]\n"}, "Cargo.toml", "member pattern"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := tree(t, c.files)
			ws, err := Find(filepath.Join(root, c.start))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Find = %+v, %v; want an error containing %q", ws, err, c.want)
			}
		})
	}
}

func TestParseManifestDependencies(t *testing.T) {
	root := tree(t, map[string]string{"Cargo.toml": `[package]
name = "app"
version.workspace = true

[dependencies]
plain = "1.2"
table = { version = "0.3", optional = true }
renamed = { package = "real-name", version = "2" }
local = { path = "../local" }
gitdep = { git = "https://example.com/r.git" }
private = { version = "1", registry = "corp" }
inherited = { workspace = true, optional = true }

[dev-dependencies]
dev = "1"

[dev_dependencies]
dev2 = "1"

[build-dependencies]
build = "1"

[build_dependencies]
build2 = "1"

[target.'cfg(unix)'.dependencies]
unixdep = "0.2"

[target.x86_64-pc-windows-msvc.dev-dependencies]
windev = "0.1"

[target.'cfg(windows)'.build-dependencies]
winbuild = "0.1"
`})
	m, err := ParseManifest(filepath.Join(root, "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Package.Name != "app" {
		t.Errorf("name %q", m.Package.Name)
	}
	if _, isString := m.Package.Version.(string); isString {
		t.Errorf("an inherited version decoded as a string: %#v", m.Package.Version)
	}
	want := map[string]Dependency{
		"plain":     {Version: "1.2"},
		"table":     {Version: "0.3", Optional: true},
		"renamed":   {Package: "real-name", Version: "2"},
		"local":     {Path: "../local"},
		"gitdep":    {Git: "https://example.com/r.git"},
		"private":   {Version: "1", Registry: "corp"},
		"inherited": {Workspace: true, Optional: true},
		"dev":       {Version: "1"},
		"dev2":      {Version: "1"},
		"build":     {Version: "1"},
		"build2":    {Version: "1"},
		"unixdep":   {Version: "0.2"},
		"windev":    {Version: "0.1"},
		"winbuild":  {Version: "0.1"},
	}
	got := map[string]Dependency{}
	for _, deps := range m.AllDependencies() {
		for k, d := range deps {
			if _, dup := got[k]; dup {
				t.Errorf("%s listed twice", k)
			}
			got[k] = d
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AllDependencies:\n got %+v\nwant %+v", got, want)
	}
	noDev := map[string]bool{}
	for _, deps := range m.dependencyTables(false) {
		for k := range deps {
			noDev[k] = true
		}
	}
	for _, k := range []string{"dev", "dev2", "windev"} {
		if noDev[k] {
			t.Errorf("dependencyTables(false) includes the dev-dependency %s", k)
		}
	}
	for _, k := range []string{"plain", "build2", "unixdep", "winbuild"} {
		if !noDev[k] {
			t.Errorf("dependencyTables(false) lacks %s", k)
		}
	}
}

func TestReadLock(t *testing.T) {
	root := tree(t, map[string]string{
		"Cargo.lock": `# This file is automatically @generated by Cargo.
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "abc"

[[package]]
name = "sparse"
version = "0.1.0"
source = "sparse+https://corp.example/index/"

[[package]]
name = "gitdep"
version = "0.2.0"
source = "git+https://example.com/r.git?branch=main#0123456789abcdef"

[[package]]
name = "odd"
version = "0.0.1"
source = "directory+/vendor"
`,
		"bad.lock": "[[package]\n",
	})
	l, err := ReadLock(filepath.Join(root, "Cargo.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Path != filepath.Join(root, "Cargo.lock") {
		t.Errorf("Path = %q", l.Path)
	}
	type row struct {
		name, version string
		kind          SourceKind
		commit        string
	}
	var got []row
	for _, p := range l.Packages {
		got = append(got, row{p.Name, p.Version, p.Kind(), p.GitCommit()})
	}
	want := []row{
		{"app", "0.1.0", SourceLocal, ""},
		{"serde", "1.0.200", SourceRegistry, ""},
		{"sparse", "0.1.0", SourceRegistry, ""},
		{"gitdep", "0.2.0", SourceGit, "0123456789abcdef"},
		{"odd", "0.0.1", SourceOther, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("packages:\n got %+v\nwant %+v", got, want)
	}
	if l.Packages[1].Checksum != "abc" {
		t.Errorf("checksum %q", l.Packages[1].Checksum)
	}

	if _, err := ReadLock(filepath.Join(root, "missing.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing lock: %v, want os.ErrNotExist", err)
	}
	if _, err := ReadLock(filepath.Join(root, "bad.lock")); err == nil || errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "parsing") {
		t.Errorf("bad lock: %v, want a parse error", err)
	}
}

func TestIndexPath(t *testing.T) {
	cases := map[string]string{
		"a":          "1/a",
		"Z":          "1/z",
		"ab":         "2/ab",
		"AB":         "2/ab",
		"abc":        "3/a/abc",
		"Abc":        "3/a/abc",
		"abcd":       "ab/cd/abcd",
		"serde":      "se/rd/serde",
		"Serde_JSON": "se/rd/serde_json",
		"tokio-util": "to/ki/tokio-util",
	}
	for name, want := range cases {
		if got := IndexPath(name); got != filepath.FromSlash(want) {
			t.Errorf("IndexPath(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestMissingFromCache(t *testing.T) {
	const crates = "registry+https://github.com/rust-lang/crates.io-index"
	home := tree(t, map[string]string{
		// Sources: serde and a in one registry, Big_Name in another.
		"registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.0/.cargo-ok": "",
		"registry/src/index.crates.io-6f17d22bba15001f/a-0.1.0/.cargo-ok":     "",
		"registry/src/index.crates.io-6f17d22bba15001f/noidx-1.0.0/.cargo-ok": "",
		"registry/src/index.crates.io-6f17d22bba15001f/half-1.0.0/src/lib.rs": "", // no .cargo-ok: unfinished
		"registry/src/corp-0123456789abcdef/Big_Name-2.0.0/.cargo-ok":         "",
		// Index entries.
		"registry/index/index.crates.io-6f17d22bba15001f/.cache/se/rd/serde": "",
		"registry/index/index.crates.io-6f17d22bba15001f/.cache/1/a":         "",
		"registry/index/index.crates.io-6f17d22bba15001f/.cache/3/h/half":    "",
		"registry/index/corp-0123456789abcdef/.cache/bi/g_/big_name":         "",
		// Git checkouts.
		"git/checkouts/dep-1a2b3c4d5e6f7a8b/0123456/.cargo-ok": "",
		"git/checkouts/dep-1a2b3c4d5e6f7a8b/abcdef0/src/x.rs":  "", // no .cargo-ok
	})
	cases := []struct {
		name   string
		pkg    LockedPackage
		reason string // "" when present
	}{
		{"registry crate present", LockedPackage{Name: "serde", Version: "1.0.0", Source: crates}, ""},
		{"one-letter crate present", LockedPackage{Name: "a", Version: "0.1.0", Source: crates}, ""},
		{"other registry, upper-case name", LockedPackage{Name: "Big_Name", Version: "2.0.0", Source: "sparse+https://corp/"}, ""},
		{"other version not downloaded", LockedPackage{Name: "serde", Version: "1.0.1", Source: crates}, "sources not downloaded"},
		{"crate not downloaded", LockedPackage{Name: "tokio", Version: "1.0.0", Source: crates}, "sources not downloaded"},
		{"unfinished extraction", LockedPackage{Name: "half", Version: "1.0.0", Source: crates}, "sources not downloaded"},
		{"index entry missing", LockedPackage{Name: "noidx", Version: "1.0.0", Source: crates}, "index entry not cached"},
		{"git checkout present", LockedPackage{Name: "dep", Version: "0.1.0", Source: "git+https://e.com/r#0123456789abcdef0123456789abcdef01234567"}, ""},
		{"git checkout of another commit", LockedPackage{Name: "dep", Version: "0.1.0", Source: "git+https://e.com/r#fedcba9876543210"}, "git checkout missing"},
		{"git checkout unfinished", LockedPackage{Name: "dep", Version: "0.1.0", Source: "git+https://e.com/r#abcdef0123"}, "git checkout missing"},
		{"git source without commit", LockedPackage{Name: "dep", Version: "0.1.0", Source: "git+https://e.com/r"}, "git checkout missing"},
		{"git commit too short", LockedPackage{Name: "dep", Version: "0.1.0", Source: "git+https://e.com/r#012345"}, "git checkout missing"},
		{"local package needs nothing", LockedPackage{Name: "app", Version: "0.1.0"}, ""},
		{"other source kinds are not checked", LockedPackage{Name: "v", Version: "1.0.0", Source: "directory+/x"}, ""},
		{"vendored source skipped", LockedPackage{Name: "vendored", Version: "1.0.0", Source: "registry+https://vendored.example/"}, ""},
	}
	local := func(source string) bool { return source == "registry+https://vendored.example/" }
	var all []LockedPackage
	var want []string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CacheDirs{CargoHome: home, Local: local}.MissingFromCache(&Lock{Packages: []LockedPackage{c.pkg}})
			switch {
			case c.reason == "" && len(got) != 0:
				t.Fatalf("MissingFromCache = %v, want nothing", got)
			case c.reason != "" && (len(got) != 1 || got[0].Reason != c.reason || got[0].Package != c.pkg):
				t.Fatalf("MissingFromCache = %v, want %s (%s)", got, c.pkg.Name, c.reason)
			}
		})
		all = append(all, c.pkg)
		if c.reason != "" {
			want = append(want, c.pkg.Name+" "+c.pkg.Version+" ("+c.reason+")")
		}
	}
	t.Run("whole lock, in order", func(t *testing.T) {
		var got []string
		for _, m := range (CacheDirs{CargoHome: home, Local: local}).MissingFromCache(&Lock{Packages: all}) {
			got = append(got, m.String())
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("MissingFromCache =\n%q\nwant\n%q", got, want)
		}
	})
	t.Run("nil Local", func(t *testing.T) {
		p := LockedPackage{Name: "vendored", Version: "1.0.0", Source: "registry+https://vendored.example/"}
		got := CacheDirs{CargoHome: home}.MissingFromCache(&Lock{Packages: []LockedPackage{p}})
		if len(got) != 1 || got[0].Reason != "sources not downloaded" {
			t.Fatalf("MissingFromCache = %v", got)
		}
	})
	t.Run("empty CARGO_HOME", func(t *testing.T) {
		got := CacheDirs{CargoHome: t.TempDir()}.MissingFromCache(&Lock{Packages: []LockedPackage{cases[0].pkg, cases[7].pkg}})
		if len(got) != 2 || got[0].Reason != "sources not downloaded" || got[1].Reason != "git checkout missing" {
			t.Fatalf("MissingFromCache = %v", got)
		}
	})
}

const cratesIO = "registry+https://github.com/rust-lang/crates.io-index"

func lockOf(pkgs ...string) *Lock {
	// Each entry is "name version" (local) or "name version source".
	l := &Lock{}
	for _, p := range pkgs {
		f := strings.Fields(p)
		lp := LockedPackage{Name: f[0], Version: f[1]}
		if len(f) > 2 {
			lp.Source = f[2]
		}
		l.Packages = append(l.Packages, lp)
	}
	return l
}

func TestStaleDependencies(t *testing.T) {
	root := tree(t, map[string]string{
		"ws/Cargo.toml": `[workspace]
members = ["app", "lib"]

[workspace.dependencies]
serde = { version = "1.0.100", features = ["derive"] }
aliased = { package = "real", version = "0.3" }
`,
		"ws/app/Cargo.toml": `[package]
name = "app"
version = "0.1.0"

[dependencies]
serde = { workspace = true }
aliased = { workspace = true, optional = true }
rand = "0.8.5"
json = { package = "serde_json", version = "1" }
lib = { path = "../lib" }
outside = { path = "../../outside" }
gitdep = { git = "https://example.com/g.git" }
pre = "1.0.0-alpha.2"

[dev-dependencies]
criterion = "0.5"

[build-dependencies]
cc = "1.0"

[target.'cfg(unix)'.dependencies]
libc = "0.2"
`,
		"ws/lib/Cargo.toml": pkg("lib", "0.2.0", "[dependencies]\nlog = \"0.4\""),
		"outside/Cargo.toml": pkg("outside", "0.1.0",
			"[dependencies]\nitoa = \"1\"\n[dev-dependencies]\nproptest = \"1\"\n[target.'cfg(unix)'.dev-dependencies]\nnix = \"0.20\""),
	})
	full := []string{
		"app 0.1.0", "lib 0.2.0", "outside 0.1.0",
		"serde 1.0.200 " + cratesIO, "real 0.3.4 " + cratesIO, "rand 0.8.5 " + cratesIO,
		"serde_json 1.0.1 " + cratesIO, "gitdep 0.1.0 git+https://example.com/g.git#0123456789",
		"pre 1.0.0-alpha.10 " + cratesIO, "criterion 0.5.1 " + cratesIO, "cc 1.0.90 " + cratesIO,
		"libc 0.2.150 " + cratesIO, "log 0.4.20 " + cratesIO, "itoa 1.0.0 " + cratesIO,
	}
	without := func(name string) []string {
		var out []string
		for _, p := range full {
			if strings.Fields(p)[0] != name {
				out = append(out, p)
			}
		}
		return out
	}
	replace := func(name, with string) []string {
		out := without(name)
		return append(out, with)
	}
	cases := []struct {
		name string
		lock []string
		want []string // "manifest-dir dependency" pairs, in order
	}{
		{"satisfied", full, nil},
		{"registry dependency missing", without("rand"), []string{"app rand"}},
		{"requirement not met", replace("rand", "rand 0.7.3 "+cratesIO), []string{"app rand"}},
		{"caret 0.x not met by the next minor", replace("rand", "rand 0.9.0 "+cratesIO), []string{"app rand"}},
		{"workspace-inherited requirement met at its minimum", replace("serde", "serde 1.0.100 "+cratesIO), nil},
		{"workspace-inherited requirement not met", replace("serde", "serde 1.0.99 "+cratesIO), []string{"app serde"}},
		{"inherited rename looks for the real name", without("real"), []string{"app real"}},
		{"rename looks for the package name", without("serde_json"), []string{"app serde_json"}},
		{"rename requirement checked", replace("serde_json", "serde_json 2.0.0 "+cratesIO), []string{"app serde_json"}},
		{"dev-dependency of a member", without("criterion"), []string{"app criterion"}},
		{"build-dependency", without("cc"), []string{"app cc"}},
		{"target-specific dependency", without("libc"), []string{"app libc"}},
		{"dependency of another member", without("log"), []string{"lib log"}},
		{"dependency of an outside path dependency", without("itoa"), []string{"outside itoa"}},
		{"git dependency missing", without("gitdep"), []string{"app gitdep"}},
		{"pre-release ordered numerically", replace("pre", "pre 1.0.0-alpha.1 "+cratesIO), []string{"app pre"}},
		{"workspace member missing", without("lib"), []string{"app lib", "lib lib"}},
		{"workspace member at another version", replace("lib", "lib 0.1.0"), []string{"lib lib"}},
		{"workspace member present only from a registry", replace("lib", "lib 0.2.0 "+cratesIO), []string{"lib lib"}},
		{"path dependency missing", without("outside"), []string{"app outside", "outside outside"}},
		{"two versions locked, one matches", append(full, "rand 0.7.0 "+cratesIO), nil},
		{"empty lock", nil, []string{
			"app app", "app real", "app gitdep", "app serde_json", "app lib", "app outside", "app pre", "app rand", "app serde",
			"app cc", "app criterion", "app libc", "lib lib", "lib log", "outside outside", "outside itoa"}},
	}
	ws, err := Find(filepath.Join(root, "ws", "app", "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stale := ws.StaleDependencies(lockOf(c.lock...))
			var got []string
			for _, s := range stale {
				got = append(got, filepath.Base(filepath.Dir(s.Manifest))+" "+s.Dependency)
				if s.Reason == "" || !strings.Contains(s.String(), s.Dependency) {
					t.Errorf("bad Stale %+v", s)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("StaleDependencies = %q, want %q", got, c.want)
			}
		})
	}
}

func TestStaleDependenciesReasons(t *testing.T) {
	root := tree(t, map[string]string{
		"Cargo.toml": `[workspace]
members = ["m"]
[workspace.dependencies]
ok = "1"
`,
		"m/Cargo.toml": `[package]
name = "m"
version.workspace = true
[dependencies]
ok = { workspace = true }
gone = { workspace = true }
weird = "not a version"
`,
	})
	ws, err := Find(filepath.Join(root, "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	stale := ws.StaleDependencies(lockOf("m 9.9.9", "ok 1.2.0 "+cratesIO, "weird 1.0.0 "+cratesIO))
	got := map[string]string{}
	for _, s := range stale {
		got[s.Dependency] = s.Reason
	}
	// The member's version is inherited, so any locked local version is accepted.
	if len(got) != 2 {
		t.Fatalf("StaleDependencies = %+v, want gone and weird", stale)
	}
	if !strings.Contains(got["gone"], "[workspace.dependencies]") {
		t.Errorf("gone: %q", got["gone"])
	}
	if !strings.Contains(got["weird"], "cannot read") {
		t.Errorf("weird: %q", got["weird"])
	}
}

// Cargo resolves dev-dependencies for workspace members only: those of a
// path dependency outside the workspace are not in Cargo.lock, and their
// absence must not make the lock look stale.
func TestStaleDependenciesNonMemberDevDeps(t *testing.T) {
	root := tree(t, map[string]string{
		"ws/Cargo.toml":        pkg("app", "0.1.0", "[dependencies]\nshared = { path = \"../shared\" }"),
		"shared/Cargo.toml":    pkg("shared", "0.1.0", "[dependencies]\nitoa = \"1\"\n[dev-dependencies]\nproptest = \"1\"\nhelper = { path = \"../helper\" }"),
		"ws2/Cargo.toml":       "[workspace]\nmembers = [\"a\"]\n",
		"ws2/a/Cargo.toml":     pkg("a", "0.1.0", "[dev-dependencies]\ninner = { path = \"../inner\" }"),
		"ws2/inner/Cargo.toml": pkg("inner", "0.1.0", "[dev-dependencies]\nquickcheck = \"1\""),
	})
	ws, err := Find(filepath.Join(root, "ws", "Cargo.toml"))
	if err != nil {
		t.Fatalf("Find: %v (a non-member's dev path dependency must not be loaded)", err)
	}
	if got := rel(t, root, ws.Manifests); !reflect.DeepEqual(got, []string{"shared/Cargo.toml", "ws/Cargo.toml"}) {
		t.Fatalf("Manifests = %q", got)
	}
	if stale := ws.StaleDependencies(lockOf("app 0.1.0", "shared 0.1.0", "itoa 1.0.0 "+cratesIO)); len(stale) != 0 {
		t.Fatalf("StaleDependencies = %v, want none", stale)
	}
	if stale := ws.StaleDependencies(lockOf("app 0.1.0", "shared 0.1.0")); len(stale) != 1 || stale[0].Dependency != "itoa" {
		t.Fatalf("StaleDependencies = %v, want itoa", stale)
	}

	// A path dependency inside a workspace is a member: its dev-dependencies count.
	ws2, err := Find(filepath.Join(root, "ws2", "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	stale := ws2.StaleDependencies(lockOf("a 0.1.0", "inner 0.1.0"))
	if len(stale) != 1 || stale[0].Dependency != "quickcheck" {
		t.Fatalf("StaleDependencies = %v, want quickcheck", stale)
	}
}

func TestHasExternalDependencies(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"no dependencies", map[string]string{"Cargo.toml": pkg("a", "0.1.0")}, false},
		{"path only", map[string]string{"Cargo.toml": pkg("a", "0.1.0", "[dependencies]\nb = { path = \"b\" }"), "b/Cargo.toml": pkg("b", "0.1.0")}, false},
		{"registry", map[string]string{"Cargo.toml": pkg("a", "0.1.0", "[dependencies]\nserde = \"1\"")}, true},
		{"git", map[string]string{"Cargo.toml": pkg("a", "0.1.0", "[dependencies]\ng = { git = \"https://e/g\" }")}, true},
		{"registry in a path dependency", map[string]string{"Cargo.toml": pkg("a", "0.1.0", "[dependencies]\nb = { path = \"b\" }"), "b/Cargo.toml": pkg("b", "0.1.0", "[build-dependencies]\ncc = \"1\"")}, true},
		{"target-specific dev-dependency", map[string]string{"Cargo.toml": pkg("a", "0.1.0", "[target.'cfg(unix)'.dev-dependencies]\nx = \"1\"")}, true},
		{"inherited path dependency", map[string]string{
			"Cargo.toml":   "[workspace]\nmembers = [\"m\"]\n[workspace.dependencies]\nb = { path = \"b\" }\n",
			"m/Cargo.toml": pkg("m", "0.1.0", "[dependencies]\nb = { workspace = true }"),
			"b/Cargo.toml": pkg("b", "0.1.0"),
		}, false},
		{"inherited registry dependency", map[string]string{
			"Cargo.toml":   "[workspace]\nmembers = [\"m\"]\n[workspace.dependencies]\nserde = \"1\"\n",
			"m/Cargo.toml": pkg("m", "0.1.0", "[dependencies]\nserde = { workspace = true }"),
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := tree(t, c.files)
			ws, err := Find(filepath.Join(root, "Cargo.toml"))
			if err != nil {
				t.Fatal(err)
			}
			if got := ws.HasExternalDependencies(); got != c.want {
				t.Fatalf("HasExternalDependencies = %v, want %v", got, c.want)
			}
		})
	}
}

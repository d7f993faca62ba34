package cargoconfig

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tree writes files (relative path -> content) under a new temporary
// directory and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
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

type fileRow struct {
	Path    string // relative to the tree
	Project bool
}

func TestDiscover(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		dir   string
		home  string
		want  []fileRow
	}{
		{
			name: "none",
			dir:  "p/a",
			home: "home/.cargo",
			want: nil,
		},
		{
			name: "ancestors deepest first, CARGO_HOME last",
			files: map[string]string{
				"p/.cargo/config.toml":       "[build]\njobs = 1\n",
				"p/a/.cargo/config.toml":     "[build]\njobs = 2\n",
				"p/a/b/c/.cargo/config.toml": "[build]\njobs = 3\n",
				"home/.cargo/config.toml":    "[build]\njobs = 4\n",
			},
			dir:  "p/a/b/c",
			home: "home/.cargo",
			want: []fileRow{
				{"p/a/b/c/.cargo/config.toml", true},
				{"p/a/.cargo/config.toml", true},
				{"p/.cargo/config.toml", true},
				{"home/.cargo/config.toml", false},
			},
		},
		{
			name: "config preferred over config.toml in one directory",
			files: map[string]string{
				"p/.cargo/config":         "a = 1\n",
				"p/.cargo/config.toml":    "a = 2\n",
				"home/.cargo/config":      "b = 1\n",
				"home/.cargo/config.toml": "b = 2\n",
			},
			dir:  "p",
			home: "home/.cargo",
			want: []fileRow{{"p/.cargo/config", true}, {"home/.cargo/config", false}},
		},
		{
			name:  "legacy config alone",
			files: map[string]string{"p/x/.cargo/config": "a = 1\n"},
			dir:   "p/x/y",
			home:  "home/.cargo",
			want:  []fileRow{{"p/x/.cargo/config", true}},
		},
		{
			name: "CARGO_HOME in the ancestry is read once, in place, and is not the project's",
			files: map[string]string{
				"u/.cargo/config.toml":      "a = 1\n",
				"u/proj/.cargo/config.toml": "a = 2\n",
				"/.cargo/config.toml":       "",
			},
			dir:  "u/proj/src",
			home: "u/.cargo",
			want: []fileRow{{"u/proj/.cargo/config.toml", true}, {"u/.cargo/config.toml", false}, {".cargo/config.toml", true}},
		},
		{
			name: "CARGO_HOME in the ancestry with both names",
			files: map[string]string{
				"u/.cargo/config":      "a = 1\n",
				"u/.cargo/config.toml": "a = 2\n",
			},
			dir:  "u/proj",
			home: "u/.cargo",
			want: []fileRow{{"u/.cargo/config", false}},
		},
		{
			name: "a .cargo config in a user's home that is not CARGO_HOME is the project's",
			files: map[string]string{
				"u/.cargo/config.toml":   "a = 1\n",
				"opt/cargo/config.toml":  "a = 2\n",
				"u/proj/Cargo.toml":      "",
				"u/proj/.cargo/whatever": "",
			},
			dir:  "u/proj",
			home: "opt/cargo",
			want: []fileRow{{"u/.cargo/config.toml", true}, {"opt/cargo/config.toml", false}},
		},
		{
			name:  "only CARGO_HOME",
			files: map[string]string{"home/.cargo/config": "a = 1\n"},
			dir:   "p",
			home:  "home/.cargo",
			want:  []fileRow{{"home/.cargo/config", false}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := tree(t, c.files)
			dir := filepath.Join(root, c.dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			cfg, err := Discover(dir, filepath.Join(root, c.home))
			if err != nil {
				t.Fatal(err)
			}
			var got []fileRow
			for _, f := range cfg.Files {
				r, err := filepath.Rel(root, f.Path)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, fileRow{r, f.Project})
				if f.Data == nil {
					t.Errorf("%s: no data", r)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Discover:\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestDiscoverErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		bad   string // the file the error must name
	}{
		{"project file", map[string]string{"p/.cargo/config.toml": "[build\n"}, "p/.cargo/config.toml"},
		{"ancestor file", map[string]string{"p/.cargo/config": "x = = 1\n", "p/a/.cargo/config.toml": "ok = 1\n"}, "p/.cargo/config"},
		{"CARGO_HOME file", map[string]string{"home/config.toml": "[[x]\n"}, "home/config.toml"},
		{"duplicate key", map[string]string{"p/a/.cargo/config.toml": "a = 1\na = 2\n"}, "p/a/.cargo/config.toml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := tree(t, c.files)
			dir := filepath.Join(root, "p", "a")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			cfg, err := Discover(dir, filepath.Join(root, "home"))
			if err == nil {
				t.Fatalf("Discover = %+v, want an error", cfg)
			}
			if !strings.Contains(err.Error(), filepath.Join(root, c.bad)) {
				t.Fatalf("error %q does not name %s", err, c.bad)
			}
		})
	}

	t.Run("unreadable config (a directory)", func(t *testing.T) {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, ".cargo", "config"), 0o755); err != nil {
			t.Fatal(err)
		}
		if cfg, err := Discover(root, filepath.Join(root, "home")); err == nil {
			t.Fatalf("Discover = %+v, want an error", cfg)
		}
	})
}

func TestLookup(t *testing.T) {
	root := tree(t, map[string]string{
		"p/.cargo/config.toml": `
[build]
target-dir = "outer"
jobs = 2
[source.crates-io]
replace-with = "vendored"
`,
		"p/a/.cargo/config.toml": `
build.target-dir = "inner"
[net]
offline = true
`,
		"home/config.toml": `
[build]
rustc-wrapper = "sccache"
jobs = 8
[registries.corp]
index = "sparse+https://corp/"
`,
	})
	cfg, err := Discover(filepath.Join(root, "p", "a"), filepath.Join(root, "home"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path     []string
		want     any
		file     string // relative
		project  bool
		baseDir  string // relative
		notFound bool
	}{
		{path: []string{"build", "target-dir"}, want: "inner", file: "p/a/.cargo/config.toml", project: true, baseDir: "p/a"},
		{path: []string{"build", "jobs"}, want: int64(2), file: "p/.cargo/config.toml", project: true, baseDir: "p"},
		{path: []string{"build", "rustc-wrapper"}, want: "sccache", file: "home/config.toml", project: false, baseDir: "."},
		{path: []string{"net", "offline"}, want: true, file: "p/a/.cargo/config.toml", project: true, baseDir: "p/a"},
		{path: []string{"source", "crates-io", "replace-with"}, want: "vendored", file: "p/.cargo/config.toml", project: true, baseDir: "p"},
		{path: []string{"registries", "corp", "index"}, want: "sparse+https://corp/", file: "home/config.toml", baseDir: "."},
		{path: []string{"registries", "corp"}, want: map[string]any{"index": "sparse+https://corp/"}, file: "home/config.toml", baseDir: "."},
		{path: []string{"build", "missing"}, notFound: true},
		{path: []string{"nosuch"}, notFound: true},
		{path: []string{"build", "jobs", "deeper"}, notFound: true},
		{path: []string{"net", "offline", "x"}, notFound: true},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.path, "."), func(t *testing.T) {
			v, f, ok := cfg.Lookup(c.path...)
			if c.notFound {
				if ok {
					t.Fatalf("Lookup = %v from %s, want not found", v, f.Path)
				}
				if f.Path != "" || v != nil {
					t.Fatalf("Lookup not found but returned %v, %+v", v, f)
				}
				return
			}
			if !ok {
				t.Fatal("not found")
			}
			if !reflect.DeepEqual(v, c.want) {
				t.Errorf("value %#v, want %#v", v, c.want)
			}
			if want := filepath.Join(root, c.file); f.Path != want {
				t.Errorf("file %s, want %s", f.Path, want)
			}
			if f.Project != c.project {
				t.Errorf("Project = %v, want %v", f.Project, c.project)
			}
			if want := filepath.Join(root, c.baseDir); f.BaseDir() != want {
				t.Errorf("BaseDir = %s, want %s", f.BaseDir(), want)
			}
		})
	}

	var empty Config
	if v, _, ok := empty.Lookup("build", "jobs"); ok {
		t.Errorf("empty config found %v", v)
	}
}

func TestBaseDir(t *testing.T) {
	cases := map[string]string{
		"/ws/.cargo/config.toml":       "/ws",
		"/ws/sub/.cargo/config":        "/ws/sub",
		"/home/u/.cargo/config.toml":   "/home/u",
		"/opt/cargo-home/config.toml":  "/opt",
		"/.cargo/config.toml":          "/",
		"/a/b/../c/.cargo/config.toml": "/a/c",
	}
	for path, want := range cases {
		if got := (File{Path: path}).BaseDir(); got != want {
			t.Errorf("BaseDir(%s) = %s, want %s", path, got, want)
		}
	}
}

func TestLocalSourcesDiscovered(t *testing.T) {
	root := tree(t, map[string]string{
		"p/.cargo/config.toml": `
[source.crates-io]
replace-with = "mirror"

[source.mirror]
replace-with = "vendored"

[source.vendored]
directory = "vendor"

[source.corp]
registry = "https://corp.example/index"
replace-with = "corp-local"

[source.corp-local]
local-registry = "/srv/corp"

[source."https://github.com/o/r"]
git = "https://github.com/o/r"
replace-with = "vendored"

[source.remote]
registry = "https://remote.example/index"
replace-with = "other-remote"

[source.other-remote]
registry = "https://other.example/index"
`,
	})
	cfg, err := Discover(filepath.Join(root, "p"), filepath.Join(root, "home"))
	if err != nil {
		t.Fatal(err)
	}
	local := cfg.LocalSources()
	cases := map[string]bool{
		"registry+https://github.com/rust-lang/crates.io-index":       true, // through a chain
		"registry+https://corp.example/index":                         true,
		"git+https://github.com/o/r?branch=main#0123456789abcdef0123": true,
		"git+https://github.com/o/r#0123456789abcdef0123":             true,
		"git+https://github.com/o/r":                                  true,
		"git+https://github.com/o/other#0123":                         false,
		"registry+https://remote.example/index":                       false, // replaced, but not by a local source
		"sparse+https://index.crates.io/":                             false,
		"":                                                            false,
	}
	for source, want := range cases {
		if got := local(source); got != want {
			t.Errorf("local(%q) = %v, want %v", source, got, want)
		}
	}

	// With no configuration, nothing is local.
	empty := (&Config{}).LocalSources()
	if empty("registry+https://github.com/rust-lang/crates.io-index") {
		t.Error("empty config: crates.io is local")
	}
}

func TestCLIValue(t *testing.T) {
	cases := []struct {
		arg    string
		want   any
		wantOK bool
	}{
		{`resolver.lockfile-path="/x/Cargo.lock"`, "/x/Cargo.lock", true},
		{`resolver.lockfile-path = 'rel/Cargo.lock'`, "rel/Cargo.lock", true},
		{`resolver = { lockfile-path = "/y/Cargo.lock" }`, "/y/Cargo.lock", true},
		{`build.jobs=2`, nil, false},
		{`ci.toml`, nil, false},
		{`resolver.lockfile-path=`, nil, false},
	}
	for _, c := range cases {
		got, ok := CLIValue(c.arg, "resolver", "lockfile-path")
		if ok != c.wantOK || got != c.want {
			t.Errorf("CLIValue(%q) = %v, %v; want %v, %v", c.arg, got, ok, c.want, c.wantOK)
		}
	}
}

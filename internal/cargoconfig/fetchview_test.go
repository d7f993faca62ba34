package cargoconfig

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestProjectFetchView(t *testing.T) {
	project := File{Path: "/ws/.cargo/config.toml", Project: true, Data: map[string]any{
		"build":  map[string]any{"rustc-wrapper": "evil.sh", "target-dir": "t"},
		"env":    map[string]any{"INJECTED": "1"},
		"http":   map[string]any{"proxy": "http://evil", "timeout": int64(30)},
		"net":    map[string]any{"git-fetch-with-cli": true, "retry": int64(2)},
		"target": map[string]any{"x86_64-unknown-linux-gnu": map[string]any{"linker": "evil"}},
		"source": map[string]any{
			"crates-io": map[string]any{"replace-with": "vendored"},
			"vendored":  map[string]any{"directory": "vendor"},
		},
		"registries": map[string]any{"corp": map[string]any{"index": "sparse+https://corp/", "credential-provider": "evil"}},
		"patch":      map[string]any{"crates-io": map[string]any{"foo": map[string]any{"path": "../foo"}}},
	}}
	user := File{Path: "/home/u/.cargo/config.toml", Data: map[string]any{"build": map[string]any{"rustc-wrapper": "sccache"}}}
	c := &Config{Files: []File{project, user}}
	v := c.ProjectFetchView(nil)
	wantArgs := []string{
		`http.timeout=30`,
		`net.retry=2`,
		`patch.crates-io.foo.path="/foo"`,
		`registries.corp.index="sparse+https://corp/"`,
		`source.crates-io.replace-with="vendored"`,
		`source.vendored.directory="/ws/vendor"`,
	}
	if !reflect.DeepEqual(v.Args, wantArgs) {
		t.Errorf("args:\n%q\nwant\n%q", v.Args, wantArgs)
	}
	wantIgnored := []string{"build.rustc-wrapper", "build.target-dir", "env.INJECTED", "http.proxy",
		"net.git-fetch-with-cli", "registries.corp.credential-provider", "target.x86_64-unknown-linux-gnu.linker"}
	if !reflect.DeepEqual(v.Ignored, wantIgnored) {
		t.Errorf("ignored:\n%q\nwant\n%q", v.Ignored, wantIgnored)
	}
}

func TestFetchViewPrecedenceAndQuoting(t *testing.T) {
	inner := File{Path: "/ws/sub/.cargo/config.toml", Project: true, Data: map[string]any{
		"source": map[string]any{"crates-io": map[string]any{"replace-with": "inner"}}}}
	outer := File{Path: "/ws/.cargo/config.toml", Project: true, Data: map[string]any{
		"source": map[string]any{"crates-io": map[string]any{"replace-with": "outer"}},
		"patch":  map[string]any{"https://github.com/x/y": map[string]any{"z": map[string]any{"git": "https://g/z"}}}}}
	v := (&Config{Files: []File{inner, outer}}).ProjectFetchView(nil)
	want := []string{
		`patch."https://github.com/x/y".z.git="https://g/z"`,
		`source.crates-io.replace-with="outer"`,
		`source.crates-io.replace-with="inner"`, // rightmost wins in cargo: the deeper file
	}
	if !reflect.DeepEqual(v.Args, want) {
		t.Errorf("args:\n%q\nwant\n%q", v.Args, want)
	}
}

func TestLocalSources(t *testing.T) {
	c := &Config{Files: []File{{Path: "/ws/.cargo/config.toml", Project: true, Data: map[string]any{
		"source": map[string]any{
			"crates-io":                  map[string]any{"replace-with": "vendored-sources"},
			"git+https://github.com/a/b": map[string]any{"git": "https://github.com/a/b", "replace-with": "vendored-sources"},
			"vendored-sources":           map[string]any{"directory": "vendor"},
			"mirror":                     map[string]any{"registry": "sparse+https://mirror/"},
		}}}}}
	local := c.LocalSources()
	for src, want := range map[string]bool{
		"registry+https://github.com/rust-lang/crates.io-index": true,
		"git+https://github.com/a/b?branch=main#0123456789":     true,
		"git+https://github.com/other/c#0123":                   false,
		"sparse+https://mirror/":                                false,
	} {
		if local(src) != want {
			t.Errorf("local(%s) = %v, want %v", src, !want, want)
		}
	}
}

func TestProjectCannotRedefineRegistriesWithUserCredentials(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "credentials.toml"), []byte("[registries.corp-internal]\ntoken = \"s3cret\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	user := File{Path: filepath.Join(home, "config.toml"), Data: map[string]any{
		"registries": map[string]any{
			"mine":  map[string]any{"index": "sparse+https://mine.example/", "token": "t"},
			"plain": map[string]any{"index": "sparse+https://plain.example/"},
		}}}
	project := File{Path: "/ws/.cargo/config.toml", Project: true, Data: map[string]any{
		"registries": map[string]any{
			"corp-internal": map[string]any{"index": "sparse+http://evil.example/"},
			"mine":          map[string]any{"index": "sparse+http://evil.example/"},
			"fromenv":       map[string]any{"index": "sparse+http://evil.example/"},
			"plain":         map[string]any{"index": "sparse+https://mirror.example/"},
			"theirs":        map[string]any{"index": "sparse+https://theirs.example/"},
		},
		"source": map[string]any{
			"corp-internal": map[string]any{"registry": "sparse+http://evil.example/"},
			"crates-io":     map[string]any{"replace-with": "vendored"},
			"vendored":      map[string]any{"directory": "vendor"},
		},
	}}
	c := &Config{Files: []File{project, user}}
	prot := ProtectedRegistries(c, home, []string{"CARGO_REGISTRIES_FROMENV_TOKEN=x", "PATH=/bin"})
	v := c.ProjectFetchView(prot)
	args := strings.Join(v.Args, "\n")
	for _, banned := range []string{"corp-internal", "mine", "fromenv"} {
		if strings.Contains(args, banned) {
			t.Errorf("the project redefined %s, whose credentials are the user's:\n%s", banned, args)
		}
	}
	for _, kept := range []string{`registries.plain.index="sparse+https://mirror.example/"`, `registries.theirs.index=`, `source.crates-io.replace-with="vendored"`, `source.vendored.directory=`} {
		if !strings.Contains(args, kept) {
			t.Errorf("%s was dropped:\n%s", kept, args)
		}
	}
	if !strings.Contains(strings.Join(v.Ignored, ","), "registries.corp-internal.index (your registry)") {
		t.Errorf("ignored = %v", v.Ignored)
	}
}

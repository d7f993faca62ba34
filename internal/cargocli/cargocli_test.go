package cargocli

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want Invocation
	}{
		{
			name: "bare cargo",
			args: nil,
			want: Invocation{SubcommandIndex: -1, Help: true},
		},
		{
			name: "version",
			args: []string{"--version"},
			want: Invocation{Args: []string{"--version"}, SubcommandIndex: -1, Help: true},
		},
		{
			name: "short version",
			args: []string{"-V"},
			want: Invocation{Args: []string{"-V"}, SubcommandIndex: -1, Help: true},
		},
		{
			name: "list",
			args: []string{"--list"},
			want: Invocation{Args: []string{"--list"}, SubcommandIndex: -1, Help: true},
		},
		{
			name: "explain takes a value",
			args: []string{"--explain", "E0308"},
			want: Invocation{Args: []string{"--explain", "E0308"}, SubcommandIndex: -1, Help: true},
		},
		{
			name: "global options only",
			args: []string{"--offline", "-v"},
			want: Invocation{Args: []string{"--offline", "-v"}, SubcommandIndex: -1, Help: true, Offline: true},
		},
		{
			name: "double dash before any subcommand",
			args: []string{"--", "build"},
			want: Invocation{Args: []string{"--", "build"}, SubcommandIndex: -1, Help: true},
		},
		{
			name: "plain build",
			args: []string{"build"},
			want: Invocation{Args: []string{"build"}, Subcommand: "build", SubcommandIndex: 0},
		},
		{
			name: "toolchain",
			args: []string{"+nightly", "build", "--release"},
			want: Invocation{Toolchain: "nightly", Args: []string{"build", "--release"}, Subcommand: "build", SubcommandIndex: 0},
		},
		{
			name: "toolchain alone",
			args: []string{"+1.75.0"},
			want: Invocation{Toolchain: "1.75.0", Args: []string{}, SubcommandIndex: -1, Help: true},
		},
		{
			name: "toolchain not first is an argument",
			args: []string{"build", "+nightly"},
			want: Invocation{Args: []string{"build", "+nightly"}, Subcommand: "build", SubcommandIndex: 0},
		},
		{name: "alias b", args: []string{"b"}, want: Invocation{Args: []string{"b"}, Subcommand: "build", SubcommandIndex: 0}},
		{name: "alias c", args: []string{"c"}, want: Invocation{Args: []string{"c"}, Subcommand: "check", SubcommandIndex: 0}},
		{name: "alias d", args: []string{"d"}, want: Invocation{Args: []string{"d"}, Subcommand: "doc", SubcommandIndex: 0}},
		{name: "alias r", args: []string{"r"}, want: Invocation{Args: []string{"r"}, Subcommand: "run", SubcommandIndex: 0}},
		{name: "alias t", args: []string{"t"}, want: Invocation{Args: []string{"t"}, Subcommand: "test", SubcommandIndex: 0}},
		{name: "alias rm", args: []string{"rm", "serde"}, want: Invocation{Args: []string{"rm", "serde"}, Subcommand: "remove", SubcommandIndex: 0}},
		{
			name: "unknown subcommand kept as is",
			args: []string{"clippy", "--fix"},
			want: Invocation{Args: []string{"clippy", "--fix"}, Subcommand: "clippy", SubcommandIndex: 0},
		},
		{
			name: "global value flags before the subcommand",
			args: []string{"--color", "always", "--config", "build.jobs=2", "-Zfoo", "-Z", "bar", "-C", "sub", "t"},
			want: Invocation{
				Args:            []string{"--color", "always", "--config", "build.jobs=2", "-Zfoo", "-Z", "bar", "-C", "sub", "t"},
				Subcommand:      "test",
				SubcommandIndex: 9,
				Dir:             "sub",
				Unstable:        []string{"foo", "bar"},
				ConfigArgs:      []string{"build.jobs=2"},
			},
		},
		{
			name: "global flags in = and attached forms",
			args: []string{"--color=never", "--config=net.offline=true", "-Cdir", "-Z=baz", "check"},
			want: Invocation{
				Args:            []string{"--color=never", "--config=net.offline=true", "-Cdir", "-Z=baz", "check"},
				Subcommand:      "check",
				SubcommandIndex: 4,
				Dir:             "dir",
				Unstable:        []string{"baz"},
				ConfigArgs:      []string{"net.offline=true"},
			},
		},
		{
			name: "-C=dir drops the equals sign as clap does",
			args: []string{"-C=proj", "build"},
			want: Invocation{Args: []string{"-C=proj", "build"}, Subcommand: "build", SubcommandIndex: 1, Dir: "proj"},
		},
		{
			name: "a global value that looks like a subcommand is not one",
			args: []string{"-C", "build", "test"},
			want: Invocation{Args: []string{"-C", "build", "test"}, Subcommand: "test", SubcommandIndex: 2, Dir: "build"},
		},
		{
			name: "-C after the subcommand is not cargo's -C",
			args: []string{"-C", "a", "mytool", "-Cb"},
			want: Invocation{Args: []string{"-C", "a", "mytool", "-Cb"}, Subcommand: "mytool", SubcommandIndex: 2, Dir: "a"},
		},
		{
			name: "manifest path separate",
			args: []string{"build", "--manifest-path", "x/Cargo.toml"},
			want: Invocation{Args: []string{"build", "--manifest-path", "x/Cargo.toml"}, Subcommand: "build", SubcommandIndex: 0, ManifestPath: "x/Cargo.toml"},
		},
		{
			name: "manifest path with equals",
			args: []string{"build", "--manifest-path=x/Cargo.toml"},
			want: Invocation{Args: []string{"build", "--manifest-path=x/Cargo.toml"}, Subcommand: "build", SubcommandIndex: 0, ManifestPath: "x/Cargo.toml"},
		},
		{
			name: "target dir both forms, last wins",
			args: []string{"build", "--target-dir", "t1", "--target-dir=t2"},
			want: Invocation{Args: []string{"build", "--target-dir", "t1", "--target-dir=t2"}, Subcommand: "build", SubcommandIndex: 0, TargetDir: "t2"},
		},
		{
			name: "offline before subcommand",
			args: []string{"--offline", "build"},
			want: Invocation{Args: []string{"--offline", "build"}, Subcommand: "build", SubcommandIndex: 1, Offline: true},
		},
		{
			name: "offline after subcommand",
			args: []string{"build", "--offline"},
			want: Invocation{Args: []string{"build", "--offline"}, Subcommand: "build", SubcommandIndex: 0, Offline: true},
		},
		{
			name: "frozen before subcommand",
			args: []string{"--frozen", "test"},
			want: Invocation{Args: []string{"--frozen", "test"}, Subcommand: "test", SubcommandIndex: 1, Offline: true, Locked: true},
		},
		{
			name: "frozen after subcommand",
			args: []string{"test", "--frozen"},
			want: Invocation{Args: []string{"test", "--frozen"}, Subcommand: "test", SubcommandIndex: 0, Offline: true, Locked: true},
		},
		{
			name: "locked before subcommand",
			args: []string{"--locked", "build"},
			want: Invocation{Args: []string{"--locked", "build"}, Subcommand: "build", SubcommandIndex: 1, Locked: true},
		},
		{
			name: "locked after subcommand",
			args: []string{"build", "--locked"},
			want: Invocation{Args: []string{"build", "--locked"}, Subcommand: "build", SubcommandIndex: 0, Locked: true},
		},
		{
			name: "arguments after -- are the program's",
			args: []string{"run", "--", "--offline", "--frozen", "--manifest-path", "m", "--target-dir", "t", "-Zx", "--config", "c", "--help"},
			want: Invocation{
				Args:            []string{"run", "--", "--offline", "--frozen", "--manifest-path", "m", "--target-dir", "t", "-Zx", "--config", "c", "--help"},
				Subcommand:      "run",
				SubcommandIndex: 0,
			},
		},
		{
			name: "options before -- count, after do not",
			args: []string{"test", "--locked", "--", "--offline"},
			want: Invocation{Args: []string{"test", "--locked", "--", "--offline"}, Subcommand: "test", SubcommandIndex: 0, Locked: true},
		},
		{
			name: "quiet, before or after the subcommand",
			args: []string{"-q", "build", "--quiet", "--", "-q"},
			want: Invocation{Args: []string{"-q", "build", "--quiet", "--", "-q"}, Subcommand: "build", SubcommandIndex: 1, Quiet: true},
		},
		{
			name: "common value options after the subcommand",
			args: []string{"b", "--config", "a=1", "-Z", "build-std", "--color", "--offline", "-Zunstable-options", "--config=b=2"},
			want: Invocation{
				Args:            []string{"b", "--config", "a=1", "-Z", "build-std", "--color", "--offline", "-Zunstable-options", "--config=b=2"},
				Subcommand:      "build",
				SubcommandIndex: 0,
				Unstable:        []string{"build-std", "unstable-options"},
				ConfigArgs:      []string{"a=1", "b=2"},
				// "--offline" here is the value of --color, not an option.
			},
		},
		{
			name: "help subcommand",
			args: []string{"help", "build"},
			want: Invocation{Args: []string{"help", "build"}, Subcommand: "help", SubcommandIndex: 0, Help: true},
		},
		{
			name: "subcommand --help",
			args: []string{"build", "--help"},
			want: Invocation{Args: []string{"build", "--help"}, Subcommand: "build", SubcommandIndex: 0, Help: true},
		},
		{
			name: "subcommand -h",
			args: []string{"t", "-h"},
			want: Invocation{Args: []string{"t", "-h"}, Subcommand: "test", SubcommandIndex: 0, Help: true},
		},
		{
			name: "global -h with a subcommand",
			args: []string{"-h", "build"},
			want: Invocation{Args: []string{"-h", "build"}, Subcommand: "build", SubcommandIndex: 1, Help: true},
		},
		{
			name: "unknown options and their values are skipped",
			args: []string{"build", "-p", "foo", "--features", "a b", "--release", "-j4"},
			want: Invocation{Args: []string{"build", "-p", "foo", "--features", "a b", "--release", "-j4"}, Subcommand: "build", SubcommandIndex: 0},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.args)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.args, err)
			}
			if got.Args == nil {
				got.Args = []string{}
			}
			if c.want.Args == nil {
				c.want.Args = []string{}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", c.args, got, c.want)
			}
		})
	}
}

func TestParseDoesNotAliasInput(t *testing.T) {
	args := []string{"+stable", "build"}
	inv, err := Parse(args)
	if err != nil {
		t.Fatal(err)
	}
	inv.Args[0] = "changed"
	if args[1] != "build" {
		t.Fatalf("Parse's Args shares memory with its input: %q", args)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // substring of the error
	}{
		{"empty toolchain", []string{"+", "build"}, "empty toolchain"},
		{"global --color", []string{"--color"}, "--color needs a value"},
		{"global --config", []string{"--config"}, "--config needs a value"},
		{"global -Z", []string{"-Z"}, "-Z needs a value"},
		{"global -C", []string{"-C"}, "-C needs a value"},
		{"global --explain", []string{"--explain"}, "--explain needs a value"},
		{"--manifest-path", []string{"build", "--manifest-path"}, "--manifest-path needs a value"},
		{"--target-dir", []string{"build", "--target-dir"}, "--target-dir needs a value"},
		{"--config after subcommand", []string{"build", "--config"}, "--config needs a value"},
		{"-Z after subcommand", []string{"check", "-Z"}, "-Z needs a value"},
		{"--color after subcommand", []string{"test", "--color"}, "--color needs a value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.args)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want an error containing %q", c.args, c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse(%q) error %q, want it to contain %q", c.args, err, c.want)
			}
		})
	}
}

func TestAbsolutizePaths(t *testing.T) {
	const cwd = "/home/u/proj"
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"nothing to do", []string{"build", "--release"}, []string{"build", "--release"}},
		{"separate value", []string{"build", "--manifest-path", "a/Cargo.toml"}, []string{"build", "--manifest-path", cwd + "/a/Cargo.toml"}},
		{"equals value", []string{"build", "--manifest-path=a/Cargo.toml"}, []string{"build", "--manifest-path=" + cwd + "/a/Cargo.toml"}},
		{"absolute kept", []string{"build", "--target-dir", "/t", "--manifest-path=/m"}, []string{"build", "--target-dir", "/t", "--manifest-path=/m"}},
		{"-C separate", []string{"-C", "sub", "build"}, []string{"-C", cwd + "/sub", "build"}},
		{"-C attached", []string{"-Csub", "build"}, []string{"-C" + cwd + "/sub", "build"}},
		{"-C with equals", []string{"-C=sub", "build"}, []string{"-C" + cwd + "/sub", "build"}},
		{"install paths", []string{"install", "--path", "tool", "--root", "r"}, []string{"install", "--path", cwd + "/tool", "--root", cwd + "/r"}},
		{"lockfile, artifact and out dirs", []string{"build", "--lockfile-path", "L", "--artifact-dir=a", "--out-dir", "o"},
			[]string{"build", "--lockfile-path", cwd + "/L", "--artifact-dir=" + cwd + "/a", "--out-dir", cwd + "/o"}},
		{"dot-relative", []string{"build", "--target-dir", "../t"}, []string{"build", "--target-dir", cwd + "/../t"}},
		{"empty value kept", []string{"build", "--target-dir="}, []string{"build", "--target-dir="}},
		{"missing value at end", []string{"build", "--target-dir"}, []string{"build", "--target-dir"}},
		{"--config file", []string{"--config", "ci.toml", "build", "--config=b/x.toml"}, []string{"--config", "/home/u/proj/ci.toml", "build", "--config=/home/u/proj/b/x.toml"}},
		{"--config KEY=VALUE untouched", []string{"--config", "net.retry=2", "--config=build.jobs=1"}, []string{"--config", "net.retry=2", "--config=build.jobs=1"}},
		{"after -- untouched", []string{"run", "--", "--manifest-path", "x", "-C", "y"}, []string{"run", "--", "--manifest-path", "x", "-C", "y"}},
		{"-Z is not a path", []string{"-Zfoo", "build"}, []string{"-Zfoo", "build"}},
		{"unrelated option values untouched", []string{"build", "-p", "foo", "--features", "x"}, []string{"build", "-p", "foo", "--features", "x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := append([]string(nil), c.args...)
			got := AbsolutizePaths(c.args, cwd)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("AbsolutizePaths(%q)\n got %q\nwant %q", c.args, got, c.want)
			}
			if !reflect.DeepEqual(in, c.args) {
				t.Errorf("AbsolutizePaths modified its input: %q", c.args)
			}
		})
	}
}

func TestWithManifestPath(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"inserted after subcommand", []string{"build", "--release"}, []string{"build", "--manifest-path", "/ws/Cargo.toml", "--release"}},
		{"after global options", []string{"--locked", "-Z", "x", "fetch"}, []string{"--locked", "-Z", "x", "fetch", "--manifest-path", "/ws/Cargo.toml"}},
		{"before --", []string{"run", "--", "a"}, []string{"run", "--manifest-path", "/ws/Cargo.toml", "--", "a"}},
		{"toolchain not in Args", []string{"+nightly", "update"}, []string{"update", "--manifest-path", "/ws/Cargo.toml"}},
		{"already given", []string{"build", "--manifest-path", "x/Cargo.toml"}, []string{"build", "--manifest-path", "x/Cargo.toml"}},
		{"already given with =", []string{"build", "--manifest-path=x/Cargo.toml"}, []string{"build", "--manifest-path=x/Cargo.toml"}},
		{"no subcommand", []string{"--version"}, []string{"--version"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv, err := Parse(c.args)
			if err != nil {
				t.Fatal(err)
			}
			before := append([]string(nil), inv.Args...)
			got := inv.WithManifestPath("/ws/Cargo.toml")
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("WithManifestPath(%q)\n got %q\nwant %q", c.args, got, c.want)
			}
			if !reflect.DeepEqual(inv.Args, before) {
				t.Errorf("WithManifestPath modified inv.Args: %q", inv.Args)
			}
		})
	}
}

func TestWithoutDir(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"no -C", []string{"build", "--release"}, []string{"build", "--release"}},
		{"separate", []string{"-C", "/p", "build"}, []string{"build"}},
		{"attached", []string{"-C/p", "build"}, []string{"build"}},
		{"equals", []string{"-C=/p", "build"}, []string{"build"}},
		{"other globals kept with their values", []string{"--color", "always", "-C", "/p", "-Z", "unstable-options", "--config", "k=v", "--locked", "fetch", "--offline"},
			[]string{"--color", "always", "-Z", "unstable-options", "--config", "k=v", "--locked", "fetch", "--offline"}},
		{"a value named -C is not -C", []string{"--config", "-C", "build"}, []string{"--config", "-C", "build"}},
		{"after the subcommand kept", []string{"tool", "-C", "x"}, []string{"tool", "-C", "x"}},
		{"after -- kept", []string{"--", "-C", "x"}, []string{"--", "-C", "x"}},
		{"trailing -C without value", []string{"-C"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := WithoutDir(c.args)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("WithoutDir(%q)\n got %q\nwant %q", c.args, got, c.want)
			}
		})
	}
}

// The planner's networked path: absolutize, then drop -C.
func TestAbsolutizeThenWithoutDir(t *testing.T) {
	inv, err := Parse([]string{"+nightly", "-C", "sub", "-Zunstable-options", "update", "--manifest-path", "m/Cargo.toml"})
	if err != nil {
		t.Fatal(err)
	}
	got := WithoutDir(AbsolutizePaths(inv.Args, "/cwd"))
	want := []string{"-Zunstable-options", "update", "--manifest-path", "/cwd/m/Cargo.toml"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

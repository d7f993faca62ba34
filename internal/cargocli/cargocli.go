// Package cargocli analyses a cargo command line without running cargo: which
// subcommand it names, which manifest and directory it targets, which toolchain
// a leading +toolchain selects, and whether the user asked for offline mode.
//
// It is pure: the same arguments always give the same Invocation.
package cargocli

import (
	"fmt"
	"strings"
)

// Invocation is what airlock needs to know about one cargo command line.
type Invocation struct {
	// Toolchain is the name after a leading "+", e.g. "nightly"; empty if none.
	Toolchain string
	// Args are the arguments cargo itself receives (the +toolchain removed).
	Args []string
	// Subcommand is the canonical subcommand ("build" for "b"); empty when
	// cargo is asked only for --version, --list, help and the like.
	Subcommand string
	// SubcommandIndex is the index of the subcommand in Args, or -1.
	SubcommandIndex int
	// Dir is the -C directory, if given.
	Dir string
	// ManifestPath is --manifest-path, if given.
	ManifestPath string
	// TargetDir is --target-dir, if given.
	TargetDir string
	// LockfilePath is --lockfile-path (nightly cargo before 1.95), if given.
	LockfilePath string
	// Offline is set by --offline or --frozen.
	Offline bool
	// Locked is set by --locked or --frozen.
	Locked bool
	// Quiet is set by -q or --quiet: airlock's own notices stay quiet too.
	Quiet bool
	// Help is set when the command only prints help or version text.
	Help bool
	// Unstable holds the values of every -Z flag.
	Unstable []string
	// ConfigArgs holds the values of every --config flag given by the user.
	ConfigArgs []string
}

// aliases are cargo's built-in subcommand aliases.
var aliases = map[string]string{
	"b":  "build",
	"c":  "check",
	"d":  "doc",
	"r":  "run",
	"t":  "test",
	"rm": "remove",
}

// globalValueFlags are cargo's global options that take a value.
var globalValueFlags = map[string]bool{
	"--color":   true,
	"--config":  true,
	"-Z":        true,
	"-C":        true,
	"--explain": true,
}

// Parse analyses cargo's arguments (without the program name).
func Parse(args []string) (Invocation, error) {
	inv := Invocation{SubcommandIndex: -1}
	if len(args) > 0 && strings.HasPrefix(args[0], "+") {
		inv.Toolchain = strings.TrimPrefix(args[0], "+")
		if inv.Toolchain == "" {
			return inv, fmt.Errorf("empty toolchain name in %q", args[0])
		}
		args = args[1:]
	}
	inv.Args = append([]string(nil), args...)

	// Global options, up to the subcommand.
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			break
		}
		name, val, hasVal := splitFlag(a)
		if globalValueFlags[name] && !hasVal {
			if i+1 >= len(args) {
				return inv, fmt.Errorf("cargo option %s needs a value", name)
			}
			i++
			val = args[i]
		}
		if err := inv.applyCommon(name, val); err != nil {
			return inv, err
		}
		switch name {
		case "-C":
			// -C is not a global option: only valid before the subcommand.
			inv.Dir = val
		case "-V", "--version", "--list", "-h", "--help", "--explain":
			inv.Help = true
		}
	}
	if i >= len(args) || args[i] == "--" {
		// No subcommand: `cargo`, `cargo --version`, `cargo --list`.
		inv.Help = true
		return inv, nil
	}
	inv.SubcommandIndex = i
	sub := args[i]
	if canon, ok := aliases[sub]; ok {
		sub = canon
	}
	inv.Subcommand = sub
	if sub == "help" {
		inv.Help = true
	}

	// Subcommand options that matter to airlock. Unknown options are cargo's
	// business; values of options we do not know are skipped harmlessly because
	// we only look at exact option names.
	for j := i + 1; j < len(args); j++ {
		a := args[j]
		if a == "--" {
			break
		}
		name, val, hasVal := splitFlag(a)
		switch name {
		case "--manifest-path", "--target-dir", "--lockfile-path", "--config", "-Z", "--color":
			if !hasVal {
				if j+1 >= len(args) {
					return inv, fmt.Errorf("cargo option %s needs a value", name)
				}
				j++
				val = args[j]
			}
		}
		switch name {
		case "--manifest-path":
			inv.ManifestPath = val
		case "--target-dir":
			inv.TargetDir = val
		case "--lockfile-path":
			inv.LockfilePath = val
		case "-h", "--help":
			inv.Help = true
		}
		if err := inv.applyCommon(name, val); err != nil {
			return inv, err
		}
	}
	return inv, nil
}

// applyCommon records options that cargo accepts both before and after the
// subcommand.
func (inv *Invocation) applyCommon(name, val string) error {
	switch name {
	case "--offline":
		inv.Offline = true
	case "--frozen":
		inv.Offline = true
		inv.Locked = true
	case "--locked":
		inv.Locked = true
	case "-q", "--quiet":
		inv.Quiet = true
	case "-Z":
		inv.Unstable = append(inv.Unstable, val)
	case "--config":
		inv.ConfigArgs = append(inv.ConfigArgs, val)
	}
	return nil
}

// splitFlag splits "--name=value" and "-Zvalue" / "-Cdir" / "-C=dir" forms.
// Like clap, it drops one "=" after a short option: "-C=dir" is "-C dir".
func splitFlag(a string) (name, val string, hasVal bool) {
	if strings.HasPrefix(a, "--") {
		if k := strings.IndexByte(a, '='); k >= 0 {
			return a[:k], a[k+1:], true
		}
		return a, "", false
	}
	if len(a) > 2 && (a[:2] == "-Z" || a[:2] == "-C") {
		return a[:2], strings.TrimPrefix(a[2:], "="), true
	}
	return a, "", false
}

// pathFlags are options whose value is a path relative to the working
// directory.
var pathFlags = map[string]bool{
	"--manifest-path": true, "-C": true, "--target-dir": true, "--lockfile-path": true,
	"--artifact-dir": true, "--out-dir": true, "--root": true, "--path": true,
}

// AbsolutizePaths rewrites the values of path options to absolute paths
// relative to cwd, for running cargo from another directory.
func AbsolutizePaths(args []string, cwd string) []string {
	out := make([]string, 0, len(args))
	abs := func(p string) string {
		if p == "" || strings.HasPrefix(p, "/") {
			return p
		}
		return cwd + "/" + p
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		name, val, hasVal := splitFlag(a)
		if name == "--config" {
			// KEY=VALUE, or the path of a TOML file.
			v := val
			if !hasVal && i+1 < len(args) {
				v = args[i+1]
			}
			if strings.Contains(v, "=") {
				out = append(out, a)
				continue
			}
		} else if !pathFlags[name] {
			out = append(out, a)
			continue
		}
		switch {
		case hasVal && strings.HasPrefix(a, "--"):
			out = append(out, name+"="+abs(val))
		case hasVal:
			out = append(out, name+abs(val))
		case i+1 < len(args):
			out = append(out, a, abs(args[i+1]))
			i++
		default:
			out = append(out, a)
		}
	}
	return out
}

// WithManifestPath returns the invocation's arguments with --manifest-path
// inserted after the subcommand, unless one is there already.
func (inv Invocation) WithManifestPath(manifest string) []string {
	if inv.ManifestPath != "" || inv.SubcommandIndex < 0 {
		return inv.Args
	}
	out := append([]string(nil), inv.Args[:inv.SubcommandIndex+1]...)
	out = append(out, "--manifest-path", manifest)
	return append(out, inv.Args[inv.SubcommandIndex+1:]...)
}

// WithoutDir removes -C DIR from the arguments. Networked phases run cargo
// from outside the workspace with an explicit --manifest-path instead: cargo
// reads configuration from its working directory, and -C would make that
// the project's.
func WithoutDir(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "-C" {
			i++
			continue
		}
		if strings.HasPrefix(a, "-C") && len(a) > 2 {
			continue
		}
		if !strings.HasPrefix(a, "-") {
			// The subcommand: -C is a global option, so stop here.
			return append(out, args[i:]...)
		}
		out = append(out, a)
		if globalValueFlags[a] && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out
}

// Package install plans `cargo install` under airlock: what to download
// (without building), and how to move what the sandboxed install produced
// into the real install root without letting build scripts write there.
//
// The run phase installs into a staging root; afterwards airlock copies
// only the binaries cargo recorded for the installed package into the real
// root and merges cargo's install tracking files. A build script can
// therefore not drop or replace other programs in ~/.cargo/bin.
package install

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"airlock/internal/cargocli"
)

// Spec is what `cargo install ARGS` asks for.
type Spec struct {
	Crates  []string // NAME or NAME@VERSION
	Version string   // --version
	Git     string
	Branch  string
	Tag     string
	Rev     string
	Path    string // --path
	Root    string // --root
	Locked  bool
	Force   bool // --force: replace binaries of other packages
	// RootIndex and friends locate options in Args for rewriting.
	Args []string
}

// valueFlags are cargo install's options that take a value.
var valueFlags = map[string]bool{
	"--version": true, "--vers": true, "--git": true, "--branch": true, "--tag": true, "--rev": true,
	"--path": true, "--root": true, "--index": true, "--registry": true, "--features": true, "-F": true,
	"--target": true, "--target-dir": true, "--profile": true, "--bin": true, "--example": true,
	"-j": true, "--jobs": true, "--color": true, "--config": true, "-Z": true, "--message-format": true,
}

// Parse reads the arguments after "install".
func Parse(inv cargocli.Invocation) (Spec, error) {
	s := Spec{Args: inv.Args, Locked: inv.Locked}
	args := inv.Args[inv.SubcommandIndex+1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, val, has := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "--") {
			name, has = a, false
		}
		if valueFlags[name] && !has {
			if i+1 >= len(args) {
				return s, fmt.Errorf("cargo install: %s needs a value", name)
			}
			i++
			val = args[i]
		}
		switch name {
		case "--version", "--vers":
			s.Version = val
		case "--git":
			s.Git = val
		case "--branch":
			s.Branch = val
		case "--tag":
			s.Tag = val
		case "--rev":
			s.Rev = val
		case "--path":
			s.Path = val
		case "--root":
			s.Root = val
		case "--force", "-f":
			s.Force = true
		case "--list":
			return s, fmt.Errorf("list")
		default:
			if !strings.HasPrefix(a, "-") {
				s.Crates = append(s.Crates, a)
			}
		}
	}
	return s, nil
}

// ShellManifest is a throw-away package that depends on the crates to
// install, so that `cargo fetch` downloads them and their dependencies
// without building anything.
func (s Spec) ShellManifest() (string, error) {
	var b strings.Builder
	b.WriteString("[package]\nname = \"airlock-install-shell\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[lib]\npath = \"lib.rs\"\n\n[dependencies]\n")
	if len(s.Crates) == 0 {
		return "", fmt.Errorf("cargo install from a git repository needs the crate's name here (cargo install --git URL NAME)")
	}
	for _, c := range s.Crates {
		name, ver, hasVer := strings.Cut(c, "@")
		if !hasVer {
			ver = s.Version
		}
		if s.Git != "" {
			fmt.Fprintf(&b, "%s = { git = %q", name, s.Git)
			for k, v := range map[string]string{"branch": s.Branch, "tag": s.Tag, "rev": s.Rev} {
				if v != "" {
					fmt.Fprintf(&b, ", %s = %q", k, v)
				}
			}
			b.WriteString(" }\n")
			continue
		}
		req := "*"
		if ver != "" {
			req = ver
			if !strings.ContainsAny(ver, "<>=^~*") {
				req = "=" + ver
			}
		}
		fmt.Fprintf(&b, "%s = %q\n", name, req)
	}
	return b.String(), nil
}

// RootFor is the real install root, as cargo chooses it: --root,
// CARGO_INSTALL_ROOT, then CARGO_HOME. (install.root in the user's cargo
// config is not read; a project's must not be.)
func RootFor(s Spec, cwd, installRootEnv, cargoHome string) string {
	switch {
	case s.Root != "":
		if filepath.IsAbs(s.Root) {
			return s.Root
		}
		return filepath.Join(cwd, s.Root)
	case installRootEnv != "":
		return installRootEnv
	default:
		return cargoHome
	}
}

// WithRoot returns the install arguments with --root replaced by staging.
func WithRoot(args []string, subIndex int, staging string) []string {
	out := append([]string(nil), args[:subIndex+1]...)
	rest := args[subIndex+1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			out = append(out, rest[i:]...)
			rest = nil
			break
		}
		if a == "--root" {
			i++
			continue
		}
		if strings.HasPrefix(a, "--root=") {
			continue
		}
		out = append(out, a)
	}
	return append(out[:subIndex+1], append([]string{"--root", staging}, out[subIndex+1:]...)...)
}

// crates2 is cargo's .crates2.json.
type crates2 struct {
	Installs map[string]json.RawMessage `json:"installs"`
}

type installEntry struct {
	Bins []string `json:"bins"`
}

// Merge moves what cargo installed into staging into root: the binaries
// cargo recorded in staging's .crates2.json, and the tracking entries of
// .crates2.json and .crates.toml. It returns the installed binary paths.
//
// Like cargo, it refuses to replace a binary that another package installed
// or that no package did (the rustup proxies, the user's own tools) unless
// force is set: cargo itself saw only the empty staging root.
//
// expected, when not empty, are the packages being installed: the staged
// record was written where sandboxed code could also write, so a package
// key naming another package (to take over its binaries) is refused.
func Merge(staging, root string, force bool, expected []string) ([]string, error) {
	var st crates2
	if err := readJSON(filepath.Join(staging, ".crates2.json"), &st); err != nil {
		return nil, fmt.Errorf("reading the staged install record: %w", err)
	}
	staged, err := binaries(st)
	if err != nil {
		return nil, err
	}
	for _, b := range staged {
		if len(expected) > 0 && !slices.Contains(expected, packageName(b.pkg)) {
			return nil, fmt.Errorf("the staged install record names package `%s`, which was not being installed; nothing was installed", packageName(b.pkg))
		}
	}
	var cur crates2
	if err := readJSON(filepath.Join(root, ".crates2.json"), &cur); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(root, ".crates2.json"), err)
	}
	owners, err := binaries(cur)
	if err != nil {
		return nil, err
	}
	for _, b := range staged {
		dst := filepath.Join(root, "bin", b.name)
		if _, err := os.Lstat(dst); err != nil || force {
			continue
		}
		owner := ""
		for _, o := range owners {
			if o.name == b.name {
				owner = o.pkg
			}
		}
		switch {
		case owner == "":
			return nil, fmt.Errorf("binary `%s` already exists in destination %s; add --force to overwrite", b.name, dst)
		case packageName(owner) != packageName(b.pkg):
			return nil, fmt.Errorf("binary `%s` already exists in destination as part of `%s`; add --force to overwrite", b.name, owner)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		return nil, err
	}
	var installed []string
	for _, b := range staged {
		dst := filepath.Join(root, "bin", b.name)
		if err := copyExecutable(filepath.Join(staging, "bin", b.name), dst); err != nil {
			return nil, err
		}
		installed = append(installed, dst)
	}
	if err := mergeCrates2(filepath.Join(root, ".crates2.json"), st); err != nil {
		return nil, err
	}
	if err := mergeCratesToml(filepath.Join(staging, ".crates.toml"), filepath.Join(root, ".crates.toml")); err != nil {
		return nil, err
	}
	return installed, nil
}

// binary is one installed binary and the tracking key of its package.
type binary struct{ name, pkg string }

// binaries lists the binaries of an install record, by package key order.
func binaries(c crates2) ([]binary, error) {
	keys := make([]string, 0, len(c.Installs))
	for k := range c.Installs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []binary
	for _, k := range keys {
		var ent installEntry
		if err := json.Unmarshal(c.Installs[k], &ent); err != nil {
			return nil, fmt.Errorf("install record for %s: %w", k, err)
		}
		for _, bin := range ent.Bins {
			if bin != filepath.Base(bin) || bin == "" || bin == "." || bin == ".." {
				return nil, fmt.Errorf("install record names an odd binary %q", bin)
			}
			out = append(out, binary{name: bin, pkg: k})
		}
	}
	return out, nil
}

func readJSON(p string, v any) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// packageName is the name part of a tracking key "name version (source)".
func packageName(key string) string {
	name, _, _ := strings.Cut(key, " ")
	return name
}

func mergeCrates2(path string, staged crates2) error {
	cur := crates2{Installs: map[string]json.RawMessage{}}
	if err := readJSON(path, &cur); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if cur.Installs == nil {
		cur.Installs = map[string]json.RawMessage{}
	}
	for k, v := range staged.Installs {
		for old := range cur.Installs {
			if packageName(old) == packageName(k) {
				delete(cur.Installs, old)
			}
		}
		cur.Installs[k] = v
	}
	data, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

func mergeCratesToml(stagedPath, path string) error {
	var staged, cur map[string]map[string][]string
	if _, err := toml.DecodeFile(stagedPath, &staged); err != nil {
		return fmt.Errorf("reading %s: %w", stagedPath, err)
	}
	if _, err := toml.DecodeFile(path, &cur); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if cur == nil {
		cur = map[string]map[string][]string{}
	}
	if cur["v1"] == nil {
		cur["v1"] = map[string][]string{}
	}
	for k, v := range staged["v1"] {
		for old := range cur["v1"] {
			if packageName(old) == packageName(k) {
				delete(cur["v1"], old)
			}
		}
		cur["v1"][k] = v
	}
	var b strings.Builder
	if err := toml.NewEncoder(&b).Encode(cur); err != nil {
		return err
	}
	return writeAtomic(path, []byte(b.String()))
}

func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("installed binary: %w", err)
	}
	defer in.Close()
	tmp := dst + ".airlock-tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".airlock-tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Package toolchain resolves which Rust toolchain a command uses, the way rustup
// does, without running rustup: rustup's proxy reads rust-toolchain.toml from the
// project and can be made to execute the project's own binaries, so airlock
// resolves the toolchain itself and runs the toolchain's binaries directly.
//
// Order (as rustup): +toolchain, RUSTUP_TOOLCHAIN, a directory override in
// settings.toml, rust-toolchain.toml / rust-toolchain in the directory or an
// ancestor, then the default toolchain.
package toolchain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/BurntSushi/toml"

	"airlock/internal/projfile"
)

// Toolchain is a resolved, installed toolchain.
type Toolchain struct {
	// Name is the toolchain's directory name, e.g. "stable-x86_64-unknown-linux-gnu".
	Name string
	// Dir is the toolchain's directory, e.g. ~/.rustup/toolchains/stable-….
	Dir string
	// Source says what selected it, for explain output.
	Source string
}

// Bin returns the path of one of the toolchain's binaries (cargo, rustc, …).
func (t Toolchain) Bin(name string) string { return filepath.Join(t.Dir, "bin", name) }

// Request describes where to resolve from.
type Request struct {
	// Plus is the name given as cargo +NAME, if any.
	Plus string
	// Env is RUSTUP_TOOLCHAIN, if set.
	Env string
	// Dir is the directory whose toolchain files and overrides apply.
	Dir string
	// RustupHome is RUSTUP_HOME.
	RustupHome string
}

// ErrNoRustup means RUSTUP_HOME has no settings.toml: rustup is not installed.
var ErrNoRustup = errors.New("rustup is not installed")

// settings is the part of rustup's settings.toml that matters here.
type settings struct {
	DefaultToolchain  string            `toml:"default_toolchain"`
	DefaultHostTriple string            `toml:"default_host_triple"`
	Overrides         map[string]string `toml:"overrides"`
}

// toolchainFile is rust-toolchain.toml.
type toolchainFile struct {
	Toolchain struct {
		Channel string `toml:"channel"`
		Path    string `toml:"path"`
	} `toml:"toolchain"`
}

// Resolve finds the toolchain for req.
func Resolve(req Request) (Toolchain, error) {
	var st settings
	settingsPath := filepath.Join(req.RustupHome, "settings.toml")
	data, err := os.ReadFile(settingsPath)
	if err != nil {
		if os.IsNotExist(err) {
			return Toolchain{}, fmt.Errorf("%w: no %s", ErrNoRustup, settingsPath)
		}
		return Toolchain{}, fmt.Errorf("reading rustup settings: %w", err)
	}
	if _, err := toml.Decode(string(data), &st); err != nil {
		return Toolchain{}, fmt.Errorf("parsing %s: %w", settingsPath, err)
	}
	host := st.DefaultHostTriple
	if host == "" {
		host = HostTriple()
	}

	name, source, err := selectName(req, st)
	if err != nil {
		return Toolchain{}, err
	}
	if name == "" {
		return Toolchain{}, fmt.Errorf("no default toolchain is configured; fix: rustup default stable")
	}
	dir, full, err := installedDir(req.RustupHome, name, host)
	if err != nil {
		return Toolchain{}, fmt.Errorf("toolchain %q (from %s): %w", name, source, err)
	}
	return Toolchain{Name: full, Dir: dir, Source: source}, nil
}

// selectName applies rustup's precedence and returns the toolchain name and
// what chose it.
func selectName(req Request, st settings) (name, source string, err error) {
	if req.Plus != "" {
		return req.Plus, "+" + req.Plus + " on the command line", nil
	}
	if req.Env != "" {
		return req.Env, "RUSTUP_TOOLCHAIN", nil
	}
	dir := req.Dir
	// rustup walks the physical working directory, and `rustup override set`
	// records canonical paths: resolve symlinks the same way.
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	for {
		if tc, ok := st.Overrides[dir]; ok {
			return tc, "rustup override for " + dir, nil
		}
		n, src, found, err := readToolchainFile(dir)
		if err != nil {
			return "", "", err
		}
		if found {
			return n, src, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return st.DefaultToolchain, "rustup default", nil
}

// readToolchainFile reads rust-toolchain.toml or rust-toolchain in dir.
func readToolchainFile(dir string) (name, source string, found bool, err error) {
	for _, base := range []string{"rust-toolchain", "rust-toolchain.toml"} {
		p := filepath.Join(dir, base)
		data, rerr := projfile.Read(p)
		if rerr != nil {
			if os.IsNotExist(rerr) || errors.Is(rerr, os.ErrPermission) {
				continue
			}
			return "", "", false, fmt.Errorf("reading %s: %w", p, rerr)
		}
		text := strings.TrimSpace(string(data))
		// The legacy file may be a bare channel name on one line.
		if base == "rust-toolchain" && !strings.ContainsAny(text, "=[\n") {
			if text == "" {
				return "", "", false, fmt.Errorf("%s is empty", p)
			}
			return text, p, true, nil
		}
		var tf toolchainFile
		if _, derr := toml.Decode(text, &tf); derr != nil {
			return "", "", false, fmt.Errorf("parsing %s: %w", p, derr)
		}
		if tf.Toolchain.Path != "" {
			// A path toolchain named by the project is project-controlled code:
			// running it would be running the project's binaries as the
			// trusted toolchain, in the fetch phase too.
			return "", "", false, fmt.Errorf("%s selects the toolchain at path %q, which the project controls; "+
				"airlock will not run it as the trusted toolchain. Fix: choose an installed toolchain with cargo +NAME or RUSTUP_TOOLCHAIN=NAME", p, tf.Toolchain.Path)
		}
		if tf.Toolchain.Channel == "" {
			return "", "", false, fmt.Errorf("%s has no [toolchain] channel", p)
		}
		return tf.Toolchain.Channel, p, true, nil
	}
	return "", "", false, nil
}

// installedDir maps a toolchain name to its installed directory, trying the
// name as given (custom and fully qualified names) and with the host triple.
func installedDir(rustupHome, name, host string) (dir, full string, err error) {
	if strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return "", "", fmt.Errorf("invalid toolchain name")
	}
	candidates := []string{name}
	if !strings.HasSuffix(name, "-"+host) {
		candidates = append(candidates, name+"-"+host)
	}
	for _, c := range candidates {
		d := filepath.Join(rustupHome, "toolchains", c)
		if st, err := os.Stat(filepath.Join(d, "bin", "cargo")); err == nil && !st.IsDir() {
			return d, c, nil
		}
	}
	return "", "", fmt.Errorf("not installed under %s; fix: rustup toolchain install %s",
		filepath.Join(rustupHome, "toolchains"), name)
}

// HostTriple is the rustup host triple of the machine airlock was built for.
func HostTriple() string {
	arch := map[string]string{
		"amd64":   "x86_64",
		"arm64":   "aarch64",
		"386":     "i686",
		"riscv64": "riscv64gc",
		"ppc64le": "powerpc64le",
		"s390x":   "s390x",
	}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	return arch + "-unknown-linux-gnu"
}

// FromCargoBinary makes a Toolchain from an explicit cargo binary (a system
// cargo without rustup, or one the user named): the toolchain is the
// directory above its bin/.
func FromCargoBinary(cargo, source string) (Toolchain, error) {
	real, err := filepath.EvalSymlinks(cargo)
	if err != nil {
		return Toolchain{}, fmt.Errorf("resolving %s: %w", cargo, err)
	}
	if base := filepath.Base(real); strings.HasPrefix(base, "rustup") {
		return Toolchain{}, fmt.Errorf("%s is the rustup proxy, not a toolchain's cargo", cargo)
	}
	bin := filepath.Dir(real)
	// Older rustup installs its proxies as hard links: same file as the
	// rustup beside it.
	if fi, err := os.Stat(real); err == nil {
		if ri, err := os.Stat(filepath.Join(bin, "rustup")); err == nil && os.SameFile(fi, ri) {
			return Toolchain{}, fmt.Errorf("%s is the rustup proxy (a hard link to rustup), not a toolchain's cargo", cargo)
		}
	}
	return Toolchain{Name: filepath.Base(filepath.Dir(bin)), Dir: filepath.Dir(bin), Source: source}, nil
}

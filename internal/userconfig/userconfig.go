// Package userconfig reads airlock's own configuration file, which belongs to
// the user ($XDG_CONFIG_HOME/airlock/config.toml, default
// ~/.config/airlock/config.toml). It is the only place besides the command
// line that can grant a sandbox more; nothing inside a workspace can.
package userconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// Grants are grants in the file's terms.
type Grants struct {
	RO  []string `toml:"ro"`
	RW  []string `toml:"rw"`
	Env []string `toml:"env"` // NAME or NAME=VALUE
	Net bool     `toml:"net"`
}

// Scoped are grants that apply when airlock runs in Path or below it.
type Scoped struct {
	Path string `toml:"path"`
	Grants
}

// File is the parsed configuration.
type File struct {
	Path      string
	Grants    Grants   `toml:"grants"`
	Workspace []Scoped `toml:"workspace"`
}

// Locate returns the configuration file path for an environment lookup.
func Locate(getenv func(string) string, home string) string {
	base := getenv("XDG_CONFIG_HOME")
	if base == "" || !filepath.IsAbs(base) {
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "airlock", "config.toml")
}

// Load reads the file; a missing file is an empty configuration.
func Load(path string) (*File, error) {
	f := &File{Path: path}
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return f, nil
		}
		return nil, fmt.Errorf("reading airlock config: %w", err)
	}
	md, err := toml.Decode(string(data), f)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: unknown keys %s (known: [grants] ro, rw, env, net; [[workspace]] path, ro, rw, env, net)", path, strings.Join(keys, ", "))
	}
	for _, w := range f.Workspace {
		if !filepath.IsAbs(w.Path) {
			return nil, fmt.Errorf("%s: [[workspace]] path %q must be absolute", path, w.Path)
		}
	}
	return f, nil
}

// For returns the grants that apply in dir: the global ones plus every
// [[workspace]] whose path is dir or one of its parents.
func (f *File) For(dir string) Grants {
	g := f.Grants
	g.RO = append([]string(nil), g.RO...)
	g.RW = append([]string(nil), g.RW...)
	g.Env = append([]string(nil), g.Env...)
	for _, w := range f.Workspace {
		p := filepath.Clean(w.Path)
		if dir == p || strings.HasPrefix(dir, p+"/") || p == "/" {
			g.RO = append(g.RO, w.RO...)
			g.RW = append(g.RW, w.RW...)
			g.Env = append(g.Env, w.Env...)
			g.Net = g.Net || w.Net
		}
	}
	return g
}

// Package cargoconfig reads cargo's configuration files the way cargo finds
// them (the working directory and its ancestors, then CARGO_HOME), and tells
// apart what the user wrote (trusted) from what the project wrote (not).
package cargoconfig

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"airlock/internal/projfile"
)

// File is one parsed configuration file.
type File struct {
	Path string
	// Project is true for files found in the working directory's ancestry
	// that are not the user's own CARGO_HOME config: the project controls them.
	Project bool
	Data    map[string]any
}

// BaseDir is the directory relative paths in the file are resolved against:
// the parent of the .cargo directory (or CARGO_HOME's parent for the user file).
func (f File) BaseDir() string { return filepath.Dir(filepath.Dir(f.Path)) }

// Config is the list of files in cargo's precedence order, highest first.
type Config struct {
	Files []File
}

// Discover finds configuration files as cargo does from dir, plus the
// user's file in cargoHome. Files that exist but do not parse are errors.
func Discover(dir, cargoHome string) (*Config, error) {
	var c Config
	seen := map[string]bool{}
	userFiles := map[string]bool{
		filepath.Join(cargoHome, "config.toml"): true,
		filepath.Join(cargoHome, "config"):      true,
	}
	for d := dir; ; d = filepath.Dir(d) {
		for _, base := range []string{"config", "config.toml"} {
			p := filepath.Join(d, ".cargo", base)
			if seen[p] {
				continue
			}
			f, ok, err := load(p)
			if err != nil {
				return nil, err
			}
			if ok {
				seen[p] = true
				f.Project = !userFiles[p]
				c.Files = append(c.Files, f)
				break // with both present, cargo reads "config"
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	for _, base := range []string{"config", "config.toml"} {
		p := filepath.Join(cargoHome, base)
		if seen[p] {
			break
		}
		f, ok, err := load(p)
		if err != nil {
			return nil, err
		}
		if ok {
			c.Files = append(c.Files, f)
			break
		}
	}
	return &c, nil
}

func load(p string) (File, bool, error) {
	data, err := projfile.Read(p)
	if err != nil {
		if os.IsNotExist(err) || os.IsPermission(err) {
			return File{}, false, nil
		}
		return File{}, false, fmt.Errorf("reading cargo config: %w", err)
	}
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		return File{}, false, fmt.Errorf("parsing cargo config %s: %w", p, err)
	}
	return File{Path: p, Data: m}, true, nil
}

// Lookup returns the highest-precedence value of a dotted key path and the
// file it came from.
func (c *Config) Lookup(path ...string) (any, File, bool) {
	for _, f := range c.Files {
		if v, ok := lookup(f.Data, path); ok {
			return v, f, true
		}
	}
	return nil, File{}, false
}

func lookup(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, k := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// CLIValue reads a dotted key path from one `--config KEY=VALUE` argument
// (TOML). ok is false when the argument is a file path, is not TOML, or
// sets another key.
func CLIValue(arg string, path ...string) (any, bool) {
	var m map[string]any
	if _, err := toml.Decode(arg, &m); err != nil {
		return nil, false
	}
	return lookup(m, path)
}

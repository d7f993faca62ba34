package workspace

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"airlock/internal/projfile"
)

// LockedPackage is one [[package]] of Cargo.lock.
type LockedPackage struct {
	Name     string `toml:"name"`
	Version  string `toml:"version"`
	Source   string `toml:"source"`
	Checksum string `toml:"checksum"`
}

// SourceKind classifies a locked package's source.
type SourceKind int

// Kinds of package source.
const (
	SourceLocal SourceKind = iota // path dependency or workspace member
	SourceRegistry
	SourceGit
	SourceOther
)

// Kind says where the package comes from.
func (p LockedPackage) Kind() SourceKind {
	switch {
	case p.Source == "":
		return SourceLocal
	case strings.HasPrefix(p.Source, "registry+"), strings.HasPrefix(p.Source, "sparse+"):
		return SourceRegistry
	case strings.HasPrefix(p.Source, "git+"):
		return SourceGit
	default:
		return SourceOther
	}
}

// GitCommit returns the locked commit of a git source ("…#<commit>").
func (p LockedPackage) GitCommit() string {
	if i := strings.LastIndexByte(p.Source, '#'); i >= 0 {
		return p.Source[i+1:]
	}
	return ""
}

// Lock is a parsed Cargo.lock.
type Lock struct {
	Path     string
	Packages []LockedPackage `toml:"package"`
}

// ReadLock parses a Cargo.lock. A missing file is reported with os.ErrNotExist.
func ReadLock(path string) (*Lock, error) {
	data, err := projfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("reading lock file: %w", err)
	}
	var l Lock
	if _, err := toml.Decode(string(data), &l); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	l.Path = path
	return &l, nil
}

// Missing is a package the offline phase would need but cargo's caches lack.
type Missing struct {
	Package LockedPackage
	Reason  string
}

func (m Missing) String() string {
	return fmt.Sprintf("%s %s (%s)", m.Package.Name, m.Package.Version, m.Reason)
}

// CacheDirs are cargo's download caches under CARGO_HOME.
type CacheDirs struct {
	CargoHome string
	// Local reports sources that cargo's configuration replaces with a
	// directory or local registry (cargo vendor): nothing to download.
	Local func(source string) bool
}

// MissingFromCache lists the locked packages whose sources cargo could not
// use offline: a registry crate needs its extracted sources (registry/src)
// and its index entry; a git dependency needs its checkout.
//
// Cargo names cache directories "<host>-<hash of the source id>"; airlock
// does not recompute cargo's hash and accepts a match in any of them. A
// false "present" surfaces as an offline miss in the run phase, which airlock
// reports; it never makes the build less confined.
func (c CacheDirs) MissingFromCache(l *Lock) []Missing {
	var out []Missing
	srcDirs := globDirs(filepath.Join(c.CargoHome, "registry", "src", "*"))
	indexDirs := globDirs(filepath.Join(c.CargoHome, "registry", "index", "*"))
	checkouts := globDirs(filepath.Join(c.CargoHome, "git", "checkouts", "*"))
	for _, p := range l.Packages {
		if c.Local != nil && p.Source != "" && c.Local(p.Source) {
			continue
		}
		switch p.Kind() {
		case SourceRegistry:
			if !anyHas(srcDirs, filepath.Join(p.Name+"-"+p.Version, ".cargo-ok")) {
				out = append(out, Missing{p, "sources not downloaded"})
				continue
			}
			if !anyHas(indexDirs, filepath.Join(".cache", IndexPath(p.Name))) {
				out = append(out, Missing{p, "index entry not cached"})
			}
		case SourceGit:
			commit := p.GitCommit()
			if len(commit) < 7 || !anyHas(checkouts, filepath.Join(commit[:7], ".cargo-ok")) {
				out = append(out, Missing{p, "git checkout missing"})
			}
		}
	}
	return out
}

// IndexPath is the path of a crate's file in a registry index: "1/a",
// "2/ab", "3/a/abc", "ab/cd/abcd…", lower-cased.
func IndexPath(name string) string {
	n := strings.ToLower(name)
	switch len(n) {
	case 1:
		return filepath.Join("1", n)
	case 2:
		return filepath.Join("2", n)
	case 3:
		return filepath.Join("3", n[:1], n)
	default:
		return filepath.Join(n[:2], n[2:4], n)
	}
}

func globDirs(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	return m
}

func anyHas(dirs []string, rel string) bool {
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, rel)); err == nil {
			return true
		}
	}
	return false
}

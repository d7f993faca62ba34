// Package workspace finds a cargo workspace from its manifests, reads its
// Cargo.lock, and decides from the lock file and cargo's caches whether a
// build can run offline — all in Go, without running cargo on the host.
package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/BurntSushi/toml"

	"airlock/internal/projfile"
)

// Manifest is the part of a Cargo.toml that airlock needs.
type Manifest struct {
	Path    string // absolute path of the Cargo.toml
	Package *struct {
		Name      string `toml:"name"`
		Workspace string `toml:"workspace"`
		// Version is a string, or {workspace = true} when inherited.
		Version any `toml:"version"`
	} `toml:"package"`
	Workspace *struct {
		Members      []string              `toml:"members"`
		Exclude      []string              `toml:"exclude"`
		Dependencies map[string]Dependency `toml:"dependencies"`
	} `toml:"workspace"`
	Dependencies       map[string]Dependency `toml:"dependencies"`
	DevDependencies    map[string]Dependency `toml:"dev-dependencies"`
	DevDependencies2   map[string]Dependency `toml:"dev_dependencies"`
	BuildDependencies  map[string]Dependency `toml:"build-dependencies"`
	BuildDependencies2 map[string]Dependency `toml:"build_dependencies"`
	Target             map[string]struct {
		Dependencies      map[string]Dependency `toml:"dependencies"`
		DevDependencies   map[string]Dependency `toml:"dev-dependencies"`
		BuildDependencies map[string]Dependency `toml:"build-dependencies"`
	} `toml:"target"`
}

// Dependency is one entry of a dependency table: either a version string or
// a detailed table.
type Dependency struct {
	Version   string
	Package   string
	Path      string
	Git       string
	Registry  string
	Workspace bool
	Optional  bool
}

// UnmarshalTOML accepts both `dep = "1"` and `dep = { … }`.
func (d *Dependency) UnmarshalTOML(v any) error {
	switch t := v.(type) {
	case string:
		d.Version = t
		return nil
	case map[string]any:
		str := func(k string) string { s, _ := t[k].(string); return s }
		d.Version = str("version")
		d.Package = str("package")
		d.Path = str("path")
		d.Git = str("git")
		d.Registry = str("registry")
		d.Workspace, _ = t["workspace"].(bool)
		d.Optional, _ = t["optional"].(bool)
		return nil
	default:
		return fmt.Errorf("dependency must be a string or a table, not %T", v)
	}
}

// AllDependencies returns every dependency table of the manifest, keyed by
// the name used in the manifest.
func (m *Manifest) AllDependencies() []map[string]Dependency {
	return m.dependencyTables(true)
}

// dependencyTables returns the manifest's dependency tables, with or without
// the dev-dependencies.
func (m *Manifest) dependencyTables(dev bool) []map[string]Dependency {
	out := []map[string]Dependency{m.Dependencies, m.BuildDependencies, m.BuildDependencies2}
	if dev {
		out = append(out, m.DevDependencies, m.DevDependencies2)
	}
	keys := make([]string, 0, len(m.Target))
	for k := range m.Target {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t := m.Target[k]
		out = append(out, t.Dependencies, t.BuildDependencies)
		if dev {
			out = append(out, t.DevDependencies)
		}
	}
	return out
}

// ParseManifest reads and parses a Cargo.toml.
func ParseManifest(path string) (*Manifest, error) {
	data, err := projfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	var m Manifest
	if _, err := toml.Decode(string(data), &m); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	m.Path = path
	if m.Package == nil && m.Workspace == nil {
		return nil, fmt.Errorf("%s has neither [package] nor [workspace]", path)
	}
	return &m, nil
}

// ErrNoManifest means no Cargo.toml was found.
var ErrNoManifest = errors.New("could not find Cargo.toml")

// FindManifest returns the nearest Cargo.toml in dir or its ancestors, as
// cargo does for commands run without --manifest-path.
func FindManifest(dir string) (string, error) {
	d := dir
	for {
		p := filepath.Join(d, "Cargo.toml")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("%w in %s or any parent directory", ErrNoManifest, dir)
		}
		d = parent
	}
}

// Workspace is a located workspace.
type Workspace struct {
	// Root is the directory of the root manifest.
	Root string
	// RootManifest is the root Cargo.toml.
	RootManifest *Manifest
	// Manifests are the root and every member manifest, parsed, and the
	// path dependencies they reach.
	Manifests []*Manifest
	// members holds the paths of the manifests that are workspace members;
	// the others are path dependencies outside the workspace, whose
	// dev-dependencies cargo does not resolve. Nil means all are members.
	members map[string]bool
}

// isMemberManifest says whether m is a member of the workspace (and not
// just a path dependency outside it).
func (w *Workspace) isMemberManifest(m *Manifest) bool {
	return w.members == nil || w.members[m.Path]
}

// LockPath is where cargo keeps the workspace's lock file.
func (w *Workspace) LockPath() string { return filepath.Join(w.Root, "Cargo.lock") }

// Find locates the workspace that contains the package whose manifest is at
// manifestPath, following cargo's rules: the manifest's own [workspace], an
// explicit package.workspace, or the nearest ancestor [workspace] that has
// it as a member (listed, or a path dependency of a member inside the
// workspace) and does not exclude it.
func Find(manifestPath string) (*Workspace, error) {
	abs, err := filepath.Abs(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("resolving manifest path: %w", err)
	}
	m, err := ParseManifest(abs)
	if err != nil {
		return nil, err
	}
	root, err := findRoot(m)
	if err != nil {
		return nil, err
	}
	ws := &Workspace{Root: filepath.Dir(root.Path), RootManifest: root}
	if err := ws.loadMembers(); err != nil {
		return nil, err
	}
	return ws, nil
}

func findRoot(m *Manifest) (*Manifest, error) {
	if m.Workspace != nil {
		return m, nil
	}
	dir := filepath.Dir(m.Path)
	if m.Package != nil && m.Package.Workspace != "" {
		p := filepath.Join(dir, m.Package.Workspace, "Cargo.toml")
		root, err := ParseManifest(p)
		if err != nil {
			return nil, fmt.Errorf("package.workspace of %s: %w", m.Path, err)
		}
		if root.Workspace == nil {
			return nil, fmt.Errorf("package.workspace of %s points to %s, which has no [workspace]", m.Path, p)
		}
		return root, nil
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		p := filepath.Join(d, "Cargo.toml")
		if _, err := os.Stat(p); err == nil {
			cand, err := ParseManifest(p)
			if err != nil {
				return nil, err
			}
			if cand.Workspace != nil && (isMember(cand, dir) || reachedByPath(cand, m.Path)) {
				return cand, nil
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return m, nil
}

// reachedByPath says whether the package at manifestPath is a member of the
// workspace rooted at root through path dependencies: cargo makes every path
// dependency of a member that lies in the workspace (and is not excluded) a
// member too, and finds that workspace from the package's directory.
func reachedByPath(root *Manifest, manifestPath string) bool {
	if isExcluded(root, filepath.Dir(manifestPath)) {
		return false
	}
	ws := &Workspace{Root: filepath.Dir(root.Path), RootManifest: root}
	if err := ws.loadMembers(); err != nil {
		return false
	}
	return ws.members[filepath.Clean(manifestPath)]
}

// isExcluded says whether pkgDir is in the exclude list of root's workspace.
func isExcluded(root *Manifest, pkgDir string) bool {
	rootDir := filepath.Dir(root.Path)
	for _, ex := range root.Workspace.Exclude {
		e := filepath.Join(rootDir, ex)
		if pkgDir == e || isUnder(pkgDir, e) {
			return true
		}
	}
	return false
}

// isMember says whether pkgDir is listed as a member of the workspace rooted
// at root.
func isMember(root *Manifest, pkgDir string) bool {
	rootDir := filepath.Dir(root.Path)
	if isExcluded(root, pkgDir) {
		return false
	}
	for _, pat := range root.Workspace.Members {
		if ok, _ := filepath.Match(filepath.Join(rootDir, pat), pkgDir); ok {
			return true
		}
	}
	// Path dependencies of members are members too (cargo's rule): that needs
	// the whole graph, which reachedByPath and loadMembers walk.
	return false
}

func isUnder(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && !filepath.IsAbs(rel) && rel != ".." && !hasDotDotPrefix(rel)
}

func hasDotDotPrefix(rel string) bool {
	return len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator)
}

// loadMembers parses the root, the listed members, and every path
// dependency reachable from them. As in cargo, path dependencies of members
// that lie inside the workspace (and are not excluded) are members too; the
// dev-dependencies of other path dependencies are not followed, since cargo
// does not resolve them.
func (w *Workspace) loadMembers() error {
	parsed := map[string]*Manifest{filepath.Clean(w.RootManifest.Path): w.RootManifest}
	load := func(p string) (*Manifest, error) {
		if m, ok := parsed[p]; ok {
			return m, nil
		}
		m, err := ParseManifest(p)
		if err != nil {
			return nil, err
		}
		parsed[p] = m
		return m, nil
	}
	start := []string{filepath.Clean(w.RootManifest.Path)}
	if ws := w.RootManifest.Workspace; ws != nil {
		for _, pat := range ws.Members {
			matches, err := filepath.Glob(filepath.Join(w.Root, pat, "Cargo.toml"))
			if err != nil {
				return fmt.Errorf("workspace member pattern %q: %w", pat, err)
			}
			for _, mp := range matches {
				if isMember(w.RootManifest, filepath.Dir(mp)) {
					start = append(start, filepath.Clean(mp))
				}
			}
		}
	}
	pathDeps := func(m *Manifest, dev bool) []string {
		var out []string
		for _, deps := range m.dependencyTables(dev) {
			for _, d := range deps {
				if d.Path != "" {
					out = append(out, filepath.Clean(filepath.Join(filepath.Dir(m.Path), d.Path, "Cargo.toml")))
				}
			}
		}
		sort.Strings(out)
		return out
	}
	inside := func(manifest string) bool {
		dir := filepath.Dir(manifest)
		return w.RootManifest.Workspace != nil && (dir == w.Root || isUnder(dir, w.Root)) &&
			!isExcluded(w.RootManifest, dir)
	}

	// The members.
	w.members = map[string]bool{}
	queue := append([]string(nil), start...)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if w.members[p] {
			continue
		}
		w.members[p] = true
		m, err := load(p)
		if err != nil {
			return err
		}
		for _, dep := range pathDeps(m, true) {
			if inside(dep) {
				queue = append(queue, dep)
			}
		}
	}

	// Every manifest the members reach.
	seen := map[string]bool{}
	queue = append([]string(nil), start...)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		m, err := load(p)
		if err != nil {
			return err
		}
		w.Manifests = append(w.Manifests, m)
		queue = append(queue, pathDeps(m, w.members[p])...)
	}
	return nil
}

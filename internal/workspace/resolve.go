package workspace

import (
	"fmt"
	"sort"

	"airlock/internal/semver"
)

// Stale describes why Cargo.lock no longer covers the manifests, so that
// cargo will re-resolve (and needs the network) on the next build.
type Stale struct {
	Manifest   string
	Dependency string
	Reason     string
}

func (s Stale) String() string {
	return fmt.Sprintf("%s: %s %s", s.Manifest, s.Dependency, s.Reason)
}

// StaleDependencies lists the dependencies declared in the workspace's
// manifests that Cargo.lock does not satisfy: a name it does not lock, or a
// locked version outside the requirement. An empty result means cargo can
// use the lock file as it is.
func (w *Workspace) StaleDependencies(l *Lock) []Stale {
	byName := map[string][]LockedPackage{}
	for _, p := range l.Packages {
		byName[p.Name] = append(byName[p.Name], p)
	}
	var wsDeps map[string]Dependency
	if w.RootManifest.Workspace != nil {
		wsDeps = w.RootManifest.Workspace.Dependencies
	}
	var out []Stale
	for _, m := range w.Manifests {
		if m.Package != nil && m.Package.Name != "" {
			version, _ := m.Package.Version.(string)
			if !hasLocal(byName[m.Package.Name], version) {
				out = append(out, Stale{m.Path, m.Package.Name, "is a workspace package missing from Cargo.lock (or at another version)"})
			}
		}
		// Cargo resolves dev-dependencies for workspace members only.
		for _, deps := range m.dependencyTables(w.isMemberManifest(m)) {
			keys := make([]string, 0, len(deps))
			for k := range deps {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, key := range keys {
				d := deps[key]
				if d.Workspace {
					inherited, ok := wsDeps[key]
					if !ok {
						out = append(out, Stale{m.Path, key, "inherits from [workspace.dependencies], which lacks it"})
						continue
					}
					inherited.Optional = d.Optional
					d = inherited
				}
				name := key
				if d.Package != "" {
					name = d.Package
				}
				if s, bad := checkDep(byName[name], d); bad {
					out = append(out, Stale{m.Path, name, s})
				}
			}
		}
	}
	return out
}

// hasLocal says whether the lock has the local package, at version when
// the manifest states one (an inherited version is not checked).
func hasLocal(ps []LockedPackage, version string) bool {
	for _, p := range ps {
		if p.Kind() == SourceLocal && (version == "" || p.Version == version) {
			return true
		}
	}
	return false
}

// checkDep says whether some locked package satisfies d.
func checkDep(candidates []LockedPackage, d Dependency) (reason string, stale bool) {
	if len(candidates) == 0 {
		return "is not in Cargo.lock", true
	}
	if d.Version == "" {
		return "", false
	}
	for _, p := range candidates {
		ok, err := semver.Matches(d.Version, p.Version)
		if err != nil {
			// An unparsable requirement is cargo's error to report; let the
			// fetch phase run so cargo says it with network access.
			return fmt.Sprintf("has a requirement airlock cannot read (%v)", err), true
		}
		if ok {
			return "", false
		}
	}
	return fmt.Sprintf("requirement %q is not met by the locked version", d.Version), true
}

// HasExternalDependencies says whether any manifest names a dependency that
// is not a path dependency: without one, cargo can write a lock file offline.
func (w *Workspace) HasExternalDependencies() bool {
	var wsDeps map[string]Dependency
	if w.RootManifest.Workspace != nil {
		wsDeps = w.RootManifest.Workspace.Dependencies
	}
	for _, m := range w.Manifests {
		for _, deps := range m.dependencyTables(w.isMemberManifest(m)) {
			for key, d := range deps {
				if d.Workspace {
					d = wsDeps[key]
				}
				if d.Path == "" {
					return true
				}
			}
		}
	}
	return false
}

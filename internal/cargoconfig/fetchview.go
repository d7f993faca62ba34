package cargoconfig

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// fetchKeys are the project configuration keys a networked phase honours:
// data that says where packages come from. "*" matches any one key. Keys
// that run programs (build.rustc*, credential providers,
// net.git-fetch-with-cli), inject environment ([env]), redirect trust
// (http.proxy, http.cainfo) or configure targets are not listed, nor is
// anything unknown.
var fetchKeys = [][]string{
	{"source", "*", "replace-with"},
	{"source", "*", "registry"},
	{"source", "*", "local-registry"},
	{"source", "*", "directory"},
	{"source", "*", "git"},
	{"source", "*", "branch"},
	{"source", "*", "tag"},
	{"source", "*", "rev"},
	{"registries", "*", "index"},
	{"registries", "*", "protocol"},
	{"registry", "default"},
	{"patch", "*", "*", "git"},
	{"patch", "*", "*", "branch"},
	{"patch", "*", "*", "tag"},
	{"patch", "*", "*", "rev"},
	{"patch", "*", "*", "path"},
	{"patch", "*", "*", "version"},
	{"patch", "*", "*", "package"},
	{"patch", "*", "*", "registry"},
	{"net", "retry"},
	{"http", "timeout"},
	{"http", "low-speed-limit"},
	{"http", "multiplexing"},
	{"resolver", "incompatible-rust-versions"},
}

// pathKeys hold paths relative to the configuration file's base directory.
var pathKeys = [][]string{
	{"source", "*", "local-registry"},
	{"source", "*", "directory"},
	{"patch", "*", "*", "path"},
}

// FetchView is what a networked phase takes from project configuration.
type FetchView struct {
	// Args are --config arguments, lowest precedence first, so that cargo
	// (where the rightmost wins) keeps the project files' precedence.
	Args []string
	// Ignored are the dotted keys of project configuration not honoured.
	Ignored []string
}

// ProjectFetchView reduces the project's configuration files to the
// allowlisted data keys. The user's own file (CARGO_HOME) is not included:
// cargo reads it by itself. Registries and sources named in protected are
// the user's: the project's definitions of them are left out.
func (c *Config) ProjectFetchView(protected Protected) FetchView {
	var v FetchView
	ignored := map[string]bool{}
	for i := len(c.Files) - 1; i >= 0; i-- {
		f := c.Files[i]
		if !f.Project {
			continue
		}
		walk(f.Data, nil, func(path []string, val any) {
			if !matchAny(fetchKeys, path) {
				ignored[dotted(path)] = true
				return
			}
			if (path[0] == "registries" || path[0] == "source") && len(path) > 1 && protected.Has(path[1]) {
				ignored[dotted(path)+" (your registry)"] = true
				return
			}
			if s, ok := val.(string); ok && matchAny(pathKeys, path) && !filepath.IsAbs(s) && !strings.Contains(s, "://") {
				val = filepath.Join(f.BaseDir(), s)
			}
			rendered, ok := tomlValue(val)
			if !ok {
				ignored[dotted(path)] = true
				return
			}
			v.Args = append(v.Args, tomlKey(path)+"="+rendered)
		})
	}
	for k := range ignored {
		v.Ignored = append(v.Ignored, k)
	}
	sort.Strings(v.Ignored)
	return v
}

// walk calls fn for every leaf of a decoded TOML table.
func walk(m map[string]any, prefix []string, fn func([]string, any)) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := append(append([]string(nil), prefix...), k)
		if sub, ok := m[k].(map[string]any); ok {
			walk(sub, path, fn)
			continue
		}
		fn(path, m[k])
	}
}

func matchAny(patterns [][]string, path []string) bool {
	for _, p := range patterns {
		if len(p) != len(path) {
			continue
		}
		ok := true
		for i := range p {
			if p[i] != "*" && p[i] != path[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// tomlKey renders a dotted TOML key, quoting segments that need it.
func tomlKey(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		if bareKey.MatchString(p) {
			parts[i] = p
		} else {
			q, _ := json.Marshal(p)
			parts[i] = string(q)
		}
	}
	return strings.Join(parts, ".")
}

func dotted(path []string) string { return strings.Join(path, ".") }

// tomlValue renders a scalar or an array of scalars as TOML.
func tomlValue(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		q, err := json.Marshal(t) // a JSON string is a valid TOML basic string
		return string(q), err == nil
	case bool, int64:
		return fmt.Sprint(t), true
	case float64:
		return fmt.Sprint(t), true
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := tomlValue(e)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	}
	return "", false
}

package cargoconfig

import "strings"

// cratesIO is the source id cargo writes in Cargo.lock for crates.io.
const cratesIO = "registry+https://github.com/rust-lang/crates.io-index"

// LocalSources returns a predicate over Cargo.lock source strings that is
// true for sources the configuration replaces, directly or through a chain,
// with a directory source or a local registry (the output of cargo vendor).
// Such packages need no download.
func (c *Config) LocalSources() func(string) bool {
	str := func(path ...string) string {
		v, _, ok := c.Lookup(path...)
		if !ok {
			return ""
		}
		s, _ := v.(string)
		return s
	}
	isLocal := func(name string) bool {
		for i := 0; i < 16 && name != ""; i++ { // bounded: a cycle is cargo's error
			if str("source", name, "directory") != "" || str("source", name, "local-registry") != "" {
				return true
			}
			name = str("source", name, "replace-with")
		}
		return false
	}
	local := map[string]bool{}
	for _, f := range c.Files {
		sources, _ := f.Data["source"].(map[string]any)
		for name := range sources {
			if !isLocal(str("source", name, "replace-with")) {
				continue
			}
			switch {
			case name == "crates-io":
				local[cratesIO] = true
			case str("source", name, "registry") != "":
				local["registry+"+str("source", name, "registry")] = true
				local[str("source", name, "registry")] = true
			case str("source", name, "git") != "":
				local["git+"+str("source", name, "git")] = true
			}
		}
	}
	return func(source string) bool {
		if local[source] {
			return true
		}
		// Git sources in Cargo.lock carry "?rev=…#commit" after the URL.
		if strings.HasPrefix(source, "git+") {
			base := source
			if i := strings.IndexAny(base, "?#"); i >= 0 {
				base = base[:i]
			}
			return local[base]
		}
		return false
	}
}

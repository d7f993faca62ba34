package cargoconfig

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// Protected names the registries and sources a project may not define in
// the fetch phase: those the user holds credentials for by name. cargo sends
// such a token to whatever index URL the name resolves to, and a project's
// config outranks the user's, so a project redefining the name would receive
// the token. (Credential providers keyed by index URL need no protection.)
type Protected map[string]bool

// Has says whether name is protected. Names are compared the way cargo maps
// them to environment variables (case-insensitive, '-' as '_').
func (p Protected) Has(name string) bool { return p[envName(name)] }

func envName(name string) string { return strings.ToUpper(strings.ReplaceAll(name, "-", "_")) }

// ProtectedRegistries collects the registry names with user credentials:
// CARGO_REGISTRIES_<NAME>_TOKEN, _CREDENTIAL_PROVIDER or _INDEX in environ,
// [registries.<name>] in CARGO_HOME's credentials files, and
// registries.<name> with a token or credential-provider in the user's own
// config files in c.
//
// When no project file defines a registry or source there is nothing to
// protect, and the credentials files are not read.
func ProtectedRegistries(c *Config, cargoHome string, environ []string) Protected {
	if !c.projectDefinesRegistries() {
		return nil
	}
	p := Protected{}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(k, "CARGO_REGISTRIES_")
		if !ok {
			continue
		}
		for _, suffix := range []string{"_TOKEN", "_CREDENTIAL_PROVIDER", "_INDEX"} {
			if name, ok := strings.CutSuffix(rest, suffix); ok && name != "" {
				p[name] = true
			}
		}
	}
	for _, base := range []string{"credentials.toml", "credentials"} {
		data, err := os.ReadFile(filepath.Join(cargoHome, base))
		if err != nil {
			continue
		}
		var m map[string]any
		if _, err := toml.Decode(string(data), &m); err != nil {
			continue
		}
		if regs, ok := m["registries"].(map[string]any); ok {
			for name := range regs {
				p[envName(name)] = true
			}
		}
	}
	for _, f := range c.Files {
		if f.Project {
			continue
		}
		regs, _ := f.Data["registries"].(map[string]any)
		for name, v := range regs {
			reg, _ := v.(map[string]any)
			if _, ok := reg["token"]; ok {
				p[envName(name)] = true
			}
			if _, ok := reg["credential-provider"]; ok {
				p[envName(name)] = true
			}
		}
	}
	return p
}

// projectDefinesRegistries says whether a project file has a [registries]
// or [source] table.
func (c *Config) projectDefinesRegistries() bool {
	for _, f := range c.Files {
		if f.Project && (f.Data["registries"] != nil || f.Data["source"] != nil) {
			return true
		}
	}
	return false
}

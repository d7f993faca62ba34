package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"airlock/internal/policy"
	"airlock/internal/userconfig"
)

// withUserConfig adds the grants of the user's airlock config file that
// apply in dir to the command line's.
func withUserConfig(g policy.Grants, dir string) (policy.Grants, error) {
	home, _ := os.UserHomeDir()
	if h := os.Getenv("HOME"); h != "" {
		home = h
	}
	f, err := userconfig.Load(userconfig.Locate(os.Getenv, home))
	if err != nil {
		return g, err
	}
	ug := f.For(dir)
	var args []string
	for _, p := range ug.RO {
		args = append(args, "--ro", p)
	}
	for _, p := range ug.RW {
		args = append(args, "--rw", p)
	}
	for _, e := range ug.Env {
		args = append(args, "--env", e)
	}
	if ug.Net {
		args = append(args, "--net")
	}
	o, _, err := parseGrants(args, false)
	if err != nil {
		return g, fmt.Errorf("%s: %w", f.Path, err)
	}
	g.ReadOnly = append(g.ReadOnly, o.grants.ReadOnly...)
	g.ReadWrite = append(g.ReadWrite, o.grants.ReadWrite...)
	for k, v := range o.grants.Env {
		if g.Env == nil {
			g.Env = map[string]string{}
		}
		if _, set := g.Env[k]; !set {
			g.Env[k] = v
		}
	}
	g.Network = g.Network || o.grants.Network
	return g, nil
}

// options are airlock's own flags for one invocation.
type options struct {
	grants    policy.Grants
	fetchOnly bool
}

// parseGrants takes airlock's flags. In airlock form they stand before the
// tool name ("airlock --rw /data cargo test"); in shim form ("cargo …")
// they are spelled --airlock-NAME and may stand anywhere before "--", and
// are removed before cargo sees the arguments.
func parseGrants(args []string, shim bool) (options, []string, error) {
	var o options
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(a, "=")
		flag, isOurs := strings.CutPrefix(name, "--airlock-")
		if !isOurs && !shim && strings.HasPrefix(name, "--") {
			flag, isOurs = strings.TrimPrefix(name, "--"), true
		}
		if !isOurs {
			if !shim {
				if strings.HasPrefix(a, "-") {
					return o, nil, fmt.Errorf("unknown airlock flag %q (airlock's flags go before the tool name; see airlock --help)", a)
				}
				// The tool name: everything from here is the tool's.
				return o, append(rest, args[i:]...), o.validate()
			}
			rest = append(rest, a)
			continue
		}
		needsValue := map[string]bool{"ro": true, "rw": true, "env": true}
		if needsValue[flag] && !hasVal {
			if i+1 >= len(args) {
				return o, nil, fmt.Errorf("%s needs a value", name)
			}
			i++
			val = args[i]
		}
		switch flag {
		case "ro":
			o.grants.ReadOnly = append(o.grants.ReadOnly, val)
		case "rw":
			o.grants.ReadWrite = append(o.grants.ReadWrite, val)
		case "env":
			if o.grants.Env == nil {
				o.grants.Env = map[string]string{}
			}
			k, v, set := strings.Cut(val, "=")
			if k == "cargo" || k == "rust-analyzer" || k == "" {
				return o, nil, fmt.Errorf("%s needs a variable name, as in `airlock %s NAME[=VALUE] cargo build`", name, name)
			}
			if !set {
				var ok bool
				if v, ok = os.LookupEnv(k); !ok {
					return o, nil, fmt.Errorf("%s %s: %s is not set; give a value with %s %s=VALUE", name, k, k, name, k)
				}
			}
			if k == "" {
				return o, nil, fmt.Errorf("%s needs NAME or NAME=VALUE", name)
			}
			o.grants.Env[k] = v
		case "net":
			if hasVal {
				return o, nil, fmt.Errorf("%s takes no value", name)
			}
			o.grants.Network = true
		case "fetch-only":
			o.fetchOnly = true
		default:
			return o, nil, fmt.Errorf("unknown airlock flag %q (see airlock --help)", a)
		}
	}
	return o, rest, o.validate()
}

// validate makes grant paths absolute and checks that they exist: a grant
// that names nothing is a typo, and bwrap would fail on it later anyway.
func (o *options) validate() error {
	fix := func(kind string, paths []string) error {
		for i, p := range paths {
			abs, err := filepath.Abs(p)
			if err != nil {
				return fmt.Errorf("--%s %s: %w", kind, p, err)
			}
			if _, err := os.Stat(abs); err != nil {
				return fmt.Errorf("--%s %s: the path does not exist (create it first, or fix the path)", kind, p)
			}
			paths[i] = abs
		}
		return nil
	}
	if err := fix("ro", o.grants.ReadOnly); err != nil {
		return err
	}
	return fix("rw", o.grants.ReadWrite)
}

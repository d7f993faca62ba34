package policy

import (
	"sort"
	"strings"
)

// passEnv are host variables that reach every phase unchanged: terminal and
// locale settings, and build settings the user chose for cargo and C
// compilers. Everything else is dropped (tokens, cloud keys, SSH agents).
var passEnv = []string{
	"TERM", "COLORTERM", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS",
	"LANG", "LANGUAGE", "TZ", "USER", "LOGNAME", "SOURCE_DATE_EPOCH",
	"RUSTFLAGS", "RUSTDOCFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER",
	"RUSTC_BOOTSTRAP", "RUST_BACKTRACE", "RUST_LIB_BACKTRACE", "RUST_LOG", "RUST_MIN_STACK",
	"RUST_TEST_THREADS", "RUST_TEST_NOCAPTURE", "RUST_TEST_TIME_UNIT",
	"CC", "CXX", "AR", "LD", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS",
	"PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "PKG_CONFIG_SYSROOT_DIR",
}

// passPrefixes pass every variable starting with them, except secrets.
var passPrefixes = []string{"LC_", "CARGO_"}

// runDropped are variables of the passed prefixes that stay out of phases
// that run project code: credentials, and locations airlock sets itself.
var alwaysSet = map[string]bool{
	"PATH": true, "HOME": true, "CARGO_HOME": true, "RUSTUP_HOME": true,
	"RUSTUP_TOOLCHAIN": true, "TMPDIR": true, "CARGO_NET_OFFLINE": true,
	"CARGO_CACHE_AUTO_CLEAN_FREQUENCY": true, "RUSTC": true,
}

// fetchOnlyEnv are variables only the networked phase gets: proxies and CA
// settings the user configured for downloads.
var fetchOnlyEnv = []string{
	"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
	"http_proxy", "https_proxy", "all_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
}

// fetchOnlyPrefix: cargo's own HTTP settings (proxy, with its password, CA
// file, timeouts) are for downloads only, like HTTPS_PROXY.
const fetchOnlyPrefix = "CARGO_HTTP_"

// IsSecret says whether a CARGO_* variable carries a credential.
func IsSecret(name string) bool {
	return strings.HasSuffix(name, "_TOKEN") ||
		strings.HasSuffix(name, "_CREDENTIAL_PROVIDER") ||
		strings.HasSuffix(name, "_SECRET_KEY") ||
		strings.HasSuffix(name, "_SECRET_KEY_SUBJECT") ||
		name == "CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS"
}

// filterEnv keeps the allowed host variables. networked adds proxy settings
// and credentials, which only the fetch phase sees.
func filterEnv(host []string, networked bool) map[string]string {
	allowed := map[string]bool{}
	for _, k := range passEnv {
		allowed[k] = true
	}
	if networked {
		for _, k := range fetchOnlyEnv {
			allowed[k] = true
		}
	}
	out := map[string]string{}
	for _, kv := range host {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || alwaysSet[k] {
			continue
		}
		pass := allowed[k]
		for _, p := range passPrefixes {
			if strings.HasPrefix(k, p) {
				pass = true
			}
		}
		if (IsSecret(k) || strings.HasPrefix(k, fetchOnlyPrefix)) && !networked {
			pass = false
		}
		if pass {
			out[k] = v
		}
	}
	return out
}

// envList renders an environment map as sorted KEY=VALUE strings.
func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

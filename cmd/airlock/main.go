// Command airlock runs cargo in a sandbox: downloads in a fetch phase that
// runs no project code, everything else offline under bubblewrap.
//
// Invoked as "cargo" (a shim made by `airlock shims DIR`) it behaves as
// cargo; invoked as "airlock" it takes its own subcommands.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"airlock/internal/nest"
	"airlock/internal/sandbox"
)

// exitUsage is airlock's exit status for its own errors (bad flags, no
// sandbox, no workspace); cargo's own statuses pass through unchanged.
const exitUsage = 2

func main() {
	if role := nest.Role(os.Args[0]); role != "" {
		// Inside rust-analyzer's sandbox, standing in for cargo or the
		// proc-macro server: nest, then become the real one, descriptors
		// and all.
		target, env, err := nest.Target(role, os.Args[0])
		if err == nil {
			err = nest.Exec(target, os.Args, env)
		}
		os.Exit(fail(fmt.Errorf("running %s nested: %w", role, err)))
	}
	sandbox.SealInheritedFDs()
	os.Exit(run(os.Args))
}

func run(argv []string) int {
	name := filepath.Base(argv[0])
	switch name {
	case "cargo":
		return shimCargo(argv[1:])
	case "rust-analyzer":
		opts, rest, err := parseGrants(argv[1:], true)
		if err != nil {
			return fail(err)
		}
		return runAnalyzer(opts, rest)
	}
	return airlockMain(argv[1:])
}

const usage = `airlock runs cargo on untrusted code: downloads happen in a fetch phase that
runs no project code; builds, tests and build scripts run offline in a sandbox.

Usage:
  airlock [GRANTS] cargo ARGS...        run cargo ARGS... sandboxed
  airlock [GRANTS] rust-analyzer [ARGS] the language server (LSP on stdio), sandboxed
  airlock explain [--json] cargo ARGS... print the plan, run nothing
  airlock doctor                         check that this host can sandbox
  airlock shims DIR                      create DIR/cargo and DIR/rust-analyzer
                                         (put DIR first on PATH)
  airlock version

Grants (per invocation, only from the user, never from the project):
  --ro PATH        make PATH visible read-only in the sandbox
  --rw PATH        make PATH writable in the run phase
  --env NAME[=VAL] pass environment variable NAME (or set it) into the sandbox
  --net            give the run phase network access (tests that need it;
                   refused for rust-analyzer)
  --fetch-only     perform the fetch phase the command needs, then stop

Through the cargo shim, write the same grants as --airlock-ro=PATH,
--airlock-rw=PATH, --airlock-env=NAME[=VAL], --airlock-net, --airlock-fetch-only
anywhere before "--".
`

// version is set by the build (-ldflags "-X main.version=…").
var version = "dev"

func airlockMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Print(usage)
		return 0
	case "version", "--version":
		fmt.Println("airlock", version)
		return 0
	case "doctor":
		return runDoctor(args[1:])
	case "shims":
		return shims(args[1:])
	case "explain":
		return explain(args[1:])
	}
	opts, rest, err := parseGrants(args, false)
	if err != nil {
		return fail(err)
	}
	if len(rest) == 0 {
		return fail(errors.New("no tool named; usage: airlock [GRANTS] cargo ARGS…"))
	}
	switch rest[0] {
	case "cargo":
		return runCargo(opts, rest[1:])
	case "rust-analyzer":
		return runAnalyzer(opts, rest[1:])
	default:
		return fail(fmt.Errorf("unknown command or tool %q; airlock runs `cargo` and `rust-analyzer` (see airlock --help)", rest[0]))
	}
}

func shimCargo(args []string) int {
	opts, rest, err := parseGrants(args, true)
	if err != nil {
		return fail(err)
	}
	return runCargo(opts, rest)
}

// fail prints airlock's own error and returns its exit status.
func fail(err error) int {
	msg := err.Error()
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	fmt.Fprintln(os.Stderr, "airlock: error: "+msg)
	return exitUsage
}

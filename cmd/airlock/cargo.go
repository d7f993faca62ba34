package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"airlock/internal/planner"
	"airlock/internal/policy"
	"airlock/internal/sandbox"
)

// hostEnv is the context airlock plans in.
func hostEnv() (planner.Env, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return planner.Env{}, fmt.Errorf("finding the working directory: %w", err)
	}
	// Keep the user's spelling of the directory (symlinks and all) when $PWD
	// names it, as cargo and shells do.
	if pwd := os.Getenv("PWD"); pwd != "" && filepath.IsAbs(pwd) {
		if a, err1 := os.Stat(pwd); err1 == nil {
			if b, err2 := os.Stat(cwd); err2 == nil && os.SameFile(a, b) {
				cwd = filepath.Clean(pwd)
			}
		}
	}
	self, err := os.Executable()
	if err != nil {
		return planner.Env{}, fmt.Errorf("finding airlock's own path: %w", err)
	}
	return planner.Env{Environ: os.Environ(), Cwd: cwd, Self: self}, nil
}

// makeCargoPlan plans `cargo args…` in the current context.
func makeCargoPlan(o options, args []string) (*policy.Plan, error) {
	env, err := hostEnv()
	if err != nil {
		return nil, err
	}
	grants, err := withUserConfig(o.grants, env.Cwd)
	if err != nil {
		return nil, err
	}
	plan, err := planner.Cargo(env, args, grants)
	if err != nil {
		return nil, err
	}
	if err := notSelf(plan, env.Self); err != nil {
		return nil, err
	}
	return plan, nil
}

// notSelf refuses a plan whose cargo is airlock itself (a shim installed
// inside the toolchain), which would recurse.
func notSelf(plan *policy.Plan, self string) error {
	selfReal, _ := filepath.EvalSymlinks(self)
	for _, ph := range plan.Phases {
		real, err := filepath.EvalSymlinks(ph.Argv[0])
		if err != nil {
			return fmt.Errorf("the toolchain's cargo %s: %w", ph.Argv[0], err)
		}
		if real == selfReal {
			return fmt.Errorf("the toolchain's cargo %s is airlock itself; install the airlock shim in a directory of its own (airlock shims DIR), not inside the toolchain", ph.Argv[0])
		}
	}
	return nil
}

func runCargo(o options, args []string) int {
	bwrap, err := sandbox.FindBwrap()
	if err != nil {
		return fail(err)
	}
	plan, err := makeCargoPlan(o, args)
	if err != nil {
		return fail(err)
	}
	for _, n := range plan.Notes {
		if os.Getenv("AIRLOCK_VERBOSE") != "" {
			fmt.Fprintln(os.Stderr, "airlock: note: "+n)
		}
	}
	stdio := sandbox.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	for _, ph := range plan.Phases {
		if ph.Conditional {
			fmt.Fprintf(os.Stderr, "airlock: fetching with network, no project code runs (%s)\n", ph.Reason)
		}
		if ph.Network && len(ph.IgnoredConfig) > 0 {
			fmt.Fprintf(os.Stderr, "airlock: not honoured while the network is on (project config): %s\n", strings.Join(ph.IgnoredConfig, ", "))
		}
		if err := trace(ph); err != nil {
			return fail(err)
		}
		res, err := sandbox.Run(bwrap, ph, stdio)
		if err != nil {
			return fail(err)
		}
		if res.Signal != 0 {
			return dieBy(res.Signal, res.ExitCode)
		}
		if res.ExitCode != 0 {
			if ph.Name == "fetch" && ph.Conditional {
				fmt.Fprintf(os.Stderr, "airlock: the fetch phase failed (exit status %d); nothing was built\n", res.ExitCode)
			}
			return res.ExitCode
		}
	}
	return 0
}

// dieBy ends airlock by the signal that ended the sandbox, so that shells and
// make see the same death as with plain cargo.
func dieBy(sig syscall.Signal, code int) int {
	signal.Reset(sig)
	_ = syscall.Kill(os.Getpid(), sig)
	time.Sleep(100 * time.Millisecond)
	if code == 0 {
		code = 128 + int(sig)
	}
	return code
}

// trace appends the phase about to run to $AIRLOCK_TRACE as one JSON line,
// so tests can compare what ran with what explain printed.
func trace(ph policy.Phase) error {
	path := os.Getenv("AIRLOCK_TRACE")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("AIRLOCK_TRACE: %w", err)
	}
	defer f.Close()
	data, err := json.Marshal(ph)
	if err != nil {
		return err
	}
	_, err = f.Write(append(data, '\n'))
	return err
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"airlock/internal/cargocli"
	"airlock/internal/diagnose"
	"airlock/internal/planner"
	"airlock/internal/policy"
	"airlock/internal/sandbox"
	"airlock/internal/vcsguard"
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

// makeCargoPlan plans `cargo args…` in the current context. workDir is a
// private directory for cargo install ("" for explain: a placeholder).
func makeCargoPlan(o options, args []string, workDir string) (*policy.Plan, error) {
	env, err := hostEnv()
	if err != nil {
		return nil, err
	}
	grants, err := withUserConfig(o.grants, env.Cwd)
	if err != nil {
		return nil, err
	}
	plan, err := planner.Cargo(env, args, planner.Options{Grants: grants, FetchOnly: o.fetchOnly, WorkDir: workDir})
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
	workDir := ""
	if inv, err := cargocli.Parse(args); err == nil && inv.Subcommand == "install" {
		if workDir, err = os.MkdirTemp("", "airlock-install-"); err != nil {
			return fail(fmt.Errorf("creating a directory for cargo install: %w", err))
		}
		defer os.RemoveAll(workDir)
	}
	plan, err := makeCargoPlan(o, args, workDir)
	if err != nil {
		return fail(err)
	}
	if plan.RemoveTargetDir != "" {
		return removeTargetDir(plan.RemoveTargetDir, plan.Quiet, plan.Args)
	}
	if plan.Install != nil {
		if err := prepareInstall(plan.Install); err != nil {
			return fail(err)
		}
	}
	for _, w := range plan.Warnings {
		fmt.Fprintln(os.Stderr, w)
	}
	if os.Getenv("AIRLOCK_VERBOSE") != "" {
		for _, n := range plan.Notes {
			fmt.Fprintln(os.Stderr, "airlock: note: "+n)
		}
	}
	if o.fetchOnly && len(plan.Phases) == 0 {
		fmt.Fprintf(os.Stderr, "airlock: `cargo %s` downloads nothing; nothing to fetch\n", strings.Join(args, " "))
		return 0
	}
	x := executor{bwrap: bwrap, stdio: sandbox.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, quiet: plan.Quiet}
	cargoHome := ""
	for _, kv := range plan.Phases[len(plan.Phases)-1].Env {
		if v, ok := strings.CutPrefix(kv, "CARGO_HOME="); ok {
			cargoHome = v
		}
	}
	for _, ph := range plan.Phases {
		if err := beforePhase(plan.Install, ph, cargoHome); err != nil {
			return fail(err)
		}
		code, sig, err := x.run(ph)
		if ph.Name == "run" && plan.VCSGuard != nil {
			removePlantedVCS(plan.VCSGuard)
		}
		if err != nil {
			return fail(err)
		}
		if code == 0 {
			continue
		}
		if died := deathSignal(code, sig); died != 0 {
			return dieBy(died, code)
		}
		if ph.Name == "fetch" && ph.Conditional {
			fmt.Fprintf(os.Stderr, "airlock: the fetch phase failed (exit status %d); nothing was built\n", code)
			return code
		}
		if ph.Name == "run" && plan.Recovery != nil {
			return x.recover(plan, ph, code, args)
		}
		return code
	}
	if plan.Install != nil && !o.fetchOnly {
		if err := finishInstall(plan.Install); err != nil {
			return fail(err)
		}
	}
	return 0
}

// removePlantedVCS deletes version control metadata that appeared in the
// workspace while a command could write its sources: git would run the
// hooks and config in it on the host.
func removePlantedVCS(g *policy.VCSGuard) {
	after, err := vcsguard.Scan(g.Root, g.Skip...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "airlock: warning: could not check %s for planted version control metadata: %v\n", g.Root, err)
		return
	}
	for _, p := range vcsguard.Added(g.Before, after) {
		if err := vcsguard.Remove(p); err != nil {
			fmt.Fprintf(os.Stderr, "airlock: warning: %s appeared during the run and could not be removed: %v; do not run git there\n", p, err)
			continue
		}
		fmt.Fprintf(os.Stderr, "airlock: removed %s: version control metadata created inside the sandbox (git would run its hooks and config on the host)\n", p)
	}
}

// executor runs phases with airlock's notices and tracing.
type executor struct {
	bwrap string
	stdio sandbox.Stdio
	quiet bool // -q: no notices about fetching
}

func (x executor) run(ph policy.Phase) (int, syscall.Signal, error) {
	return x.runWith(ph, x.stdio)
}

func (x executor) runWith(ph policy.Phase, stdio sandbox.Stdio) (int, syscall.Signal, error) {
	if ph.Conditional && !x.quiet {
		fmt.Fprintf(os.Stderr, "airlock: fetching with network, no project code runs (%s)\n", ph.Reason)
	}
	if ph.Network && len(ph.IgnoredConfig) > 0 { // even with -q: the user must know
		fmt.Fprintf(os.Stderr, "airlock: not honoured while the network is on (project config): %s\n", strings.Join(ph.IgnoredConfig, ", "))
	}
	if err := trace(ph); err != nil {
		return 0, 0, err
	}
	res, err := sandbox.Run(x.bwrap, ph, stdio)
	return res.ExitCode, res.Signal, err
}

// recover runs after a failed offline run: if the failure was a download
// the planner did not foresee, say what and how to fetch it, fetch it once
// and run again. A miss stops cargo while it resolves, before anything it
// builds or runs has an effect, so running again repeats nothing the user
// saw; and it happens at most once.
func (x executor) recover(plan *policy.Plan, run policy.Phase, code int, args []string) int {
	var out bytes.Buffer
	dcode, sig, err := x.runWith(plan.Recovery.Diagnose, sandbox.Stdio{Stdin: nil, Stdout: &out, Stderr: &out})
	if err != nil || sig != 0 || dcode == 0 {
		return code // not an offline miss: cargo's own error stands
	}
	what, miss := diagnose.OfflineMiss(out.String())
	if !miss {
		return code
	}
	fmt.Fprintf(os.Stderr, "airlock: the offline run lacked a download: %s\n", what)
	fmt.Fprintf(os.Stderr, "airlock: fetch it with `airlock --fetch-only cargo %s`; doing that now, then running once more\n", strings.Join(args, " "))
	fcode, sig, err := x.run(plan.Recovery.Fetch)
	if err != nil {
		return fail(err)
	}
	if died := deathSignal(fcode, sig); died != 0 {
		return dieBy(died, fcode)
	}
	if fcode != 0 {
		fmt.Fprintf(os.Stderr, "airlock: the fetch failed (exit status %d)\n", fcode)
		return code
	}
	return x.exitWith(run)
}

// exitWith runs a phase and returns airlock's exit status for it: the
// command's, or death by the signal that ended it.
func (x executor) exitWith(ph policy.Phase) int {
	code, sig, err := x.run(ph)
	if err != nil {
		return fail(err)
	}
	if died := deathSignal(code, sig); died != 0 {
		return dieBy(died, code)
	}
	return code
}

// dieBy ends airlock by the signal that ended the sandbox, so that shells and
// make see the same death as with plain cargo. Go's runtime would print a
// goroutine dump for SIGQUIT, SIGABRT and the like, so airlock becomes a
// shell that sends itself the signal; code is the fallback exit status.
func dieBy(sig syscall.Signal, code int) int {
	signal.Reset(sig)
	if sh, err := exec.LookPath("sh"); err == nil {
		_ = syscall.Exec(sh, []string{"sh", "-c", "kill -" + strconv.Itoa(int(sig)) + " $$"}, []string{})
	}
	_ = syscall.Kill(os.Getpid(), sig)
	time.Sleep(100 * time.Millisecond)
	if code == 0 {
		code = 128 + int(sig)
	}
	return code
}

// deathSignal says which signal airlock should die by: the command's exit
// status 128+N when signal N ended it (cargo re-raises its program's), and
// the signal the user sent when airlock had to kill the sandbox after it.
// A command that handled the user's signal and exited is not a death.
func deathSignal(code int, forwarded syscall.Signal) syscall.Signal {
	switch sig := syscall.Signal(code - 128); sig {
	case syscall.SIGKILL:
		if forwarded != 0 {
			return forwarded
		}
		return sig
	case syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGILL, syscall.SIGABRT, syscall.SIGBUS,
		syscall.SIGFPE, syscall.SIGSEGV, syscall.SIGPIPE, syscall.SIGTERM:
		return sig
	}
	return 0
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

package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"airlock/internal/lsp"
	"airlock/internal/planner"
	"airlock/internal/policy"
	"airlock/internal/sandbox"
)

// makeAnalyzerPlan plans rust-analyzer in the current context.
func makeAnalyzerPlan(o options, args []string) (*policy.Plan, []string, error) {
	env, err := hostEnv()
	if err != nil {
		return nil, nil, err
	}
	grants, err := withUserConfig(o.grants, env.Cwd)
	if err != nil {
		return nil, nil, err
	}
	plan, warnings, err := planner.RustAnalyzer(env, args, planner.Options{Grants: grants, FetchOnly: o.fetchOnly})
	if err != nil {
		return nil, nil, err
	}
	if err := notSelf(plan, env.Self); err != nil {
		return nil, nil, err
	}
	return plan, warnings, nil
}

// runAnalyzer runs rust-analyzer sandboxed. Without arguments it is an LSP
// server on stdio behind airlock's proxy; with arguments (analysis-stats,
// diagnostics, --version, …) it runs directly.
func runAnalyzer(o options, args []string) int {
	bwrap, err := sandbox.FindBwrap()
	if err != nil {
		return fail(err)
	}
	plan, warnings, err := makeAnalyzerPlan(o, args)
	if err != nil {
		return fail(err)
	}
	// stdout belongs to the LSP stream: fetch output goes to stderr.
	quiet := executor{bwrap: bwrap, stdio: sandbox.Stdio{Stdout: os.Stderr, Stderr: os.Stderr}}
	server := plan.Phases[len(plan.Phases)-1]
	warnings = append(warnings, fetchAll(quiet, plan.Phases[:len(plan.Phases)-1])...)
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, w)
	}
	if o.fetchOnly {
		return 0
	}
	if len(args) > 0 {
		x := executor{bwrap: bwrap, stdio: sandbox.Stdio{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}}
		return x.exitWith(server)
	}
	return serveLSP(bwrap, o, server, warnings)
}

// fetchAll runs fetch phases and turns failures into warnings: the editor
// must get a working server even when a fetch fails.
func fetchAll(x executor, phases []policy.Phase) []string {
	var warnings []string
	for _, ph := range phases {
		code, _, err := x.run(ph)
		switch {
		case err != nil:
			warnings = append(warnings, "airlock: "+err.Error())
		case code != 0:
			warnings = append(warnings, fmt.Sprintf("airlock: fetching dependencies failed (exit status %d); see the server log", code))
		}
	}
	return warnings
}

// serveLSP runs the server behind the proxy until the editor goes away.
func serveLSP(bwrap string, o options, server policy.Phase, warnings []string) int {
	inR, inW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	cancel := make(chan struct{})
	type outcome struct {
		res sandbox.Result
		err error
	}
	exited := make(chan outcome, 1)
	go func() {
		res, err := sandbox.Run(bwrap, server, sandbox.Stdio{Stdin: inR, Stdout: outW, Stderr: os.Stderr, Cancel: cancel})
		inR.Close()
		outW.Close() // the proxy sees the server's output end
		exited <- outcome{res, err}
	}()
	refetch := func() error {
		plan, _, err := makeAnalyzerPlan(o, nil)
		if err != nil {
			return err
		}
		quiet := executor{bwrap: bwrap, stdio: sandbox.Stdio{Stdout: os.Stderr, Stderr: os.Stderr}}
		if w := fetchAll(quiet, plan.Phases[:len(plan.Phases)-1]); len(w) > 0 {
			return fmt.Errorf("%s", strings.Join(w, "; "))
		}
		return nil
	}
	p := &lsp.Proxy{
		EditorIn: os.Stdin, EditorOut: os.Stdout,
		ServerIn: inW, ServerOut: outR,
		Roots:        workspaceRoots(server),
		Refetch:      refetch,
		Warnings:     warnings,
		Debounce:     300 * time.Millisecond,
		PollInterval: 2 * time.Second,
	}
	proxyDone := make(chan error, 1)
	go func() { proxyDone <- p.Run() }()

	var out outcome
	select {
	case out = <-exited:
	case <-proxyDone:
		// The editor closed its side: give the server a moment to exit on
		// its own, then end the sandbox.
		select {
		case out = <-exited:
		case <-time.After(5 * time.Second):
			close(cancel)
			out = <-exited
		}
	}
	if out.err != nil {
		return fail(out.err)
	}
	if died := deathSignal(out.res.ExitCode, out.res.Signal); died != 0 {
		return dieBy(died, out.res.ExitCode)
	}
	return out.res.ExitCode
}

// workspaceRoots are the workspace directories the server sees writable or
// read-only from the run phase (its cwd, before the editor names roots).
func workspaceRoots(server policy.Phase) []string {
	return []string{server.Cwd}
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"airlock/internal/policy"
	"airlock/internal/sandbox"
)

// explain prints the plan for a command without running anything.
func explain(args []string) int {
	asJSON := false
	if len(args) > 0 && args[0] == "--json" {
		asJSON, args = true, args[1:]
	}
	o, rest, err := parseGrants(args, false)
	if err != nil {
		return fail(err)
	}
	if len(rest) == 0 || (rest[0] != "cargo" && rest[0] != "rust-analyzer") {
		return fail(errors.New("usage: airlock explain [--json] [GRANTS] cargo|rust-analyzer ARGS…"))
	}
	var plan *policy.Plan
	if rest[0] == "cargo" {
		plan, err = makeCargoPlan(o, rest[1:], "")
	} else {
		var warnings []string
		plan, warnings, err = makeAnalyzerPlan(o, rest[1:])
		plan = withNotes(plan, warnings)
	}
	if err != nil {
		return fail(err)
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(plan); err != nil {
			return fail(err)
		}
		return 0
	}
	printPlan(os.Stdout, plan)
	return 0
}

func printPlan(w io.Writer, plan *policy.Plan) {
	fmt.Fprintf(w, "airlock plan for: %s %s\n", plan.Tool, strings.Join(plan.Args, " "))
	fmt.Fprintf(w, "toolchain:  %s (%s)\n", plan.Toolchain, plan.ToolchainSource)
	if plan.Workspace != "" {
		fmt.Fprintf(w, "workspace:  %s\n", plan.Workspace)
		fmt.Fprintf(w, "target dir: %s\n", plan.TargetDir)
	}
	for _, n := range plan.Notes {
		fmt.Fprintf(w, "note:       %s\n", n)
	}
	bwrap, err := sandbox.FindBwrap()
	if err != nil {
		bwrap = "bwrap"
	}
	for i, ph := range plan.Phases {
		fmt.Fprintf(w, "\nphase %d: %s — %s\n", i+1, ph.Name, ph.Purpose)
		if ph.Conditional {
			fmt.Fprintf(w, "  runs because: %s\n", ph.Reason)
		}
		if len(ph.IgnoredConfig) > 0 {
			fmt.Fprintf(w, "  not honoured (project config): %s\n", strings.Join(ph.IgnoredConfig, ", "))
		}
		fmt.Fprintf(w, "  network: %s\n", map[bool]string{true: "yes", false: "none (own network namespace)"}[ph.Network])
		fmt.Fprintf(w, "  cwd:     %s\n", ph.Cwd)
		fmt.Fprintf(w, "  argv:    %s\n", strings.Join(ph.Argv, " "))
		fmt.Fprintf(w, "  mounts:\n")
		for _, m := range ph.Mounts {
			line := fmt.Sprintf("    %-7s %s", m.Kind, m.Dst)
			if m.Kind == policy.Symlink {
				line += " -> " + m.Src
			} else if m.Src != "" && m.Src != m.Dst {
				line += " (from " + m.Src + ")"
			}
			if m.Optional {
				line += " [if present]"
			}
			if m.Why != "" {
				line += "  # " + m.Why
			}
			fmt.Fprintln(w, line)
		}
		fmt.Fprintf(w, "  env:\n")
		for _, kv := range ph.Env {
			fmt.Fprintf(w, "    %s\n", kv)
		}
		fmt.Fprintf(w, "  command: %s\n", sandbox.Describe(bwrap, ph))
	}
}

func withNotes(plan *policy.Plan, notes []string) *policy.Plan {
	if plan != nil {
		plan.Notes = append(plan.Notes, notes...)
	}
	return plan
}

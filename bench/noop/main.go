// Command noop benchmarks a warm no-op `airlock cargo build` against plain
// `cargo build` in the same run, alternating the two, and prints medians and
// ratios. It is a benchmark, not a test: run it with `go run ./bench/noop`.
//
// The project depends on two crates from a registry served on 127.0.0.1, so
// the warm path includes airlock's lock-file and cache inspection.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"airlock/internal/testregistry"
)

func main() {
	runs := flag.Int("runs", 21, "timed runs of each command (alternating)")
	airlock := flag.String("airlock", "", "airlock binary (default: build it)")
	flag.Parse()
	if err := run(*runs, *airlock); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type candidate struct {
	name string
	argv []string
	took []time.Duration
}

func run(runs int, airlock string) error {
	dir, err := os.MkdirTemp("", "airlock-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if airlock == "" {
		airlock = filepath.Join(dir, "airlock")
		build := exec.Command("go", "build", "-o", airlock, "./cmd/airlock")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building airlock: %w", err)
		}
	}

	reg := testregistry.Start()
	defer reg.Close()
	for _, c := range []testregistry.Crate{
		{Name: "alpha", Version: "1.0.0", Files: map[string]string{"src/lib.rs": "pub fn a() -> u32 { 1 }"}},
		{Name: "beta", Version: "2.0.0", Files: map[string]string{"src/lib.rs": "pub fn b() -> u32 { 2 }",
			"build.rs": "fn main() { println!(\"cargo:rerun-if-changed=build.rs\"); }"}},
	} {
		if err := reg.Publish(c); err != nil {
			return err
		}
	}
	home := filepath.Join(dir, "home")
	cargoHome := filepath.Join(home, ".cargo")
	proj := filepath.Join(dir, "proj")
	files := map[string]string{
		filepath.Join(cargoHome, "config.toml"): reg.CargoConfig(),
		filepath.Join(proj, "Cargo.toml"): "[package]\nname = \"proj\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n" +
			"[dependencies]\nalpha = \"1\"\nbeta = \"2\"\n",
		filepath.Join(proj, "src", "main.rs"): "fn main() { println!(\"{}\", alpha::a() + beta::b()); }\n",
	}
	for p, body := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	rustupHome := os.Getenv("RUSTUP_HOME")
	if rustupHome == "" {
		h, _ := os.UserHomeDir()
		rustupHome = filepath.Join(h, ".rustup")
	}
	env := append(os.Environ(), "CARGO_HOME="+cargoHome, "RUSTUP_HOME="+rustupHome)

	cargo, err := exec.LookPath("cargo")
	if err != nil {
		return fmt.Errorf("plain cargo: %w", err)
	}
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		return fmt.Errorf("bwrap: %w", err)
	}
	cands := []*candidate{
		{name: "cargo build", argv: []string{cargo, "build"}},
		{name: "airlock cargo build", argv: []string{airlock, "cargo", "build"}},
		{name: "bare bwrap + cargo build", argv: []string{bwrap, "--unshare-all", "--die-with-parent", "--new-session",
			"--ro-bind", "/", "/", "--bind", filepath.Join(proj, "target"), filepath.Join(proj, "target"),
			"--tmpfs", cargoHome, "--ro-bind", filepath.Join(cargoHome, "registry"), filepath.Join(cargoHome, "registry"),
			"--ro-bind", filepath.Join(cargoHome, "config.toml"), filepath.Join(cargoHome, "config.toml"),
			"--proc", "/proc", "--dev", "/dev", cargo, "build", "--offline"}},
	}
	// Warm up: fetch, build, and settle caches for each command.
	for _, c := range cands {
		for i := 0; i < 3; i++ {
			if err := runOnce(c.argv, proj, env, nil); err != nil {
				return fmt.Errorf("warm-up of %s: %w", c.name, err)
			}
		}
	}
	reg.ResetLog()
	for i := 0; i < runs; i++ {
		for _, c := range cands {
			var d time.Duration
			if err := runOnce(c.argv, proj, env, &d); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			c.took = append(c.took, d)
		}
	}
	base := median(cands[0].took)
	fmt.Printf("warm no-op build, %d alternating runs each, median wall time:\n", runs)
	for _, c := range cands {
		m := median(c.took)
		fmt.Printf("  %-26s %7.1f ms   %.2fx plain cargo\n", c.name, float64(m.Microseconds())/1000, float64(m)/float64(base))
	}
	fmt.Printf("registry requests during timed runs: %d\n", len(reg.Requests()))
	ratio := float64(median(cands[1].took)) / float64(base)
	fmt.Printf("RATIO airlock/cargo = %.2f (target <= 1.50)\n", ratio)
	return nil
}

func runOnce(argv []string, dir string, env []string, took *time.Duration) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if took != nil {
		*took = time.Since(start)
	}
	if err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// Command lsp benchmarks the time from `initialize` to the first published
// diagnostics, rust-analyzer run directly against `airlock rust-analyzer`,
// alternating the two, and prints medians and the ratio. Run it with
// `go run ./bench/lsp -rust-analyzer PATH`.
//
// The project depends on a crate from a registry served on 127.0.0.1 and has
// a type error, so the server must load the workspace and check it before it
// publishes a diagnostic. The toolchain is linked for the bench with a stub
// rust-src library workspace (see internal/testtoolchain).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"airlock/internal/lsp"
	"airlock/internal/testregistry"
	"airlock/internal/testtoolchain"
	"airlock/internal/toolchain"
)

func main() {
	runs := flag.Int("runs", 7, "timed runs of each (alternating)")
	ra := flag.String("rust-analyzer", "/opt/rust-analyzer/bin/rust-analyzer", "rust-analyzer binary")
	airlock := flag.String("airlock", "", "airlock binary (default: build it)")
	flag.Parse()
	if err := run(*runs, *ra, *airlock); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(runs int, ra, airlock string) error {
	dir, err := os.MkdirTemp("", "airlock-bench-lsp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if airlock == "" {
		airlock = filepath.Join(dir, "airlock")
		b := exec.Command("go", "build", "-o", airlock, "./cmd/airlock")
		b.Stdout, b.Stderr = os.Stderr, os.Stderr
		if err := b.Run(); err != nil {
			return err
		}
	}
	reg := testregistry.Start()
	defer reg.Close()
	if err := reg.Publish(testregistry.Crate{Name: "alpha", Version: "1.0.0",
		Files: map[string]string{"src/lib.rs": "pub fn alpha() -> u32 { 1 }"}}); err != nil {
		return err
	}
	home := filepath.Join(dir, "home")
	proj := filepath.Join(dir, "proj")
	for p, body := range map[string]string{
		filepath.Join(home, ".cargo", "config.toml"): reg.CargoConfig(),
		filepath.Join(proj, "Cargo.toml"):            "[package]\nname = \"proj\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nalpha = \"1\"\n",
		filepath.Join(proj, "src", "main.rs"):        "fn main() { let x: String = alpha::alpha(); println!(\"{x}\"); }\n",
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	// Both servers get a toolchain of the bench's own whose rust-src library
	// depends on a crate of the bench registry: the real one would need
	// crates.io, and whether this machine has rust-src must not matter.
	realRustup := os.Getenv("RUSTUP_HOME")
	if realRustup == "" {
		h, _ := os.UserHomeDir()
		realRustup = filepath.Join(h, ".rustup")
	}
	base, err := toolchain.Resolve(toolchain.Request{Dir: dir, RustupHome: realRustup})
	if err != nil {
		return err
	}
	rustupHome := filepath.Join(dir, "rustup")
	linked, err := testtoolchain.Link(base.Dir, rustupHome)
	if err != nil {
		return err
	}
	if _, err := testtoolchain.FakeLibrary(linked, reg); err != nil {
		return err
	}
	// The toolchain's own binaries first on PATH, as airlock's sandbox has
	// them: otherwise the direct server pays for a rustup proxy on every
	// cargo and rustc call and the ratio flatters airlock. The third row
	// shows that case, which is what most editors run.
	proxied := append(os.Environ(), "HOME="+home, "CARGO_HOME="+filepath.Join(home, ".cargo"),
		"RUSTUP_HOME="+rustupHome, "AIRLOCK_RUST_ANALYZER="+ra)
	env := append(proxied[:len(proxied):len(proxied)], "PATH="+filepath.Join(linked, "bin")+":"+os.Getenv("PATH"))
	// Warm the caches with airlock once: the download, then a check that
	// builds the dependency and fails on the project's type error.
	fetch := exec.Command(airlock, "--fetch-only", "cargo", "check")
	fetch.Dir, fetch.Env = proj, env
	if out, err := fetch.CombinedOutput(); err != nil {
		return fmt.Errorf("warm-up fetch: %v\n%s", err, out)
	}
	check := exec.Command(airlock, "cargo", "check")
	check.Dir, check.Env = proj, env
	if out, err := check.CombinedOutput(); !strings.Contains(string(out), "E0308") {
		return fmt.Errorf("warm-up check: want the type error, got %v\n%s", err, out)
	}
	cands := []struct {
		name string
		argv []string
		env  []string
		took []time.Duration
	}{
		{name: "rust-analyzer", argv: []string{ra}, env: env},
		{name: "airlock rust-analyzer", argv: []string{airlock, "rust-analyzer"}, env: env},
		{name: "rust-analyzer via rustup", argv: []string{ra}, env: proxied},
	}
	for i := 0; i < runs+1; i++ {
		for j := range cands {
			d, err := firstDiagnostics(cands[j].argv, proj, cands[j].env)
			if err != nil {
				return fmt.Errorf("%s: %w", cands[j].name, err)
			}
			if i > 0 { // the first round warms rust-analyzer's own caches
				cands[j].took = append(cands[j].took, d)
			}
		}
	}
	baseline := median(cands[0].took)
	fmt.Printf("initialize -> first publishDiagnostics, %d alternating runs, median:\n", runs)
	for _, c := range cands {
		m := median(c.took)
		fmt.Printf("  %-24s %8.1f ms  %.3fx\n", c.name, float64(m.Microseconds())/1000, float64(m)/float64(baseline))
	}
	fmt.Printf("RATIO airlock/direct = %.3f (target <= 1.05)\n", float64(median(cands[1].took))/float64(baseline))
	return nil
}

// firstDiagnostics starts the server, initializes it, and times until a
// publishDiagnostics with at least one diagnostic arrives.
func firstDiagnostics(argv []string, dir string, env []string) (time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(in, "Content-Length: %d\r\n\r\n%s", len(b), b)
	}
	root := "file://" + dir
	send(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
		"processId": nil, "rootUri": root, "capabilities": map[string]any{}}})
	r := bufio.NewReader(out)
	deadline := time.After(5 * time.Minute)
	msgs := make(chan lsp.Message)
	errs := make(chan error, 1)
	go func() {
		for {
			m, err := lsp.ReadMessage(r)
			if err != nil {
				errs <- err
				return
			}
			msgs <- m
		}
	}()
	for {
		select {
		case <-deadline:
			return 0, fmt.Errorf("no diagnostics within 5 minutes")
		case err := <-errs:
			return 0, err
		case m := <-msgs:
			var v struct {
				ID     any    `json:"id"`
				Method string `json:"method"`
				Params struct {
					Diagnostics []any `json:"diagnostics"`
				} `json:"params"`
			}
			_ = json.Unmarshal(m.Body, &v)
			switch {
			case v.Method == "" && fmt.Sprint(v.ID) == "1":
				send(map[string]any{"jsonrpc": "2.0", "method": "initialized", "params": map[string]any{}})
			case v.Method != "" && v.ID != nil:
				send(map[string]any{"jsonrpc": "2.0", "id": v.ID, "result": nil})
			case v.Method == "textDocument/publishDiagnostics" && len(v.Params.Diagnostics) > 0 &&
				strings.Contains(string(m.Body), "main.rs"):
				return time.Since(start), nil
			}
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

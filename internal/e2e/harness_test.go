// Package e2e runs the real airlock binary with real cargo and real bwrap
// against a sparse registry served by the test on 127.0.0.1.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"airlock/internal/testregistry"
)

// airlockBin is the binary under test: $AIRLOCK_BIN, or built by TestMain.
var airlockBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	airlockBin = os.Getenv("AIRLOCK_BIN")
	if airlockBin == "" {
		dir, err := os.MkdirTemp("", "airlock-e2e-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		airlockBin = filepath.Join(dir, "airlock")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", airlockBin, "./cmd/airlock")
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building airlock:", err)
			return 1
		}
	}
	return m.Run()
}

// rustupHome is the RUSTUP_HOME holding the toolchain the tests use.
func rustupHome(t *testing.T) string {
	t.Helper()
	h := os.Getenv("RUSTUP_HOME")
	if h == "" {
		home, _ := os.UserHomeDir()
		h = filepath.Join(home, ".rustup")
	}
	if _, err := os.Stat(filepath.Join(h, "settings.toml")); err != nil {
		t.Fatalf("no rustup toolchain at %s (set RUSTUP_HOME): %v", h, err)
	}
	return h
}

// env is one test's world: a registry, an empty home, a CARGO_HOME that
// uses the registry, and a directory for projects.
type env struct {
	t         *testing.T
	reg       *testregistry.Registry
	root      string
	home      string
	cargoHome string
	rustup    string
	path      string
	extraEnv  []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bwrap is not installed: the sandbox tests need bubblewrap (apt-get install bubblewrap)")
	}
	root := t.TempDir()
	e := &env{
		t:         t,
		reg:       testregistry.Start(),
		root:      root,
		home:      filepath.Join(root, "home"),
		cargoHome: filepath.Join(root, "home", ".cargo"),
		rustup:    rustupHome(t),
		path:      os.Getenv("PATH"),
	}
	t.Cleanup(e.reg.Close)
	e.write(e.cargoHome, map[string]string{"config.toml": e.reg.CargoConfig()})
	return e
}

// write creates files below dir.
func (e *env) write(dir string, files map[string]string) {
	e.t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

// publish adds crates to the registry.
func (e *env) publish(crates ...testregistry.Crate) {
	e.t.Helper()
	for _, c := range crates {
		if err := e.reg.Publish(c); err != nil {
			e.t.Fatal(err)
		}
	}
}

// project writes a project under root and returns its directory.
func (e *env) project(name string, files map[string]string) string {
	dir := filepath.Join(e.root, name)
	e.write(dir, files)
	return dir
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// environ is the environment airlock runs with in tests: no secrets of the
// test runner, only what a user's shell would have.
func (e *env) environ() []string {
	env := []string{
		"HOME=" + e.home,
		"CARGO_HOME=" + e.cargoHome,
		"RUSTUP_HOME=" + e.rustup,
		"PATH=" + e.path,
		"PWD=",
	}
	return append(env, e.extraEnv...)
}

// command prepares airlock ARGS in dir.
func (e *env) command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(airlockBin, args...)
	cmd.Dir = dir
	cmd.Env = e.environ()
	return cmd
}

// run runs airlock ARGS in dir and waits.
func (e *env) run(dir string, args ...string) result {
	e.t.Helper()
	cmd := e.command(dir, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return result{out.String(), errb.String(), e.exitCode(err)}
	case <-time.After(5 * time.Minute):
		_ = cmd.Process.Kill()
		e.t.Fatalf("airlock %s timed out\n%s%s", strings.Join(args, " "), out.String(), errb.String())
		return result{}
	}
}

// mustRun runs airlock and fails the test unless it exits 0.
func (e *env) mustRun(dir string, args ...string) result {
	e.t.Helper()
	r := e.run(dir, args...)
	if r.code != 0 {
		e.t.Fatalf("airlock %s failed:\n%s", strings.Join(args, " "), r)
	}
	return r
}

// requestsMatching lists the logged registry requests whose path starts
// with s (when s is a path), or that contain s.
func (e *env) requestsMatching(s string) []string {
	var out []string
	for _, r := range e.reg.Requests() {
		_, path, _ := strings.Cut(r, " ")
		if strings.HasPrefix(path, s) || !strings.HasPrefix(s, "/") && strings.Contains(r, s) {
			out = append(out, r)
		}
	}
	return out
}

// exitCode is a finished command's exit status; other errors fail the test.
func (e *env) exitCode(err error) int {
	e.t.Helper()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return 0
}

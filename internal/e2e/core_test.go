package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"airlock/internal/policy"
	"airlock/internal/testregistry"
)

// netProbeBuildRS is a build script that tries to reach the registry server
// over TCP and records the outcome in OUT_DIR, where the library embeds it.
func netProbeBuildRS(addr string) string {
	return `use std::io::Write;
fn main() {
    let out = std::env::var("OUT_DIR").unwrap();
    let addr: std::net::SocketAddr = "` + addr + `".parse().unwrap();
    let res = match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(3)) {
        Ok(mut s) => {
            let _ = s.write_all(b"GET /attack/build-script HTTP/1.0\r\n\r\n");
            "connected".to_string()
        }
        Err(e) => format!("blocked: {}", e),
    };
    std::fs::write(format!("{}/net.txt", out), res).unwrap();
}
`
}

// publishTwoDeps publishes "netprobe" (with the build script above) and
// "adder", and returns an app that depends on both.
func publishTwoDeps(e *env) string {
	e.publish(
		testregistry.Crate{Name: "netprobe", Version: "1.0.0", Files: map[string]string{
			"build.rs":   netProbeBuildRS(e.reg.Addr),
			"src/lib.rs": `pub fn result() -> &'static str { include_str!(concat!(env!("OUT_DIR"), "/net.txt")) }`,
		}},
		testregistry.Crate{Name: "adder", Version: "0.3.1", Files: map[string]string{
			"src/lib.rs": `pub fn add(a: i32, b: i32) -> i32 { a + b }`,
		}},
		testregistry.Crate{Name: "adder", Version: "0.4.0", Files: map[string]string{
			"src/lib.rs": `pub fn add(a: i32, b: i32) -> i32 { a * b }`,
		}},
	)
	return e.project("app", map[string]string{
		"Cargo.toml": `[package]
name = "app"
version = "0.1.0"
edition = "2021"

[dependencies]
netprobe = "1"
adder = "0.3"
`,
		"src/main.rs": `fn main() {
    println!("net={}", netprobe::result());
    println!("sum={}", adder::add(2, 3));
}
`,
	})
}

func TestColdBuildFetchesThenWarmBuildMakesNoRequests(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)

	r := e.mustRun(app, "cargo", "build")
	if n := len(e.requestsMatching("/dl/")); n != 2 {
		t.Errorf("cold build downloaded %d crates, want 2; requests: %v", n, e.reg.Requests())
	}
	if !strings.Contains(r.stderr, "Compiling app") {
		t.Errorf("cargo's output did not pass through:\n%s", r)
	}
	if got := e.requestsMatching("/attack/"); len(got) > 0 {
		t.Fatalf("the build script reached the registry server: %v", got)
	}

	// The built program runs, and shows the build script's connect failed.
	out, err := exec.Command(filepath.Join(app, "target", "debug", "app")).Output()
	if err != nil {
		t.Fatalf("running the built program: %v", err)
	}
	if !strings.Contains(string(out), "net=blocked: ") || !strings.Contains(string(out), "sum=5") {
		t.Fatalf("unexpected program output (build script must have been blocked):\n%s", out)
	}

	// Warm rebuild: no network at all.
	e.reg.ResetLog()
	r = e.mustRun(app, "cargo", "build")
	if reqs := e.reg.Requests(); len(reqs) != 0 {
		t.Fatalf("warm build made %d requests: %v\n%s", len(reqs), reqs, r)
	}
	if strings.Contains(r.stderr, "airlock: fetching") {
		t.Fatalf("warm build ran a fetch phase:\n%s", r)
	}

	// cargo run through airlock: stdout passes through.
	r = e.mustRun(app, "cargo", "run", "-q")
	if !strings.Contains(r.stdout, "sum=5") {
		t.Fatalf("cargo run output missing:\n%s", r)
	}
	if len(e.reg.Requests()) != 0 {
		t.Fatalf("cargo run made requests: %v", e.reg.Requests())
	}
}

func TestNewDependencyInManifestTriggersFetch(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	e.mustRun(app, "cargo", "build")

	// Bump a requirement beyond the locked version: cargo must re-resolve.
	manifest := filepath.Join(app, "Cargo.toml")
	data, _ := os.ReadFile(manifest)
	if err := os.WriteFile(manifest, []byte(strings.Replace(string(data), `adder = "0.3"`, `adder = "0.4"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.reg.ResetLog()
	r := e.mustRun(app, "cargo", "run", "-q")
	if !strings.Contains(r.stdout, "sum=6") {
		t.Fatalf("the new version was not used:\n%s", r)
	}
	if len(e.requestsMatching("/dl/adder/0.4.0")) != 1 {
		t.Fatalf("adder 0.4.0 was not fetched: %v", e.reg.Requests())
	}
}

func TestFailingTestExits101(t *testing.T) {
	e := newEnv(t)
	app := e.project("failing", map[string]string{
		"Cargo.toml": "[package]\nname = \"failing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs": "#[test]\nfn fails() { assert_eq!(1 + 1, 3, \"arithmetic\"); }\n#[test]\nfn passes() {}\n",
	})
	r := e.run(app, "cargo", "test")
	if r.code != 101 {
		t.Fatalf("cargo test with a failing test: exit %d, want 101\n%s", r.code, r)
	}
	if !strings.Contains(r.stdout, "test fails ... FAILED") || !strings.Contains(r.stdout, "test passes ... ok") {
		t.Fatalf("test output did not pass through:\n%s", r)
	}
}

func TestStdinReachesProgram(t *testing.T) {
	e := newEnv(t)
	app := e.project("echo", map[string]string{
		"Cargo.toml":  "[package]\nname = \"echo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs": "use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); print!(\"got:{}\", s.to_uppercase()); std::process::exit(7); }\n",
	})
	cmd := e.command(app, "cargo", "run", "-q")
	cmd.Stdin = strings.NewReader("hello sandbox")
	out, err := cmd.Output()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 7 {
		t.Fatalf("want exit status 7 from the program, got %v (%s)", err, out)
	}
	if string(out) != "got:HELLO SANDBOX" {
		t.Fatalf("stdin/stdout did not pass through: %q", out)
	}
}

func TestSigintEndsEverySandboxedProcess(t *testing.T) {
	e := newEnv(t)
	// A sleep duration no other process on the machine uses.
	marker := fmt.Sprintf("%d", 700000+time.Now().UnixNano()%100000)
	app := e.project("slow", map[string]string{
		"Cargo.toml": "[package]\nname = \"slow\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n",
		"src/lib.rs": "",
		// The build script starts a detached grandchild, then sleeps.
		"build.rs": `fn main() {
    std::process::Command::new("sh").arg("-c").arg("sleep ` + marker + ` & sleep ` + marker + `")
        .spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(600));
}
`,
	})
	cmd := e.command(app, "cargo", "build")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(processesWith(marker)) < 3 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the build script's processes never appeared")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("airlock exited cleanly after SIGINT: %v", err)
		}
		ws := ee.Sys().(syscall.WaitStatus)
		if !(ws.Signaled() && ws.Signal() == syscall.SIGINT) && ee.ExitCode() != 130 {
			t.Errorf("airlock after SIGINT: %v, want death by SIGINT or exit 130", ws)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("airlock did not exit within 30s of SIGINT")
	}
	// Nothing of the sandbox may remain.
	noneLeft(t, func() []string { return processesWith(marker) })
}

// noneLeft waits up to five seconds for list to come back empty, and fails
// the test with what it still lists otherwise.
func noneLeft(t *testing.T, list func() []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := list()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes outlived the sandbox: %v", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// processesWith lists host processes whose command line contains s.
func processesWith(s string) []string {
	return processesWhere(func(_, cmdline string) bool { return strings.Contains(cmdline, s) })
}

// processesWhere lists host processes, as "pid cmdline", for which match
// says yes given their working directory and command line.
func processesWhere(match func(cwd, cmdline string) bool) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, en := range entries {
		if en.Name()[0] < '0' || en.Name()[0] > '9' {
			continue
		}
		cwd, _ := os.Readlink(filepath.Join("/proc", en.Name(), "cwd"))
		data, err := os.ReadFile(filepath.Join("/proc", en.Name(), "cmdline"))
		cmdline := strings.ReplaceAll(string(data), "\x00", " ")
		if err == nil && match(cwd, cmdline) {
			out = append(out, en.Name()+" "+cmdline)
		}
	}
	return out
}

func TestExplainJSONMatchesWhatRuns(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	r := e.mustRun(app, "explain", "--json", "--env", "APP_MODE=test", "cargo", "build")
	var plan policy.Plan
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatalf("explain --json is not JSON: %v\n%s", err, r.stdout)
	}
	if len(plan.Phases) != 2 || plan.Phases[0].Name != "fetch" || plan.Phases[1].Name != "run" {
		t.Fatalf("cold plan should fetch then run, got %+v", plan.Phases)
	}
	tracePath := filepath.Join(e.root, "trace.jsonl")
	e.extraEnv = append(e.extraEnv, "AIRLOCK_TRACE="+tracePath)
	e.mustRun(app, "--env", "APP_MODE=test", "cargo", "build")
	data, err := os.ReadFile(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != len(plan.Phases) {
		t.Fatalf("ran %d phases, explain showed %d", len(lines), len(plan.Phases))
	}
	for i, line := range lines {
		want, _ := json.Marshal(plan.Phases[i])
		if line != string(want) {
			t.Errorf("phase %d differs:\nexplained: %s\nexecuted:  %s", i, want, line)
		}
	}
	run := plan.Phases[1]
	if run.Network {
		t.Error("run phase has network")
	}
	if !contains(run.Env, "APP_MODE=test") || !contains(run.Env, "CARGO_NET_OFFLINE=true") {
		t.Errorf("run phase env lacks the grant or offline mode: %v", run.Env)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMissingBwrapRefusesToRun(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	e.path = filepath.Join(e.root, "empty-bin")
	if err := os.MkdirAll(e.path, 0o755); err != nil {
		t.Fatal(err)
	}
	r := e.run(app, "cargo", "build")
	if r.code == 0 {
		t.Fatalf("airlock ran without bwrap:\n%s", r)
	}
	if !strings.Contains(r.stderr, "bubblewrap") || !strings.Contains(r.stderr, "apt-get install bubblewrap") {
		t.Errorf("error does not say what is missing and how to fix it:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(app, "target")); err == nil {
		t.Error("something was built without a sandbox")
	}
	if len(e.reg.Requests()) != 0 {
		t.Errorf("requests were made without a sandbox: %v", e.reg.Requests())
	}
}

// TestCtrlCReachesTheProgram: as with plain cargo, Ctrl-C reaches the
// program at once, and a program that handles it decides the exit status.
func TestCtrlCReachesTheProgram(t *testing.T) {
	e := newEnv(t)
	app := e.project("handler", map[string]string{
		"Cargo.toml": "[package]\nname = \"handler\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs": `extern "C" {
    fn signal(sig: i32, handler: usize) -> usize;
}
extern "C" fn on_int(_: i32) {}
fn main() {
    unsafe { signal(2, on_int as usize) }; // survive Ctrl-C; exec resets it for sh
    let st = std::process::Command::new("sh").arg("-c")
        .arg("trap 'echo handled; exit 0' INT; echo ready; while :; do sleep 0.05; done")
        .status().unwrap();
    println!("program done {}", st.code().unwrap_or(-1));
}
`,
	})
	e.mustRun(app, "cargo", "build", "-q")
	cmd := e.command(app, "cargo", "run", "-q")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l := <-lines:
		if l != "ready" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the program never started")
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	err = cmd.Wait()
	took := time.Since(start)
	if err != nil {
		t.Errorf("airlock: %v, want exit 0 (the program handled Ctrl-C)", err)
	}
	if strings.Join(rest, "|") != "handled|program done 0" {
		t.Errorf("program output after Ctrl-C: %q", rest)
	}
	if took > 2*time.Second {
		t.Errorf("Ctrl-C took %v to end the program", took)
	}
}

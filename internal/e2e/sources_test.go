package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"airlock/internal/policy"
	"airlock/internal/testregistry"
)

// git runs git in dir for test setup.
func (e *env) git(dir string, args ...string) string {
	e.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "protocol.file.allow=always", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "HOME="+e.home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		e.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitRepos creates, under root/repos, a crate repository "gitdep" with a
// submodule "sub", a tag v1, and a branch "feature" whose code differs.
// It returns the repos dir and the commit of main.
func gitRepos(e *env) (string, string) {
	if _, err := exec.LookPath("git"); err != nil {
		e.t.Skip("git is not installed")
	}
	repos := filepath.Join(e.root, "repos")
	sub := filepath.Join(repos, "sub")
	e.write(sub, map[string]string{"data.txt": "from-submodule"})
	e.git(sub, "init", "-q")
	e.git(sub, "add", ".")
	e.git(sub, "commit", "-qm", "data")

	dep := filepath.Join(repos, "gitdep")
	e.write(dep, map[string]string{
		"Cargo.toml": "[package]\nname = \"gitdep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs": "pub fn which() -> &'static str { concat!(\"main+\", include_str!(\"../sub/data.txt\")) }\n",
	})
	e.git(dep, "init", "-q")
	e.git(dep, "submodule", "-q", "add", "file://"+sub, "sub")
	e.git(dep, "add", ".")
	e.git(dep, "commit", "-qm", "main")
	e.git(dep, "tag", "v1")
	mainRev := e.git(dep, "rev-parse", "HEAD")
	e.git(dep, "checkout", "-qb", "feature")
	e.write(dep, map[string]string{"src/lib.rs": "pub fn which() -> &'static str { concat!(\"feature+\", include_str!(\"../sub/data.txt\")) }\n"})
	e.git(dep, "commit", "-qam", "feature")
	e.git(dep, "checkout", "-q", "main")
	return repos, mainRev
}

func TestGitDependencies(t *testing.T) {
	cases := []struct {
		name, spec, want string
	}{
		{"rev", `rev = "REV"`, "main+from-submodule"},
		{"branch", `branch = "feature"`, "feature+from-submodule"},
		{"tag", `tag = "v1"`, "main+from-submodule"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			repos, rev := gitRepos(e)
			ws := e.project("usegit", map[string]string{
				"Cargo.toml": "[package]\nname = \"usegit\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n" +
					"gitdep = { git = \"file://" + filepath.Join(repos, "gitdep") + "\", " + strings.Replace(c.spec, "REV", rev, 1) + " }\n",
				"src/main.rs": "fn main() { println!(\"{}\", gitdep::which()); }\n",
			})
			// The local repositories are the user's to grant; nothing
			// outside the workspace is visible otherwise.
			r := e.mustRun(ws, "--ro", repos, "cargo", "run")
			if strings.TrimSpace(r.stdout) != c.want {
				t.Fatalf("got %q, want %q\n%s", r.stdout, c.want, r)
			}
			if !strings.Contains(r.stderr, "airlock: fetching") {
				t.Fatalf("no fetch phase for a git dependency:\n%s", r)
			}
			// Warm: the checkout is there, no fetch.
			r = e.mustRun(ws, "--ro", repos, "cargo", "build")
			if strings.Contains(r.stderr, "airlock: fetching") {
				t.Fatalf("warm build fetched again:\n%s", r)
			}
			// --fetch-only into an empty cargo home, then plain offline cargo.
			if err := os.RemoveAll(filepath.Join(e.cargoHome, "git")); err != nil {
				t.Fatal(err)
			}
			e.mustRun(ws, "--ro", repos, "--fetch-only", "cargo", "build")
			if pr := e.plainCargo(ws, "build", "--offline"); pr.code != 0 {
				t.Fatalf("plain cargo --offline after --fetch-only:\n%s", pr)
			}
		})
	}
}

func TestPatchReplaceAndConfigPatch(t *testing.T) {
	cases := []struct {
		name     string
		manifest string // appended to Cargo.toml
		config   string // .cargo/config.toml
		want     string
		skipped  string // the crate that must not be downloaded
	}{
		{"patch", "\n[patch.crates-io]\nadder = { path = \"local/adder\" }\n", "", "sum=105", "/dl/adder/"},
		{"replace", "\n[replace]\n\"adder:0.3.1\" = { path = \"local/adder\" }\n", "", "sum=105", "/dl/adder/"},
		// From the project's config, with a path relative to it: the fetch
		// phase honours it as data.
		{"config patch", "", "[patch.crates-io]\nadder = { path = \"local/adder\" }\n", "sum=105", "/dl/adder/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			app := publishTwoDeps(e)
			data, _ := os.ReadFile(filepath.Join(app, "Cargo.toml"))
			files := map[string]string{
				"Cargo.toml":             string(data) + c.manifest,
				"local/adder/Cargo.toml": "[package]\nname = \"adder\"\nversion = \"0.3.1\"\nedition = \"2021\"\n",
				"local/adder/src/lib.rs": "pub fn add(a: i32, b: i32) -> i32 { a + b + 100 }\n",
			}
			if c.config != "" {
				files[".cargo/config.toml"] = c.config
			}
			e.write(app, files)
			r := e.mustRun(app, "cargo", "run", "-q")
			if !strings.Contains(r.stdout, c.want) {
				t.Fatalf("not applied, want %s:\n%s", c.want, r)
			}
			if got := e.requestsMatching(c.skipped); len(got) != 0 {
				t.Fatalf("the patched crate was downloaded anyway: %v", got)
			}
		})
	}
}

func TestAlternateRegistry(t *testing.T) {
	e := newEnv(t)
	second := testregistry.Start()
	t.Cleanup(second.Close)
	if err := second.Publish(testregistry.Crate{Name: "private", Version: "1.2.0",
		Files: map[string]string{"src/lib.rs": "pub fn secret() -> u32 { 42 }"}}); err != nil {
		t.Fatal(err)
	}
	ws := e.project("altreg", map[string]string{
		"Cargo.toml": "[package]\nname = \"altreg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n" +
			"private = { version = \"1\", registry = \"second\" }\n",
		"src/main.rs":        "fn main() { println!(\"{}\", private::secret()); }\n",
		".cargo/config.toml": "[registries.second]\nindex = \"" + second.IndexURL() + "\"\n",
	})
	r := e.mustRun(ws, "cargo", "run", "-q")
	if strings.TrimSpace(r.stdout) != "42" {
		t.Fatalf("alternate registry crate not used:\n%s", r)
	}
	if !hasRequest(second.Requests(), "/dl/private/1.2.0") {
		t.Fatalf("not downloaded from the alternate registry: %v", second.Requests())
	}
	second.ResetLog()
	r = e.mustRun(ws, "cargo", "build")
	if len(second.Requests()) != 0 || strings.Contains(r.stderr, "airlock: fetching") {
		t.Fatalf("warm build fetched: %v\n%s", second.Requests(), r)
	}
}

func hasRequest(reqs []string, s string) bool {
	for _, r := range reqs {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

func TestVendoredSourcesNeedNoFetch(t *testing.T) {
	e := newEnv(t)
	app := publishTwoDeps(e)
	// --respect-source-config: cargo vendor ignores source replacement by
	// default, and the test registry replaces crates.io.
	r := e.mustRun(app, "cargo", "vendor", "--respect-source-config")
	if !fileExists(filepath.Join(app, "vendor", "adder", "Cargo.toml")) {
		t.Fatalf("cargo vendor wrote nothing:\n%s", r)
	}
	// cargo vendor prints the configuration that uses the vendored sources.
	if !strings.Contains(r.stdout, "vendored-sources") {
		t.Fatalf("cargo vendor printed no config:\n%s", r)
	}
	e.write(app, map[string]string{".cargo/config.toml": r.stdout})
	// A fresh cargo home: nothing downloaded, and nothing to download.
	if err := os.RemoveAll(filepath.Join(e.cargoHome, "registry")); err != nil {
		t.Fatal(err)
	}
	e.reg.ResetLog()
	r = e.mustRun(app, "cargo", "run", "-q")
	if !strings.Contains(r.stdout, "sum=5") {
		t.Fatalf("vendored build failed:\n%s", r)
	}
	if strings.Contains(r.stderr, "airlock: fetching") || len(e.reg.Requests()) != 0 {
		t.Fatalf("a vendored build fetched: %v\n%s", e.reg.Requests(), r)
	}
}

func TestPathDependencyOutsideWorkspaceNeedsGrant(t *testing.T) {
	e := newEnv(t)
	e.write(filepath.Join(e.root, "shared"), map[string]string{
		"Cargo.toml": "[package]\nname = \"shared\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs": "pub fn shared() -> u32 { 9 }\n",
	})
	ws := e.project("usesshared", map[string]string{
		"Cargo.toml":  "[package]\nname = \"usesshared\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nshared = { path = \"../shared\" }\n",
		"src/main.rs": "fn main() { println!(\"{}\", shared::shared()); }\n",
	})
	r := e.run(ws, "cargo", "run", "-q")
	if r.code == 0 || !strings.Contains(r.stderr, "airlock --ro "+filepath.Join(e.root, "shared")) {
		t.Fatalf("an ungranted path dependency outside the workspace:\n%s", r)
	}
	r = e.mustRun(ws, "--ro", filepath.Join(e.root, "shared"), "cargo", "run", "-q")
	if strings.TrimSpace(r.stdout) != "9" {
		t.Fatalf("granted path dependency:\n%s", r)
	}

	// Commands that edit manifests with network need the grant too, and
	// may write only the workspace's own manifests.
	e.publish(testregistry.Crate{Name: "adder", Version: "0.3.1", Files: map[string]string{"src/lib.rs": ""}})
	if r := e.run(ws, "cargo", "add", "adder"); r.code == 0 || !strings.Contains(r.stderr, "airlock --ro") {
		t.Fatalf("cargo add with an ungranted path dependency outside the workspace:\n%s", r)
	}
	shared := filepath.Join(e.root, "shared", "Cargo.toml")
	r = e.mustRun(ws, "explain", "--json", "--ro", filepath.Join(e.root, "shared"), "cargo", "add", "adder")
	var plan policy.Plan
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	for _, m := range plan.Phases[0].Mounts {
		if m.Kind == policy.ReadWrite && policy.Contains(m.Src, shared) {
			t.Fatalf("cargo add may write the manifest of a path dependency outside the workspace: %+v", m)
		}
	}
	e.mustRun(ws, "--ro", filepath.Join(e.root, "shared"), "cargo", "add", "adder")
	if !strings.Contains(mustRead(t, filepath.Join(ws, "Cargo.toml")), "adder") {
		t.Fatal("cargo add did not edit the workspace manifest")
	}
}

// TestManifestEditsStayInTheWorkspace: a member directory that is a symlink
// to somewhere else must not become writable for cargo add.
func TestManifestEditsStayInTheWorkspace(t *testing.T) {
	e := newEnv(t)
	// The member's parent directory is a symlink to somewhere else: the
	// member's own path has no symlink in its last component.
	elsewhere := filepath.Join(e.root, "elsewhere")
	e.write(filepath.Join(elsewhere, "member"), map[string]string{
		"Cargo.toml": "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs": "",
	})
	ws := e.project("symws", map[string]string{
		"Cargo.toml": "[workspace]\nmembers = [\"crates/member\"]\nresolver = \"2\"\n",
	})
	if err := os.Symlink(elsewhere, filepath.Join(ws, "crates")); err != nil {
		t.Fatal(err)
	}
	// cargo add, run for real, must not write through the symlink.
	e.publish(testregistry.Crate{Name: "adder", Version: "0.3.1", Files: map[string]string{"src/lib.rs": ""}})
	manifest := filepath.Join(elsewhere, "member", "Cargo.toml")
	before := mustRead(t, manifest)
	r := e.run(ws, "--ro", elsewhere, "cargo", "add", "-p", "member", "adder")
	if got := mustRead(t, manifest); got != before {
		t.Fatalf("cargo add wrote through the symlinked directory:\n%s\n%s", got, r)
	}
	if r.code == 0 {
		t.Fatalf("cargo add reported success without editing the manifest:\n%s", r)
	}
	// bwrap happens to refuse that bind too; the plan must not ask for it.
	r = e.mustRun(ws, "explain", "--json", "--ro", elsewhere, "cargo", "add", "-p", "member", "adder")
	var plan policy.Plan
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	for _, m := range plan.Phases[0].Mounts {
		if m.Kind == policy.ReadWrite && policy.Contains(filepath.Join(ws, "crates"), m.Src) {
			t.Fatalf("cargo add may write through the symlinked directory: %+v", m)
		}
	}
}

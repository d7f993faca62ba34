package policy

import (
	"strings"
	"testing"
)

func testRequest() CargoRequest {
	return CargoRequest{
		Host: Host{
			Home: "/home/u", CargoHome: "/home/u/.cargo", RustupHome: "/home/u/.rustup", Cwd: "/home/u/ws",
			Env: []string{"TERM=xterm", "GITHUB_TOKEN=ghp", "AWS_SECRET_ACCESS_KEY=k", "CARGO_REGISTRY_TOKEN=t", "CARGO_HTTP_PROXY=http://alice:s3cret@proxy:3128", "CARGO_HTTP_CAINFO=/etc/corp.pem",
				"CARGO_TERM_COLOR=always", "LC_ALL=C", "HTTPS_PROXY=http://proxy", "SSH_AUTH_SOCK=/tmp/agent"},
			RootSymlinks: map[string]string{"bin": "usr/bin"},
		},
		Toolchain:    Toolchain{Name: "stable-x86_64-unknown-linux-gnu", Dir: "/home/u/.rustup/toolchains/stable-x86_64-unknown-linux-gnu"},
		Class:        Commands["build"],
		Args:         []string{"build"},
		Workspace:    "/home/u/ws",
		RootManifest: "/home/u/ws/Cargo.toml",
		TargetDir:    "/home/u/ws/target",
		LockPath:     "/home/u/ws/Cargo.lock",
		Cwd:          "/home/u/ws",
	}
}

func mountOf(p Phase, dst string) (Mount, bool) {
	var found Mount
	ok := false
	for _, m := range p.Mounts {
		if m.Dst == dst {
			found, ok = m, true // the last mount at a path wins
		}
	}
	return found, ok
}

func envOf(p Phase, key string) (string, bool) {
	for _, kv := range p.Env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v, true
		}
	}
	return "", false
}

func TestPhasesPerClass(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*CargoRequest)
		phases  []string
		network []bool
	}{
		{"warm build", func(r *CargoRequest) {}, []string{"run"}, []bool{false}},
		{"cold build", func(r *CargoRequest) { r.FetchReason = "x" }, []string{"fetch", "run"}, []bool{true, false}},
		{"fetch only", func(r *CargoRequest) { r.FetchReason = "x"; r.FetchOnly = true }, []string{"fetch"}, []bool{true}},
		{"build-std", func(r *CargoRequest) { r.FetchReason = "x"; r.SysrootManifest = "/tc/lib/Cargo.toml" }, []string{"fetch", "fetch", "run"}, []bool{true, true, false}},
		{"dependency command", func(r *CargoRequest) { r.Class = Commands["update"]; r.FetchReason = "" }, []string{"fetch"}, []bool{true}},
		{"granted network", func(r *CargoRequest) { r.Grants.Network = true }, []string{"run"}, []bool{true}},
		{"unknown command", func(r *CargoRequest) { r.Class = Unknown; r.FetchReason = "x" }, []string{"run"}, []bool{false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := testRequest()
			c.mutate(&r)
			phases := ForCargo(r)
			if len(phases) != len(c.phases) {
				t.Fatalf("%d phases, want %v", len(phases), c.phases)
			}
			for i, p := range phases {
				if p.Name != c.phases[i] || p.Network != c.network[i] {
					t.Errorf("phase %d = %s network=%v, want %s network=%v", i, p.Name, p.Network, c.phases[i], c.network[i])
				}
			}
		})
	}
}

func TestRunPhaseConfinement(t *testing.T) {
	r := testRequest()
	r.FetchReason = "x"
	phases := ForCargo(r)
	fetch, run := phases[0], phases[1]

	wantMounts := []struct {
		phase Phase
		dst   string
		kind  MountKind
		ok    bool
	}{
		{run, "/home/u/ws", ReadOnly, true},
		{run, "/home/u/ws/target", ReadWrite, true},
		{run, "/home/u/.cargo/registry", ReadOnly, true},
		{run, "/home/u/.cargo/credentials.toml", "", false},
		{run, "/home/u", Tmpfs, true},
		{run, "/home/u/ws/Cargo.lock", "", false},
		{fetch, "/home/u/ws", ReadOnly, true},
		{fetch, "/home/u/ws/Cargo.lock", ReadWrite, true},
		{fetch, "/home/u/.cargo/registry", ReadWrite, true},
		{fetch, "/home/u/.cargo/credentials.toml", ReadOnly, true},
		{fetch, "/home/u/ws/target", "", false},
		{fetch, "/bin", Symlink, true},
	}
	for _, w := range wantMounts {
		m, ok := mountOf(w.phase, w.dst)
		if ok != w.ok || (ok && m.Kind != w.kind) {
			t.Errorf("%s phase: mount %s = %v (present %v), want %v (present %v)", w.phase.Name, w.dst, m.Kind, ok, w.kind, w.ok)
		}
	}
	if fetch.Cwd != fetchCwd || !strings.HasPrefix(fetch.Argv[0], r.Toolchain.Dir) {
		t.Errorf("fetch runs %v in %s; want the toolchain's cargo outside the workspace", fetch.Argv, fetch.Cwd)
	}
	if run.Argv[0] != r.Toolchain.Dir+"/bin/cargo" {
		t.Errorf("run argv %v: want the toolchain's own cargo", run.Argv)
	}
}

func TestEnvironmentAllowlist(t *testing.T) {
	r := testRequest()
	r.FetchReason = "x"
	r.Grants.Env = map[string]string{"MY_VAR": "1"}
	phases := ForCargo(r)
	cases := []struct {
		key   string
		fetch bool
		run   bool
	}{
		{"TERM", true, true},
		{"LC_ALL", true, true},
		{"CARGO_TERM_COLOR", true, true},
		{"GITHUB_TOKEN", false, false},
		{"AWS_SECRET_ACCESS_KEY", false, false},
		{"SSH_AUTH_SOCK", false, false},
		{"CARGO_REGISTRY_TOKEN", true, false},
		{"HTTPS_PROXY", true, false},
		{"CARGO_HTTP_PROXY", true, false},
		{"CARGO_HTTP_CAINFO", true, false},
		{"MY_VAR", true, true},
		{"CARGO_NET_OFFLINE", false, true},
	}
	for _, c := range cases {
		_, inFetch := envOf(phases[0], c.key)
		_, inRun := envOf(phases[1], c.key)
		if inFetch != c.fetch || inRun != c.run {
			t.Errorf("%s: fetch %v run %v, want fetch %v run %v", c.key, inFetch, inRun, c.fetch, c.run)
		}
	}
	if home, _ := envOf(phases[1], "HOME"); home != "/home/u" {
		t.Errorf("HOME = %q", home)
	}
}

func TestWriteSourcesKeepsGitReadOnly(t *testing.T) {
	r := testRequest()
	r.Class = Commands["fmt"]
	r.VCSEntries = []string{"/home/u/ws/.git", "/home/u/ws/vendor/dep/.hg"}
	run := ForCargo(r)[0]
	ws, _ := mountOf(run, "/home/u/ws")
	git, _ := mountOf(run, "/home/u/ws/.git")
	hg, _ := mountOf(run, "/home/u/ws/vendor/dep/.hg")
	if ws.Kind != ReadWrite || git.Kind != ReadOnly || hg.Kind != ReadOnly {
		t.Fatalf("workspace %v, .git %v, nested .hg %v; want rw, ro, ro", ws.Kind, git.Kind, hg.Kind)
	}
	// .git must come after the workspace, or the writable bind hides it.
	iw, ig := -1, -1
	for i, m := range run.Mounts {
		switch m.Dst {
		case "/home/u/ws":
			iw = i
		case "/home/u/ws/.git":
			ig = i
		}
	}
	if ig < iw {
		t.Fatalf(".git mounted before the workspace")
	}
}

func TestGrantsApplyPerPhase(t *testing.T) {
	r := testRequest()
	r.FetchReason = "x"
	r.Grants = Grants{ReadOnly: []string{"/data/ro"}, ReadWrite: []string{"/data/rw"}}
	phases := ForCargo(r)
	if _, ok := mountOf(phases[0], "/data/rw"); ok {
		t.Error("a writable grant reached the fetch phase")
	}
	if m, ok := mountOf(phases[1], "/data/rw"); !ok || m.Kind != ReadWrite {
		t.Error("the writable grant is missing from the run phase")
	}
	for _, p := range phases {
		if m, ok := mountOf(p, "/data/ro"); !ok || m.Kind != ReadOnly {
			t.Errorf("%s: the read-only grant is missing", p.Name)
		}
	}
}

func TestSortMountsParentsFirst(t *testing.T) {
	ms := []Mount{{Dst: "/a/b/c"}, {Dst: "/a"}, {Dst: "/x/y"}, {Dst: "/a/b"}, {Dst: "/"}}
	sortMounts(ms)
	var got []string
	for _, m := range ms {
		got = append(got, m.Dst)
	}
	if strings.Join(got, " ") != "/ /a /x/y /a/b /a/b/c" {
		t.Fatalf("order %v", got)
	}
}

func TestContains(t *testing.T) {
	for _, c := range []struct {
		dir, p string
		want   bool
	}{
		{"/a", "/a", true}, {"/a", "/a/b", true}, {"/a", "/ab", false}, {"/", "/x", true}, {"/a/b", "/a", false},
	} {
		if Contains(c.dir, c.p) != c.want {
			t.Errorf("Contains(%s, %s) != %v", c.dir, c.p, c.want)
		}
	}
}

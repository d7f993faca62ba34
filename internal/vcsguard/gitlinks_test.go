package vcsguard

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// TestGitlinks reads submodule paths from indexes git itself wrote, in
// each index version.
func TestGitlinks(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(git, append([]string{"-c", "protocol.file.allow=always", "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	root := t.TempDir()
	sub := filepath.Join(root, "sub")
	repo := filepath.Join(root, "repo")
	for _, d := range []string{sub, repo} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		run(d, "init", "-q")
	}
	run(sub, "commit", "-q", "--allow-empty", "-m", "x")
	for _, f := range []string{"a.txt", "deep/er/b.txt", "target/c.txt"} {
		p := filepath.Join(repo, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(repo, "add", ".")
	run(repo, "submodule", "add", "-q", sub, "target/foo")
	run(repo, "submodule", "add", "-q", sub, "vendor/bar")
	for _, version := range []string{"2", "3", "4"} {
		run(repo, "update-index", "--index-version", version)
		wt, gd := Repository(filepath.Join(repo, "deep", "er"))
		if wt != repo || gd != filepath.Join(repo, ".git") {
			t.Fatalf("Repository = %q, %q", wt, gd)
		}
		got, err := Gitlinks(gd)
		if err != nil {
			t.Fatalf("index v%s: %v", version, err)
		}
		sort.Strings(got)
		if want := []string{"target/foo", "vendor/bar"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("index v%s: gitlinks %v, want %v", version, got, want)
		}
	}
}

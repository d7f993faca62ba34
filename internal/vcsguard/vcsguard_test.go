package vcsguard

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestScan(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{".git/hooks", "src/.git", "vendor/dep/.hg", "target/debug/.git", "node_modules/x/.git", "a/b/.jj",
		"bare/objects", "bare/refs", "d/1/2/3/4/5/6/7/8/9/10/11/12/13/.git"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "sub.git"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bare", "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "worktree"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "worktree", ".git"), []byte("gitdir: /elsewhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/tmp", filepath.Join(root, "a", ".svn")); err != nil {
		t.Fatal(err)
	}
	got, err := Scan(root, filepath.Join(root, "target"))
	if err != nil {
		t.Fatal(err)
	}
	rel := func(ps []string) []string {
		var out []string
		for _, p := range ps {
			r, _ := filepath.Rel(root, p)
			out = append(out, r)
		}
		return out
	}
	want := []string{".git", "a/.svn", "a/b/.jj", "bare/HEAD", "d/1/2/3/4/5/6/7/8/9/10/11/12/13/.git", "node_modules/x/.git", "src/.git", "vendor/dep/.hg", "worktree/.git"}
	if !reflect.DeepEqual(rel(got), want) {
		t.Fatalf("Scan = %v, want %v", rel(got), want)
	}
	if links := rel(Symlinks(got)); !reflect.DeepEqual(links, []string{"a/.svn"}) {
		t.Fatalf("Symlinks = %v", links)
	}
}

func TestAdded(t *testing.T) {
	cases := []struct {
		before, after, want []string
	}{
		{[]string{"/w/.git"}, []string{"/w/.git"}, nil},
		{[]string{"/w/.git"}, []string{"/w/.git", "/w/src/.git"}, []string{"/w/src/.git"}},
		{nil, []string{"/w/.hg"}, []string{"/w/.hg"}},
		{[]string{"/w/.git", "/w/x/.jj"}, []string{"/w/.git"}, nil},
	}
	for _, c := range cases {
		if got := Added(c.before, c.after); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Added(%v, %v) = %v, want %v", c.before, c.after, got, c.want)
		}
	}
}

// TestUnreadableDirectoriesAreEntries: a directory the scan cannot read could
// hide a repository; it counts as an entry, and Remove deletes it anyway.
func TestUnreadableDirectoriesAreEntries(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory")
	}
	root := t.TempDir()
	hidden := filepath.Join(root, "src", "x")
	if err := os.MkdirAll(filepath.Join(hidden, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(hidden, 0o111); err != nil {
		t.Fatal(err)
	}
	got, err := Scan(root)
	if err != nil || !reflect.DeepEqual(got, []string{hidden}) {
		t.Fatalf("Scan = %v, %v; want the unreadable directory", got, err)
	}
	if err := Remove(hidden); err != nil || fileExists(hidden) {
		t.Fatalf("Remove: %v", err)
	}
}

func fileExists(p string) bool { _, err := os.Lstat(p); return err == nil }

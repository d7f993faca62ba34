// Package vcsguard protects version control metadata in a workspace whose
// sources a command may write (cargo fmt, fix, clippy --fix). git, hg and jj
// run hooks and configured programs from that metadata on the host, so a
// build script that could write it would escape the sandbox the next time
// the user runs `git status`. Existing metadata is mounted read-only;
// metadata that appears during the run is removed afterwards.
package vcsguard

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Names are the entries that hold version control metadata.
var Names = map[string]bool{".git": true, ".hg": true, ".jj": true, ".svn": true, ".bzr": true}

// Scan lists the version control entries below root, not descending into
// them or into skip (the target directory): entries named in Names (files,
// directories, symlinks), the HEAD of directories that are git repositories
// by themselves (HEAD, objects/ and refs/: git uses such a directory when
// run inside it), and directories Scan cannot read (which could hide either).
// Paths are absolute and sorted.
func Scan(root string, skip ...string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			out = append(out, p) // unreadable: cannot be vouched for
			return fs.SkipDir
		}
		if p == root {
			return nil
		}
		if Names[d.Name()] {
			out = append(out, p)
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		for _, s := range skip {
			if p == s {
				return fs.SkipDir
			}
		}
		if bareRepository(p) {
			// Its HEAD is what makes it one: removing that undoes it
			// without touching the rest of the directory.
			out = append(out, filepath.Join(p, "HEAD"))
			return fs.SkipDir
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// bareRepository says whether git would take dir itself for a repository.
func bareRepository(dir string) bool {
	head, err := os.Lstat(filepath.Join(dir, "HEAD"))
	if err != nil || !head.Mode().IsRegular() {
		return false
	}
	for _, sub := range []string{"objects", "refs"} {
		if st, err := os.Lstat(filepath.Join(dir, sub)); err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

// Remove deletes a planted entry, making unreadable directories in it
// readable first (they were made inside the sandbox, by the same user).
func Remove(p string) error {
	if err := os.RemoveAll(p); err == nil {
		return nil
	}
	_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if d != nil && d.IsDir() || err != nil {
			_ = os.Chmod(q, 0o700)
		}
		return nil
	})
	_ = os.Chmod(p, 0o700)
	return os.RemoveAll(p)
}

// Symlinks returns the entries that are symlinks. A read-only bind of one
// would follow it on the host and show its target inside the sandbox.
func Symlinks(entries []string) []string {
	var out []string
	for _, p := range entries {
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSymlink != 0 {
			out = append(out, p)
		}
	}
	return out
}

// Added returns the entries of after that are not in before.
func Added(before, after []string) []string {
	had := map[string]bool{}
	for _, p := range before {
		had[p] = true
	}
	var out []string
	for _, p := range after {
		if !had[p] {
			out = append(out, p)
		}
	}
	return out
}

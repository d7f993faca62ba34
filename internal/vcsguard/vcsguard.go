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
	"strings"
)

// Names are the entries that hold version control metadata.
var Names = map[string]bool{".git": true, ".hg": true, ".jj": true, ".svn": true, ".bzr": true}

// maxDepth bounds the walk: metadata deeper than this is not looked for.
const maxDepth = 12

// skipDirs are never walked into: build output and dependency trees.
var skipDirs = map[string]bool{"node_modules": true}

// Scan lists the version control entries (directories, files, symlinks)
// below root, not descending into them, into skip (the target directory),
// or into skipDirs. Paths are absolute and sorted.
func Scan(root string, skip ...string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // unreadable corners: nothing can be planted there by us either
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
		if skipDirs[d.Name()] || strings.Count(strings.TrimPrefix(p, root), string(filepath.Separator)) >= maxDepth {
			return fs.SkipDir
		}
		return nil
	})
	sort.Strings(out)
	return out, err
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

package vcsguard

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Repository finds the git repository that contains dir: the nearest
// ancestor (or dir itself) with a .git directory or .git file. It returns
// the work tree and the git directory, or "" when there is none.
func Repository(dir string) (workTree, gitDir string) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, ".git")
		if st, err := os.Lstat(p); err == nil {
			switch {
			case st.IsDir():
				return d, p
			case st.Mode().IsRegular():
				// A worktree or submodule: "gitdir: PATH".
				data, err := os.ReadFile(p)
				if err != nil {
					return "", ""
				}
				gd := strings.TrimSpace(strings.TrimPrefix(string(data), "gitdir:"))
				if !filepath.IsAbs(gd) {
					gd = filepath.Join(d, gd)
				}
				return d, gd
			}
			return "", ""
		}
		if filepath.Dir(d) == d {
			return "", ""
		}
	}
}

// Gitlinks lists the submodule paths (index entries of mode 160000) of the
// repository whose git directory is gitDir, relative to its work tree. git
// looks into each of them on the host (`git status` runs a submodule's
// fsmonitor), so none may lie where a build script can write.
func Gitlinks(gitDir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(gitDir, "index"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	hashLen := 20
	if cfg, err := os.ReadFile(filepath.Join(gitDir, "config")); err == nil && bytes.Contains(bytes.ToLower(cfg), []byte("objectformat = sha256")) {
		hashLen = 32
	}
	return parseIndex(data, hashLen)
}

// parseIndex reads the entries of a git index (versions 2 to 4) and
// returns the paths of gitlinks.
func parseIndex(data []byte, hashLen int) ([]string, error) {
	if len(data) < 12 || string(data[:4]) != "DIRC" {
		return nil, fmt.Errorf("not a git index")
	}
	version := binary.BigEndian.Uint32(data[4:8])
	if version < 2 || version > 4 {
		return nil, fmt.Errorf("git index version %d", version)
	}
	count := binary.BigEndian.Uint32(data[8:12])
	off := 12
	var out []string
	var name []byte // the current entry's path (v4 compresses it against the previous one)
	for i := uint32(0); i < count; i++ {
		start := off
		fixed := 40 + hashLen + 2 // stat data, object name, flags
		if off+fixed > len(data) {
			return nil, fmt.Errorf("git index truncated")
		}
		mode := binary.BigEndian.Uint32(data[off+24 : off+28])
		flags := binary.BigEndian.Uint16(data[off+40+hashLen : off+fixed])
		off += fixed
		if flags&0x4000 != 0 && version >= 3 {
			off += 2 // extended flags
		}
		if version == 4 {
			// Prefix compression: strip N bytes of the previous name.
			strip, n := binary.Uvarint(data[off:])
			if n <= 0 || int(strip) > len(name) {
				return nil, fmt.Errorf("git index: bad path prefix")
			}
			off += n
			end := bytes.IndexByte(data[off:], 0)
			if end < 0 {
				return nil, fmt.Errorf("git index truncated")
			}
			name = append(name[:len(name)-int(strip)], data[off:off+end]...)
			off += end + 1
		} else {
			end := bytes.IndexByte(data[off:], 0)
			if end < 0 {
				return nil, fmt.Errorf("git index truncated")
			}
			name = data[off : off+end]
			off += end + 1
			// Entries are padded with NULs to a multiple of eight bytes.
			off += (8 - (off-start)%8) % 8
		}
		if mode>>12 == 0xE { // 0160000: gitlink
			out = append(out, string(name))
		}
	}
	return out, nil
}

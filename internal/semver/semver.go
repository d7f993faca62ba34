// Package semver matches cargo version requirements ("1.2", "^0.3", "~1",
// ">=1, <2", "=1.0.4", "1.*") against concrete versions, so airlock can tell
// whether a Cargo.lock still satisfies the manifests without asking cargo.
package semver

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed semantic version.
type Version struct {
	Major, Minor, Patch uint64
	Pre                 string
}

// Parse parses "1.2.3" or "1.2.3-alpha.1" (build metadata is ignored).
func Parse(s string) (Version, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	var v Version
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.Pre = s[i+1:]
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, fmt.Errorf("version %q is not MAJOR.MINOR.PATCH", s)
	}
	nums := []*uint64{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, fmt.Errorf("version %q: %w", s, err)
		}
		*nums[i] = n
	}
	return v, nil
}

// Compare orders versions; a pre-release sorts before its release.
func Compare(a, b Version) int {
	for _, d := range [][2]uint64{{a.Major, b.Major}, {a.Minor, b.Minor}, {a.Patch, b.Patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.Pre == b.Pre:
		return 0
	case a.Pre == "":
		return 1
	case b.Pre == "":
		return -1
	case a.Pre < b.Pre:
		return -1
	default:
		return 1
	}
}

// comparator is one "op partial-version" term.
type comparator struct {
	op                  string
	major, minor, patch uint64
	hasMinor, hasPatch  bool
	pre                 string
}

// Matches reports whether version satisfies the requirement req.
func Matches(req, version string) (bool, error) {
	v, err := Parse(version)
	if err != nil {
		return false, err
	}
	req = strings.TrimSpace(req)
	if req == "" || req == "*" {
		return v.Pre == "", nil
	}
	var cs []comparator
	for _, part := range strings.Split(req, ",") {
		c, err := parseComparator(strings.TrimSpace(part))
		if err != nil {
			return false, fmt.Errorf("requirement %q: %w", req, err)
		}
		cs = append(cs, c)
	}
	for _, c := range cs {
		if !c.matches(v) {
			return false, nil
		}
	}
	if v.Pre != "" {
		// Pre-releases match only a comparator naming the same version with
		// a pre-release, as in cargo.
		for _, c := range cs {
			if c.pre != "" && c.major == v.Major && c.minor == v.Minor && c.patch == v.Patch {
				return true, nil
			}
		}
		return false, nil
	}
	return true, nil
}

func parseComparator(s string) (comparator, error) {
	var c comparator
	for _, op := range []string{">=", "<=", ">", "<", "=", "^", "~"} {
		if strings.HasPrefix(s, op) {
			c.op = op
			s = strings.TrimSpace(s[len(op):])
			break
		}
	}
	if c.op == "" {
		c.op = "^"
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		c.pre = s[i+1:]
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return c, fmt.Errorf("bad version %q", s)
	}
	wild := func(p string) bool { return p == "*" || p == "x" || p == "X" }
	if wild(parts[0]) {
		c.op = "*"
		return c, nil
	}
	var err error
	if c.major, err = strconv.ParseUint(parts[0], 10, 64); err != nil {
		return c, fmt.Errorf("bad major %q", parts[0])
	}
	if len(parts) > 1 && !wild(parts[1]) {
		if c.minor, err = strconv.ParseUint(parts[1], 10, 64); err != nil {
			return c, fmt.Errorf("bad minor %q", parts[1])
		}
		c.hasMinor = true
	}
	if len(parts) > 2 && c.hasMinor && !wild(parts[2]) {
		if c.patch, err = strconv.ParseUint(parts[2], 10, 64); err != nil {
			return c, fmt.Errorf("bad patch %q", parts[2])
		}
		c.hasPatch = true
	}
	if (len(parts) > 1 && wild(parts[1])) || (len(parts) > 2 && wild(parts[2])) {
		if c.op == "^" {
			c.op = "=" // "1.*" means the same as "=1"
		}
	}
	return c, nil
}

func (c comparator) low() Version {
	return Version{Major: c.major, Minor: c.minor, Patch: c.patch, Pre: c.pre}
}

func (c comparator) matches(v Version) bool {
	lo := c.low()
	switch c.op {
	case "*":
		return true
	case "=":
		switch {
		case !c.hasMinor:
			return v.Major == c.major
		case !c.hasPatch:
			return v.Major == c.major && v.Minor == c.minor
		default:
			return Compare(v, lo) == 0
		}
	case ">":
		switch {
		case !c.hasMinor:
			return v.Major > c.major
		case !c.hasPatch:
			return v.Major > c.major || (v.Major == c.major && v.Minor > c.minor)
		default:
			return Compare(v, lo) > 0
		}
	case ">=":
		return Compare(v, lo) >= 0
	case "<":
		return Compare(v, lo) < 0
	case "<=":
		switch {
		case !c.hasMinor:
			return v.Major <= c.major
		case !c.hasPatch:
			return v.Major < c.major || (v.Major == c.major && v.Minor <= c.minor)
		default:
			return Compare(v, lo) <= 0
		}
	case "~":
		if Compare(v, lo) < 0 || v.Major != c.major {
			return false
		}
		return !c.hasMinor || v.Minor == c.minor
	case "^":
		if Compare(v, lo) < 0 {
			return false
		}
		switch {
		case c.major > 0 || !c.hasMinor:
			return v.Major == c.major
		case c.minor > 0 || !c.hasPatch:
			return v.Major == 0 && v.Minor == c.minor
		default:
			return v.Major == 0 && v.Minor == 0 && v.Patch == c.patch
		}
	}
	return false
}

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
		if v.Pre == "" {
			return v, fmt.Errorf("version %q has an empty pre-release", s+"-")
		}
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

// Compare orders versions; a pre-release sorts before its release, and
// pre-releases follow semver precedence (numeric identifiers numerically,
// "alpha.2" < "alpha.10" < "beta").
func Compare(a, b Version) int {
	for _, d := range [][2]uint64{{a.Major, b.Major}, {a.Minor, b.Minor}, {a.Patch, b.Patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	return comparePre(a.Pre, b.Pre)
}

// comparePre orders pre-release strings as the semver crate cargo uses does:
// no pre-release is greater than any; identifiers are compared one by one,
// numeric ones numerically and below alphanumeric ones; with all equal, the
// longer list is greater.
func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i, x := range as {
		if i >= len(bs) {
			return 1
		}
		y := bs[i]
		xNum, yNum := isNumeric(x), isNumeric(y)
		var c int
		switch {
		case xNum && yNum:
			c = cmpInt(len(x), len(y))
			if c == 0 {
				c = strings.Compare(x, y)
			}
		case xNum:
			return -1
		case yNum:
			return 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	if len(as) < len(bs) {
		return -1
	}
	return 0
}

func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func cmpInt[T uint64 | int](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
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
	orig := s
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
	if len(parts) > 2 && !c.hasMinor && !wild(parts[2]) {
		return c, fmt.Errorf("unexpected %q after a wildcard", parts[2])
	}
	if strings.Contains(orig, "-") && (!c.hasPatch || c.pre == "") {
		return c, fmt.Errorf("bad pre-release in %q: it needs MAJOR.MINOR.PATCH-PRE", orig)
	}
	if (len(parts) > 1 && wild(parts[1])) || (len(parts) > 2 && wild(parts[2])) {
		if c.op == "^" {
			c.op = "=" // "1.*" means the same as "=1"
		}
	}
	return c, nil
}

// matches follows the semver crate's evaluation (cargo's): a comparator
// that leaves minor or patch out constrains only the parts it names.
func (c comparator) matches(v Version) bool {
	switch c.op {
	case "*":
		return true
	case "=":
		return c.exact(v)
	case ">":
		return c.cmp(v) > 0
	case ">=":
		return c.exact(v) || c.cmp(v) > 0
	case "<":
		return c.cmp(v) < 0
	case "<=":
		return c.exact(v) || c.cmp(v) < 0
	case "~":
		if v.Major != c.major || (c.hasMinor && v.Minor != c.minor) {
			return false
		}
		if c.hasPatch && v.Patch != c.patch {
			return v.Patch > c.patch
		}
		return comparePre(v.Pre, c.pre) >= 0
	case "^":
		if v.Major != c.major {
			return false
		}
		if !c.hasMinor {
			return true
		}
		if !c.hasPatch {
			if c.major > 0 {
				return v.Minor >= c.minor
			}
			return v.Minor == c.minor
		}
		switch {
		case c.major > 0:
			if v.Minor != c.minor {
				return v.Minor > c.minor
			}
			if v.Patch != c.patch {
				return v.Patch > c.patch
			}
		case c.minor > 0:
			if v.Minor != c.minor {
				return false
			}
			if v.Patch != c.patch {
				return v.Patch > c.patch
			}
		default:
			if v.Minor != c.minor || v.Patch != c.patch {
				return false
			}
		}
		return comparePre(v.Pre, c.pre) >= 0
	}
	return false
}

// exact says whether v equals the parts c names (and c's pre-release).
func (c comparator) exact(v Version) bool {
	return v.Major == c.major &&
		(!c.hasMinor || v.Minor == c.minor) &&
		(!c.hasPatch || v.Patch == c.patch) &&
		v.Pre == c.pre
}

// cmp orders v against c on the parts c names: 0 when they are equal (and,
// with a patch, the pre-releases are equal).
func (c comparator) cmp(v Version) int {
	if v.Major != c.major {
		return cmpInt(v.Major, c.major)
	}
	if !c.hasMinor {
		return 0
	}
	if v.Minor != c.minor {
		return cmpInt(v.Minor, c.minor)
	}
	if !c.hasPatch {
		return 0
	}
	if v.Patch != c.patch {
		return cmpInt(v.Patch, c.patch)
	}
	return comparePre(v.Pre, c.pre)
}

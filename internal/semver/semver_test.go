package semver

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Version
	}{
		{"1.2.3", Version{1, 2, 3, ""}},
		{"0.0.0", Version{0, 0, 0, ""}},
		{" 10.20.30 ", Version{10, 20, 30, ""}},
		{"1.2.3-alpha.1", Version{1, 2, 3, "alpha.1"}},
		{"1.2.3-alpha-beta", Version{1, 2, 3, "alpha-beta"}},
		{"1.2.3+build.5", Version{1, 2, 3, ""}},
		{"1.2.3-rc.1+build-7", Version{1, 2, 3, "rc.1"}},
		{"18446744073709551615.0.1", Version{18446744073709551615, 0, 1, ""}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse(c.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			if got != c.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", c.in, got, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"", "1", "1.2", "1.2.3.4", "a.b.c", "1.2.x", "1.2.*", "-1.2.3", "1.-2.3",
		"1..3", "v1.2.3", "1.2.3-", "18446744073709551616.0.0", "1.2.3 4",
	} {
		t.Run(in, func(t *testing.T) {
			if v, err := Parse(in); err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", in, v)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	// Each list is in strictly increasing order (the semver spec's examples
	// plus numeric identifiers that sort differently as strings).
	ordered := [][]string{
		{"0.0.1", "0.1.0", "0.1.1", "1.0.0", "1.0.10", "1.2.0", "2.0.0", "10.0.0"},
		{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
			"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"},
		{"1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-a", "1.0.0-a.1", "1.0.0-b"},
		{"1.0.0-rc.9", "1.0.0-rc.10", "1.0.0-rc.10.1", "1.0.0", "1.0.1-alpha", "1.0.1"},
		{"1.0.0-Z", "1.0.0-a"}, // ASCII order: upper case first
	}
	for _, list := range ordered {
		for i := range list {
			for j := range list {
				a, b := mustParse(t, list[i]), mustParse(t, list[j])
				want := 0
				if i < j {
					want = -1
				} else if i > j {
					want = 1
				}
				if got := Compare(a, b); got != want {
					t.Errorf("Compare(%s, %s) = %d, want %d", list[i], list[j], got, want)
				}
			}
		}
	}
	// Build metadata does not take part.
	if got := Compare(mustParse(t, "1.2.3+a"), mustParse(t, "1.2.3+b")); got != 0 {
		t.Errorf("Compare ignores build metadata: got %d", got)
	}
}

func mustParse(t *testing.T, s string) Version {
	t.Helper()
	v, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return v
}

// Cases from https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html
// and the semver crate cargo uses.
func TestMatches(t *testing.T) {
	cases := []struct {
		req  string
		yes  []string
		no   []string
		desc string
	}{
		// Default (caret) requirements.
		{"1.2.3", []string{"1.2.3", "1.2.4", "1.3.0", "1.99.99"}, []string{"1.2.2", "2.0.0", "0.9.0", "1.2.3-alpha"}, "bare = caret"},
		{"^1.2.3", []string{"1.2.3", "1.9.0"}, []string{"1.2.2", "2.0.0", "2.0.0-alpha"}, ""},
		{"^1.2", []string{"1.2.0", "1.2.9", "1.9.0"}, []string{"1.1.9", "2.0.0"}, ""},
		{"^1", []string{"1.0.0", "1.9.9"}, []string{"0.9.9", "2.0.0"}, ""},
		{"^0.2.3", []string{"0.2.3", "0.2.9"}, []string{"0.2.2", "0.3.0", "1.0.0"}, ""},
		{"^0.3", []string{"0.3.0", "0.3.9"}, []string{"0.2.9", "0.4.0", "1.3.0"}, ""},
		{"0.3", []string{"0.3.0", "0.3.9"}, []string{"0.4.0"}, "bare 0.x"},
		{"^0.0.3", []string{"0.0.3"}, []string{"0.0.2", "0.0.4", "0.1.3", "1.0.3"}, ""},
		{"^0.0", []string{"0.0.0", "0.0.9"}, []string{"0.1.0", "1.0.0"}, ""},
		{"^0", []string{"0.0.0", "0.9.9"}, []string{"1.0.0"}, ""},
		{"^0.0.0", []string{"0.0.0"}, []string{"0.0.1"}, ""},
		// Tilde.
		{"~1.2.3", []string{"1.2.3", "1.2.9"}, []string{"1.2.2", "1.3.0", "2.0.0"}, ""},
		{"~1.2", []string{"1.2.0", "1.2.9"}, []string{"1.1.0", "1.3.0"}, ""},
		{"~1", []string{"1.0.0", "1.9.9"}, []string{"0.9.0", "2.0.0"}, ""},
		{"~0.3.1", []string{"0.3.1", "0.3.5"}, []string{"0.3.0", "0.4.0"}, ""},
		// Wildcards.
		{"*", []string{"0.0.0", "1.2.3", "99.0.0"}, []string{"1.0.0-alpha"}, ""},
		{"", []string{"0.1.0"}, []string{"0.1.0-pre"}, "empty is any"},
		{"1.*", []string{"1.0.0", "1.9.9"}, []string{"0.9.0", "2.0.0"}, ""},
		{"1.x", []string{"1.4.0"}, []string{"2.0.0"}, ""},
		{"1.2.*", []string{"1.2.0", "1.2.9"}, []string{"1.1.0", "1.3.0"}, ""},
		{"1.2.X", []string{"1.2.5"}, []string{"1.3.0"}, ""},
		{"0.*", []string{"0.0.1", "0.9.0"}, []string{"1.0.0"}, ""},
		// Exact.
		{"=1.2.3", []string{"1.2.3", "1.2.3+build"}, []string{"1.2.4", "1.2.2", "1.2.3-alpha"}, ""},
		{"=1.2", []string{"1.2.0", "1.2.7"}, []string{"1.3.0"}, ""},
		{"=1", []string{"1.0.0", "1.7.0"}, []string{"2.0.0"}, ""},
		{"=0.0.3", []string{"0.0.3"}, []string{"0.0.4"}, ""},
		// Comparisons, with full and partial versions.
		{">=1.2.0", []string{"1.2.0", "1.3.0", "5.0.0"}, []string{"1.1.9"}, ""},
		{">= 1.2", []string{"1.2.0", "2.0.0"}, []string{"1.1.99"}, "space after op"},
		{">1", []string{"2.0.0"}, []string{"1.0.0", "1.99.0"}, ""},
		{">1.2", []string{"1.3.0", "2.0.0"}, []string{"1.2.0", "1.2.99"}, ""},
		{">1.2.3", []string{"1.2.4"}, []string{"1.2.3", "1.2.0"}, ""},
		{"<2", []string{"1.99.99", "0.1.0"}, []string{"2.0.0", "2.1.0"}, ""},
		{"<1.2", []string{"1.1.99"}, []string{"1.2.0", "1.2.3"}, ""},
		{"<1.2.3", []string{"1.2.2", "0.1.0"}, []string{"1.2.3", "1.3.0"}, ""},
		{"<=1", []string{"1.0.0", "1.99.0", "0.5.0"}, []string{"2.0.0"}, ""},
		{"<=1.2", []string{"1.2.0", "1.2.99", "1.1.0"}, []string{"1.3.0"}, ""},
		{"<=1.2.3", []string{"1.2.3", "1.2.2"}, []string{"1.2.4"}, ""},
		// Comma-separated ranges: every comparator must hold.
		{">= 1.2, < 1.5", []string{"1.2.0", "1.4.9"}, []string{"1.1.0", "1.5.0"}, ""},
		{">=0.2.1,<0.3", []string{"0.2.1", "0.2.9"}, []string{"0.2.0", "0.3.0"}, ""},
		{"~1.2.3, >1.2.4", []string{"1.2.5"}, []string{"1.2.3", "1.2.4", "1.3.0"}, ""},
		{">1, <1", nil, []string{"1.0.0", "1.5.0", "2.0.0"}, "empty range"},
		// Pre-releases: only a comparator naming the same MAJOR.MINOR.PATCH
		// with a pre-release admits one.
		{"^1.2.3-alpha.2", []string{"1.2.3-alpha.2", "1.2.3-alpha.10", "1.2.3-beta", "1.2.3", "1.9.0"},
			[]string{"1.2.3-alpha.1", "1.2.3-alpha", "1.2.4-alpha.3", "2.0.0"}, "numeric pre-release ordering"},
		{"~1.2.3-rc.1", []string{"1.2.3-rc.1", "1.2.3-rc.2", "1.2.3", "1.2.5"}, []string{"1.2.3-beta", "1.2.4-rc.1", "1.3.0"}, ""},
		{"=1.2.3-rc.1", []string{"1.2.3-rc.1"}, []string{"1.2.3-rc.2", "1.2.3"}, ""},
		{">=1.0.0-beta.2", []string{"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "3.0.0"},
			[]string{"1.0.0-beta.1", "1.0.0-alpha", "1.0.1-alpha", "2.0.0-rc.1"}, ""},
		{">1.0.0-alpha, <1.0.0", []string{"1.0.0-alpha.1", "1.0.0-beta"}, []string{"1.0.0-alpha", "1.0.0"}, ""},
		{"<1.0.0-rc.1", []string{"0.9.0", "1.0.0-beta"}, []string{"1.0.0-rc.1", "1.0.0", "0.9.0-alpha"}, "the comparator names 1.0.0 with a pre-release"},
		{"<=1.0.0-rc.1, >=1.0.0-beta", []string{"1.0.0-beta", "1.0.0-rc.1"}, []string{"1.0.0-rc.2", "1.0.0", "1.0.0-alpha"}, ""},
		{"^0.3.0-alpha", []string{"0.3.0-alpha", "0.3.0", "0.3.5"}, []string{"0.4.0", "0.3.1-alpha"}, ""},
		{"^0.0.3-alpha", []string{"0.0.3-alpha", "0.0.3-beta", "0.0.3"}, []string{"0.0.4", "0.0.2"}, ""},
		{"1.0.0", nil, []string{"1.0.0-alpha", "1.0.1-alpha", "1.5.0-rc.1"}, "a release req admits no pre-release"},
		{">=1.0.0", nil, []string{"2.0.0-alpha"}, ""},
		{"1.*", nil, []string{"1.1.0-alpha"}, ""},
		// Partial comparators constrain only the parts they name (semver crate):
		// "<1.2" does not admit 1.2.0-alpha even alongside a pre-release comparator.
		{"<1.2, >=1.2.0-alpha", nil, []string{"1.2.0-alpha", "1.2.0"}, ""},
		{"<1, >=1.0.0-alpha", []string{}, []string{"1.0.0-alpha"}, ""},
		// Build metadata in the requirement is ignored.
		{"=1.2.3+meta", []string{"1.2.3"}, []string{"1.2.4"}, ""},
	}
	for _, c := range cases {
		for _, v := range c.yes {
			t.Run(c.req+" matches "+v, func(t *testing.T) {
				got, err := Matches(c.req, v)
				if err != nil {
					t.Fatalf("Matches(%q, %q): %v", c.req, v, err)
				}
				if !got {
					t.Errorf("Matches(%q, %q) = false, want true (%s)", c.req, v, c.desc)
				}
			})
		}
		for _, v := range c.no {
			t.Run(c.req+" rejects "+v, func(t *testing.T) {
				got, err := Matches(c.req, v)
				if err != nil {
					t.Fatalf("Matches(%q, %q): %v", c.req, v, err)
				}
				if got {
					t.Errorf("Matches(%q, %q) = true, want false (%s)", c.req, v, c.desc)
				}
			})
		}
	}
}

func TestMatchesErrors(t *testing.T) {
	cases := []struct {
		req, version, want string
	}{
		{"1.2.3", "1.2", "MAJOR.MINOR.PATCH"},
		{"1.2.3", "x.y.z", "version"},
		{"foo", "1.0.0", "bad major"},
		{">=", "1.0.0", "bad major"},
		{"1.a", "1.0.0", "bad minor"},
		{"1.2.b", "1.0.0", "bad patch"},
		{"1.2.3.4", "1.0.0", "bad version"},
		{">=1.0, <", "1.0.0", "bad major"},
		{"^1.2, !=1.3", "1.0.0", "requirement"},
		{">= 1.2 < 2", "1.5.0", "bad minor"},
		{"1.*.3", "1.0.3", "after a wildcard"},
		{"1.2-alpha", "1.2.0-alpha", "pre-release"},
		{"1.2.3-", "1.2.3", "pre-release"},
	}
	for _, c := range cases {
		t.Run(c.req+" "+c.version, func(t *testing.T) {
			ok, err := Matches(c.req, c.version)
			if err == nil {
				t.Fatalf("Matches(%q, %q) = %v, want an error containing %q", c.req, c.version, ok, c.want)
			}
			if ok {
				t.Errorf("Matches returned true with an error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Matches(%q, %q) error %q, want it to contain %q", c.req, c.version, err, c.want)
			}
		})
	}
}

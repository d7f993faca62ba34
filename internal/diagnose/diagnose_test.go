package diagnose

import "testing"

func TestOfflineMiss(t *testing.T) {
	cases := []struct {
		name, out, want string
		miss            bool
	}{
		{"registry download", "error: failed to download `adder v0.4.0`\n\nCaused by:\n  attempting to make an HTTP request, but --offline was specified\n",
			"failed to download `adder v0.4.0`", true},
		{"resolution", "\x1b[1m\x1b[91merror\x1b[0m: no matching package named `zzz` found\nlocation searched: crates.io index\nAs a reminder, you're using offline mode (--offline) which can sometimes cause surprising resolution failures\n",
			"no matching package named `zzz` found", true},
		{"git", "error: failed to get `dep` as a dependency of package `app`\n\nCaused by:\n  can't checkout from 'file:///r': you are in the offline mode (--offline)\n",
			"failed to get `dep` as a dependency of package `app`", true},
		{"compile error", "error[E0425]: cannot find value `x` in this scope\n", "", false},
		{"test failure", "test result: FAILED. 1 passed; 1 failed\nerror: test failed, to rerun pass `--lib`\n", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, miss := OfflineMiss(c.out)
			if miss != c.miss || got != c.want {
				t.Fatalf("OfflineMiss = %q, %v; want %q, %v", got, miss, c.want, c.miss)
			}
		})
	}
}

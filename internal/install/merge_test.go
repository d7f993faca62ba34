package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMerge(t *testing.T) {
	const toolKey = "tool 0.5.0 (registry+https://github.com/rust-lang/crates.io-index)"
	const rgKey = "ripgrep 14.0.0 (registry+https://github.com/rust-lang/crates.io-index)"
	record := func(key, bin string) string {
		return `{"installs":{"` + key + `":{"bins":["` + bin + `"]}}}`
	}
	cases := []struct {
		name     string
		staged   string // staging .crates2.json
		bin      string // the staged binary's name
		root     map[string]string
		force    bool
		expected []string
		wantErr  string
	}{
		{name: "fresh root", staged: record(toolKey, "tool"), bin: "tool", expected: []string{"tool"}},
		{name: "reinstall of the same package", staged: record(toolKey, "tool"), bin: "tool",
			root: map[string]string{"bin/tool": "old", ".crates2.json": record("tool 0.4.0 (registry+x)", "tool")}},
		{name: "a binary no package owns", staged: record(toolKey, "cargo"), bin: "cargo",
			root: map[string]string{"bin/cargo": "rustup proxy"}, wantErr: "already exists in destination"},
		{name: "another package's binary", staged: record(toolKey, "rg"), bin: "rg",
			root: map[string]string{"bin/rg": "ripgrep", ".crates2.json": record(rgKey, "rg")}, wantErr: "as part of `" + rgKey},
		{name: "--force", staged: record(toolKey, "rg"), bin: "rg", force: true,
			root: map[string]string{"bin/rg": "ripgrep", ".crates2.json": record(rgKey, "rg")}},
		{name: "a forged record claiming another package", staged: record(rgKey, "rg"), bin: "rg", expected: []string{"tool"},
			root: map[string]string{"bin/rg": "ripgrep", ".crates2.json": record(rgKey, "rg")}, wantErr: "was not being installed"},
		{name: "an odd binary name", staged: record(toolKey, "../evil"), bin: "evil", wantErr: "odd binary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			staging, root := t.TempDir(), t.TempDir()
			write(t, staging, map[string]string{".crates2.json": c.staged, "bin/" + c.bin: "new", ".crates.toml": "[v1]\n"})
			write(t, root, c.root)
			bins, err := Merge(staging, root, c.force, c.expected)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Merge: %v, want an error containing %q", err, c.wantErr)
				}
				for p, body := range c.root {
					if got, _ := os.ReadFile(filepath.Join(root, p)); string(got) != body {
						t.Errorf("%s changed to %q although the merge was refused", p, got)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(filepath.Join(root, "bin", c.bin)); string(got) != "new" || len(bins) != 1 {
				t.Fatalf("installed %v; %s holds %q", bins, c.bin, got)
			}
		})
	}
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, body := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

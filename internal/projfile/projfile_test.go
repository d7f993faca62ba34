package projfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "Cargo.toml")
	if err := os.WriteFile(regular, []byte("[package]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.lock")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "link.toml")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	devLink := filepath.Join(dir, "zero.lock")
	if err := os.Symlink("/dev/zero", devLink); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, want, wantErr string
		notExist                  bool
	}{
		{name: "regular", path: regular, want: "[package]\n"},
		{name: "symlink to a regular file", path: link, want: "[package]\n"},
		{name: "fifo", path: fifo, wantErr: "not a regular file"},
		{name: "device", path: devLink, wantErr: "not a regular file"},
		{name: "directory", path: dir, wantErr: "not a regular file"},
		{name: "missing", path: filepath.Join(dir, "nope"), notExist: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan struct{})
			var got []byte
			var err error
			go func() { got, err = Read(c.path); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Read blocked")
			}
			switch {
			case c.notExist:
				if !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("err = %v, want not-exist", err)
				}
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
			case err != nil || string(got) != c.want:
				t.Fatalf("Read = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

package main

import "testing"

func TestCleanSummary(t *testing.T) {
	cases := []struct {
		files int
		bytes int64
		want  string
	}{
		{0, 0, "0 files"},
		{1, 512, "1 file, 512.0B total"},
		{21, 8781089, "21 files, 8.4MiB total"},
		{3, 1536, "3 files, 1.5KiB total"},
		{9, 5 << 30, "9 files, 5.0GiB total"},
	}
	for _, c := range cases {
		if got := cleanSummary(c.files, c.bytes); got != c.want {
			t.Errorf("cleanSummary(%d, %d) = %q, want %q", c.files, c.bytes, got, c.want)
		}
	}
}

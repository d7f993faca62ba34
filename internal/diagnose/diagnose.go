// Package diagnose reads cargo's error output for the one failure airlock
// must explain itself: an offline run that lacked a download.
package diagnose

import (
	"regexp"
	"strings"
)

// offlineMarkers are phrases cargo uses when offline mode stopped it from
// downloading something.
var offlineMarkers = []string{
	"--offline was specified",
	"offline mode",
	"you are in the offline mode",
	"can't checkout from",
	"failed to download",
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// OfflineMiss reports whether cargo's output shows an offline miss, and the
// first error line that names it.
func OfflineMiss(output string) (string, bool) {
	text := ansi.ReplaceAllString(output, "")
	hit := false
	for _, m := range offlineMarkers {
		if strings.Contains(text, m) {
			hit = true
			break
		}
	}
	if !hit {
		return "", false
	}
	for _, line := range strings.Split(text, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "error:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "error:")), true
		}
	}
	return "a download is missing", true
}

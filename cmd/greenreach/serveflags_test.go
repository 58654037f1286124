package main

import (
	"strings"
	"testing"
)

// TestServeLimitFlags: bad limits, proxies and public URLs are usage
// errors naming the flag, before any store is opened.
func TestServeLimitFlags(t *testing.T) {
	for _, c := range []struct{ args []string }{
		{[]string{"--public-url", "ftp://green.example"}},
		{[]string{"--public-url", "https://green.example/?x=1"}},
		{[]string{"--trusted-proxies", "10.0.0.0/33"}},
		{[]string{"--trusted-proxies", "proxy.local"}},
		{[]string{"--workers", "0"}},
		{[]string{"--rate-limit", "-1"}},
		{[]string{"--repair-crossings", "0"}},
		{[]string{"--tile-cache-mb", "-1"}},
		{[]string{"--tile-cache-mb", "lots"}},
	} {
		code, _, stderr := runCLI(t, t.Context(), append([]string{"--db", t.TempDir() + "/no/such.gpkg", "serve"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, "--"+strings.TrimPrefix(c.args[0], "--")) {
			t.Errorf("serve %s: exit %d, %q; want 2 naming the flag", strings.Join(c.args, " "), code, stderr)
		}
	}
}

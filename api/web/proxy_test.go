package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	n := &Front{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	for _, c := range []struct{ peer, xff, want string }{
		{"198.51.100.1:1", "203.0.113.1", "198.51.100.1"},
		{"10.0.0.1:1", "203.0.113.1", "203.0.113.1"},
		{"10.0.0.1:1", "6.6.6.6, 203.0.113.1, 10.1.1.1", "203.0.113.1"},
		{"10.0.0.1:1", "garbage, 203.0.113.1", "203.0.113.1"},
		{"10.0.0.1:1", "203.0.113.1, garbage", "10.0.0.1"},
		{"10.0.0.1:1", "", "10.0.0.1"},
		{"[fd00::1]:1", "2001:db8::1", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := n.ClientAddr(r); got.String() != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}

func TestParsePublicURL(t *testing.T) {
	for in, want := range map[string]string{"https://green.example/": "https://green.example", "http://10.0.0.1:8080/gr/": "http://10.0.0.1:8080/gr"} {
		if got, err := ParsePublicURL(in); got != want || err != nil {
			t.Errorf("ParsePublicURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"green.example", "ftp://green.example", "https://u:p@green.example", "https://green.example/?x=1", "https://"} {
		if _, err := ParsePublicURL(bad); err == nil {
			t.Errorf("ParsePublicURL(%q) accepted", bad)
		}
	}
}

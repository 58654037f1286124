package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Front is what the server knows of the network in front of it: the
// proxies whose X-Forwarded-* headers it believes and its public URL.
type Front struct {
	Trusted   []netip.Prefix
	PublicURL string // without a trailing slash; "" when not configured
}

// ParsePublicURL checks a --public-url: an absolute http(s) URL with a
// host and no query or fragment. It returns it without a trailing slash.
func ParsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !saneHost(u.Host) {
		return "", fmt.Errorf("public URL %q: want http(s)://host[:port][/path]", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ParseProxies reads a comma-separated list of CIDRs or addresses.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q: want a CIDR (10.0.0.0/8) or an address", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// trusts reports whether a is one of the trusted proxies.
func (n *Front) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range n.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer is the address of the connection's other end.
func peer(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// ClientAddr is the address of the client a request comes from: the
// peer, or, when the peer is a trusted proxy, the last address of
// X-Forwarded-For that is not one (a client may put anything before it).
func (n *Front) ClientAddr(r *http.Request) netip.Addr {
	c := peer(r)
	if !n.trusts(c) {
		return c
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return c // garbage: the proxy did not write it; stop here
			}
			c = a.Unmap()
			if !n.trusts(c) {
				return c
			}
		}
	}
	return c
}

// Base is the scheme and host (and path prefix) of the links a response
// gives: the public URL when configured; else the request's own, with
// X-Forwarded-Proto and -Host believed only from a trusted proxy, and ""
// (links relative to the host) when the host is not a plain host name.
func (n *Front) Base(r *http.Request) string {
	if n.PublicURL != "" {
		return n.PublicURL
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if n.trusts(peer(r)) {
		if p := lastValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := lastValue(r.Header.Get("X-Forwarded-Host")); h != "" {
			host = h
		}
	}
	if !saneHost(host) {
		return ""
	}
	return scheme + "://" + host
}

func lastValue(h string) string {
	if i := strings.LastIndexByte(h, ','); i >= 0 {
		h = h[i+1:]
	}
	return strings.TrimSpace(h)
}

// saneHost reports whether h is host[:port] with a DNS name or an IP
// address: nothing a link could be bent with (userinfo, paths, spaces).
func saneHost(h string) bool {
	if h == "" || len(h) > 260 {
		return false
	}
	name, port, err := net.SplitHostPort(h)
	if err != nil {
		name, port = h, ""
	}
	if port != "" {
		if len(port) > 5 || strings.Trim(port, "0123456789") != "" {
			return false
		}
	}
	if strings.HasPrefix(name, "[") && strings.HasSuffix(name, "]") {
		_, err := netip.ParseAddr(name[1 : len(name)-1])
		return err == nil
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return !strings.Contains(name, ":") || port != "" // a bare IPv6 needs brackets
	}
	if len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

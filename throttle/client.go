package throttle

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies names the reverse proxies a host trusts to tell it who their
// client is. The zero value trusts none: a request's client is its
// RemoteAddr, whatever headers it carries.
type Proxies struct {
	// Trusted lists the addresses of the host's proxies and load
	// balancers. A request from one of them is read through its
	// X-Forwarded-For header.
	Trusted []netip.Prefix
}

// Validate returns an error for a prefix that is not valid (the zero
// netip.Prefix) or is written in the IPv4-mapped IPv6 range: addresses are
// compared unmapped, so ::ffff:10.0.0.0/104 would match nothing; write
// 10.0.0.0/8.
func (p Proxies) Validate() error {
	for _, pfx := range p.Trusted {
		switch {
		case !pfx.IsValid():
			return fmt.Errorf("throttle: trusted proxy %q is not a valid prefix", pfx)
		case pfx.Addr().Is4In6():
			return fmt.Errorf("throttle: trusted proxy %s is IPv4-mapped: write it as an IPv4 prefix", pfx)
		}
	}
	return nil
}

// ClientAddr returns the address of the client that sent r.
//
// It is r.RemoteAddr's address unless that address is a trusted proxy. Then
// the X-Forwarded-For entries (every such header, in order, each a
// comma-separated list) are read from right to left, since each proxy
// appends the address it received the request from: the first entry that is
// not a trusted proxy is the client, and the entries to its left, which the
// client wrote, are never read. If every entry is a trusted proxy, the
// leftmost is the client; a trusted proxy that sends no entry (a health
// check) is its own client.
//
// An entry is an IP address, optionally with a port ("203.0.113.7:4711",
// "[2001:db8::1]:443") or in brackets, surrounded by optional spaces or
// tabs. Empty entries, as from "a,,b" or an empty header, are skipped (RFC
// 9110 §5.6.1). Any other entry ("unknown", an obfuscated identifier, a host
// name) ends the walk: what lies to its left cannot be traced to a trusted
// proxy, so the client is the last address read, the trusted proxy that
// wrote it.
//
// Addresses are returned without zone (a zone names an interface of the
// host that wrote it, not a client) and IPv4-mapped IPv6 addresses as IPv4,
// so that a client counts the same on a dual-stack listener. A RemoteAddr
// that is not an IP address, with or without a port, gives ErrNoClientAddr.
func (p Proxies) ClientAddr(r *http.Request) (netip.Addr, error) {
	client, ok := parseAddr(r.RemoteAddr)
	if !ok {
		return netip.Addr{}, ErrNoClientAddr
	}
	if !p.trusts(client) {
		return client, nil
	}
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		list := values[i]
		for list != "" {
			var entry string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				entry, list = list[j+1:], list[:j]
			} else {
				entry, list = list, ""
			}
			entry = strings.Trim(entry, " \t")
			if entry == "" {
				continue
			}
			a, ok := parseAddr(entry)
			if !ok {
				return client, nil
			}
			client = a
			if !p.trusts(a) {
				return client, nil
			}
		}
	}
	return client, nil
}

// trusts reports whether a is one of p's proxies.
func (p Proxies) trusts(a netip.Addr) bool {
	for _, pfx := range p.Trusted {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// parseAddr parses an address as RemoteAddr or an X-Forwarded-For entry may
// hold it: "addr", "[addr]", "addr:port" or "[addr]:port", and returns it
// without zone and unmapped.
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		if inner, ok := strings.CutPrefix(s, "["); ok && strings.HasSuffix(inner, "]") {
			a, err = netip.ParseAddr(strings.TrimSuffix(inner, "]"))
			if err == nil && a.Is4() {
				return netip.Addr{}, false // brackets hold IPv6 only (RFC 3986 §3.2.2)
			}
		} else {
			var ap netip.AddrPort
			ap, err = netip.ParseAddrPort(s)
			a = ap.Addr()
		}
	}
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// AddrKey returns the key under which a client address is counted: an IPv4
// address as it is, an IPv6 address as its /64 ("2001:db8:1:2::/64"), since
// one host commonly holds a whole /64 (RFC 4291 §2.5.1: 64-bit interface
// identifiers) and would otherwise count as 2^64 clients. A zone is dropped
// and an IPv4-mapped address counts as its IPv4 address. The zero Addr gives
// "", which a caller must not count under.
func AddrKey(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	switch {
	case !a.IsValid():
		return ""
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

package throttle_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/throttle"
)

// FuzzClientAddr feeds ClientAddr untrusted RemoteAddr and X-Forwarded-For
// values. It must not panic, and must return only an address the request
// holds: RemoteAddr's, or an entry that only trusted proxies stand to the
// right of, never one a client wrote to the left of them.
func FuzzClientAddr(f *testing.F) {
	for _, seed := range [][3]string{
		{"203.0.113.7:4711", "198.51.100.1", ""},
		{"10.0.0.1:80", "1.2.3.4, 198.51.100.1", "10.0.0.2"},
		{"10.0.0.1:80", "198.51.100.1,, unknown", ""},
		{"[2001:db8:ffff::1]:443", "[2001:db8:1::5]:443, 2001:db8:ffff::2", "fe80::1%eth0"},
		{"[::ffff:10.0.0.1]:80", "::ffff:198.51.100.1", "[198.51.100.1]"},
		{"127.0.0.1:9000", "\t198.51.100.1:99999 ,", " , "},
		{"@", "198.51.100.1", ""},
		{"10.0.0.1", "10.0.0.3, 10.0.0.2", "[::1"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, remote, first, second string) {
		r := request(remote, first, second)
		got, err := proxies.ClientAddr(r)
		remoteAddr, remoteOK := lenientAddr(remote)
		if err != nil {
			if remoteOK {
				t.Fatalf("ClientAddr(%q) = %v, but RemoteAddr is an address", remote, err)
			}
			return
		}
		switch {
		case !remoteOK:
			t.Fatalf("ClientAddr = %s for RemoteAddr %q, which is no address", got, remote)
		case !got.IsValid(), got.Zone() != "", got.Is4In6():
			t.Fatalf("ClientAddr = %s: not a valid, zoneless, unmapped address", got)
		case throttle.AddrKey(got) == "":
			t.Fatalf("AddrKey(%s) is empty", got)
		case got == remoteAddr:
			return
		case !trusted(remoteAddr):
			t.Fatalf("ClientAddr = %s from the header of untrusted %s", got, remoteAddr)
		}
		var entries []string
		for _, v := range []string{first, second} {
			for e := range strings.SplitSeq(v, ",") {
				if e = strings.Trim(e, " \t"); e != "" {
					entries = append(entries, e)
				}
			}
		}
		for i := len(entries) - 1; i >= 0; i-- {
			a, ok := lenientAddr(entries[i])
			if !ok {
				break
			}
			if a == got {
				return
			}
			if !trusted(a) {
				break
			}
		}
		t.Fatalf("ClientAddr = %s, not an entry with only trusted proxies right of it in %q", got, entries)
	})
}

// lenientAddr parses s the way the package documents: an address, in
// brackets if IPv6, with an optional port; normalised.
func lenientAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap(), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && !a.Is4() {
			return a.WithZone("").Unmap(), true
		}
	}
	return netip.Addr{}, false
}

func trusted(a netip.Addr) bool {
	for _, p := range proxies.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

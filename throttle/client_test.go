package throttle_test

import (
	"errors"
	"net/http"
	"net/netip"
	"testing"

	"github.com/usersauth/usersauth/throttle"
)

// proxies are the load balancers of the tests: IPv4 10.0.0.0/8, IPv6
// 2001:db8:ffff::/48, and a sidecar on the loopback.
var proxies = throttle.Proxies{Trusted: []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("2001:db8:ffff::/48"),
	netip.MustParsePrefix("127.0.0.1/32"),
}}

func request(remote string, forwarded ...string) *http.Request {
	r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
	for _, v := range forwarded {
		r.Header.Add("X-Forwarded-For", v)
	}
	return r
}

func TestClientAddr(t *testing.T) {
	for _, tc := range []struct {
		name      string
		proxies   throttle.Proxies
		remote    string
		forwarded []string
		want      string
	}{
		{"NoProxiesIgnoresHeader", throttle.Proxies{}, "203.0.113.7:4711", []string{"198.51.100.1"}, "203.0.113.7"},
		{"UntrustedRemoteIgnoresHeader", proxies, "203.0.113.7:4711", []string{"198.51.100.1"}, "203.0.113.7"},
		{"OneProxy", proxies, "10.0.0.1:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"ClientWritesLeftOfProxy", proxies, "10.0.0.1:80", []string{"1.2.3.4, 10.9.9.9, 198.51.100.1"}, "198.51.100.1"},
		{"ChainOfProxies", proxies, "10.0.0.1:80", []string{"1.2.3.4, 198.51.100.1, 10.0.0.3, 10.0.0.2"}, "198.51.100.1"},
		{"SeveralHeadersLastFirst", proxies, "10.0.0.1:80", []string{"1.2.3.4, 198.51.100.1", "10.0.0.2"}, "198.51.100.1"},
		{"SeveralHeadersLastHasClient", proxies, "10.0.0.1:80", []string{"1.2.3.4", "198.51.100.1, 10.0.0.2"}, "198.51.100.1"},
		{"AllTrustedGivesLeftmost", proxies, "10.0.0.1:80", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"NoHeaderGivesProxy", proxies, "10.0.0.1:80", nil, "10.0.0.1"},
		{"EmptyHeaderGivesProxy", proxies, "10.0.0.1:80", []string{""}, "10.0.0.1"},
		{"EmptyEntriesSkipped", proxies, "10.0.0.1:80", []string{"198.51.100.1,, , ", "", ","}, "198.51.100.1"},
		{"SpacesAndTabs", proxies, "10.0.0.1:80", []string{"1.2.3.4 ,\t198.51.100.1\t"}, "198.51.100.1"},
		{"MalformedGivesProxyThatWroteIt", proxies, "10.0.0.1:80", []string{"198.51.100.1, unknown"}, "10.0.0.1"},
		{"MalformedBehindChain", proxies, "10.0.0.1:80", []string{"198.51.100.1, _hidden, 10.0.0.2"}, "10.0.0.2"},
		{"MalformedLeftOfClientUnread", proxies, "10.0.0.1:80", []string{"garbage, 198.51.100.1"}, "198.51.100.1"},
		{"HostName", proxies, "10.0.0.1:80", []string{"client.example"}, "10.0.0.1"},
		{"ShortIPv4", proxies, "10.0.0.1:80", []string{"1.2.3"}, "10.0.0.1"},
		{"IPv4OutOfRange", proxies, "10.0.0.1:80", []string{"300.1.1.1"}, "10.0.0.1"},
		{"IPv4LeadingZero", proxies, "10.0.0.1:80", []string{"01.2.3.4"}, "10.0.0.1"},
		{"IPv4Port", proxies, "10.0.0.1:80", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"IPv4PortOutOfRange", proxies, "10.0.0.1:80", []string{"198.51.100.1:99999"}, "10.0.0.1"},
		{"IPv4InBrackets", proxies, "10.0.0.1:80", []string{"[198.51.100.1]"}, "10.0.0.1"},
		{"IPv6", proxies, "10.0.0.1:80", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"IPv6Port", proxies, "10.0.0.1:80", []string{"[2001:db8:1::5]:443"}, "2001:db8:1::5"},
		{"IPv6Brackets", proxies, "10.0.0.1:80", []string{"[2001:db8:1::5]"}, "2001:db8:1::5"},
		{"IPv6UnclosedBracket", proxies, "10.0.0.1:80", []string{"[2001:db8:1::5"}, "10.0.0.1"},
		{"IPv6ProxyChain", proxies, "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5, 2001:db8:ffff::2"}, "2001:db8:1::5"},
		{"ZoneDropped", proxies, "10.0.0.1:80", []string{"fe80::1%eth0"}, "fe80::1"},
		{"ZoneOfRemoteDropped", proxies, "[fe80::1%eth0]:80", nil, "fe80::1"},
		{"MappedEntryUnmapped", proxies, "10.0.0.1:80", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"MappedRemoteTrusted", proxies, "[::ffff:10.0.0.1]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"MappedProxyInChainTrusted", proxies, "10.0.0.1:80", []string{"198.51.100.1, ::ffff:10.0.0.2"}, "198.51.100.1"},
		{"RemoteWithoutPort", proxies, "203.0.113.7", nil, "203.0.113.7"},
		{"LoopbackSidecar", proxies, "127.0.0.1:9000", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.proxies.ClientAddr(request(tc.remote, tc.forwarded...))
			if err != nil {
				t.Fatalf("ClientAddr: %v", err)
			}
			want, err := netip.ParseAddr(tc.want)
			if err != nil {
				want = netip.MustParseAddrPort(tc.want).Addr()
			}
			want = want.WithZone("").Unmap()
			if got != want {
				t.Errorf("ClientAddr = %s, want %s", got, want)
			}
		})
	}
}

func TestClientAddrNoAddress(t *testing.T) {
	for _, remote := range []string{"", "@", "localhost:80", "203.0.113.7:", "203.0.113.7:http", "[203.0.113.7]:80", "/run/app.sock"} {
		t.Run(remote, func(t *testing.T) {
			got, err := proxies.ClientAddr(request(remote, "198.51.100.1"))
			if !errors.Is(err, throttle.ErrNoClientAddr) || got.IsValid() {
				t.Errorf("ClientAddr = %s, %v; want %v", got, err, throttle.ErrNoClientAddr)
			}
		})
	}
}

func TestProxiesValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies throttle.Proxies
		ok      bool
	}{
		{"None", throttle.Proxies{}, true},
		{"IPv4AndIPv6", proxies, true},
		{"ZeroPrefix", throttle.Proxies{Trusted: []netip.Prefix{{}}}, false},
		{"Mapped", throttle.Proxies{Trusted: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.proxies.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestAddrKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr netip.Addr
		want string
	}{
		{"IPv4", netip.MustParseAddr("203.0.113.7"), "203.0.113.7"},
		{"IPv6By64", netip.MustParseAddr("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64"},
		{"IPv6SameSlash64", netip.MustParseAddr("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64"},
		{"IPv6NextSlash64", netip.MustParseAddr("2001:db8:1:3::1"), "2001:db8:1:3::/64"},
		{"IPv6Zone", netip.MustParseAddr("fe80::1%eth0"), "fe80::/64"},
		{"Mapped", netip.MustParseAddr("::ffff:203.0.113.7"), "203.0.113.7"},
		{"Loopback6", netip.IPv6Loopback(), "::/64"},
		{"Zero", netip.Addr{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := throttle.AddrKey(tc.addr); got != tc.want {
				t.Errorf("AddrKey(%s) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}

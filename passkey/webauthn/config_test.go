package webauthn_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/passkey"
	"github.com/usersauth/usersauth/passkey/webauthn"
)

func TestNewAcceptsConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     webauthn.Config
		origins []string
	}{
		{"Localhost", webauthn.Config{RPID: "localhost", RPName: "Dev", Origins: []string{"http://localhost:8000"}},
			[]string{"http://localhost:8000"}},
		{"LocalhostSubdomain", webauthn.Config{RPID: "app.localhost", RPName: "Dev", Origins: []string{"http://app.localhost:3000"}},
			[]string{"http://app.localhost:3000"}},
		{"SameHost", webauthn.Config{RPID: "camelot.bt", RPName: "Camelot", Origins: []string{"https://camelot.bt"}},
			[]string{"https://camelot.bt"}},
		{"Subdomains", webauthn.Config{RPID: "camelot.bt", RPName: "Camelot", Origins: []string{"https://login.camelot.bt", "https://a.b.camelot.bt:8443"}},
			[]string{"https://login.camelot.bt", "https://a.b.camelot.bt:8443"}},
		{"Normalised", webauthn.Config{RPID: "Camelot.BT", RPName: "Camelot", Origins: []string{"HTTPS://Login.Camelot.BT:443/", "https://camelot.bt:08443"}},
			[]string{"https://login.camelot.bt", "https://camelot.bt:8443"}},
		{"DefaultHTTPPortDropped", webauthn.Config{RPID: "localhost", RPName: "Dev", Origins: []string{"http://LOCALHOST:80"}},
			[]string{"http://localhost"}},
		{"PublicSuffixHostItself", webauthn.Config{RPID: "github.io", RPName: "Pages", Origins: []string{"https://github.io"}},
			[]string{"https://github.io"}},
		{"Punycode", webauthn.Config{RPID: "xn--bcher-kva.example", RPName: "Books", Origins: []string{"https://xn--bcher-kva.example"}},
			[]string{"https://xn--bcher-kva.example"}},
		{"TimeoutBounds", webauthn.Config{RPID: "localhost", RPName: "Dev", Origins: []string{"http://localhost"}, Timeout: webauthn.MaxTimeout},
			[]string{"http://localhost"}},
		{"UserVerificationRequired", webauthn.Config{RPID: "localhost", RPName: "Dev", Origins: []string{"http://localhost"}, UserVerification: webauthn.UserVerificationRequired},
			[]string{"http://localhost"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp, err := webauthn.New(tc.cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := rp.Origins(); !slices.Equal(got, tc.origins) {
				t.Errorf("Origins() = %q, want %q", got, tc.origins)
			}
			if rp.RPID() != strings.ToLower(tc.cfg.RPID) {
				t.Errorf("RPID() = %q", rp.RPID())
			}
		})
	}
}

func TestNewRefusesConfig(t *testing.T) {
	ok := webauthn.Config{RPID: "camelot.bt", RPName: "Camelot", Origins: []string{"https://camelot.bt"}}
	for _, tc := range []struct {
		name   string
		change func(c *webauthn.Config)
		says   string // the error names the field
	}{
		{"NoRPID", func(c *webauthn.Config) { c.RPID = "" }, "RPID"},
		{"RPIDWithScheme", func(c *webauthn.Config) { c.RPID = "https://camelot.bt" }, "RPID"},
		{"RPIDWithPort", func(c *webauthn.Config) { c.RPID = "camelot.bt:443" }, "RPID"},
		{"RPIDIPv4", func(c *webauthn.Config) { c.RPID = "127.0.0.1"; c.Origins = []string{"https://127.0.0.1"} }, "RPID"},
		{"RPIDIPv6", func(c *webauthn.Config) { c.RPID = "::1" }, "RPID"},
		{"RPIDEmptyLabel", func(c *webauthn.Config) { c.RPID = "camelot..bt" }, "RPID"},
		{"RPIDTrailingDot", func(c *webauthn.Config) { c.RPID = "camelot.bt." }, "RPID"},
		{"RPIDHyphenLabel", func(c *webauthn.Config) { c.RPID = "-camelot.bt" }, "RPID"},
		{"RPIDUnicode", func(c *webauthn.Config) { c.RPID = "bücher.example"; c.Origins = []string{"https://bücher.example"} }, "RPID"},
		{"RPIDUnderscore", func(c *webauthn.Config) { c.RPID = "my_site.example"; c.Origins = []string{"https://my_site.example"} }, "RPID"},
		{"RPIDTooLong", func(c *webauthn.Config) { c.RPID = strings.Repeat("a", 64) + ".bt" }, "RPID"},
		{"NoRPName", func(c *webauthn.Config) { c.RPName = " " }, "RPName"},
		{"NoOrigins", func(c *webauthn.Config) { c.Origins = nil }, "Origins"},
		{"PlainHTTP", func(c *webauthn.Config) { c.Origins = []string{"http://camelot.bt"} }, "http is allowed on localhost only"},
		{"OtherScheme", func(c *webauthn.Config) { c.Origins = []string{"ftp://camelot.bt"} }, "scheme"},
		{"NoScheme", func(c *webauthn.Config) { c.Origins = []string{"camelot.bt"} }, "origin"},
		{"WithPath", func(c *webauthn.Config) { c.Origins = []string{"https://camelot.bt/login"} }, "nothing more"},
		{"WithQuery", func(c *webauthn.Config) { c.Origins = []string{"https://camelot.bt?x=1"} }, "nothing more"},
		{"WithFragment", func(c *webauthn.Config) { c.Origins = []string{"https://camelot.bt#x"} }, "nothing more"},
		{"WithUserinfo", func(c *webauthn.Config) { c.Origins = []string{"https://arthur@camelot.bt"} }, "nothing more"},
		{"PortZero", func(c *webauthn.Config) { c.Origins = []string{"https://camelot.bt:0"} }, "port"},
		{"PortTooLarge", func(c *webauthn.Config) { c.Origins = []string{"https://camelot.bt:65536"} }, "port"},
		{"OtherSite", func(c *webauthn.Config) { c.Origins = []string{"https://camelot.bt", "https://mordred.bt"} }, "registrable suffix"},
		{"SuffixWithoutDot", func(c *webauthn.Config) { c.Origins = []string{"https://evilcamelot.bt"} }, "registrable suffix"},
		{"ParentOfRPID", func(c *webauthn.Config) { c.RPID = "login.camelot.bt" }, "registrable suffix"},
		{"PublicSuffixRPID", func(c *webauthn.Config) { c.RPID = "github.io"; c.Origins = []string{"https://arthur.github.io"} }, "registrable suffix"},
		{"TopLevelRPID", func(c *webauthn.Config) { c.RPID = "bt" }, "registrable suffix"},
		{"SuffixInsidePublicSuffix", func(c *webauthn.Config) {
			// s3.amazonaws.com is a public suffix: amazonaws.com is
			// not a registrable suffix of a bucket's host.
			c.RPID = "amazonaws.com"
			c.Origins = []string{"https://bucket.s3.amazonaws.com"}
		}, "registrable suffix"},
		{"LocalhostOriginOtherRPID", func(c *webauthn.Config) { c.Origins = []string{"http://localhost:8000"} }, "registrable suffix"},
		{"TimeoutNegative", func(c *webauthn.Config) { c.Timeout = -time.Second }, "Timeout"},
		{"TimeoutTooShort", func(c *webauthn.Config) { c.Timeout = webauthn.MinTimeout - time.Millisecond }, "Timeout"},
		{"TimeoutTooLong", func(c *webauthn.Config) { c.Timeout = webauthn.MaxTimeout + time.Second }, "Timeout"},
		{"UserVerificationUnknown", func(c *webauthn.Config) { c.UserVerification = "always" }, "UserVerification"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			cfg.Origins = slices.Clone(ok.Origins)
			tc.change(&cfg)
			rp, err := webauthn.New(cfg)
			if !errors.Is(err, passkey.ErrInvalidConfig) {
				t.Fatalf("New = %v, %v; want %v", rp, err, passkey.ErrInvalidConfig)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
		})
	}
}

func TestTimeoutDefault(t *testing.T) {
	rp, _ := newRP(t, nil)
	if rp.Timeout() != webauthn.DefaultTimeout || webauthn.DefaultTimeout != 5*time.Minute {
		t.Fatalf("Timeout() = %v, want %v", rp.Timeout(), webauthn.DefaultTimeout)
	}
}

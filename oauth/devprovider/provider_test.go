package devprovider_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/oauth/devprovider"
)

func TestNew(t *testing.T) {
	client := []devprovider.Client{{ID: "a", RedirectURIs: []string{"http://127.0.0.1/cb"}}}
	cases := []struct {
		name string
		cfg  devprovider.Config
		ok   bool
	}{
		{"minimal", devprovider.Config{Issuer: "http://127.0.0.1:9000", Clients: client}, true},
		{"RS256 with a path", devprovider.Config{Issuer: "http://127.0.0.1:9000/dev", Clients: client, Algorithm: "RS256"}, true},
		{"no issuer", devprovider.Config{Clients: client}, false},
		{"trailing slash", devprovider.Config{Issuer: "http://127.0.0.1:9000/", Clients: client}, false},
		{"issuer with a query", devprovider.Config{Issuer: "http://127.0.0.1:9000?x=1", Clients: client}, false},
		{"not http", devprovider.Config{Issuer: "ftp://127.0.0.1", Clients: client}, false},
		{"HS256", devprovider.Config{Issuer: "http://127.0.0.1:9000", Clients: client, Algorithm: "HS256"}, false},
		{"no client", devprovider.Config{Issuer: "http://127.0.0.1:9000"}, false},
		{"client without redirect URI", devprovider.Config{Issuer: "http://127.0.0.1:9000", Clients: []devprovider.Client{{ID: "a"}}}, false},
		{"client twice", devprovider.Config{Issuer: "http://127.0.0.1:9000", Clients: append(client, client...)}, false},
		{"negative lifetime", devprovider.Config{Issuer: "http://127.0.0.1:9000", Clients: client, CodeLifetime: -time.Second}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := devprovider.New(tc.cfg); (err == nil) != tc.ok {
				t.Errorf("New: %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestDiscovery: the metadata names the endpoints under the issuer, path
// included, and what the provider supports.
func TestDiscovery(t *testing.T) {
	p := start(t, "/dev")
	resp, err := http.Get(p.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"issuer": "", "authorization_endpoint": "/authorize", "token_endpoint": "/token", "userinfo_endpoint": "/userinfo", "jwks_uri": "/jwks"} {
		if doc[k] != p.issuer+v {
			t.Errorf("%s = %v", k, doc[k])
		}
	}
	if doc["authorization_response_iss_parameter_supported"] != true || !strings.Contains(strings.Join(toStrings(doc["code_challenge_methods_supported"]), " "), "S256") {
		t.Errorf("document %v", doc)
	}
	if _, _, q := p.get(authQuery()); q.Get("code") == "" {
		t.Error("no code from the authorization endpoint under the issuer's path")
	}
	if r, _ := http.Get(p.issuer[:strings.LastIndex(p.issuer, "/")] + "/jwks"); r.StatusCode != http.StatusNotFound {
		t.Errorf("endpoint outside the issuer's path answered %d", r.StatusCode)
	}
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, s := range l {
			out = append(out, s.(string))
		}
	}
	return out
}

// TestRotateKey: the key set publishes the new key and the previous one.
func TestRotateKey(t *testing.T) {
	p := start(t, "")
	kids := func() []string {
		resp, err := http.Get(p.issuer + "/jwks")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct {
			Keys []map[string]string `json:"keys"`
		}
		json.NewDecoder(resp.Body).Decode(&set)
		var out []string
		for _, k := range set.Keys {
			out = append(out, k["kid"])
		}
		return out
	}
	first := kids()
	if len(first) != 1 {
		t.Fatalf("%d keys at start", len(first))
	}
	for range 2 {
		before := kids()
		if err := p.dev.RotateKey(); err != nil {
			t.Fatal(err)
		}
		after := kids()
		if len(after) != 2 || after[1] != before[0] || after[0] == before[0] {
			t.Fatalf("after rotation %v, before %v: want the new key first, then the previous", after, before)
		}
	}
}

// TestUserInfo: a bearer access token reads its account; anything else is
// 401 with a Bearer challenge.
func TestUserInfo(t *testing.T) {
	p := start(t, "")
	_, tok, _ := p.token(appID, appSecret, codeForm(p.code("dev_email_verified", "false")))
	access := tok["access_token"].(string)
	status, claims, _ := p.userinfo(access)
	if status != http.StatusOK || claims["email"] != "king.arthur@camelot.bt" || claims["email_verified"] != false || claims["sub"] == "" {
		t.Fatalf("userinfo %d %v", status, claims)
	}
	_, tok, _ = p.token(appID, appSecret, codeForm(p.code("dev_no_email", "1")))
	if _, claims, _ := p.userinfo(tok["access_token"].(string)); claims["email"] != nil || claims["sub"] == nil {
		t.Errorf("userinfo of an account hiding its e-mail: %v", claims)
	}
	cases := []struct {
		name, token, wantChallenge string
		advance                    time.Duration
	}{
		{name: "no token", wantChallenge: `Bearer realm="devprovider"`},
		{name: "unknown token", token: "made-up", wantChallenge: `error="invalid_token"`},
		{name: "expired token", token: access, advance: devprovider.DefaultTokenLifetime, wantChallenge: `error="invalid_token"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.clock.Advance(tc.advance)
			status, _, h := p.userinfo(tc.token)
			if status != http.StatusUnauthorized || !strings.Contains(h.Get("WWW-Authenticate"), tc.wantChallenge) {
				t.Errorf("answer %d, challenge %q", status, h.Get("WWW-Authenticate"))
			}
		})
	}
}

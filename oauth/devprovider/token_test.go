package devprovider_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/usersauth/usersauth/oauth/devprovider"
)

// TestTokenErrors: every way a token request is refused, with the code of
// RFC 6749 section 5.2.
func TestTokenErrors(t *testing.T) {
	p := start(t, "")
	cases := []struct {
		name       string
		do         func() (int, map[string]any, http.Header)
		wantStatus int
		wantCode   string
	}{
		{"no grant type", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, codeForm(p.code(), "grant_type", ""))
		}, 400, "invalid_request"},
		{"client credentials grant", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, url.Values{"grant_type": {"client_credentials"}})
		}, 400, "unsupported_grant_type"},
		{"wrong secret, basic", func() (int, map[string]any, http.Header) {
			return p.token(appID, "nope", codeForm(p.code()))
		}, 401, "invalid_client"},
		{"wrong secret, post", func() (int, map[string]any, http.Header) {
			return p.token("", "", codeForm(p.code(), "client_id", appID, "client_secret", "nope"))
		}, 401, "invalid_client"},
		{"unknown client", func() (int, map[string]any, http.Header) {
			return p.token("mallory", "x", codeForm(p.code()))
		}, 401, "invalid_client"},
		{"no client authentication", func() (int, map[string]any, http.Header) {
			return p.token("", "", codeForm(p.code()))
		}, 401, "invalid_client"},
		{"public client presenting no secret for a confidential one", func() (int, map[string]any, http.Header) {
			return p.token("", "", codeForm(p.code(), "client_id", appID))
		}, 401, "invalid_client"},
		{"two authentication methods", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, codeForm(p.code(), "client_secret", appSecret))
		}, 400, "invalid_request"},
		{"code of another client", func() (int, map[string]any, http.Header) {
			return p.token(otherID, "other-secret", codeForm(p.code()))
		}, 400, "invalid_grant"},
		{"another redirect URI", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, codeForm(p.code(), "redirect_uri", "http://127.0.0.1:8000/other-callback"))
		}, 400, "invalid_grant"},
		{"no redirect URI", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, codeForm(p.code(), "redirect_uri", ""))
		}, 400, "invalid_grant"},
		{"no verifier", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, codeForm(p.code(), "code_verifier", ""))
		}, 400, "invalid_grant"},
		{"wrong verifier", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, codeForm(p.code(), "code_verifier", strings.Repeat("a", 43)))
		}, 400, "invalid_grant"},
		{"the challenge as verifier", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, codeForm(p.code(), "code_verifier", challenge))
		}, 400, "invalid_grant"},
		{"verifier too long", func() (int, map[string]any, http.Header) {
			v := strings.Repeat("a", 129)
			return p.token(appID, appSecret, codeForm(p.code("code_challenge", s256(v)), "code_verifier", v))
		}, 400, "invalid_grant"},
		{"unknown code", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, codeForm("made-up"))
		}, 400, "invalid_grant"},
		{"expired code", func() (int, map[string]any, http.Header) {
			c := p.code()
			p.clock.Advance(devprovider.DefaultCodeLifetime)
			return p.token(appID, appSecret, codeForm(c))
		}, 400, "invalid_grant"},
		{"code spent by a failed attempt", func() (int, map[string]any, http.Header) {
			c := p.code()
			p.token(appID, appSecret, codeForm(c, "code_verifier", strings.Repeat("a", 43)))
			return p.token(appID, appSecret, codeForm(c))
		}, 400, "invalid_grant"},
		{"repeated parameter", func() (int, map[string]any, http.Header) {
			f := codeForm(p.code())
			f.Add("code", "other")
			return p.token(appID, appSecret, f)
		}, 400, "invalid_request"},
		{"unknown refresh token", func() (int, map[string]any, http.Header) {
			return p.token(appID, appSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"made-up"}})
		}, 400, "invalid_grant"},
		{"refresh token of another client", func() (int, map[string]any, http.Header) {
			_, tok, _ := p.token(appID, appSecret, codeForm(p.code()))
			return p.token(otherID, "other-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
		}, 400, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, h := tc.do()
			if status != tc.wantStatus || body["error"] != tc.wantCode {
				t.Fatalf("answer %d %v, want %d %s", status, body, tc.wantStatus, tc.wantCode)
			}
			if _, has := body["access_token"]; has {
				t.Error("an error answer carries a token")
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Error("token answers must not be cached")
			}
		})
	}
}

// TestTokenGrant: a code redeems for tokens whose ID token verifies with the
// published key and carries the expected claims; the account id is stable
// per e-mail.
func TestTokenGrant(t *testing.T) {
	p := start(t, "")
	styles := []struct {
		name string
		do   func(code string) (int, map[string]any, http.Header)
	}{
		{"client_secret_basic", func(c string) (int, map[string]any, http.Header) { return p.token(appID, appSecret, codeForm(c)) }},
		{"client_secret_post", func(c string) (int, map[string]any, http.Header) {
			return p.token("", "", codeForm(c, "client_id", appID, "client_secret", appSecret))
		}},
		{"public client", func(c string) (int, map[string]any, http.Header) {
			return p.token("", "", codeForm(c, "client_id", publicID))
		}},
	}
	key := publishedKey(t, p)
	var subs []any
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			clientID := appID
			if st.name == "public client" {
				clientID = publicID
			}
			status, tok, _ := st.do(p.code("client_id", clientID))
			if status != http.StatusOK || tok["token_type"] != "Bearer" || tok["expires_in"] != float64(3600) || tok["refresh_token"] == nil {
				t.Fatalf("answer %d %v", status, tok)
			}
			claims := jwt.MapClaims{}
			_, err := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(p.clock.Now)).
				ParseWithClaims(tok["id_token"].(string), claims, func(*jwt.Token) (any, error) { return key, nil })
			if err != nil {
				t.Fatal(err)
			}
			now := float64(p.clock.Now().Unix())
			want := map[string]any{"iss": p.issuer, "aud": clientID, "nonce": "n-0S6_WzA2Mj", "email": "king.arthur@camelot.bt",
				"email_verified": true, "iat": now, "exp": now + 3600, "auth_time": now}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("%s = %v, want %v", k, claims[k], v)
				}
			}
			subs = append(subs, claims["sub"])
		})
	}
	if len(subs) != 3 || subs[0] != subs[1] || subs[1] != subs[2] {
		t.Errorf("subs %v: one e-mail must be one account", subs)
	}
	// Without the openid scope it is plain OAuth 2.0: no ID token.
	_, tok, _ := p.token(appID, appSecret, codeForm(p.code("scope", "email")))
	if _, has := tok["id_token"]; has || tok["access_token"] == nil {
		t.Errorf("answer without openid scope: %v", tok)
	}
}

// publishedKey reads the current key from /jwks.
func publishedKey(t *testing.T, p *provider) *ecdsa.PublicKey {
	t.Helper()
	resp, err := http.Get(p.issuer + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("key set: %v", err)
	}
	k := set.Keys[0]
	if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["kid"] == "" || k["d"] != "" {
		t.Fatalf("key %v", k)
	}
	x, _ := base64.RawURLEncoding.DecodeString(k["x"])
	y, _ := base64.RawURLEncoding.DecodeString(k["y"])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// TestReplayRevokes: a second redemption of a code is refused and revokes
// the access and refresh tokens of the first (RFC 6749 section 4.1.2).
func TestReplayRevokes(t *testing.T) {
	p := start(t, "")
	c := p.code()
	_, tok, _ := p.token(appID, appSecret, codeForm(c))
	access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)
	if status, _, _ := p.userinfo(access); status != http.StatusOK {
		t.Fatalf("userinfo: %d", status)
	}
	if status, body, _ := p.token(appID, appSecret, codeForm(c)); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v", status, body)
	}
	if status, _, _ := p.userinfo(access); status != http.StatusUnauthorized {
		t.Errorf("access token of a replayed code: %d", status)
	}
	if status, _, _ := p.token(appID, appSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); status != http.StatusBadRequest {
		t.Errorf("refresh token of a replayed code: %d", status)
	}
}

// TestRefreshRotation: a refresh token works once and gives a new pair.
func TestRefreshRotation(t *testing.T) {
	p := start(t, "")
	_, tok, _ := p.token(appID, appSecret, codeForm(p.code()))
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}
	status, fresh, _ := p.token(appID, appSecret, form)
	if status != http.StatusOK || fresh["refresh_token"] == tok["refresh_token"] || fresh["access_token"] == tok["access_token"] {
		t.Fatalf("refresh: %d %v", status, fresh)
	}
	if _, has := fresh["id_token"]; has {
		t.Error("a refresh gave an ID token")
	}
	if status, claims, _ := p.userinfo(fresh["access_token"].(string)); status != http.StatusOK || claims["email"] != "king.arthur@camelot.bt" {
		t.Errorf("userinfo with the refreshed token: %d %v", status, claims)
	}
	if status, _, _ := p.token(appID, appSecret, form); status != http.StatusBadRequest {
		t.Errorf("second use of a refresh token: %d", status)
	}
}

package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/usersauth/usersauth/oauth"
)

const (
	googleSub         = "110169484474386276334"
	googleAccessToken = "ya29.a0AfB_byC-test-access-token"
	googleKid         = "6f7254101f56e41cf35c9926de84a2d552b4c6f1"
)

// fakeGoogle answers like Google's token, certs and userinfo endpoints: a
// JSON token response with an RS256 ID token shaped like Google's (azp, aud,
// sub, email, email_verified, at_hash, nonce...), a key set of two RSA keys,
// and the OpenID userinfo.
type fakeGoogle struct {
	t        *testing.T
	clock    *clock
	nonce    string
	claims   func(jwt.MapClaims) // changes the ID token's claims
	userinfo map[string]any
}

func (g *fakeGoogle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k := loadKeys(g.t)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch r.URL.Path {
	case "/token":
		r.ParseForm()
		if r.PostForm.Get("client_secret") != clientSecret || r.PostForm.Get("code") != "4/0AY0e-g7good" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant","error_description":"Bad Request"}`))
			return
		}
		now := g.clock.Now().Unix()
		claims := jwt.MapClaims{
			"iss": "https://accounts.google.com", "azp": clientID, "aud": clientID, "sub": googleSub,
			"email": "king.arthur@gmail.com", "email_verified": true, "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
			"nonce": g.nonce, "name": "Arthur Pendragon", "given_name": "Arthur", "locale": "en",
			"iat": now, "exp": now + 3599,
		}
		if g.claims != nil {
			g.claims(claims)
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = googleKid
		idToken, err := tok.SignedString(k.rs)
		if err != nil {
			g.t.Error(err)
		}
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": googleAccessToken, "expires_in": 3599, "token_type": "Bearer", "id_token": idToken,
			"scope": "openid https://www.googleapis.com/auth/userinfo.email",
		})
	case "/oauth2/v3/certs":
		b64 := base64.RawURLEncoding.EncodeToString
		other := loadKeys(g.t).es // a second key, as Google publishes two
		point, _ := other.PublicKey.Bytes()
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{
			{"kty": "EC", "crv": "P-256", "kid": "a2f1", "use": "sig", "alg": "ES256", "x": b64(point[1:33]), "y": b64(point[33:])},
			{"e": b64(big.NewInt(int64(k.rs.E)).Bytes()), "kty": "RSA", "alg": "RS256", "n": b64(k.rs.N.Bytes()), "use": "sig", "kid": googleKid},
		}})
	case "/v1/userinfo":
		if r.Header.Get("Authorization") != "Bearer "+googleAccessToken {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(g.userinfo)
	default:
		http.NotFound(w, r)
	}
}

func TestGoogle(t *testing.T) {
	cases := []struct {
		name     string
		claims   func(jwt.MapClaims)
		userinfo map[string]any
		code     string
		want     oauth.Identity
		wantErr  error
	}{
		{name: "ID token with a verified e-mail", want: oauth.Identity{AccountID: googleSub, Email: "king.arthur@gmail.com", EmailVerified: true}},
		{name: "issuer without scheme", claims: func(c jwt.MapClaims) { c["iss"] = "accounts.google.com" },
			want: oauth.Identity{AccountID: googleSub, Email: "king.arthur@gmail.com", EmailVerified: true}},
		{name: "email_verified as a string", claims: func(c jwt.MapClaims) { c["email_verified"] = "true" },
			want: oauth.Identity{AccountID: googleSub, Email: "king.arthur@gmail.com", EmailVerified: true}},
		{name: "unverified e-mail", claims: func(c jwt.MapClaims) { c["email_verified"] = false },
			want: oauth.Identity{AccountID: googleSub, Email: "king.arthur@gmail.com"}},
		{
			name:     "no e-mail in the ID token: userinfo",
			claims:   func(c jwt.MapClaims) { delete(c, "email"); delete(c, "email_verified") },
			userinfo: map[string]any{"sub": googleSub, "email": "arthur@camelot.bt", "email_verified": true, "picture": "https://lh3.googleusercontent.com/a/x"},
			want:     oauth.Identity{AccountID: googleSub, Email: "arthur@camelot.bt", EmailVerified: true},
		},
		{
			name:     "no e-mail anywhere",
			claims:   func(c jwt.MapClaims) { delete(c, "email"); delete(c, "email_verified") },
			userinfo: map[string]any{"sub": googleSub},
			want:     oauth.Identity{AccountID: googleSub}, wantErr: oauth.ErrNoEmail,
		},
		{name: "another Google client's token", claims: func(c jwt.MapClaims) {
			c["aud"], c["azp"] = "other.apps.googleusercontent.com", "other.apps.googleusercontent.com"
		},
			wantErr: oauth.ErrInvalidIDToken},
		{name: "issuer of another provider", claims: func(c jwt.MapClaims) { c["iss"] = "https://login.example" }, wantErr: oauth.ErrInvalidIDToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlow(t, "csrf-google")
			clk := newClock()
			srv := httptest.NewServer(&fakeGoogle{t: t, clock: clk, nonce: f.nonce, claims: tc.claims, userinfo: tc.userinfo})
			defer srv.Close()
			p := oauth.Google(clientID, clientSecret)
			p.TokenURL = srv.URL + "/token"
			p.JWKSURL = srv.URL + "/oauth2/v3/certs"
			p.UserInfoURL = srv.URL + "/v1/userinfo"
			p.Now = clk.Now
			tok, id, err := p.Exchange(context.Background(), "4/0AY0e-g7good", redirectURI, f.pkce, f.nonce)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil && tc.wantErr != oauth.ErrNoEmail {
				return
			}
			if id != tc.want {
				t.Errorf("identity = %+v, want %+v", id, tc.want)
			}
			if tok.AccessToken != googleAccessToken || !tok.Expiry.Equal(clk.Now().Add(3599e9)) || tok.IDToken == "" {
				t.Errorf("token = %+v", tok)
			}
		})
	}
}

// TestGoogleBadCode: Google's invalid_grant answer surfaces as a
// *ProviderError.
func TestGoogleBadCode(t *testing.T) {
	f := newFlow(t, "csrf-google")
	srv := httptest.NewServer(&fakeGoogle{t: t, clock: newClock(), nonce: f.nonce})
	defer srv.Close()
	p := oauth.Google(clientID, clientSecret)
	p.TokenURL = srv.URL + "/token"
	_, _, err := p.Exchange(context.Background(), "4/0AY0e-g7used", redirectURI, f.pkce, f.nonce)
	var pe *oauth.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" || pe.StatusCode != http.StatusBadRequest {
		t.Fatalf("error = %v, want invalid_grant", err)
	}
}

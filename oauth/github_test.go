package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/usersauth/usersauth/oauth"
)

// fakeGitHub answers like GitHub's OAuth and REST endpoints: a form-encoded
// token response (errors too come with status 200), GET /user and GET
// /user/emails with the shapes of GitHub's documentation.
type fakeGitHub struct {
	challenge string // the S256 challenge the code was issued for
	user      string // JSON of /user
	emails    string // JSON of /user/emails; empty: 404
}

const githubAccessToken = "gho_16C7e42F292c6912E7710c838347Ae178B4a"

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/login/oauth/access_token":
		r.ParseForm()
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		f := r.PostForm
		if f.Get("client_id") != clientID || f.Get("client_secret") != clientSecret {
			w.Write([]byte("error=incorrect_client_credentials&error_description=The+client_id+and%2For+client_secret+passed+are+incorrect."))
			return
		}
		if f.Get("code") != "good-code" || f.Get("redirect_uri") != redirectURI ||
			(oauth.PKCE{Verifier: f.Get("code_verifier")}).Challenge() != g.challenge {
			w.Write([]byte("error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.&error_uri=https%3A%2F%2Fdocs.github.com"))
			return
		}
		w.Write([]byte(url.Values{"access_token": {githubAccessToken}, "scope": {"read:user,user:email"}, "token_type": {"bearer"}}.Encode()))
	case "/user", "/user/emails":
		if r.Header.Get("Authorization") != "Bearer "+githubAccessToken {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`))
			return
		}
		body := g.user
		if r.URL.Path == "/user/emails" {
			body = g.emails
		}
		if body == "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(body))
	default:
		http.NotFound(w, r)
	}
}

const octocat = `{"login":"octocat","id":583231,"node_id":"MDQ6VXNlcjE=","avatar_url":"https://github.com/images/error/octocat_happy.gif",
"type":"User","site_admin":false,"name":"monalisa octocat","company":"GitHub","email":null,"hireable":false,
"public_repos":2,"created_at":"2008-01-14T04:33:35Z","updated_at":"2008-01-14T04:33:35Z"}`

func TestGitHub(t *testing.T) {
	cases := []struct {
		name         string
		user, emails string
		noEmailsURL  bool
		code         string
		secret       string
		want         oauth.Identity
		wantErr      error
		wantPE       string
		wantStatus   int
	}{
		{
			name: "primary verified e-mail", user: octocat,
			emails: `[{"email":"octocat@users.noreply.github.com","verified":true,"primary":false,"visibility":null},
				{"email":"octocat@github.com","verified":true,"primary":true,"visibility":"public"}]`,
			want: oauth.Identity{AccountID: "583231", Email: "octocat@github.com", EmailVerified: true},
		},
		{
			name: "primary e-mail not verified", user: octocat,
			emails: `[{"email":"other@github.com","verified":true,"primary":false,"visibility":null},
				{"email":"octocat@github.com","verified":false,"primary":true,"visibility":"private"}]`,
			want: oauth.Identity{AccountID: "583231", Email: "octocat@github.com"},
		},
		{
			name: "no e-mail at all", user: octocat, emails: `[]`,
			want: oauth.Identity{AccountID: "583231"}, wantErr: oauth.ErrNoEmail,
		},
		{
			name: "without EmailsURL, the public e-mail, unverified", noEmailsURL: true,
			user: `{"login":"octocat","id":583231,"email":"octocat@github.com"}`,
			want: oauth.Identity{AccountID: "583231", Email: "octocat@github.com"},
		},
		{name: "bad code", user: octocat, emails: `[]`, code: "stale-code", wantPE: "bad_verification_code", wantStatus: http.StatusOK},
		{name: "wrong client secret", user: octocat, emails: `[]`, secret: "nope", wantPE: "incorrect_client_credentials", wantStatus: http.StatusOK},
		{name: "e-mails not granted", user: octocat, wantStatus: http.StatusNotFound},
		{name: "user without id", user: `{"login":"octocat"}`, emails: `[]`, wantErr: oauth.ErrBadResponse},
		{name: "id not a number", user: `{"login":"octocat","id":"583231"}`, emails: `[]`, wantErr: oauth.ErrBadResponse},
		{name: "e-mails not a list", user: octocat, emails: `{"email":"octocat@github.com"}`, wantErr: oauth.ErrBadResponse},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlow(t, "csrf-github")
			srv := httptest.NewServer(&fakeGitHub{challenge: f.pkce.Challenge(), user: tc.user, emails: tc.emails})
			defer srv.Close()
			secret := clientSecret
			if tc.secret != "" {
				secret = tc.secret
			}
			p := oauth.GitHub(clientID, secret)
			p.AuthURL = srv.URL + "/login/oauth/authorize"
			p.TokenURL = srv.URL + "/login/oauth/access_token"
			p.UserInfoURL = srv.URL + "/user"
			p.EmailsURL = srv.URL + "/user/emails"
			if tc.noEmailsURL {
				p.EmailsURL = ""
			}
			c := "good-code"
			if tc.code != "" {
				c = tc.code
			}
			tok, id, err := p.Exchange(context.Background(), c, redirectURI, f.pkce, "")
			if tc.wantStatus != 0 {
				var pe *oauth.ProviderError
				if !errors.As(err, &pe) || pe.Code != tc.wantPE || pe.StatusCode != tc.wantStatus {
					t.Fatalf("error = %#v, want ProviderError %q status %d", err, tc.wantPE, tc.wantStatus)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil && tc.wantErr != oauth.ErrNoEmail {
				return
			}
			if id != tc.want {
				t.Errorf("identity = %+v, want %+v", id, tc.want)
			}
			if tok.AccessToken != githubAccessToken || tok.TokenType != "Bearer" || !tok.Expiry.IsZero() {
				t.Errorf("token = %+v", tok)
			}
		})
	}
}

// TestGitHubAuthorizeURL: the GitHub provider asks for the read-only scopes
// and sends PKCE, which GitHub supports, and no nonce, which it does not.
func TestGitHubAuthorizeURL(t *testing.T) {
	p := oauth.GitHub("Iv1.8a61f9b3a7aba766", "secret")
	f := newFlow(t, "csrf")
	u, err := p.AuthCodeURL(redirectURI, f.state, f.pkce, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	q := pu.Query()
	if pu.Host != "github.com" || q.Get("scope") != "read:user user:email" || q.Get("code_challenge_method") != "S256" || q.Has("nonce") {
		t.Errorf("authorization URL %s", u)
	}
}

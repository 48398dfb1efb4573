package oauth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/usersauth/usersauth/oauth"
)

// TestTimeout: a provider that never answers cannot hold an Exchange past
// the Provider's Timeout.
func TestTimeout(t *testing.T) {
	abandoned := make(chan bool, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// With the body read, the server watches the connection and
		// cancels the request's context when the client hangs up.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
			abandoned <- true
		case <-release:
			abandoned <- false
		}
	}))
	defer srv.Close()
	defer close(release)
	p := oauth.GitHub(clientID, clientSecret)
	p.TokenURL = srv.URL + "/login/oauth/access_token"
	p.Timeout = 50 * time.Millisecond
	f := newFlow(t, "csrf-timeout")
	if _, _, err := p.Exchange(context.Background(), "code", redirectURI, f.pkce, ""); err == nil {
		t.Fatal("Exchange succeeded against a silent provider")
	}
	// A guard against hanging the suite, not a measure of speed.
	select {
	case ok := <-abandoned:
		if !ok {
			t.Error("the request was not abandoned")
		}
	case <-time.After(10 * time.Second):
		t.Error("the request was not abandoned")
	}
}

// TestResponseSizeLimit: an endless userinfo answer is cut at
// MaxResponseBytes and refused.
func TestResponseSizeLimit(t *testing.T) {
	f := newFlow(t, "csrf-size")
	srv := httptest.NewServer(&fakeGitHub{
		challenge: f.pkce.Challenge(),
		user:      `{"id":583231,"login":"` + strings.Repeat("a", oauth.MaxResponseBytes) + `"}`,
		emails:    `[]`,
	})
	defer srv.Close()
	p := oauth.GitHub(clientID, clientSecret)
	p.TokenURL = srv.URL + "/login/oauth/access_token"
	p.UserInfoURL = srv.URL + "/user"
	p.EmailsURL = srv.URL + "/user/emails"
	if _, _, err := p.Exchange(context.Background(), "good-code", redirectURI, f.pkce, ""); !errors.Is(err, oauth.ErrBadResponse) {
		t.Fatalf("error = %v, want ErrBadResponse", err)
	}
}

// TestHTTPClientFromContext: the client stored under oauth2.HTTPClient
// carries every request, as in golang.org/x/oauth2.
func TestHTTPClientFromContext(t *testing.T) {
	f := newFlow(t, "csrf-client")
	srv := httptest.NewServer(&fakeGitHub{challenge: f.pkce.Challenge(), user: octocat, emails: `[]`})
	defer srv.Close()
	var calls atomic.Int32
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	p := oauth.GitHub(clientID, clientSecret)
	p.TokenURL = srv.URL + "/login/oauth/access_token"
	p.UserInfoURL = srv.URL + "/user"
	p.EmailsURL = srv.URL + "/user/emails"
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	if _, _, err := p.Exchange(ctx, "good-code", redirectURI, f.pkce, ""); !errors.Is(err, oauth.ErrNoEmail) {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d requests through the context's client, want 3 (token, user, e-mails)", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

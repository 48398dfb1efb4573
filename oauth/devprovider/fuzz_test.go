package devprovider_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/oauth/devprovider"
)

func fuzzServer(f *testing.F) *devprovider.Server {
	f.Helper()
	dev, err := devprovider.New(devprovider.Config{
		Issuer:  "http://127.0.0.1:9000",
		Now:     func() time.Time { return time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) },
		Clients: []devprovider.Client{{ID: appID, Secret: appSecret, RedirectURIs: []string{appRedirect}}, {ID: publicID, RedirectURIs: []string{appRedirect}}},
	})
	if err != nil {
		f.Fatal(err)
	}
	return dev
}

// FuzzToken: any body and Authorization header at the token endpoint gets a
// JSON answer of RFC 6749's statuses, never a panic, and never a token
// without a valid code.
func FuzzToken(f *testing.F) {
	dev := fuzzServer(f)
	f.Add("grant_type=authorization_code&code=x&redirect_uri="+appRedirect+"&code_verifier="+verifier, "Basic YXBwOmFwcC1zZWNyZXQ=")
	f.Add("grant_type=refresh_token&refresh_token=x&client_id="+publicID, "")
	f.Add("grant_type=authorization_code&client_id=app&client_secret=app-secret", "Basic %%%")
	f.Fuzz(func(t *testing.T, body, authorization string) {
		req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", authorization)
		rec := httptest.NewRecorder()
		dev.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusBadRequest, http.StatusUnauthorized:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("answer of type %q", rec.Header().Get("Content-Type"))
		}
	})
}

// FuzzAuthorize: any query at the authorization endpoint gets a page or a
// redirect to a registered URI, never a panic.
func FuzzAuthorize(f *testing.F) {
	dev := fuzzServer(f)
	f.Add(authQuery().Encode())
	f.Add(authQuery("auto", "").Encode())
	f.Add(authQuery("dev_error", "access_denied").Encode())
	f.Add("client_id=app&redirect_uri=" + appRedirect + "&redirect_uri=x")
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest(http.MethodGet, "/authorize", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		dev.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest:
		case http.StatusFound:
			if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, appRedirect+"?") {
				t.Fatalf("redirect to %q", loc)
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// startExample runs the example on a free loopback port and stops it when
// the test ends.
func startExample(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", slog.New(slog.DiscardHandler), func(base string) { ready <- base })
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("example did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("example did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("example: %v", err)
		}
	})
	return base
}

// TestSmoke drives the whole social login of the example as a browser
// would, over HTTP: the page, the authorize route, the development
// provider's page (with its auto=1 knob instead of a click), the callback's
// redirect with the session cookie, GET /users/me, and sign-out. Go's cookie
// jar, like browsers, keeps Secure cookies for http://localhost.
func TestSmoke(t *testing.T) {
	base := startExample(t)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	var hops []string
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		hops = append(hops, req.URL.Scheme+"://"+req.URL.Host+req.URL.Path)
		return nil
	}}
	get := func(rawURL string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(rawURL)
		if err != nil {
			t.Fatalf("GET %s: %v", rawURL, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	resp, body := get(base + "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with the development provider") {
		t.Fatalf("page: %d %.200s", resp.StatusCode, body)
	}
	if _, js := get(base + "/app.js"); !strings.Contains(js, "/auth/dev/authorize") {
		t.Fatal("the page's script does not start the flow")
	}

	// What the button does.
	resp, body = get(base + "/auth/dev/authorize?redirect_to=" + url.QueryEscape(base+"/"))
	var authz struct {
		URL string `json:"authorization_url"`
	}
	if err := json.Unmarshal([]byte(body), &authz); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize: %d %s", resp.StatusCode, body)
	}
	u, err := url.Parse(authz.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("auto", "1")
	q.Set("login_hint", "king.arthur@camelot.bt")
	u.RawQuery = q.Encode()

	// The provider, the callback, and back to the page.
	resp, body = get(u.String())
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with the development provider") {
		t.Fatalf("end of the flow: %d %.200s", resp.StatusCode, body)
	}
	if want := []string{base + "/auth/dev/callback", base + "/"}; len(hops) != 2 || hops[0] != want[0] || hops[1] != want[1] {
		t.Fatalf("redirects %v, want %v", hops, want)
	}

	resp, body = get(base + "/users/me")
	var me struct {
		Email         string           `json:"email"`
		IsVerified    bool             `json:"is_verified"`
		OAuthAccounts []map[string]any `json:"oauth_accounts"`
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /users/me: %d %s", resp.StatusCode, body)
	}
	if me.Email != "king.arthur@camelot.bt" || !me.IsVerified || len(me.OAuthAccounts) != 1 || me.OAuthAccounts[0]["oauth_name"] != "dev" {
		t.Fatalf("GET /users/me = %s", body)
	}

	// What the sign-out button does.
	req, _ := http.NewRequest(http.MethodPost, base+"/auth/cookie/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	if resp, _ := get(base + "/users/me"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /users/me after sign-out: %d", resp.StatusCode)
	}
}

// TestOtherHostName: the page sends a browser that came by 127.0.0.1 to
// localhost, where the cookies and the provider's redirect are.
func TestOtherHostName(t *testing.T) {
	base := startExample(t)
	other := strings.Replace(base, "localhost", "127.0.0.1", 1)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(other + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != base+"/" {
		t.Fatalf("GET %s/: %d %s, want a redirect to %s/", other, resp.StatusCode, resp.Header.Get("Location"), base)
	}
}

// TestRefusesPublicAddress: the example listens on loopback only.
func TestRefusesPublicAddress(t *testing.T) {
	if err := run(context.Background(), "0.0.0.0:0", slog.New(slog.DiscardHandler), nil); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("run on 0.0.0.0 = %v, want a refusal", err)
	}
}

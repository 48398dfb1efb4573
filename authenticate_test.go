package usersauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// TestAuthenticate: the check a gin or echo middleware calls gives the same
// verdicts as RequireUser, and a request whose context carries the user.
func TestAuthenticate(t *testing.T) {
	for _, tc := range []struct {
		name         string
		verification bool // Options.RequireVerification
		req          Requirement
		change       func(*user.Base)
		noToken      bool
		err          error
		wantUser     bool
	}{
		{name: "active user", req: Active, wantUser: true},
		{name: "no token", req: Active, noToken: true, err: ErrUnauthorized},
		{name: "inactive user", req: Active, change: func(b *user.Base) { b.IsActive = false }, err: ErrUnauthorized},
		{name: "not a superuser", req: Active | Superuser, err: ErrForbidden},
		{name: "superuser", req: Active | Superuser, change: func(b *user.Base) { b.IsSuperuser = true }, wantUser: true},
		{name: "unverified where required", req: Active | Verified, err: ErrForbidden},
		{name: "verification implied by Options", verification: true, req: Active, err: ErrForbidden},
		{name: "verified where implied", verification: true, req: Active, change: func(b *user.Base) { b.IsVerified = true }, wantUser: true},
		{name: "optional without a token", req: Optional, noToken: true},
		{name: "optional and inactive", req: Active | Optional, change: func(b *user.Base) { b.IsActive = false }},
		{name: "optional with a user", req: Optional, wantUser: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := newUserApp(t, func(o *Options[*user.User]) { o.RequireVerification = tc.verification })
			id := ta.register("king.arthur@camelot.bt", "guinevere")
			ta.set(id, func(b *user.Base) { b.IsVerified = true })
			token := ta.login("king.arthur@camelot.bt", "guinevere")
			ta.set(id, func(b *user.Base) {
				b.IsVerified = false
				if tc.change != nil {
					tc.change(b)
				}
			})
			r := httptest.NewRequest("GET", "/notes", nil)
			if !tc.noToken {
				r.Header.Set("Authorization", "Bearer "+token)
			}
			got, err := ta.ua.Authenticate(r, tc.req)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if got == nil {
				t.Fatal("no request returned")
			}
			u, ok := UserFrom[*user.User](got.Context())
			if ok != tc.wantUser || (ok && u.ID != id) {
				t.Fatalf("UserFrom: %v %v, want a user: %v", u, ok, tc.wantUser)
			}
			if !tc.wantUser && got != r {
				t.Fatal("a request without a user was changed")
			}
		})
	}
}

// TestWriteError: errors a host's middleware or handler meets are answered
// as the library's routes answer them, and an unexpected one reveals
// nothing but is logged.
func TestWriteError(t *testing.T) {
	ta := newUserApp(t, nil)
	for _, tc := range []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"unauthorized", ErrUnauthorized, 401, `{"detail":"Unauthorized"}`},
		{"forbidden", fmt.Errorf("wrapped: %w", ErrForbidden), 403, `{"detail":"Forbidden"}`},
		{"not found", user.ErrNotFound, 404, `{"detail":"Not Found"}`},
		{"bad credentials", user.ErrInvalidCredentials, 400, `{"detail":"LOGIN_BAD_CREDENTIALS"}`},
		{"busy", auth.ErrBusy, 503, `{"detail":"Service Unavailable"}`},
		{"unexpected", errors.New("disk on fire at /var/lib/db"), 500, `{"detail":"Internal Server Error"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			ta.ua.WriteError(rec, httptest.NewRequest("GET", "/notes", nil), tc.err)
			if rec.Code != tc.status || !sameJSON(t, rec.Body.Bytes(), tc.body) {
				t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.body)
			}
			if rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("WWW-Authenticate") != "" {
				t.Fatalf("headers %v", rec.Header())
			}
			if tc.status == 503 && rec.Header().Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		})
	}
	if log := ta.logText(); !strings.Contains(log, "disk on fire") || !strings.Contains(log, "path=/notes") {
		t.Fatalf("the unexpected error was not logged: %s", log)
	}
}

// TestCrossOriginRefusalLogged: a refusal by the CSRF check says why in the
// log, at Info, with what the browser sent and never the token.
func TestCrossOriginRefusalLogged(t *testing.T) {
	ta := newUserApp(t, nil)
	ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	long := "https://" + strings.Repeat("e", 1000) + ".example"
	for _, tc := range []struct {
		name string
		r    *req
		want []string
	}{
		{"Sec-Fetch-Site", newReq("PATCH", "/users/me").AuthCookie(token).JSON(`{}`).With("Sec-Fetch-Site", "cross-site"),
			[]string{"level=INFO", `msg="cross-origin request refused"`, "method=PATCH", "path=/users/me", "sec_fetch_site=cross-site", "Sec-Fetch-Site header", "client_addr=192.0.2.1"}},
		{"Origin", newReq("POST", "/auth/cookie/logout").AuthCookie(token).With("Origin", "https://evil.example"),
			[]string{"method=POST", "path=/auth/cookie/logout", "origin=https://evil.example", "host=example.com", "Origin does not match Host"}},
		{"cookie login", newReq("POST", "/auth/cookie/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere").With("Sec-Fetch-Site", "same-site"),
			[]string{"path=/auth/cookie/login", "sec_fetch_site=same-site"}},
		{"long origin", newReq("PATCH", "/users/me").AuthCookie(token).JSON(`{}`).With("Origin", long),
			[]string{"origin=https://" + strings.Repeat("e", maxLoggedHeader-len("https://")) + " "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(ta.logText())
			if res := ta.do(tc.r); res.Status != http.StatusForbidden {
				t.Fatalf("%d %s, want 403", res.Status, res.Body)
			}
			line := ta.logText()[before:]
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("log %q lacks %q", line, w)
				}
			}
			for _, secret := range []string{token, "guinevere"} {
				if strings.Contains(line, secret) {
					t.Errorf("log %q holds a secret", line)
				}
			}
		})
	}
	before := len(ta.logText())
	if res := ta.do(newReq("PATCH", "/users/me").AuthCookie(token).JSON(`{}`).With("Sec-Fetch-Site", "same-origin")); res.Status != http.StatusOK {
		t.Fatalf("same-origin PATCH: %d", res.Status)
	}
	if line := ta.logText()[before:]; strings.Contains(line, "cross-origin") {
		t.Fatalf("a request that passed was logged as refused: %s", line)
	}
}

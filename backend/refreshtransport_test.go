package backend

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBearerWriteLoginRefresh(t *testing.T) {
	rec := httptest.NewRecorder()
	g := RefreshGrant{Token: "r3fr3sh", MaxAge: time.Hour, Path: "/auth/jwt/refresh"}
	if err := Bearer("auth/jwt/login").WriteLoginRefresh(rec, "eyJ.a.b", g); err != nil {
		t.Fatal(err)
	}
	// The keys in this order: FastAPI Users' two, then the new one.
	if want := `{"access_token":"eyJ.a.b","token_type":"bearer","refresh_token":"r3fr3sh"}`; rec.Code != http.StatusOK || rec.Body.String() != want {
		t.Fatalf("login = %d %s, want 200 %s", rec.Code, rec.Body, want)
	}
	if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", rec.Header())
	}
	if _, ok := rec.Header()["Set-Cookie"]; ok {
		t.Fatal("a bearer login set a cookie")
	}
	rec = httptest.NewRecorder()
	if err := Bearer("").WriteLogoutRefresh(rec, "/auth/jwt/refresh"); err != nil || rec.Code != http.StatusNoContent {
		t.Fatalf("logout = %d, %v", rec.Code, err)
	}
	r := httptest.NewRequest("POST", "/auth/jwt/refresh", nil)
	r.Header.Set("Cookie", DefaultRefreshCookieName+"=x")
	if tok, ok := Bearer("").RefreshToken(r); ok || tok != "" {
		t.Fatal("a bearer transport read a refresh cookie")
	}
}

func TestCookieWriteLoginRefresh(t *testing.T) {
	for _, tc := range []struct {
		name        string
		opts        CookieOptions
		maxAge      time.Duration
		wantAccess  string
		wantRefresh string
	}{
		{"defaults", CookieOptions{MaxAge: 3600}, 14 * 24 * time.Hour,
			"fastapiusersauth=tok; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax",
			"fastapiusersrefresh=ref; Path=/auth/cookie/refresh; Max-Age=1209600; HttpOnly; Secure; SameSite=Strict"},
		{"options carry over", CookieOptions{Name: "session", Domain: "camelot.bt", ScriptAccessible: true, Insecure: true, RefreshName: "session_refresh"}, 90*time.Second + 900*time.Millisecond,
			"session=tok; Path=/; Domain=camelot.bt; Secure=false; SameSite=Lax",
			"session_refresh=ref; Path=/auth/cookie/refresh; Domain=camelot.bt; Max-Age=90; HttpOnly; SameSite=Strict"},
		{"under a second rounds up to one", CookieOptions{}, 10 * time.Millisecond,
			"fastapiusersauth=tok; Path=/; HttpOnly; Secure; SameSite=Lax",
			"fastapiusersrefresh=ref; Path=/auth/cookie/refresh; Max-Age=1; HttpOnly; Secure; SameSite=Strict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := Cookie(tc.opts)
			if err := tr.Validate(); err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			g := RefreshGrant{Token: "ref", MaxAge: tc.maxAge, Path: "/auth/cookie/refresh"}
			if err := tr.WriteLoginRefresh(rec, "tok", g); err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusNoContent || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("login = %d %v", rec.Code, rec.Header())
			}
			cookies := rec.Result().Cookies()
			if len(cookies) != 2 {
				t.Fatalf("%d cookies, want 2: %v", len(cookies), rec.Header().Values("Set-Cookie"))
			}
			byName := map[string]*http.Cookie{}
			for _, c := range cookies {
				byName[c.Name] = c
			}
			access, refresh := byName[tr.Options().Name], byName[tr.Options().RefreshName]
			if access == nil || refresh == nil {
				t.Fatalf("cookies %v", rec.Header().Values("Set-Cookie"))
			}
			checkCookie(t, "access", access, tc.wantAccess)
			checkCookie(t, "refresh", refresh, tc.wantRefresh)

			rec = httptest.NewRecorder()
			if err := tr.WriteLogoutRefresh(rec, "/auth/cookie/refresh"); err != nil {
				t.Fatal(err)
			}
			cleared := rec.Result().Cookies()
			if len(cleared) != 2 {
				t.Fatalf("logout cleared %d cookies, want 2", len(cleared))
			}
			for _, c := range cleared {
				if c.Value != "" || c.MaxAge != -1 {
					t.Fatalf("logout left %s = %q, Max-Age %d", c.Name, c.Value, c.MaxAge)
				}
				if c.Name == tr.Options().RefreshName && (c.Path != "/auth/cookie/refresh" || c.SameSite != http.SameSiteStrictMode || !c.HttpOnly) {
					t.Fatalf("the refresh cookie is cleared with other attributes than it was set: %+v", c)
				}
			}
		})
	}
}

// checkCookie compares a parsed cookie with the attributes listed in want
// ("Secure=false" for an absent Secure).
func checkCookie(t *testing.T, what string, c *http.Cookie, want string) {
	t.Helper()
	parts := strings.Split(want, "; ")
	name, value, _ := strings.Cut(parts[0], "=")
	if c.Name != name || c.Value != value {
		t.Fatalf("%s cookie %s=%s, want %s", what, c.Name, c.Value, parts[0])
	}
	wantSecure, wantHTTPOnly, wantMaxAge, wantDomain := false, false, 0, ""
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "Path":
			if c.Path != v {
				t.Errorf("%s Path = %q, want %q", what, c.Path, v)
			}
		case "Domain":
			wantDomain = v
		case "Max-Age":
			for _, d := range v {
				wantMaxAge = wantMaxAge*10 + int(d-'0')
			}
		case "HttpOnly":
			wantHTTPOnly = true
		case "Secure":
			wantSecure = v != "false"
		case "SameSite":
			if got := map[http.SameSite]string{http.SameSiteLaxMode: "Lax", http.SameSiteStrictMode: "Strict"}[c.SameSite]; got != v {
				t.Errorf("%s SameSite = %v, want %s", what, c.SameSite, v)
			}
		}
	}
	if c.Domain != wantDomain || c.MaxAge != wantMaxAge || c.HttpOnly != wantHTTPOnly || c.Secure != wantSecure {
		t.Errorf("%s cookie = %+v, want %s", what, c, want)
	}
}

func TestCookieRefreshToken(t *testing.T) {
	tr := Cookie(CookieOptions{})
	for _, tc := range []struct {
		name, header, want string
		ok                 bool
	}{
		{"present", "fastapiusersrefresh=abc", "abc", true},
		{"beside the access cookie", "fastapiusersauth=tok; fastapiusersrefresh=abc", "abc", true},
		{"access cookie only", "fastapiusersauth=tok", "", false},
		{"empty", "fastapiusersrefresh=", "", false},
		{"oversized", "fastapiusersrefresh=" + strings.Repeat("a", MaxTokenLength+1), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/auth/cookie/refresh", nil)
			r.Header.Set("Cookie", tc.header)
			if got, ok := tr.RefreshToken(r); got != tc.want || ok != tc.ok {
				t.Fatalf("RefreshToken = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestCookieRefreshValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts CookieOptions
		ok   bool
	}{
		{"default", CookieOptions{}, true},
		{"__Secure- name", CookieOptions{RefreshName: "__Secure-refresh"}, true},
		{"__Host- access cookie", CookieOptions{Name: "__Host-session"}, true},
		{"same name as the access cookie", CookieOptions{Name: "s", RefreshName: "s"}, false},
		{"__Host- refresh name", CookieOptions{RefreshName: "__Host-refresh"}, false},
		{"__host- in another case", CookieOptions{RefreshName: "__host-refresh"}, false},
		{"__Secure- without Secure", CookieOptions{RefreshName: "__Secure-refresh", Insecure: true}, false},
		{"invalid name", CookieOptions{RefreshName: "a b"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Cookie(tc.opts).Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

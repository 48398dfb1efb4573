package backend

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var _ Transport = (*BearerTransport)(nil)

func TestBearerToken(t *testing.T) {
	long := strings.Repeat("a", MaxTokenLength)
	for _, tc := range []struct {
		name    string
		headers []string // Authorization values; nil = no header
		want    string
		ok      bool
	}{
		{"plain", []string{"Bearer tok"}, "tok", true},
		{"lower-case scheme", []string{"bearer tok"}, "tok", true},
		{"upper-case scheme", []string{"BEARER tok"}, "tok", true},
		{"mixed-case scheme", []string{"bEaReR tok"}, "tok", true},
		{"split at the first space only", []string{"Bearer tok en"}, "tok en", true},
		{"second space kept, as FastAPI does", []string{"Bearer  tok"}, " tok", true},
		{"first header value wins", []string{"Bearer first", "Bearer second"}, "first", true},
		{"MaxTokenLength", []string{"Bearer " + long}, long, true},

		{"no header", nil, "", false},
		{"empty header", []string{""}, "", false},
		{"scheme only", []string{"Bearer"}, "", false},
		{"scheme and space", []string{"Bearer "}, "", false},
		{"other scheme", []string{"Basic dXNlcjpwYXNz"}, "", false},
		{"token scheme", []string{"Token tok"}, "", false},
		{"no space", []string{"Bearertok"}, "", false},
		{"tab separator", []string{"Bearer\ttok"}, "", false},
		{"scheme prefix", []string{"Bear tok"}, "", false},
		{"scheme suffix", []string{"Bearers tok"}, "", false},
		{"non-ASCII look-alike", []string{"Beare\u0280 tok"}, "", false},
		{"leading space", []string{" Bearer tok"}, "", false},
		{"oversized", []string{"Bearer " + long + "a"}, "", false},
		{"first value not bearer", []string{"Basic x", "Bearer tok"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/users/me", nil)
			if tc.headers != nil {
				r.Header["Authorization"] = tc.headers
			}
			got, ok := Bearer("auth/jwt/login").Token(r)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Token() = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestBearerTokenZeroAllocs(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/users/me", nil)
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig")
	b := Bearer("auth/jwt/login")
	if n := testing.AllocsPerRun(100, func() { b.Token(r) }); n != 0 {
		t.Fatalf("Token allocates %.1f times", n)
	}
}

func TestBearerWriteLogin(t *testing.T) {
	for _, tc := range []struct {
		token, body string
	}{
		{"eyJ.a.b", `{"access_token":"eyJ.a.b","token_type":"bearer"}`},
		{`q"<>`, `{"access_token":"q\"\u003c\u003e","token_type":"bearer"}`},
	} {
		rec := httptest.NewRecorder()
		if err := Bearer("auth/jwt/login").WriteLogin(rec, tc.token); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusOK || rec.Body.String() != tc.body {
			t.Fatalf("login = %d %s", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q", cc)
		}
	}
}

func TestBearerWriteLogout(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "text/plain") // set by some middleware
	if err := Bearer("auth/jwt/login").WriteLogout(rec); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("logout = %d %q", rec.Code, rec.Body)
	}
	if _, ok := rec.Header()["Content-Type"]; ok {
		t.Fatal("logout has a Content-Type")
	}
}

func TestBearerMeta(t *testing.T) {
	b := Bearer("auth/jwt/login")
	if b.TokenURL != "auth/jwt/login" || b.CookieBased() {
		t.Fatalf("%+v CookieBased=%v", b, b.CookieBased())
	}
}

// FuzzBearerToken compares Token with a direct transcription of FastAPI's
// get_authorization_scheme_param and OAuth2PasswordBearer, plus our length
// limit.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer tok", "bearer  x", "Bearer", "Basic abc", "", "BEARER a b", "Bearer\x00x", "ｂearer x"} {
		f.Add(s)
	}
	b := Bearer("auth/jwt/login")
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{header}
		got, ok := b.Token(r)

		scheme, param, _ := strings.Cut(header, " ")
		wantOK := strings.ToLower(scheme) == "bearer" && param != "" && len(param) <= MaxTokenLength
		if ok != wantOK || (ok && got != param) || (!ok && got != "") {
			t.Fatalf("Token(%q) = %q, %v; want %q, %v", header, got, ok, param, wantOK)
		}
	})
}

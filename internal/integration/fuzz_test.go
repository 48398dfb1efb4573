package integration

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRefreshRoute: no body sent to the bearer refresh route gives a 5xx
// or an answer that is not JSON (the decoder itself is fuzzed in
// internal/wire).
func FuzzRefreshRoute(f *testing.F) {
	for _, s := range []struct{ ct, Body string }{
		{"application/x-www-form-urlencoded", "grant_type=refresh_token&refresh_token=abc"},
		{"application/json", `{"refresh_token":"abc","grant_type":"refresh_token"}`},
		{"application/json", `{"refresh_token":5}`},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"refresh_token\"\r\n\r\nabc\r\n--x--"},
		{"application/x-www-form-urlencoded", "%zz"},
	} {
		f.Add(s.ct, s.Body)
	}
	sa := newRefreshApp(f, kindNamed("database"), nil)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/auth/bearer/refresh", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		sa.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("route: %d %q", rec.Code, rec.Body)
		}
	})
}

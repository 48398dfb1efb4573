package usersauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/user"
)

// profile is a host type with optional fields of several kinds.
type profile struct {
	user.Base
	Nickname string   `json:"nickname"`
	Age      *int     `json:"age"`
	Tags     []string `json:"tags"`
	Plan     string   `json:"plan" usersauth:"superuser"`
}

// FuzzRoutes: arbitrary bodies to the JSON and form routes never panic and
// always answer in the contract's JSON.
func FuzzRoutes(f *testing.F) {
	ta := newApp[*profile](f, nil)
	ta.register("king.arthur@camelot.bt", "guinevere")
	token := ta.login("king.arthur@camelot.bt", "guinevere")
	f.Add(uint8(0), "application/json", `{"email":"a@camelot.bt","password":"guinevere","nickname":"x"}`)
	f.Add(uint8(1), "application/x-www-form-urlencoded", `username=king.arthur@camelot.bt&password=guinevere`)
	f.Add(uint8(2), "application/json", `{"email":"b@camelot.bt","tags":["a"],"age":3}`)
	f.Add(uint8(1), "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\na\r\n--x--")
	f.Fuzz(func(t *testing.T, route uint8, contentType, body string) {
		var r *http.Request
		switch route % 3 {
		case 0:
			r = httptest.NewRequest("POST", "/auth/register", strings.NewReader(body))
		case 1:
			r = httptest.NewRequest("POST", "/auth/jwt/login", strings.NewReader(body))
		case 2:
			r = httptest.NewRequest("PATCH", "/users/me", strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+token)
		}
		r.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		ta.handler.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec.Code != http.StatusNoContent && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("not JSON: %q", rec.Body)
		}
	})
}

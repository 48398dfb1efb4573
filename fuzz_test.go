package usersauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/usersauth/usersauth/user"
)

// FuzzParseObject: the strict body parser never panics, accepts only valid
// JSON, and reads an object's members as encoding/json would.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"email":"a@b.c","password":"x"}`, `[]`, `null`, `{"a":1} `, `{"a":1}x`, "{\"a\":\"\xff\"}", `{"a":1,"a":2}`, ``, `{"a":{"b":[1,2,{"c":null}]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, isObject, err := parseObject(body)
		if err != nil {
			if _, ok := err.(*problem); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if isObject {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil || len(m) != len(obj) {
				t.Fatalf("object read differently: %v %d %d", err, len(m), len(obj))
			}
		}
	})
}

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

// FuzzRefreshRequest: the refresh request decoder never panics, either
// gives a token or a contract error (400, 413, 422) without echoing any
// refresh_token it was sent, and agrees with the standard library's reading
// of the same body; through the route, no body gives a 5xx.
func FuzzRefreshRequest(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "grant_type=refresh_token&refresh_token=abc"},
		{"application/x-www-form-urlencoded", "refresh_token=a&refresh_token=b&grant_type=password"},
		{"application/json", `{"refresh_token":"abc","grant_type":"refresh_token"}`},
		{"application/json", `{"refresh_token":5}`},
		{"", `{"refresh_token":"\u0000"}`},
		{"application/merge-patch+json", `{"refresh_token":"x","refresh_token":"y"}`},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"refresh_token\"\r\n\r\nabc\r\n--x--"},
		{"text/plain", "refresh_token=abc"},
		{"application/x-www-form-urlencoded", "%zz"},
	} {
		f.Add(s.ct, s.body)
	}
	sa := newRefreshApp(f, kindNamed("database"), nil)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest("POST", "/auth/bearer/refresh", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		token, err := readRefreshRequest(httptest.NewRecorder(), r)
		if err != nil {
			p, ok := err.(*problem)
			if !ok || token != "" {
				t.Fatalf("error %T %v with token %q", err, err, token)
			}
			switch p.status {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			default:
				t.Fatalf("status %d", p.status)
			}
			var sent struct {
				RefreshToken any `json:"refresh_token"`
			}
			json.Unmarshal([]byte(body), &sent)
			if items, ok := p.detail.([]validationError); ok && sent.RefreshToken != nil {
				for _, item := range items {
					if item.Input != nil && fmt.Sprint(item.Input) == fmt.Sprint(sent.RefreshToken) {
						t.Fatalf("the refresh token is echoed in %+v", item)
					}
				}
			}
			return
		}
		if token == "" {
			t.Fatal("no error and no token")
		}
		if form, ferr := url.ParseQuery(body); ferr == nil && strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
			if v := form["refresh_token"]; len(v) == 0 || v[len(v)-1] != token {
				t.Fatalf("token %q, the form says %q", token, v)
			}
		}

		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/auth/bearer/refresh", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		sa.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("route: %d %q", rec.Code, rec.Body)
		}
	})
}

package wire

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseObject: the strict body parser never panics, accepts only valid
// JSON, and reads an object's members as encoding/json would.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"email":"a@b.c","password":"x"}`, `[]`, `null`, `{"a":1} `, `{"a":1}x`, "{\"a\":\"\xff\"}", `{"a":1,"a":2}`, ``, `{"a":{"b":[1,2,{"c":null}]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, isObject, err := ParseObject(body)
		if err != nil {
			if _, ok := err.(*Problem); !ok {
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

// FuzzReadRefresh: the refresh request decoder never panics, either gives a
// token or a contract error (400, 413, 422) without echoing any
// refresh_token it was sent, and agrees with the standard library's reading
// of the same form.
func FuzzReadRefresh(f *testing.F) {
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
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest("POST", "/auth/bearer/refresh", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		token, err := ReadRefresh(httptest.NewRecorder(), r)
		if err != nil {
			p, ok := err.(*Problem)
			if !ok || token != "" {
				t.Fatalf("error %T %v with token %q", err, err, token)
			}
			switch p.Status {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			default:
				t.Fatalf("status %d", p.Status)
			}
			var sent struct {
				RefreshToken any `json:"refresh_token"`
			}
			json.Unmarshal([]byte(body), &sent)
			if items, ok := p.Detail.([]ValidationError); ok && sent.RefreshToken != nil {
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
	})
}

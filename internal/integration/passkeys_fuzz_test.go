package integration

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzPasskeyRoutes: no body sent to the passkey sign-in routes, the
// passwordless finish and the second step, gives a 5xx, an answer that is
// not JSON, or a token; the seeds include honest answers to live
// ceremonies, which a fuzzed body can only spoil.
func FuzzPasskeyRoutes(f *testing.F) {
	p := newPasskeyApp(f, jwtKind, nil)
	withArthur(p)
	ticket, options := p.beginSignIn("bearer")
	answer, err := p.dev.Get(options, honestBrowser)
	if err != nil {
		f.Fatal(err)
	}
	loginTicket, _ := p.ticket(arthurEmail, arthurPassword)
	second, err := p.dev.Get(p.secondStepOptions(loginTicket), honestBrowser)
	if err != nil {
		f.Fatal(err)
	}
	for _, body := range []string{
		mustJSON(f, map[string]any{"ticket": ticket, "credential": json.RawMessage(answer)}),
		mustJSON(f, map[string]any{"ticket": loginTicket, "credential": json.RawMessage(second)}),
		`{"ticket": "x", "credential": {"id": "AQID", "rawId": "AQID"}}`,
		`{"ticket": null, "credential": []}`,
		`{"ticket": "x", "code": "123456"}`,
	} {
		f.Add(uint8(0), body)
		f.Add(uint8(1), body)
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		path := "/auth/bearer/passkey/finish"
		if route%2 == 1 {
			path = "/auth/bearer/login/2fa"
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		p.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s: %d %q", path, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "access_token") &&
			body != mustJSON(t, map[string]any{"ticket": ticket, "credential": json.RawMessage(answer)}) &&
			body != mustJSON(t, map[string]any{"ticket": loginTicket, "credential": json.RawMessage(second)}) {
			t.Fatalf("%s signed in with a body that is not an honest answer: %q", path, body)
		}
	})
}

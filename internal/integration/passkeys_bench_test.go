package integration

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/user"
)

// BenchmarkPasskeySignIn is the server's cost of a passwordless sign-in
// through the mounted handler, users and challenges in memory: begin (a
// challenge stored), and begin plus finish (the challenge taken, one
// P-256 signature verified, the counter recorded, a JWT issued). The
// software authenticator's signing is left out of the timing.
func BenchmarkPasskeySignIn(b *testing.B) {
	quiet := func(o *usersauth.Options[*user.User]) { o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) }
	b.Run("begin", func(b *testing.B) {
		p := newPasskeyApp(b, jwtKind, quiet)
		r := httptest.NewRequest("POST", "/auth/bearer/passkey/begin", nil)
		w := &discardWriter{H: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			clear(w.H)
			p.handler.ServeHTTP(w, r)
		}
	})
	b.Run("begin+finish", func(b *testing.B) {
		p := newPasskeyApp(b, jwtKind, quiet)
		withArthur(p)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			rec := httptest.NewRecorder()
			p.handler.ServeHTTP(rec, httptest.NewRequest("POST", "/auth/bearer/passkey/begin", nil))
			b.StopTimer()
			var begun struct{ Ticket string }
			json.Unmarshal(rec.Body.Bytes(), &begun)
			answer, err := p.dev.Get(rec.Body.Bytes(), honestBrowser)
			if err != nil {
				b.Fatal(err)
			}
			body := `{"ticket":"` + begun.Ticket + `","credential":` + string(answer) + `}`
			b.StartTimer()
			rec = httptest.NewRecorder()
			req := httptest.NewRequest("POST", "/auth/bearer/passkey/finish", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			p.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
}

// BenchmarkGetMePasskeys: authenticated GET /users/me (bearer JWT, users
// in memory) costs the same with passkeys off, on, and on for a user who
// has one: the route never asks about them.
func BenchmarkGetMePasskeys(b *testing.B) {
	for _, bc := range []struct {
		name     string
		passkeys bool
		has      bool
	}{{"off", false, false}, {"on", true, false}, {"on, user with a passkey", true, true}} {
		b.Run(bc.name, func(b *testing.B) {
			quiet := func(o *usersauth.Options[*user.User]) {
				o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
				if !bc.passkeys {
					o.Passkeys = nil
				}
			}
			p := newPasskeyApp(b, jwtKind, quiet)
			p.register(arthurEmail, arthurPassword)
			token := p.token(arthurEmail, arthurPassword)
			if bc.has {
				p.addPasskey(token, "MacBook")
			}
			r := httptest.NewRequest("GET", "/users/me", nil)
			r.Header.Set("Authorization", "Bearer "+token)
			if rec := httptest.NewRecorder(); func() int { p.handler.ServeHTTP(rec, r); return rec.Code }() != http.StatusOK {
				b.Fatal("GET /users/me failed")
			}
			w := &discardWriter{H: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.H)
				p.handler.ServeHTTP(w, r)
			}
		})
	}
}

package integration

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// BenchmarkGetMeStrategies: authenticated GET /users/me through the mounted
// handler, per kind of session: JWT without revocation (users in memory),
// the default JWT (users in memory; the check against the user record reads
// what the token's one cache lookup gave), database tokens with users and
// tokens in memory, in an SQLite file and in PostgreSQL, Redis tokens (users
// in memory). The PostgreSQL and Redis cases skip without their servers.
// The token's last use is written once, in the first request a minute old;
// the loop's clock does not move, so what it measures is the read that
// every other request is.
func BenchmarkGetMeStrategies(b *testing.B) {
	ks := append([]kind{{"jwt", false, kindNamed("jwt-epoch").open}}, kinds()...)
	ks[0].open = func(t testing.TB, now func() time.Time) parts {
		p := kindNamed("jwt-epoch").open(t, now)
		p.strategy = backend.NewJWT(backend.JWTConfig{Secret: testSecret, Lifetime: time.Hour, Now: now, Irrevocable: true})
		return p
	}
	for _, k := range ks {
		b.Run(k.name, func(b *testing.B) {
			sa := newSessionApp(b, k, func(o *usersauth.Options[*user.User]) { o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) })
			sa.register("king.arthur@camelot.bt", "guinevere")
			tok := sa.token("king.arthur@camelot.bt", "guinevere")
			r := httptest.NewRequest("GET", "/users/me", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			sa.handler.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
			w := &discardWriter{H: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.H)
				sa.handler.ServeHTTP(w, r)
			}
		})
	}
}

package usersauth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/internal/apptest"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

type discardWriter = apptest.DiscardWriter

func benchApp(b *testing.B) (*testApp[*user.User], string) {
	b.Helper()
	ta := newUserApp(b, func(o *Options[*user.User]) { o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) })
	ta.register("king.arthur@camelot.bt", "guinevere")
	return ta, ta.login("king.arthur@camelot.bt", "guinevere")
}

// BenchmarkMiddleware: RequireUser authenticating a bearer JWT and loading
// the user from the memory store, around an empty handler.
func BenchmarkMiddleware(b *testing.B) {
	ta, token := benchApp(b)
	h := ta.ua.RequireUser(Active)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := UserFrom[*user.User](r.Context()); !ok {
			b.Fatal("no user")
		}
	}))
	r := httptest.NewRequest("GET", "/notes", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := &discardWriter{H: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkGetMe: GET /users/me through the mounted handler, beside a bare
// handler writing the same JSON.
func BenchmarkGetMe(b *testing.B) {
	ta, token := benchApp(b)
	r := httptest.NewRequest("GET", "/users/me", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	ta.handler.ServeHTTP(rec, r)
	if rec.Code != 200 {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
	body := rec.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /users/me", bare)
	b.Run("usersauth", func(b *testing.B) {
		w := &discardWriter{H: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			clear(w.H)
			ta.handler.ServeHTTP(w, r)
		}
	})
	b.Run("bare", func(b *testing.B) {
		w := &discardWriter{H: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			clear(w.H)
			mux.ServeHTTP(w, r)
		}
	})
}

// BenchmarkGetMeHTTP measures requests per second over loopback HTTP with
// keep-alive connections, usersauth against a bare handler writing the same
// JSON, in one run: the ratio of the two is the figure the README reports.
func BenchmarkGetMeHTTP(b *testing.B) {
	ta, token := benchApp(b)
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/users/me", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	ta.handler.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"usersauth", ta.handler}, {"bare", bare}} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				req, _ := http.NewRequest("GET", srv.URL+"/users/me", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				for pb.Next() {
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}

// BenchmarkLogin: POST /auth/jwt/login with the default (OWASP) argon2id
// parameters, in parallel through the hashing pool, beside the hasher alone
// verifying the same password on all cores.
func BenchmarkLogin(b *testing.B) {
	hasher, err := auth.NewPasswordHasher(auth.HasherOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ta := newUserApp(b, func(o *Options[*user.User]) {
		o.Hasher = hasher
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	})
	ta.register("king.arthur@camelot.bt", "guinevere")
	form := url.Values{"username": {"king.arthur@camelot.bt"}, "password": {"guinevere"}}.Encode()
	b.Run("route", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w := &discardWriter{H: http.Header{}}
			for pb.Next() {
				r := httptest.NewRequest("POST", "/auth/jwt/login", strings.NewReader(form))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				ta.handler.ServeHTTP(w, r)
			}
		})
	})
	encoded, err := hasher.Hash(context.Background(), "guinevere")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("hasher", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ok, _, err := hasher.Verify(context.Background(), "guinevere", encoded); !ok || err != nil {
					b.Error("verify failed")
					return
				}
			}
		})
	})
}

// BenchmarkLoginThrottle: what throttling costs a login. "locked" is a
// login refused 429 by a locked account (no store read, no hash: the whole
// cost of a guessing script's attempt on the server); "limiter" is the
// limiter's own part of every login, the two takes and the settlement, on
// the memory store.
func BenchmarkLoginThrottle(b *testing.B) {
	b.Run("locked", func(b *testing.B) {
		ta := newUserApp(b, func(o *Options[*user.User]) {
			o.Limits = nil
			o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		})
		for range 10 {
			ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "wrong"))
		}
		h := ta.handler
		body := "username=king.arthur%40camelot.bt&password=wrong"
		w := &discardWriter{H: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("POST", "/auth/jwt/login", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			clear(w.H)
			h.ServeHTTP(w, r)
		}
	})
	b.Run("limiter", func(b *testing.B) {
		ta := newUserApp(b, func(o *Options[*user.User]) { o.Limits = nil })
		l := ta.ua.limiter
		r := httptest.NewRequest("POST", "/auth/jwt/login", nil)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			la, err := l.startLogin(r, "king.arthur@camelot.bt")
			if err != nil {
				b.Fatal(err)
			}
			la.settle(ctx, nil)
		}
	})
}

// BenchmarkSecondStep: POST /auth/jwt/login/2fa with a TOTP code, the
// second step of a login on the memory store (a fresh ticket and code for
// each, made outside the timing).
func BenchmarkSecondStep(b *testing.B) {
	clock := strategytest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	ta := newUserApp(b, func(o *Options[*user.User]) {
		o.TwoFactor = &TwoFactor{Issuer: "Camelot"}
		o.Now = clock.Now
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	})
	ta.register("king.arthur@camelot.bt", "guinevere")
	ctx := context.Background()
	m := ta.ua.Manager()
	u, _ := m.GetByEmail(ctx, "king.arthur@camelot.bt")
	enrolment, err := m.BeginTOTP(ctx, u, "guinevere")
	if err != nil {
		b.Fatal(err)
	}
	code, _ := totp.Code(enrolment.Secret, clock.Now())
	if _, err := m.ConfirmTOTP(ctx, u, code); err != nil {
		b.Fatal(err)
	}
	w := &discardWriter{H: http.Header{}}
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		clock.Advance(totp.Period)
		ticket, err := m.IssueLoginTicket(ctx, u, "jwt")
		if err != nil {
			b.Fatal(err)
		}
		code, _ := totp.Code(enrolment.Secret, clock.Now())
		r := httptest.NewRequest("POST", "/auth/jwt/login/2fa", strings.NewReader(`{"ticket":"`+ticket+`","code":"`+code+`"}`))
		clear(w.H)
		b.StartTimer()
		ta.handler.ServeHTTP(w, r)
	}
}

// BenchmarkGetMeTwoFactor: GET /users/me with two-factor login on, for a
// user without a second factor and for one with: the same work, as the
// factors are asked only at sign-in.
func BenchmarkGetMeTwoFactor(b *testing.B) {
	clock := strategytest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	ta := newUserApp(b, func(o *Options[*user.User]) {
		o.TwoFactor = &TwoFactor{Issuer: "Camelot"}
		o.Now = clock.Now
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	})
	ctx := context.Background()
	m := ta.ua.Manager()
	for _, c := range []struct {
		name  string
		enrol bool
	}{{"without", false}, {"with", true}} {
		email := c.name + "@camelot.bt"
		ta.register(email, "guinevere")
		token := ta.login(email, "guinevere")
		if c.enrol {
			u, _ := m.GetByEmail(ctx, email)
			enrolment, err := m.BeginTOTP(ctx, u, "guinevere")
			if err != nil {
				b.Fatal(err)
			}
			code, _ := totp.Code(enrolment.Secret, clock.Now())
			if _, err := m.ConfirmTOTP(ctx, u, code); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/users/me", nil)
			r.Header.Set("Authorization", "Bearer "+token)
			w := &discardWriter{H: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.H)
				ta.handler.ServeHTTP(w, r)
			}
		})
	}
}

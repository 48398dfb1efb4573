package usersauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/user"
)

// The fixtures in testdata were made by FastAPI Users itself (see the
// fixtures' README in the interop suite of the auth and backend packages).

type hashFixture struct {
	ID           string `json:"id"`
	Scheme       string `json:"scheme"`
	Password     string `json:"password"`
	Hash         string `json:"hash"`
	ShouldVerify bool   `json:"should_verify"`
}

func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestLoginWithFastAPIUsersHashes stores each fixture hash as a user's
// password and logs in with the fixture's password through the route: what
// FastAPI Users accepted logs in, and the hash is upgraded to ours.
func TestLoginWithFastAPIUsersHashes(t *testing.T) {
	var f struct{ Hashes []hashFixture }
	loadJSON(t, "hashes.json", &f)
	for _, h := range f.Hashes {
		t.Run(h.ID, func(t *testing.T) {
			t.Parallel()
			want := h.ShouldVerify
			switch {
			case h.Scheme == "argon2i":
				want = !strings.HasSuffix(h.ID, "-wrong") // ours: argon2i verifies
			case h.Scheme == "bcrypt" && len(h.Password) > 72:
				want = false // ours: a bcrypt hash never matches more than 72 bytes
			}
			if h.Password == "" {
				// An empty form field is a missing one (422), for FastAPI
				// Users too: such an account cannot log in by form.
				return
			}
			ta := newUserApp(t, nil)
			u := &user.User{Base: user.Base{ID: uuid.New(), Email: "king.arthur@camelot.bt", HashedPassword: h.Hash, IsActive: true}}
			if err := ta.store.Create(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			res := ta.do(newReq("POST", "/auth/jwt/login").Multipart("username", "king.arthur@camelot.bt", "password", h.Password))
			got := ta.get(u.ID).HashedPassword
			if !want {
				if res.Status != 400 || !sameJSON(t, res.Body, badCredentials) {
					t.Fatalf("login: %d %s, want LOGIN_BAD_CREDENTIALS", res.Status, res.Body)
				}
				if got != h.Hash {
					t.Fatal("a failed login changed the stored hash")
				}
				return
			}
			if res.Status != 200 {
				t.Fatalf("login: %d %s, want 200", res.Status, res.Body)
			}
			if !strings.HasPrefix(got, "$argon2id$v=19$m=256,t=1,p=1$") {
				t.Fatalf("hash not upgraded to the current parameters: %.30s", got)
			}
			ta.login("king.arthur@camelot.bt", h.Password)
		})
	}
}

type tokenFixture struct {
	ID         string `json:"id"`
	Token      string `json:"token"`
	VerifyWith string `json:"verify_with"`
	Valid      bool   `json:"valid"`
}

// TestFastAPIUsersAccessTokens sends every HS256 fixture token to GET
// /users/me of an app configured with FastAPI Users' secret.
func TestFastAPIUsersAccessTokens(t *testing.T) {
	var f struct {
		Secret string
		User   struct{ ID, Email string }
		Tokens []tokenFixture
	}
	loadJSON(t, "access_tokens.json", &f)
	secret := []byte(f.Secret)
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.Backends = []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
			{Name: "cookie", Transport: backend.Cookie(backend.CookieOptions{}), Strategy: backend.JWT(secret, time.Hour)},
		}
	})
	id := uuid.MustParse(f.User.ID)
	if err := ta.store.Create(context.Background(), &user.User{Base: user.Base{ID: id, Email: f.User.Email, IsActive: true}}); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tok := range f.Tokens {
		if tok.VerifyWith != "hs256" {
			continue
		}
		seen++
		t.Run(tok.ID, func(t *testing.T) {
			want := tok.Valid
			if tok.ID == "hs256-no-exp" {
				want = false // ours: a token without exp is refused
			}
			for _, r := range []*req{newReq("GET", "/users/me").Bearer(tok.Token), newReq("GET", "/users/me").AuthCookie(tok.Token)} {
				res := ta.do(r)
				if want && (res.Status != 200 || res.JSON(t)["id"] != f.User.ID) {
					t.Fatalf("refused: %d %s", res.Status, res.Body)
				}
				if !want && res.Status != 401 {
					t.Fatalf("accepted: %d %s", res.Status, res.Body)
				}
			}
		})
	}
	if seen < 10 {
		t.Fatalf("only %d HS256 fixture tokens", seen)
	}

	// And the other way: a token from our login route carries exactly the
	// claims FastAPI Users' JWTStrategy writes, so it accepts ours.
	ta.set(id, func(b *user.Base) {
		h, _ := ta.hasher.Hash(context.Background(), "guinevere")
		b.HashedPassword = h
	})
	token := ta.login(f.User.Email, "guinevere")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	exp, _ := claims["exp"].(float64)
	if len(claims) != 3 || claims["sub"] != f.User.ID || fmt.Sprint(claims["aud"]) != "[fastapi-users:auth]" ||
		exp != float64(int64(exp)) || time.Until(time.Unix(int64(exp), 0)) > time.Hour || time.Until(time.Unix(int64(exp), 0)) < 59*time.Minute {
		t.Fatalf("claims %s", raw)
	}
}

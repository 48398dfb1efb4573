package usersauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// The library sends no mail: the AfterForgotPassword and AfterRequestVerify
// hooks receive the tokens and deliver them. This host mails a link to its
// frontend with net/smtp. The hooks run off the request path, so a slow mail
// server never delays an answer, and a failure is logged.
func Example_mail() {
	secret := []byte(os.Getenv("USERSAUTH_SECRET"))
	send := func(to, subject, link string) error {
		// The address was validated on registration: it holds no CR or LF
		// that could inject headers.
		msg := "From: Camelot <noreply@camelot.bt>\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\n" + link + "\r\n"
		auth := smtp.PlainAuth("", "noreply@camelot.bt", os.Getenv("SMTP_PASSWORD"), "smtp.camelot.bt")
		return smtp.SendMail("smtp.camelot.bt:587", auth, "noreply@camelot.bt", []string{to}, []byte(msg))
	}
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  memory.New[*user.User](),
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)},
		},
		Hooks: user.Hooks[*user.User]{
			AfterForgotPassword: func(ctx context.Context, u *user.User, token string) error {
				return send(u.Email, "Reset your password", "https://camelot.bt/reset-password?token="+url.QueryEscape(token))
			},
			AfterRequestVerify: func(ctx context.Context, u *user.User, token string) error {
				return send(u.Email, "Confirm your e-mail", "https://camelot.bt/verify?token="+url.QueryEscape(token))
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
}

// A host's own handlers are wrapped with RequireUser and read the user with
// UserFrom.
func ExampleUsersAuth_RequireUser() {
	secret := []byte("an-example-secret-of-at-least-32-bytes")
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:    memory.New[*user.User](),
		Secret:   secret,
		Backends: []backend.Backend{{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, time.Hour)}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	admin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := usersauth.UserFrom[*user.User](r.Context())
		fmt.Fprintln(w, "welcome,", u.Email)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /admin", ua.RequireUser(usersauth.Active|usersauth.Superuser)(admin))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/admin", nil))
	fmt.Println(rec.Code, rec.Body)
	// Output: 401 {"detail":"Unauthorized"}
}

// Refresh tokens are turned on per backend. Login then also gives a refresh
// token, POST /auth/{backend}/refresh exchanges it for a new pair, and a
// refresh token presented twice ends its whole family.
func Example_refreshTokens() {
	secret := []byte("an-example-secret-of-at-least-32-bytes")
	refresh := &backend.RefreshConfig{
		Store:       memory.NewRefreshStore(),
		Lifetime:    14 * 24 * time.Hour,
		MaxLifetime: 30 * 24 * time.Hour,
	}
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:  memory.New[*user.User](),
		Secret: secret,
		Backends: []backend.Backend{
			{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: backend.JWT(secret, 15*time.Minute), Refresh: refresh},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	ua.Mount(mux)
	post := func(path, contentType, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec
	}
	post("/auth/register", "application/json", `{"email":"king.arthur@camelot.bt","password":"guinevere"}`)
	var login struct {
		RefreshToken string `json:"refresh_token"`
	}
	rec := post("/auth/jwt/login", "application/x-www-form-urlencoded", "username=king.arthur@camelot.bt&password=guinevere")
	json.Unmarshal(rec.Body.Bytes(), &login)

	form := "grant_type=refresh_token&refresh_token=" + login.RefreshToken
	fmt.Println("refresh:", post("/auth/jwt/refresh", "application/x-www-form-urlencoded", form).Code)
	fmt.Println("the same refresh token again:", post("/auth/jwt/refresh", "application/x-www-form-urlencoded", form).Body)
	// Output:
	// refresh: 200
	// the same refresh token again: {"detail":"Unauthorized"}
}

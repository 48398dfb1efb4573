package usersauth

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// prefixLayout is one way of serving the library under /api without
// http.StripPrefix.
type prefixLayout struct {
	name string
	// prefix is Options.PathPrefix; refreshPath the cookie backend's
	// RefreshConfig.Path ("" for the default).
	prefix, refreshPath string
	handler             func(*UsersAuth[*user.User]) http.Handler
}

var prefixLayouts = []prefixLayout{
	{
		name: "Mount", prefix: "/api",
		handler: func(ua *UsersAuth[*user.User]) http.Handler {
			mux := http.NewServeMux()
			ua.Mount(mux)
			return mux
		},
	},
	{
		// As chi's r.Mount("/api", ua.Handler()) and gin's or echo's
		// wildcard routes hand it over: the whole path, unchanged.
		name: "Handler", prefix: "/api",
		handler: func(ua *UsersAuth[*user.User]) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/api/", ua.Handler())
			return mux
		},
	},
	{
		// Each router on its own, placed with At; no PathPrefix, so the
		// refresh cookie's Path is set where the refresh route ends up.
		name: "RoutersAt", refreshPath: "/api/auth/cookie/refresh",
		handler: func(ua *UsersAuth[*user.User]) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/api/auth/", ua.RegisterHandler(At("/api/auth")))
			mux.Handle("POST /api/auth/forgot-password", ua.ResetPasswordHandler(At("/api/auth")))
			mux.Handle("POST /api/auth/verify", ua.VerifyHandler(At("/api/auth")))
			mux.Handle("/api/auth/jwt/", ua.AuthHandler("jwt", At("/api/auth/jwt")))
			mux.Handle("/api/auth/cookie/", ua.AuthHandler("cookie", At("/api/auth/cookie")))
			for _, p := range []string{"dev", "devcookie"} {
				mux.Handle("/api/auth/"+p+"/", ua.OAuthHandler(p, At("/api/auth/"+p)))
				mux.Handle("/api/auth/associate/"+p+"/", ua.OAuthAssociateHandler(p, At("/api/auth/associate/"+p)))
			}
			mux.Handle("/api/users/", ua.UsersHandler(At("/api/users")))
			return mux
		},
	},
}

// TestPathPrefix serves the library under /api through Mount, Handler and
// the routers on their own, with a cookie backend that has refresh tokens
// and OAuth providers: every route, the catch-alls, the refresh cookie's
// Path and the OAuth callbacks are under /api, and nothing is left at the
// contract's unprefixed paths.
func TestPathPrefix(t *testing.T) {
	for _, layout := range prefixLayouts {
		t.Run(layout.name, func(t *testing.T) {
			e := newOAuthEnv(t, func(c *oauthConfig) {
				c.opts.PathPrefix = layout.prefix
				c.opts.Backends[1].Refresh = &backend.RefreshConfig{
					Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: 24 * time.Hour, Path: layout.refreshPath,
				}
				for i := range c.opts.OAuth {
					p := &c.opts.OAuth[i]
					p.RedirectURL = c.app + "/api/auth/" + p.Provider.Name + "/callback"
					p.AssociateRedirectURL = c.app + "/api/auth/associate/" + p.Provider.Name + "/callback"
				}
				c.handler = layout.handler
			})
			testPrefixedRoutes(t, e)
		})
	}
}

func testPrefixedRoutes(t *testing.T, e *oauthEnv) {
	b := e.browser()
	post := func(path string, r *req) reply {
		t.Helper()
		r.Method, r.Path = http.MethodPost, e.app.URL+path
		return b.send(r)
	}
	if r := post("/api/auth/register", newReq("", "").JSON(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`)); r.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	login := post("/api/auth/jwt/login", newReq("", "").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
	if login.Status != http.StatusOK {
		t.Fatalf("bearer login: %d %s", login.Status, login.Body)
	}
	token, _ := login.JSON(t)["access_token"].(string)
	if r := b.send(newReq(http.MethodGet, e.app.URL+"/api/users/me").Bearer(token)); r.Status != http.StatusOK {
		t.Fatalf("GET /api/users/me: %d %s", r.Status, r.Body)
	}
	if r := post("/api/auth/forgot-password", newReq("", "").JSON(`{"email":"king.arthur@camelot.bt"}`)); r.Status != http.StatusAccepted {
		t.Fatalf("forgot-password: %d %s", r.Status, r.Body)
	}
	if r := post("/api/auth/verify", newReq("", "").JSON(`{"token":"x"}`)); r.Status != http.StatusBadRequest {
		t.Fatalf("verify with a bad token: %d %s", r.Status, r.Body)
	}

	// The refresh cookie is sent to the prefixed refresh route only.
	cookie := post("/api/auth/cookie/login", newReq("", "").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
	if cookie.Status != http.StatusNoContent {
		t.Fatalf("cookie login: %d %s", cookie.Status, cookie.Body)
	}
	rc := cookie.Cookie(backend.DefaultRefreshCookieName)
	if rc == nil || rc.Path != "/api/auth/cookie/refresh" {
		t.Fatalf("refresh cookie %v, want Path=/api/auth/cookie/refresh", rc)
	}
	if r := post("/api/auth/cookie/refresh", newReq("", "")); r.Status != http.StatusNoContent {
		t.Fatalf("cookie refresh: %d %s", r.Status, r.Body)
	}
	logout := post("/api/auth/cookie/logout", newReq("", ""))
	if logout.Status != http.StatusNoContent {
		t.Fatalf("cookie logout: %d %s", logout.Status, logout.Body)
	}
	if c := logout.Cookie(backend.DefaultRefreshCookieName); c == nil || c.Path != "/api/auth/cookie/refresh" || c.MaxAge >= 0 {
		t.Fatalf("logout's refresh cookie %v, want it cleared at /api/auth/cookie/refresh", c)
	}

	// OAuth: the authorize and callback routes are under the prefix, and
	// a sign-in through the cookie backend sets the prefixed refresh cookie.
	signIn := b.get(b.atProvider(b.authorize(e, "/api/auth/dev/authorize"), "lancelot@camelot.bt"))
	if signIn.Status != http.StatusOK || signIn.JSON(t)["access_token"] == nil {
		t.Fatalf("OAuth sign-in: %d %s", signIn.Status, signIn.Body)
	}
	signIn = b.get(b.atProvider(b.authorize(e, "/api/auth/devcookie/authorize"), "gawain@camelot.bt"))
	if signIn.Status != http.StatusNoContent {
		t.Fatalf("OAuth cookie sign-in: %d %s", signIn.Status, signIn.Body)
	}
	if c := signIn.Cookie(backend.DefaultRefreshCookieName); c == nil || c.Path != "/api/auth/cookie/refresh" {
		t.Fatalf("OAuth cookie sign-in's refresh cookie %v, want Path=/api/auth/cookie/refresh", c)
	}
	b.bearer = token
	assoc := b.authorize(e, "/api/auth/associate/dev/authorize")
	if r := b.get(b.atProvider(assoc, "king.arthur@camelot.bt")); r.Status != http.StatusOK {
		t.Fatalf("OAuth association callback: %d %s", r.Status, r.Body)
	}
	b.bearer = ""

	// The catch-alls answer in JSON under the prefix.
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/api/auth/nope", http.StatusNotFound, ""},
		{http.MethodGet, "/api/users/me/nope", http.StatusNotFound, ""},
		{http.MethodGet, "/api/auth/register", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/api/users/me", http.StatusMethodNotAllowed, "GET, HEAD, PATCH, DELETE"}, // DELETE: /{id}
	} {
		r := b.send(newReq(tc.method, e.app.URL+tc.path))
		if r.Status != tc.status || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d %v %s, want %d in JSON with Allow %q", tc.method, tc.path, r.Status, r.Header, r.Body, tc.status, tc.allow)
		}
	}
	// Nothing is served at the unprefixed paths.
	for _, path := range []string{"/auth/register", "/auth/jwt/login", "/users/me"} {
		if r := post(path, newReq("", "").JSON(`{}`)); r.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d %s, want the host mux's 404", path, r.Status, r.Body)
		}
	}
}

// send sends r (its Path an absolute URL) with the browser's cookies.
func (b *browser) send(r *req) reply {
	b.t.Helper()
	hr, err := http.NewRequest(r.Method, r.Path, r.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	hr.Header = r.Header.Clone()
	return b.doRequest(hr)
}

// TestPathPrefixBareMount: with a prefix, Mount's catch-alls take the bare
// /api/auth and /api/users (GET /api/users is the listing), and leave /auth
// and /users to the host.
func TestPathPrefixBareMount(t *testing.T) {
	ta := newUserApp(t, func(o *Options[*user.User]) { o.PathPrefix = "/api/v1" })
	ta.handler = http.NewServeMux()
	ta.ua.Mount(ta.handler.(*http.ServeMux))
	for _, tc := range []struct {
		path   string
		status int
		json   bool
	}{
		{"/api/v1/auth", http.StatusNotFound, true},
		{"/api/v1/users", http.StatusUnauthorized, true}, // the listing, without a token
		{"/api/v1/users/", http.StatusNotFound, true},
		{"/auth", http.StatusNotFound, false},
		{"/users/me", http.StatusNotFound, false},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			res := ta.do(newReq("GET", tc.path))
			isJSON := res.Header.Get("Content-Type") == "application/json"
			if res.Status != tc.status || isJSON != tc.json {
				t.Fatalf("%d %q (JSON %v), want %d (JSON %v)", res.Status, res.Body, isJSON, tc.status, tc.json)
			}
		})
	}
}

// TestRoutersWithStripPrefix: without At, a router's paths stay relative to
// where it is mounted, for http.StripPrefix, as before At existed.
func TestRoutersWithStripPrefix(t *testing.T) {
	ta := newUserApp(t, nil)
	mux := http.NewServeMux()
	mux.Handle("/v2/auth/", http.StripPrefix("/v2/auth", ta.ua.RegisterHandler()))
	mux.Handle("/v2/auth/jwt/", http.StripPrefix("/v2/auth/jwt", ta.ua.AuthHandler("jwt")))
	mux.Handle("/v2/users/", http.StripPrefix("/v2/users", ta.ua.UsersHandler()))
	ta.handler = mux
	if res := ta.do(newReq("POST", "/v2/auth/register").JSON(`{"email":"king.arthur@camelot.bt","password":"guinevere"}`)); res.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	res := ta.do(newReq("POST", "/v2/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
	if res.Status != http.StatusOK {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	if res := ta.do(newReq("GET", "/v2/users/me").Bearer(res.JSON(t)["access_token"].(string))); res.Status != http.StatusOK {
		t.Fatalf("me: %d %s", res.Status, res.Body)
	}
}

func TestPathPrefixRefused(t *testing.T) {
	for _, prefix := range []string{"api", "/", "/api/", "/api//v1", "/api/../v1", "/api/./v1", "/{id}", "/a b", "/a;b", "/a%2fb", "/a\\b", "/a\x00"} {
		t.Run(prefix, func(t *testing.T) {
			_, err := New(Options[*user.User]{Store: memory.New[*user.User](), Secret: testSecret, Backends: testBackends(), PathPrefix: prefix})
			if err == nil || !strings.Contains(err.Error(), "PathPrefix") {
				t.Fatalf("New with PathPrefix %q: %v, want an error naming PathPrefix", prefix, err)
			}
		})
	}
}

// TestAtPanics: At with an unusable path, or placing a cookie backend's
// refresh route where its refresh cookie is not sent, is a programming
// error found when the handler is built.
func TestAtPanics(t *testing.T) {
	refresh := func(o *Options[*user.User]) {
		o.Backends[1].Refresh = &backend.RefreshConfig{Store: memory.NewRefreshStore(), Lifetime: time.Hour, MaxLifetime: 24 * time.Hour}
	}
	ta := newUserApp(t, refresh)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"relative path", func() { ta.ua.UsersHandler(At("api/users")) }},
		{"trailing slash", func() { ta.ua.RegisterHandler(At("/api/auth/")) }},
		{"refresh cookie elsewhere", func() { ta.ua.AuthHandler("cookie", At("/api/auth/cookie")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
	// Where the default Path covers the route, or the transport is a
	// bearer one, At is fine.
	ta.ua.AuthHandler("cookie", At("/auth/cookie"))
	ta.ua.AuthHandler("jwt", At("/elsewhere/jwt"))
	if !pathMatch("/api/auth/cookie/refresh", "/api/") || pathMatch("/api/authx", "/api/auth") || !pathMatch("/api/auth", "/api/auth") {
		t.Fatal("pathMatch disagrees with RFC 6265 section 5.1.4")
	}
}

package usersauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/usersauth/usersauth/internal/wire"
)

// route is one pattern of a router, relative to where the router is mounted.
type route struct {
	method, path string
	handler      http.HandlerFunc
}

func (a *UsersAuth[U]) registerRoutes(prefix string) []route {
	return []route{{http.MethodPost, prefix + "/register", a.handleRegister}}
}

func (a *UsersAuth[U]) resetRoutes(prefix string) []route {
	return []route{
		{http.MethodPost, prefix + "/forgot-password", a.handleForgotPassword},
		{http.MethodPost, prefix + "/reset-password", a.handleResetPassword},
	}
}

func (a *UsersAuth[U]) verifyRoutes(prefix string) []route {
	return []route{
		{http.MethodPost, prefix + "/request-verify-token", a.handleRequestVerify},
		{http.MethodPost, prefix + "/verify", a.handleVerify},
	}
}

// authRoutes are the routes of one backend.
func (a *UsersAuth[U]) authRoutes(prefix string, m *mounted) []route {
	routes := []route{
		{http.MethodPost, prefix + "/login", a.loginHandler(m)},
		{http.MethodPost, prefix + "/logout", a.logoutHandler(m)},
		{http.MethodPost, prefix + "/logout-all", a.logoutAllHandler(m)},
	}
	if m.refresher != nil {
		routes = append(routes, route{http.MethodPost, prefix + "/refresh", a.refreshHandler(m)})
	}
	routes = append(routes, a.twoFactorLoginRoutes(prefix, m)...)
	return append(routes, a.passkeyLoginRoutes(prefix, m)...) // /passkey/begin, /finish, with Passkeys
}

func (a *UsersAuth[U]) usersRoutes(prefix string) []route {
	routes := []route{
		{http.MethodGet, prefix + "/me", a.handleGetMe},
		{http.MethodPatch, prefix + "/me", a.handlePatchMe},
		{http.MethodGet, prefix + "/{id}", a.handleGetUser},
		{http.MethodPatch, prefix + "/{id}", a.handlePatchUser},
		{http.MethodDelete, prefix + "/{id}", a.handleDeleteUser},
	}
	if a.listUsers {
		// GET /users (ours), where the store can page through users; GET /
		// of the router alone.
		path := prefix
		if path == "" {
			path = "/{$}"
		}
		routes = append(routes, route{http.MethodGet, path, a.handleListUsers})
	}
	routes = append(routes, a.sessionsRoutes(prefix)...)       // /me/sessions, /{id}/sessions (ours)
	routes = append(routes, a.twoFactorUsersRoutes(prefix)...) // /me/2fa/..., with TwoFactor
	routes = append(routes, a.passkeyUsersRoutes(prefix)...)   // /me/passkeys/..., with Passkeys
	return append(routes, a.oauthUsersRoutes(prefix)...)       // DELETE /me/oauth/{provider}, with OAuth
}

// Handler returns every route of the contract at its default path, under
// Options.PathPrefix: /auth/register, /auth/forgot-password,
// /auth/reset-password, /auth/request-verify-token, /auth/verify,
// /auth/{backend}/login, /logout and /logout-all for each backend (and
// /refresh for a backend with refresh tokens), the OAuth routes of each
// provider, /users/me and /users/{id}, the session routes under
// /users/me/sessions and /users/{id}/sessions, GET /users when the store can
// list users (user.UserLister); with TwoFactor or Passkeys, the second step
// and the routes of second factors and passkeys (see their Options).
// Unknown paths answer 404 and unknown methods 405, in JSON. It matches the
// request's whole URL path, so it is mounted where a router passes the path
// on unchanged: chi's r.Mount("/api", ua.Handler()) with PathPrefix "/api",
// a gin or echo wildcard route, or a ServeMux pattern.
func (a *UsersAuth[U]) Handler() http.Handler {
	return a.newRouter(a.allRoutes())
}

func (a *UsersAuth[U]) allRoutes() []route {
	auth := a.prefix + "/auth"
	routes := a.registerRoutes(auth)
	routes = append(routes, a.resetRoutes(auth)...)
	routes = append(routes, a.verifyRoutes(auth)...)
	for _, m := range a.backends {
		routes = append(routes, a.authRoutes(auth+"/"+m.Name, m)...)
	}
	routes = append(routes, a.allOAuthRoutes(auth)...) // OAuth providers (oauth_routes.go)
	return append(routes, a.usersRoutes(a.prefix+"/users")...)
}

// Mount registers every route of Handler on mux, at its default path under
// Options.PathPrefix, plus catch-alls for /auth, /users and every path under
// them that answer unknown paths 404 and unknown methods 405 in JSON, as
// FastAPI does (the standard library's mux would redirect /auth to /auth/).
// The routes are registered one by one rather than behind a prefix, so a
// request is matched once, by the host's mux; the host's own more specific
// patterns (say, GET /users/me/avatar) still win.
func (a *UsersAuth[U]) Mount(mux *http.ServeMux) {
	routes := a.allRoutes()
	rt := a.newRouter(routes)
	for _, r := range routes {
		mux.Handle(r.method+" "+r.path, rt.guard(r.handler))
	}
	unmatched := rt.guard(rt.unmatched)
	for _, p := range []string{"/auth", "/auth/", "/users", "/users/"} {
		mux.Handle(a.prefix+p, unmatched)
	}
}

// NotFoundHandler answers every request 404 {"detail": "Not Found"}, as
// FastAPI answers a path it has no route for: mount it at "/" so that the
// host's unknown paths answer in the contract's format too.
func (a *UsersAuth[U]) NotFoundHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wire.WriteProblem(w, wire.NewProblem(http.StatusNotFound))
	})
}

// HandlerOption places a router served on its own (RegisterHandler,
// AuthHandler, UsersHandler and the others).
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	at string // the path the router is mounted at, "" for paths relative to it
}

// At serves a router's routes under path, the full URL path where the host
// mounts it, so that no http.StripPrefix is needed:
// mux.Handle("/api/auth/jwt/", ua.AuthHandler("jwt", usersauth.At("/api/auth/jwt")))
// serves POST /api/auth/jwt/login. Options.PathPrefix does not apply: path
// is the whole path. It starts with "/" and does not end with one; the
// handler panics on any other, a programming error found at startup.
// Without At, a router's paths are relative to where it is mounted (POST
// /login), for http.StripPrefix.
func At(path string) HandlerOption {
	return func(c *handlerConfig) { c.at = path }
}

// handlerPath returns the path opts place a router at.
func handlerPath(opts []HandlerOption) string {
	var c handlerConfig
	for _, o := range opts {
		o(&c)
	}
	if c.at != "" {
		if err := checkPrefix(c.at); err != nil {
			panic(fmt.Sprintf("usersauth: At(%q): %v", c.at, err))
		}
	}
	return c.at
}

// checkPrefix reports what makes p unusable as a path prefix: it must be
// empty or an absolute, clean URL path without a trailing slash, that a
// ServeMux pattern and a cookie's Path can hold as it is.
func checkPrefix(p string) error {
	switch {
	case p == "":
		return nil
	case p[0] != '/':
		return errors.New("must start with /")
	case p == "/" || strings.HasSuffix(p, "/"):
		return errors.New("must not end with /")
	case path.Clean(p) != p:
		return errors.New("must be a clean path (no //, . or .. segments)")
	case strings.ContainsAny(p, "{}%;\\"):
		return errors.New("must not hold {, }, %, ; or a backslash")
	}
	for _, c := range p {
		if c <= ' ' || c == 0x7f {
			return errors.New("must not hold spaces or control characters")
		}
	}
	return nil
}

// RegisterHandler returns the register router alone: POST /register. Mount
// it under a prefix of your choice with At, e.g.
// mux.Handle("/api/auth/", ua.RegisterHandler(usersauth.At("/api/auth"))),
// or with http.StripPrefix.
func (a *UsersAuth[U]) RegisterHandler(opts ...HandlerOption) http.Handler {
	return a.newRouter(a.registerRoutes(handlerPath(opts)))
}

// ResetPasswordHandler returns the reset-password router alone: POST
// /forgot-password and POST /reset-password, to mount under a prefix of your
// choice (see At).
func (a *UsersAuth[U]) ResetPasswordHandler(opts ...HandlerOption) http.Handler {
	return a.newRouter(a.resetRoutes(handlerPath(opts)))
}

// VerifyHandler returns the verification router alone: POST
// /request-verify-token and POST /verify, to mount under a prefix of your
// choice (see At).
func (a *UsersAuth[U]) VerifyHandler(opts ...HandlerOption) http.Handler {
	return a.newRouter(a.verifyRoutes(handlerPath(opts)))
}

// AuthHandler returns the auth router of the named backend alone: POST
// /login, /logout, /logout-all, /refresh when the backend has refresh
// tokens, /login/2fa with TwoFactor or Passkeys, and /passkey/begin and
// /passkey/finish with Passkeys, to mount under a prefix of your choice (see At). A refresh cookie's
// Path names the refresh route: when the backend's cookie transport carries
// refresh tokens, set backend.RefreshConfig.Path to where /refresh ends up.
// It panics if no backend has that name, or if At places /refresh where
// that cookie would not be sent: programming errors found at startup.
func (a *UsersAuth[U]) AuthHandler(name string, opts ...HandlerOption) http.Handler {
	m := a.backend(name)
	if m == nil {
		panic(fmt.Sprintf("usersauth: no backend named %q", name))
	}
	at := handlerPath(opts)
	if at != "" && m.refresher != nil && m.Transport.CookieBased() && !pathMatch(at+"/refresh", m.refresher.Path()) {
		panic(fmt.Sprintf("usersauth: backend %q: its refresh cookie's Path %q does not cover %s/refresh: set RefreshConfig.Path", name, m.refresher.Path(), at))
	}
	return a.newRouter(a.authRoutes(at, m))
}

// pathMatch reports whether a cookie with Path cookiePath is sent to
// requestPath (RFC 6265 section 5.1.4).
func pathMatch(requestPath, cookiePath string) bool {
	if !strings.HasPrefix(requestPath, cookiePath) {
		return false
	}
	return len(requestPath) == len(cookiePath) || strings.HasSuffix(cookiePath, "/") || requestPath[len(cookiePath)] == '/'
}

// UsersHandler returns the users router alone: GET and PATCH /me, GET, PATCH
// and DELETE /{id}, the session routes (/me/sessions, /{id}/sessions), GET /
// (the listing, when the store lists users), and the routes under /me/2fa
// and /me/passkeys when those are on, to mount under a prefix of your
// choice (see At).
func (a *UsersAuth[U]) UsersHandler(opts ...HandlerOption) http.Handler {
	return a.newRouter(a.usersRoutes(handlerPath(opts)))
}

// router serves a set of routes with the contract's JSON answers for
// unknown paths (404) and methods (405), and turns a panic into a 500.
type router struct {
	mux *http.ServeMux
	log *slog.Logger
}

func (a *UsersAuth[U]) newRouter(routes []route) *router {
	rt := &router{mux: http.NewServeMux(), log: a.log}
	for _, r := range routes {
		rt.mux.HandleFunc(r.method+" "+r.path, r.handler)
	}
	rt.mux.HandleFunc("/", rt.unmatched)
	return rt
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer rt.recover(w, r)
	rt.mux.ServeHTTP(w, r)
}

// guard wraps a handler mounted on a host's mux with the panic recovery the
// router gives its own routes.
func (rt *router) guard(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer rt.recover(w, r)
		h(w, r)
	})
}

// recover turns a panic into a 500 in the contract's format, so the client
// gets an answer rather than a dropped connection, and logs it.
func (rt *router) recover(w http.ResponseWriter, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	// The panic value may hold anything, secrets included; only runtime
	// errors (nil dereference, index out of range) are safe to log.
	attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("stack", string(debug.Stack()))}
	if re, ok := p.(runtime.Error); ok {
		attrs = append(attrs, slog.String("error", re.Error()))
	}
	rt.log.LogAttrs(hookContext(r), slog.LevelError, "panic serving request", attrs...)
	wire.WriteProblem(w, wire.NewProblem(http.StatusInternalServerError))
}

var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unmatched answers a request no route took: 405 with Allow when the path
// exists under another method, 404 otherwise.
func (rt *router) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range probeMethods {
		probe := *r
		probe.Method = m
		if _, pattern := rt.mux.Handler(&probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		wire.WriteProblem(w, wire.NewProblem(http.StatusNotFound))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	wire.WriteProblem(w, wire.NewProblem(http.StatusMethodNotAllowed))
}

package usersauth

import (
	"fmt"
	"net/http"

	"github.com/usersauth/usersauth/internal/wire"
)

func (a *UsersAuth[U]) oauthRoutes(prefix string, p *oauthProvider) []route {
	return []route{
		{http.MethodGet, prefix + "/authorize", a.authorizeHandler(p, false)},
		{http.MethodGet, prefix + "/callback", getOnly(a.callbackHandler(p))},
	}
}

func (a *UsersAuth[U]) associateRoutes(prefix string, p *oauthProvider) []route {
	return []route{
		{http.MethodGet, prefix + "/authorize", a.authorizeHandler(p, true)},
		{http.MethodGet, prefix + "/callback", getOnly(a.associateCallbackHandler(p))},
	}
}

// getOnly answers HEAD, which a GET route also serves, with 405: an OAuth
// callback uses up its single-use state, and a link checker's or a
// prefetcher's HEAD must not spend the user's sign-in.
func getOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			wire.WriteProblem(w, wire.NewProblem(http.StatusMethodNotAllowed))
			return
		}
		h(w, r)
	}
}

// allOAuthRoutes lists every provider's routes at their default paths
// under auth, the path of the auth routers: {auth}/{name}/... and
// {auth}/associate/{name}/....
func (a *UsersAuth[U]) allOAuthRoutes(auth string) []route {
	if a.oauth == nil {
		return nil
	}
	var routes []route
	for _, p := range a.oauth.providers {
		routes = append(routes, a.oauthRoutes(auth+"/"+p.name(), p)...)
		if p.flow.AssociateRedirectURL() != "" {
			routes = append(routes, a.associateRoutes(auth+"/associate/"+p.name(), p)...)
		}
	}
	return routes
}

// oauthUsersRoutes is the unlink route of the users router, when OAuth
// providers are configured.
func (a *UsersAuth[U]) oauthUsersRoutes(prefix string) []route {
	if a.oauth == nil || len(a.oauth.providers) == 0 {
		return nil
	}
	return []route{{http.MethodDelete, prefix + "/me/oauth/{provider}", a.handleUnlinkOAuth}}
}

// OAuthHandler returns the OAuth router of the named provider alone: GET
// /authorize and GET /callback, to mount under a prefix of your choice (see
// At); the provider's RedirectURL must then name that callback. It panics if
// no provider has that name, a programming error found at startup.
func (a *UsersAuth[U]) OAuthHandler(name string, opts ...HandlerOption) http.Handler {
	p := a.mustProvider(name)
	return a.newRouter(a.oauthRoutes(handlerPath(opts), p))
}

// OAuthAssociateHandler returns the association router of the named
// provider alone: GET /authorize and GET /callback for a signed-in user, to
// mount under a prefix of your choice (see At). It panics if no provider
// has that name or it has no AssociateRedirectURL.
func (a *UsersAuth[U]) OAuthAssociateHandler(name string, opts ...HandlerOption) http.Handler {
	p := a.mustProvider(name)
	if p.flow.AssociateRedirectURL() == "" {
		panic(fmt.Sprintf("usersauth: OAuth provider %q has no AssociateRedirectURL", name))
	}
	return a.newRouter(a.associateRoutes(handlerPath(opts), p))
}

func (a *UsersAuth[U]) mustProvider(name string) *oauthProvider {
	p := a.oauth.provider(name)
	if p == nil {
		panic(fmt.Sprintf("usersauth: no OAuth provider named %q", name))
	}
	return p
}

package usersauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/internal/oauthflow"
	"github.com/usersauth/usersauth/internal/wire"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/user"
)

// authorizeHandler serves GET /auth/{name}/authorize and, for an
// association, GET /auth/associate/{name}/authorize: it answers the
// provider's authorization URL and sets the CSRF cookie its state is bound
// to.
func (a *UsersAuth[U]) authorizeHandler(p *oauthProvider, associate bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.authorize(w, r, p, associate); err != nil {
			a.writeError(w, r, opOther, err)
		}
	}
}

func (a *UsersAuth[U]) authorize(w http.ResponseWriter, r *http.Request, p *oauthProvider, associate bool) error {
	var sub string
	if associate {
		s, err := a.current(r, a.userReq)
		if err != nil {
			return err
		}
		sub = s.user.UserBase().ID.String()
	}
	q, err := p.flow.ParseAuthorizeQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	az, err := p.flow.Authorize(a.oauth.rand, associate, sub, q)
	if err != nil {
		return err
	}
	http.SetCookie(w, p.flow.CSRFCookie(az.CSRF, int(StateLifetime/time.Second)))
	w.Header().Set("Cache-Control", "no-store")
	body := wire.AppendString([]byte(`{"authorization_url":`), az.URL)
	wire.WriteJSON(w, http.StatusOK, append(body, '}'))
	return nil
}

// readCallback checks the provider's redirect back (oauthflow.ReadCallback)
// and sets what every answer of a callback carries: no caching (it may carry
// a session), no Referer (its URL holds the code), and, once the state
// matched this browser's CSRF cookie, the cookie cleared, as the state it
// guarded works once. A stray or forged callback leaves the cookie, so it
// cannot break the genuine one of the same sign-in.
func (a *UsersAuth[U]) readCallback(w http.ResponseWriter, r *http.Request, p *oauthProvider, userID *uuid.UUID) (oauthflow.Callback, error) {
	callbackHeaders(w)
	if err := a.limiter.perAddress(r, "oauth-callback", a.limiter.limits.OAuthCallback); err != nil {
		return oauthflow.Callback{}, err
	}
	cb, err := p.flow.ReadCallback(r, a.oauth.states, userID)
	if cb.CSRFMatched {
		http.SetCookie(w, p.flow.CSRFCookie("", -1))
	}
	if errors.Is(err, oauthflow.ErrReplayed) {
		a.log.LogAttrs(hookContext(r), slog.LevelWarn, "oauth state replayed", slog.String("provider", p.name()))
	}
	return cb, err
}

// callbackHeaders keeps a callback's answer out of caches (it may carry a
// session) and its URL, which holds the code, out of Referer headers.
func callbackHeaders(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// exchange redeems the callback's code and returns what the provider said
// about the user, ready for the Manager.
func (a *UsersAuth[U]) exchange(r *http.Request, p *oauthProvider, cb oauthflow.Callback, redirectURL string) (user.OAuthSignIn, error) {
	pkce, nonce, err := p.flow.Derive(cb.State.CSRF)
	if err != nil {
		return user.OAuthSignIn{}, err
	}
	provider := p.flow.Provider()
	tok, id, err := provider.Exchange(r.Context(), cb.Code, redirectURL, pkce, nonce)
	if err != nil {
		var pe *oauth.ProviderError
		switch {
		case errors.Is(err, oauth.ErrNoEmail), errors.Is(err, oauth.ErrInvalidProvider):
		case errors.As(err, &pe) && pe.Code != "":
		default:
			err = fmt.Errorf("%w: %s: %w", errProviderFailed, provider.Name, err)
		}
		return user.OAuthSignIn{}, err
	}
	in := user.OAuthSignIn{
		OAuthName: provider.Name, AccountID: id.AccountID, AccountEmail: id.Email, EmailVerified: id.EmailVerified,
		AccessToken: tok.AccessToken, AssociateByEmail: p.associateByEmail, IsVerifiedByDefault: p.isVerifiedByDefault,
		AllowUnverifiedEmail: p.allowUnverified,
	}
	if !tok.Expiry.IsZero() {
		exp := tok.Expiry.Unix()
		in.ExpiresAt = &exp
	}
	if tok.RefreshToken != "" {
		in.RefreshToken = &tok.RefreshToken
	}
	return in, nil
}

// callbackHandler serves GET /auth/{name}/callback: the provider's redirect
// back, which signs the user in (creating the user on first sign-in) and
// answers as the backend's login does, or, with a frontend redirect in the
// state, 303 to it carrying the same session.
func (a *UsersAuth[U]) callbackHandler(p *oauthProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cb, err := a.readCallback(w, r, p, nil)
		var t tokens
		if err == nil {
			t, err = a.oauthSignIn(r, p, cb)
		}
		switch {
		case err != nil:
			a.oauthFail(w, r, cb.Redirect, err)
		case cb.Redirect == nil:
			// The backend's own login answer, refresh token included when
			// the backend issues them.
			if err := p.backend.writeLogin(w, t); err != nil {
				a.writeError(w, r, opLogin, err)
			}
		default:
			if err := a.redirectLogin(w, p.backend, t, cb.Redirect); err != nil {
				a.writeError(w, r, opLogin, err)
			}
		}
	}
}

// oauthSignIn exchanges the callback's code, signs the user in through the
// Manager (which applies the sign-in policy), and issues the session.
func (a *UsersAuth[U]) oauthSignIn(r *http.Request, p *oauthProvider, cb oauthflow.Callback) (tokens, error) {
	in, err := a.exchange(r, p, cb, p.flow.RedirectURL())
	if err != nil {
		return tokens{}, err
	}
	ctx := hookContext(r)
	u, err := a.manager.OAuthCallback(ctx, in)
	if sf, ok := errors.AsType[*user.SecondFactorRequiredError](err); ok {
		return tokens{}, a.startSecondStep(ctx, p.backend, u, sf)
	}
	if err != nil {
		return tokens{}, err
	}
	return a.issue(ctx, p.backend, u)
}

// redirectLogin answers a sign-in whose state carries a frontend redirect:
// 303 to it, with the session the backend's login answer would carry. A
// cookie backend's cookies (the refresh cookie too) go out with the
// redirect; a bearer backend's tokens go in the URL's fragment, which the
// browser keeps from every server.
func (a *UsersAuth[U]) redirectLogin(w http.ResponseWriter, m *mounted, t tokens, redirect *url.URL) error {
	if !m.Transport.CookieBased() {
		var refresh string
		if t.refresh != nil {
			refresh = t.refresh.Token
		}
		seeOther(w, oauthflow.WithTokens(redirect, t.access, refresh))
		return nil
	}
	rec := headerRecorder{http.Header{}}
	if err := m.writeLogin(rec, t); err != nil {
		return err
	}
	for _, c := range rec.h["Set-Cookie"] {
		w.Header().Add("Set-Cookie", c)
	}
	seeOther(w, redirect.String())
	return nil
}

// associateCallbackHandler serves GET /auth/associate/{name}/callback: the
// provider's account is linked to the signed-in user, who must be the one
// the state was made for. It answers the user (200), or 303 to the frontend
// redirect.
func (a *UsersAuth[U]) associateCallbackHandler(p *oauthProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := a.current(r, a.userReq)
		if err != nil {
			callbackHeaders(w)
			a.writeError(w, r, opOther, err)
			return
		}
		id := s.user.UserBase().ID
		cb, err := a.readCallback(w, r, p, &id)
		u := s.user
		if err == nil {
			u, err = a.associate(r, p, cb, s.user)
		}
		switch {
		case err != nil:
			a.oauthFail(w, r, cb.Redirect, err)
		case cb.Redirect != nil:
			seeOther(w, cb.Redirect.String())
		default:
			if err := a.writeMe(w, r, http.StatusOK, u); err != nil {
				a.writeError(w, r, opOther, err)
			}
		}
	}
}

func (a *UsersAuth[U]) associate(r *http.Request, p *oauthProvider, cb oauthflow.Callback, u U) (U, error) {
	in, err := a.exchange(r, p, cb, p.flow.AssociateRedirectURL())
	if err != nil {
		var zero U
		return zero, err
	}
	return a.manager.OAuthAssociate(hookContext(r), u, in)
}

// oauthFail answers a failed callback: in JSON, or, once the state is known
// genuine and carries a frontend redirect, 303 to it with error=<detail>,
// the detail the JSON answer would have (a code such as
// OAUTH_USER_ALREADY_EXISTS, or a reason phrase); a second step required
// is ?error=LOGIN_2FA_REQUIRED with the ticket and methods in the fragment.
func (a *UsersAuth[U]) oauthFail(w http.ResponseWriter, r *http.Request, redirect *url.URL, err error) {
	p := a.problemFor(r, opOther, err)
	if redirect == nil {
		wire.WriteProblem(w, p)
		return
	}
	if sr, ok := errors.AsType[*secondStepRequired](err); ok {
		// The ticket goes in the fragment, which no browser sends to a
		// server nor puts in a Referer; the frontend completes the second
		// step at /auth/{backend}/login/2fa.
		seeOther(w, oauthflow.WithSecondStep(redirect, sr.step.Code, sr.step.Ticket, sr.step.Methods))
		return
	}
	code, ok := p.Detail.(string)
	if !ok {
		code = http.StatusText(p.Status)
	}
	seeOther(w, oauthflow.WithError(redirect, code))
}

// seeOther answers 303 to location, without a body.
func seeOther(w http.ResponseWriter, location string) {
	w.Header().Del("Content-Type")
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusSeeOther)
}

// headerRecorder is a ResponseWriter that keeps only the headers written to
// it.
type headerRecorder struct{ h http.Header }

func (rec headerRecorder) Header() http.Header         { return rec.h }
func (rec headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (rec headerRecorder) WriteHeader(int)             {}

// handleUnlinkOAuth serves DELETE /users/me/oauth/{provider} (ours): 204
// once the user's accounts at that provider are unlinked; 404 when there are
// none; 400 OAUTH_LAST_SIGN_IN_METHOD when they are the user's last way to
// sign in.
func (a *UsersAuth[U]) handleUnlinkOAuth(w http.ResponseWriter, r *http.Request) {
	s, err := a.current(r, a.userReq)
	if err == nil {
		err = a.manager.UnlinkOAuthAccounts(hookContext(r), s.user, r.PathValue("provider"))
	}
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	wire.WriteNoContent(w)
}

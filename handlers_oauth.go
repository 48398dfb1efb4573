package usersauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/oauth"
	"github.com/usersauth/usersauth/user"
)

// errProviderFailed wraps a failure of the provider's side of the exchange
// that is not a refusal it explained (an unreachable endpoint, an answer
// that is not what the protocol says, an ID token that does not verify):
// 502 Bad Gateway.
var errProviderFailed = errors.New("usersauth: identity provider failed")

// authorizeHandler serves GET /auth/{name}/authorize and, for an
// association, GET /auth/associate/{name}/authorize: it answers the
// provider's authorization URL and sets the CSRF cookie its state is bound
// to.
func (a *UsersAuth[U]) authorizeHandler(p *oauthRoute, associate bool) http.HandlerFunc {
	redirectURL := p.redirectURL
	if associate {
		redirectURL = p.associateRedirectURL
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var sub string
		if associate {
			s, err := a.current(r, a.userReq)
			if err != nil {
				a.writeError(w, r, opOther, err)
				return
			}
			sub = s.user.UserBase().ID.String()
		}
		q, err := parseAuthorizeQuery(r.URL.RawQuery, p.origins)
		if err != nil {
			a.writeError(w, r, opOther, err)
			return
		}
		state, csrf, err := p.mintState(a.oauth.rand, sub, q.redirect)
		if err != nil {
			a.writeError(w, r, opOther, err)
			return
		}
		pkce, nonce, err := p.derive(csrf)
		if err != nil {
			a.writeError(w, r, opOther, err)
			return
		}
		authURL, err := p.provider.AuthCodeURL(redirectURL, state, pkce, nonce, q.scopes)
		if err != nil {
			a.writeError(w, r, opOther, err)
			return
		}
		http.SetCookie(w, p.csrfCookie(csrf, int(StateLifetime/time.Second)))
		w.Header().Set("Cache-Control", "no-store")
		body := appendString([]byte(`{"authorization_url":`), authURL)
		writeJSON(w, http.StatusOK, append(body, '}'))
	}
}

// callback is a provider's redirect back that passed every check of the
// state: what the exchange needs.
type callback struct {
	code  string
	state oauthState
}

// readCallback checks the provider's redirect back in the contract's order:
// the provider's error or a missing code, the state's signature and expiry,
// the CSRF cookie, the provider, for an association the user (userID not
// nil), and last, that the state was not used before, which records its use.
// The returned redirect is the state's frontend redirect once the state is
// known genuine, where failures are then reported.
func (a *UsersAuth[U]) readCallback(r *http.Request, p *oauthRoute, userID *uuid.UUID) (callback, *url.URL, error) {
	q, err := parseCallbackQuery(r.URL.RawQuery)
	if err != nil {
		return callback{}, nil, err
	}
	code, _, cbErr := p.provider.ParseCallback(q)
	st, stErr := oauthState{}, errStateUndecodable
	if raw := q.Get("state"); raw != "" {
		st, stErr = p.readState(raw)
	}
	redirect := st.redirect
	switch {
	case cbErr != nil:
		return callback{}, redirect, cbErr
	case stErr != nil:
		return callback{}, redirect, stErr
	}
	if err := p.checkCSRF(r, st); err != nil {
		return callback{}, redirect, err
	}
	if userID != nil {
		if sub, err := uuid.Parse(st.sub); err != nil || sub != *userID {
			return callback{}, redirect, errStateOtherUser
		}
	}
	first, err := a.oauth.states.Use(r.Context(), auth.TokenDigest(st.csrf), st.expires)
	if err != nil {
		return callback{}, redirect, err
	}
	if !first {
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "oauth state replayed", slog.String("provider", p.provider.Name))
		return callback{}, redirect, errInvalidState
	}
	return callback{code: code, state: st}, redirect, nil
}

// exchange redeems the callback's code and returns what the provider said
// about the user, ready for the Manager.
func (a *UsersAuth[U]) exchange(r *http.Request, p *oauthRoute, cb callback, redirectURL string) (user.OAuthSignIn, error) {
	pkce, nonce, err := p.derive(cb.state.csrf)
	if err != nil {
		return user.OAuthSignIn{}, err
	}
	tok, id, err := p.provider.Exchange(r.Context(), cb.code, redirectURL, pkce, nonce)
	if err != nil {
		var pe *oauth.ProviderError
		switch {
		case errors.Is(err, oauth.ErrNoEmail), errors.Is(err, oauth.ErrInvalidProvider):
		case errors.As(err, &pe) && pe.Code != "":
		default:
			err = fmt.Errorf("%w: %s: %w", errProviderFailed, p.provider.Name, err)
		}
		return user.OAuthSignIn{}, err
	}
	in := user.OAuthSignIn{
		OAuthName: p.provider.Name, AccountID: id.AccountID, AccountEmail: id.Email, EmailVerified: id.EmailVerified,
		AccessToken: tok.AccessToken, AssociateByEmail: p.associateByEmail, IsVerifiedByDefault: p.isVerifiedByDefault,
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
// state, 303 to it.
func (a *UsersAuth[U]) callbackHandler(p *oauthRoute) http.HandlerFunc {
	be := p.backend
	return func(w http.ResponseWriter, r *http.Request) {
		startCallback(w, p)
		cb, redirect, err := a.readCallback(r, p, nil)
		var in user.OAuthSignIn
		if err == nil {
			in, err = a.exchange(r, p, cb, p.redirectURL)
		}
		ctx := hookContext(r)
		var u U
		if err == nil {
			u, err = a.manager.OAuthCallback(ctx, in)
		}
		if err == nil && !u.UserBase().IsActive {
			err = user.ErrInvalidCredentials
		}
		if err == nil && a.requireVerification && !u.UserBase().IsVerified {
			err = user.ErrNotVerified
		}
		if err == nil && redirect == nil {
			// The backend's own login answer, refresh token included when
			// the backend issues them.
			if err = a.writeLogin(ctx, w, p.backendIndex, u); err != nil {
				a.writeError(w, r, opLogin, err)
			}
			return
		}
		var token string
		if err == nil {
			token, err = be.Strategy.WriteToken(ctx, u.UserBase())
		}
		if err != nil {
			a.oauthFail(w, r, redirect, err)
			return
		}
		a.manager.AfterLogin(ctx, u)
		switch {
		case be.Transport.CookieBased():
			// The transport's cookies go out with the redirect instead of
			// its own answer.
			rec := headerRecorder{http.Header{}}
			if err = be.Transport.WriteLogin(rec, token); err == nil {
				for _, c := range rec.h["Set-Cookie"] {
					w.Header().Add("Set-Cookie", c)
				}
				seeOther(w, redirect.String())
			}
		default:
			seeOther(w, withToken(redirect, token))
		}
		if err != nil {
			a.writeError(w, r, opLogin, err)
		}
	}
}

// associateCallbackHandler serves GET /auth/associate/{name}/callback: the
// provider's account is linked to the signed-in user, who must be the one
// the state was made for. It answers the user (200), or 303 to the frontend
// redirect.
func (a *UsersAuth[U]) associateCallbackHandler(p *oauthRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		startCallback(w, p)
		s, err := a.current(r, a.userReq)
		if err != nil {
			a.writeError(w, r, opOther, err)
			return
		}
		id := s.user.UserBase().ID
		cb, redirect, err := a.readCallback(r, p, &id)
		var in user.OAuthSignIn
		if err == nil {
			in, err = a.exchange(r, p, cb, p.associateRedirectURL)
		}
		u := s.user
		if err == nil {
			u, err = a.manager.OAuthAssociate(hookContext(r), s.user, in)
		}
		switch {
		case err != nil:
			a.oauthFail(w, r, redirect, err)
		case redirect != nil:
			seeOther(w, redirect.String())
		default:
			a.writeUserWithAccounts(w, r, http.StatusOK, u)
		}
	}
}

// startCallback sets what every answer of a callback carries: no caching
// (it may carry a session), no Referer (its URL holds the code), and the
// CSRF cookie cleared, as the state it guarded works once.
func startCallback(w http.ResponseWriter, p *oauthRoute) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.SetCookie(w, p.csrfCookie("", -1))
}

// oauthFail answers a failed callback: in JSON, or, once the state is known
// genuine and carries a frontend redirect, 303 to it with error=<detail>,
// the detail the JSON answer would have (a code such as
// OAUTH_USER_ALREADY_EXISTS, or a reason phrase).
func (a *UsersAuth[U]) oauthFail(w http.ResponseWriter, r *http.Request, redirect *url.URL, err error) {
	p := a.problemFor(r, opOther, err)
	if redirect == nil {
		writeProblem(w, p)
		return
	}
	code, ok := p.detail.(string)
	if !ok {
		code = http.StatusText(p.status)
	}
	seeOther(w, withError(redirect, code))
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
	writeNoContent(w)
}

// writeUserWithAccounts answers u's public JSON, with "oauth_accounts" when
// Options.IncludeOAuthAccounts is set: each account's id, provider, account
// id, e-mail and expiry, never its tokens.
func (a *UsersAuth[U]) writeUserWithAccounts(w http.ResponseWriter, r *http.Request, status int, u U) {
	if a.oauth == nil || !a.oauth.includeAccounts {
		a.writeUser(w, r, status, u)
		return
	}
	accs, err := a.manager.OAuthAccounts(r.Context(), u)
	if err != nil {
		a.writeError(w, r, opOther, err)
		return
	}
	buf, err := a.encodeUser(nil, u)
	if err != nil || len(buf) == 0 || buf[len(buf)-1] != '}' {
		a.writeError(w, r, opOther, fmt.Errorf("usersauth: user JSON is not an object: %w", err))
		return
	}
	buf = append(buf[:len(buf)-1], `,"oauth_accounts":[`...)
	for i, acc := range accs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"id":"`...)
		buf = appendUUID(buf, acc.ID)
		buf = append(buf, `","oauth_name":`...)
		buf = appendString(buf, acc.OAuthName)
		buf = append(buf, `,"account_id":`...)
		buf = appendString(buf, acc.AccountID)
		buf = append(buf, `,"account_email":`...)
		buf = appendString(buf, acc.AccountEmail)
		buf = append(buf, `,"expires_at":`...)
		if acc.ExpiresAt == nil {
			buf = append(buf, "null"...)
		} else {
			buf = strconv.AppendInt(buf, *acc.ExpiresAt, 10)
		}
		buf = append(buf, '}')
	}
	writeJSON(w, status, append(buf, "]}"...))
}

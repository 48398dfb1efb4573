package usersauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usersauth/usersauth/internal/oauthflow"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

// associate runs the association flow for the browser's bearer user and
// returns the callback's answer.
func (b *browser) associate(e *oauthEnv, name, email string, params ...string) reply {
	b.t.Helper()
	return b.get(b.atProvider(b.authorize(e, "/auth/associate/"+name+"/authorize"), email, params...))
}

// TestOAuthAssociate links provider accounts to signed-in users.
func TestOAuthAssociate(t *testing.T) {
	t.Run("LinkThenSignIn", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		arthur := e.register("king.arthur@camelot.bt", "excalibur")
		b := e.browser()
		b.bearer = e.token("king.arthur@camelot.bt", "excalibur")
		authURL := b.authorize(e, "/auth/associate/dev/authorize")
		if sub := stateClaims(t, queryOf(t, authURL).Get("state"))["sub"]; sub != arthur.ID.String() {
			t.Fatalf("association state sub %v, want %v", sub, arthur.ID)
		}
		// The account's e-mail need not be the user's.
		r := b.get(b.atProvider(authURL, "arthur.pendragon@camelot.bt"))
		if r.Status != http.StatusOK || r.JSON(t)["id"] != arthur.ID.String() {
			t.Fatalf("associate callback: %d %s", r.Status, r.Body)
		}
		if _, ok := r.JSON(t)["oauth_accounts"]; ok {
			t.Error("oauth_accounts shown without IncludeOAuthAccounts")
		}
		accs := e.accounts(arthur.ID)
		if len(accs) != 1 || accs[0].AccountEmail != "arthur.pendragon@camelot.bt" {
			t.Fatalf("accounts %+v", accs)
		}
		// Linking again refreshes the same link.
		if r := b.associate(e, "dev", "arthur.pendragon@camelot.bt"); r.Status != http.StatusOK {
			t.Fatalf("second association: %d %s", r.Status, r.Body)
		}
		if accs := e.accounts(arthur.ID); len(accs) != 1 {
			t.Fatalf("accounts after linking again %+v, want one", accs)
		}
		// Signing in with the linked account is signing in as arthur.
		in := e.browser().signIn(e, "dev", "arthur.pendragon@camelot.bt")
		if in.Status != http.StatusOK || e.me(in.JSON(t)["access_token"].(string)).JSON(t)["id"] != arthur.ID.String() {
			t.Fatalf("sign-in with the linked account: %d %s", in.Status, in.Body)
		}
		if reg, logins := e.registered.Load(), e.logins.Load(); reg != 1 || logins != 2 {
			t.Errorf("AfterRegister %d, AfterLogin %d; want 1 (the password registration) and 2 (password and provider sign-ins, not the associations)", reg, logins)
		}
	})

	cases := []struct {
		name   string
		run    func(t *testing.T, e *oauthEnv, b *browser) reply
		Status int
		detail string
	}{
		{"AuthorizeWithoutUser", func(t *testing.T, e *oauthEnv, b *browser) reply {
			return b.get(e.app.URL + "/auth/associate/dev/authorize")
		}, 401, "Unauthorized"},
		{"CallbackWithoutUser", func(t *testing.T, e *oauthEnv, b *browser) reply {
			b.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
			cb := b.atProvider(b.authorize(e, "/auth/associate/dev/authorize"), "lancelot@camelot.bt")
			b.bearer = ""
			return b.get(cb)
		}, 401, "Unauthorized"},
		{"InactiveUser", func(t *testing.T, e *oauthEnv, b *browser) reply {
			u := e.register("lancelot@camelot.bt", "guinevere")
			b.bearer = e.bearerFor(u)
			e.set(u.ID, func(b *user.Base) { b.IsActive = false })
			return b.get(e.app.URL + "/auth/associate/dev/authorize")
		}, 401, "Unauthorized"},
		{"StateOfAnotherUser", func(t *testing.T, e *oauthEnv, b *browser) reply {
			// Lancelot's state and cookie, presented with Mordred's token.
			b.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
			cb := b.atProvider(b.authorize(e, "/auth/associate/dev/authorize"), "lancelot@camelot.bt")
			b.bearer = e.bearerFor(e.register("mordred@camelot.bt", "morgause"))
			return b.get(cb)
		}, 400, "Bad Request"},
		{"SignInState", func(t *testing.T, e *oauthEnv, b *browser) reply {
			b.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
			cb := b.atProvider(b.authorize(e, "/auth/dev/authorize"), "lancelot@camelot.bt")
			return b.get(strings.Replace(cb, "/auth/dev/callback", "/auth/associate/dev/callback", 1))
		}, 400, "Bad Request"},
		{"AccountOfAnotherUser", func(t *testing.T, e *oauthEnv, b *browser) reply {
			lancelot := e.browser()
			lancelot.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
			if r := lancelot.associate(e, "dev", "knight@camelot.bt"); r.Status != http.StatusOK {
				t.Fatalf("first association: %d %s", r.Status, r.Body)
			}
			b.bearer = e.bearerFor(e.register("mordred@camelot.bt", "morgause"))
			return b.associate(e, "dev", "knight@camelot.bt")
		}, 400, "OAUTH_USER_ALREADY_EXISTS"},
		{"MissingEmail", func(t *testing.T, e *oauthEnv, b *browser) reply {
			b.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
			return b.associate(e, "dev", "lancelot@camelot.bt", "dev_no_email", "1")
		}, 400, "OAUTH_NOT_AVAILABLE_EMAIL"},
		{"CSRFCookieMissing", func(t *testing.T, e *oauthEnv, b *browser) reply {
			b.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
			cb := b.atProvider(b.authorize(e, "/auth/associate/dev/authorize"), "lancelot@camelot.bt")
			b.setAppCookie(DefaultCSRFCookieName, "")
			return b.get(cb)
		}, 400, "OAUTH_INVALID_STATE"},
		{"ProviderError", func(t *testing.T, e *oauthEnv, b *browser) reply {
			b.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
			return b.associate(e, "dev", "lancelot@camelot.bt", "dev_error", "access_denied")
		}, 400, "access_denied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newOAuthEnv(t, nil)
			wantDetail(t, c.run(t, e, e.browser()), c.Status, c.detail)
		})
	}
	t.Run("NotConfigured", func(t *testing.T) {
		e := newOAuthEnv(t, func(c *oauthConfig) { c.opts.OAuth[0].AssociateRedirectURL = "" })
		b := e.browser()
		b.bearer = e.bearerFor(e.register("lancelot@camelot.bt", "guinevere"))
		wantDetail(t, b.get(e.app.URL+"/auth/associate/dev/authorize"), http.StatusNotFound, "Not Found")
	})
}

// TestOAuthAssociateByEmail: a sign-in with an account not linked yet is
// linked to the user with its e-mail only when the option is on and both
// the provider and the user verified the address.
func TestOAuthAssociateByEmail(t *testing.T) {
	for _, c := range []struct {
		name                    string
		option, provider, local bool
		linked                  bool
	}{
		{"Linked", true, true, true, true},
		{"OptionOff", false, true, true, false},
		{"ProviderDidNotVerify", true, false, true, false},
		{"UserDidNotVerify", true, true, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newOAuthEnv(t, func(cfg *oauthConfig) { cfg.opts.OAuth[0].AssociateByEmail = c.option })
			u := e.register("gawain@camelot.bt", "green-knight")
			e.set(u.ID, func(b *user.Base) { b.IsVerified = c.local })
			r := e.browser().signIn(e, "dev", "Gawain@camelot.bt", "dev_email_verified", map[bool]string{true: "true", false: "false"}[c.provider])
			if !c.linked {
				wantDetail(t, r, http.StatusBadRequest, "OAUTH_USER_ALREADY_EXISTS")
				if accs := e.accounts(u.ID); len(accs) != 0 {
					t.Fatalf("refused sign-in linked %+v", accs)
				}
				return
			}
			if r.Status != http.StatusOK || e.me(r.JSON(t)["access_token"].(string)).JSON(t)["id"] != u.ID.String() {
				t.Fatalf("sign-in by e-mail: %d %s", r.Status, r.Body)
			}
			if accs := e.accounts(u.ID); len(accs) != 1 {
				t.Fatalf("accounts %+v, want the new link", accs)
			}
			if e.registered.Load() != 1 {
				t.Error("linking by e-mail ran AfterRegister")
			}
		})
	}
}

// TestOAuthMeAccounts: with IncludeOAuthAccounts, GET /users/me lists the
// linked accounts, never their tokens.
func TestOAuthMeAccounts(t *testing.T) {
	e := newOAuthEnv(t, func(c *oauthConfig) { c.opts.IncludeOAuthAccounts = true })
	r := e.browser().signIn(e, "dev", "percival@camelot.bt")
	token := r.JSON(t)["access_token"].(string)
	me := e.me(token)
	u := e.userByEmail("percival@camelot.bt")
	acc := e.accounts(u.ID)[0]
	list, ok := me.JSON(t)["oauth_accounts"].([]any)
	if me.Status != http.StatusOK || !ok || len(list) != 1 {
		t.Fatalf("GET /users/me: %d %s", me.Status, me.Body)
	}
	got := list[0].(map[string]any)
	want := map[string]any{
		"id": acc.ID.String(), "oauth_name": "dev", "account_id": acc.AccountID,
		"account_email": "percival@camelot.bt", "expires_at": float64(*acc.ExpiresAt),
	}
	if len(got) != len(want) {
		t.Errorf("account keys %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if strings.Contains(string(me.Body), acc.AccessToken) || strings.Contains(string(me.Body), *acc.RefreshToken) {
		t.Fatal("GET /users/me shows the provider's tokens")
	}
	// A user without accounts gets an empty list; the association answer
	// lists them too.
	e.register("bors@camelot.bt", "corbenic")
	b := e.browser()
	b.bearer = e.token("bors@camelot.bt", "corbenic")
	if body := string(b.get(e.app.URL + "/users/me").Body); !strings.HasSuffix(body, `,"oauth_accounts":[]}`) {
		t.Errorf("GET /users/me without accounts: %s", body)
	}
	if r := b.associate(e, "dev2", "bors@camelot.bt"); !strings.Contains(string(r.Body), `"oauth_name":"dev2"`) {
		t.Errorf("association answer %s, want the accounts", r.Body)
	}
	t.Run("Off", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		r := e.browser().signIn(e, "dev", "percival@camelot.bt")
		if body := e.me(r.JSON(t)["access_token"].(string)).Body; strings.Contains(string(body), "oauth_accounts") {
			t.Fatalf("GET /users/me lists accounts without the option: %s", body)
		}
	})
}

// TestOAuthUnlink: DELETE /users/me/oauth/{provider} removes a link unless it
// is the user's last way to sign in.
func TestOAuthUnlink(t *testing.T) {
	e := newOAuthEnv(t, nil)
	del := func(b *browser, name string) reply { return b.do(http.MethodDelete, e.app.URL+"/users/me/oauth/"+name) }

	// A user who signed up through dev has nothing else.
	oauthOnly := e.browser()
	oauthOnly.bearer = oauthOnly.signIn(e, "dev", "galahad@camelot.bt").JSON(t)["access_token"].(string)
	galahad := e.userByEmail("galahad@camelot.bt")
	wantDetail(t, del(oauthOnly, "dev"), http.StatusBadRequest, "OAUTH_LAST_SIGN_IN_METHOD")
	if len(e.accounts(galahad.ID)) != 1 {
		t.Fatal("the refused unlink removed the account")
	}
	// With a second provider linked, either can go, not both.
	if r := oauthOnly.associate(e, "dev2", "galahad@camelot.bt"); r.Status != http.StatusOK {
		t.Fatalf("associate dev2: %d %s", r.Status, r.Body)
	}
	if r := del(oauthOnly, "dev"); r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("unlink dev: %d %s", r.Status, r.Body)
	}
	wantDetail(t, del(oauthOnly, "dev"), http.StatusNotFound, "Not Found")
	wantDetail(t, del(oauthOnly, "dev2"), http.StatusBadRequest, "OAUTH_LAST_SIGN_IN_METHOD")
	wantDetail(t, del(oauthOnly, "unknown-provider"), http.StatusNotFound, "Not Found")

	// A user with a password can unlink everything.
	e.register("lancelot@camelot.bt", "guinevere")
	withPassword := e.browser()
	withPassword.bearer = e.token("lancelot@camelot.bt", "guinevere")
	if r := withPassword.associate(e, "dev", "lancelot@camelot.bt"); r.Status != http.StatusOK {
		t.Fatalf("associate: %d %s", r.Status, r.Body)
	}
	if r := del(withPassword, "dev"); r.Status != http.StatusNoContent {
		t.Fatalf("unlink with a password: %d %s", r.Status, r.Body)
	}

	wantDetail(t, del(e.browser(), "dev"), http.StatusUnauthorized, "Unauthorized")

	// A cookie session cannot be made to unlink from another site.
	cookieUser := e.browser()
	if r := cookieUser.signIn(e, "devcookie", "bors@camelot.bt"); r.Status != http.StatusNoContent {
		t.Fatalf("cookie sign-in: %d %s", r.Status, r.Body)
	}
	req, _ := http.NewRequest(http.MethodDelete, e.app.URL+"/users/me/oauth/devcookie", nil)
	req.Header.Set("Cookie", "fastapiusersauth="+cookieUser.appCookie("fastapiusersauth"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site unlink: %d, want 403", resp.StatusCode)
	}
}

// failingSignUps is a memory store whose atomic sign-up (user and account
// in one step) fails while fail is set, as a database refusing the
// account's insert would; the store's own atomicity under such a failure
// is store/storetest's and sqlstore's to prove.
type failingSignUps struct {
	*memory.Store[*user.User]
	fail atomic.Bool
}

func (f *failingSignUps) CreateWithOAuthAccount(ctx context.Context, u *user.User, acc user.OAuthAccount) error {
	if f.fail.Load() {
		return errors.New("injected failure")
	}
	return f.Store.CreateWithOAuthAccount(ctx, u, acc)
}

// TestOAuthAtomicSignUp makes the store fail the sign-up's write: the
// answer is a 500, no user is left without its account, AfterRegister does
// not run, and the same sign-in works once the store does.
func TestOAuthAtomicSignUp(t *testing.T) {
	store := &failingSignUps{Store: memory.New[*user.User]()}
	store.fail.Store(true)
	e := newOAuthEnv(t, func(c *oauthConfig) { c.store = store })
	r := e.browser().signIn(e, "dev", "tristan@camelot.bt")
	wantDetail(t, r, http.StatusInternalServerError, "Internal Server Error")
	if _, err := store.GetByEmail(context.Background(), "tristan@camelot.bt"); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("a user after the failed sign-up: %v", err)
	}
	if e.registered.Load() != 0 {
		t.Error("AfterRegister ran for a sign-up that failed")
	}
	store.fail.Store(false)
	if r := e.browser().signIn(e, "dev", "tristan@camelot.bt"); r.Status != http.StatusOK {
		t.Fatalf("sign-up once the store works: %d %s", r.Status, r.Body)
	}
	if accs := e.accounts(e.userByEmail("tristan@camelot.bt").ID); len(accs) != 1 {
		t.Fatalf("%d accounts, want 1", len(accs))
	}
}

// TestOAuthSharedStates: two instances behind one load balancer share the
// used states through one StateStore (sqlstore's is tested across pools by
// its own package): a state used on one is refused on the other.
func TestOAuthSharedStates(t *testing.T) {
	e := newOAuthEnv(t, func(c *oauthConfig) {
		c.opts.OAuthStates = oauthflow.NewMemoryStates(time.Now, DefaultMaxStates)
	})
	other, err := New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	cb := b.atProvider(b.authorize(e, "/auth/dev/authorize"), "gareth@camelot.bt")
	csrf := b.appCookie(DefaultCSRFCookieName)
	if r := b.get(cb); r.Status != http.StatusOK {
		t.Fatalf("sign-in on the first instance: %d %s", r.Status, r.Body)
	}
	req := httptest.NewRequest(http.MethodGet, cb, nil)
	req.Header.Set("Cookie", DefaultCSRFCookieName+"="+csrf)
	rec := httptest.NewRecorder()
	other.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "OAUTH_INVALID_STATE") {
		t.Fatalf("replay on the second instance: %d %s", rec.Code, rec.Body)
	}
}

// TestOAuthWithoutOpenIDConnect: a plain OAuth 2.0 provider (no issuer, no
// ID token: GitHub's kind) reads the identity from its userinfo endpoint,
// and no nonce is sent.
func TestOAuthWithoutOpenIDConnect(t *testing.T) {
	e := newOAuthEnv(t, func(c *oauthConfig) {
		p := &c.opts.OAuth[0].Provider
		p.Issuer, p.IssuerAliases, p.JWKSURL, p.Keys = "", nil, "", nil
		c.opts.OAuth[0].AllowUnverifiedEmail = true
	})
	b := e.browser()
	authURL := b.authorize(e, "/auth/dev/authorize")
	if queryOf(t, authURL).Has("nonce") {
		t.Error("a nonce was sent to a provider without OpenID Connect")
	}
	r := b.get(b.atProvider(authURL, "ector@camelot.bt", "dev_email_verified", "false"))
	if r.Status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", r.Status, r.Body)
	}
	accs := e.accounts(e.userByEmail("ector@camelot.bt").ID)
	if len(accs) != 1 || accs[0].AccountEmail != "ector@camelot.bt" {
		t.Fatalf("accounts %+v", accs)
	}
}

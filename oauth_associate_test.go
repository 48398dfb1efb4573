package usersauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/usersauth/usersauth/store/sqlstore"
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
		if r.status != http.StatusOK || r.json(t)["id"] != arthur.ID.String() {
			t.Fatalf("associate callback: %d %s", r.status, r.body)
		}
		if _, ok := r.json(t)["oauth_accounts"]; ok {
			t.Error("oauth_accounts shown without IncludeOAuthAccounts")
		}
		accs := e.accounts(arthur.ID)
		if len(accs) != 1 || accs[0].AccountEmail != "arthur.pendragon@camelot.bt" {
			t.Fatalf("accounts %+v", accs)
		}
		// Linking again refreshes the same link.
		if r := b.associate(e, "dev", "arthur.pendragon@camelot.bt"); r.status != http.StatusOK {
			t.Fatalf("second association: %d %s", r.status, r.body)
		}
		if accs := e.accounts(arthur.ID); len(accs) != 1 {
			t.Fatalf("accounts after linking again %+v, want one", accs)
		}
		// Signing in with the linked account is signing in as arthur.
		in := e.browser().signIn(e, "dev", "arthur.pendragon@camelot.bt")
		if in.status != http.StatusOK || e.me(in.json(t)["access_token"].(string)).json(t)["id"] != arthur.ID.String() {
			t.Fatalf("sign-in with the linked account: %d %s", in.status, in.body)
		}
		if reg, logins := e.registered.Load(), e.logins.Load(); reg != 1 || logins != 2 {
			t.Errorf("AfterRegister %d, AfterLogin %d; want 1 (the password registration) and 2 (password and provider sign-ins, not the associations)", reg, logins)
		}
	})

	cases := []struct {
		name   string
		run    func(t *testing.T, e *oauthEnv, b *browser) reply
		status int
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
			if r := lancelot.associate(e, "dev", "knight@camelot.bt"); r.status != http.StatusOK {
				t.Fatalf("first association: %d %s", r.status, r.body)
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
			wantDetail(t, c.run(t, e, e.browser()), c.status, c.detail)
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
			if r.status != http.StatusOK || e.me(r.json(t)["access_token"].(string)).json(t)["id"] != u.ID.String() {
				t.Fatalf("sign-in by e-mail: %d %s", r.status, r.body)
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
	token := r.json(t)["access_token"].(string)
	me := e.me(token)
	u := e.userByEmail("percival@camelot.bt")
	acc := e.accounts(u.ID)[0]
	list, ok := me.json(t)["oauth_accounts"].([]any)
	if me.status != http.StatusOK || !ok || len(list) != 1 {
		t.Fatalf("GET /users/me: %d %s", me.status, me.body)
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
	if strings.Contains(string(me.body), acc.AccessToken) || strings.Contains(string(me.body), *acc.RefreshToken) {
		t.Fatal("GET /users/me shows the provider's tokens")
	}
	// A user without accounts gets an empty list; the association answer
	// lists them too.
	e.register("bors@camelot.bt", "corbenic")
	b := e.browser()
	b.bearer = e.token("bors@camelot.bt", "corbenic")
	if body := string(b.get(e.app.URL + "/users/me").body); !strings.HasSuffix(body, `,"oauth_accounts":[]}`) {
		t.Errorf("GET /users/me without accounts: %s", body)
	}
	if r := b.associate(e, "dev2", "bors@camelot.bt"); !strings.Contains(string(r.body), `"oauth_name":"dev2"`) {
		t.Errorf("association answer %s, want the accounts", r.body)
	}
	t.Run("Off", func(t *testing.T) {
		e := newOAuthEnv(t, nil)
		r := e.browser().signIn(e, "dev", "percival@camelot.bt")
		if body := e.me(r.json(t)["access_token"].(string)).body; strings.Contains(string(body), "oauth_accounts") {
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
	oauthOnly.bearer = oauthOnly.signIn(e, "dev", "galahad@camelot.bt").json(t)["access_token"].(string)
	galahad := e.userByEmail("galahad@camelot.bt")
	wantDetail(t, del(oauthOnly, "dev"), http.StatusBadRequest, "OAUTH_LAST_SIGN_IN_METHOD")
	if len(e.accounts(galahad.ID)) != 1 {
		t.Fatal("the refused unlink removed the account")
	}
	// With a second provider linked, either can go, not both.
	if r := oauthOnly.associate(e, "dev2", "galahad@camelot.bt"); r.status != http.StatusOK {
		t.Fatalf("associate dev2: %d %s", r.status, r.body)
	}
	if r := del(oauthOnly, "dev"); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("unlink dev: %d %s", r.status, r.body)
	}
	wantDetail(t, del(oauthOnly, "dev"), http.StatusNotFound, "Not Found")
	wantDetail(t, del(oauthOnly, "dev2"), http.StatusBadRequest, "OAUTH_LAST_SIGN_IN_METHOD")
	wantDetail(t, del(oauthOnly, "unknown-provider"), http.StatusNotFound, "Not Found")

	// A user with a password can unlink everything.
	e.register("lancelot@camelot.bt", "guinevere")
	withPassword := e.browser()
	withPassword.bearer = e.token("lancelot@camelot.bt", "guinevere")
	if r := withPassword.associate(e, "dev", "lancelot@camelot.bt"); r.status != http.StatusOK {
		t.Fatalf("associate: %d %s", r.status, r.body)
	}
	if r := del(withPassword, "dev"); r.status != http.StatusNoContent {
		t.Fatalf("unlink with a password: %d %s", r.status, r.body)
	}

	wantDetail(t, del(e.browser(), "dev"), http.StatusUnauthorized, "Unauthorized")

	// A cookie session cannot be made to unlink from another site.
	cookieUser := e.browser()
	if r := cookieUser.signIn(e, "devcookie", "bors@camelot.bt"); r.status != http.StatusNoContent {
		t.Fatalf("cookie sign-in: %d %s", r.status, r.body)
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

// TestOAuthAtomicSignUp makes the database fail the account's insert during
// a sign-up: the answer is a 500 and no user is left without its account,
// so the same sign-in works once the database does.
func TestOAuthAtomicSignUp(t *testing.T) {
	var db *sqlstore.DB
	e := newOAuthEnv(t, func(c *oauthConfig) {
		var err error
		db, err = sqlstore.Open(context.Background(), "sqlite", filepath.Join(t.TempDir(), "users.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		c.store = db.Users()
		c.opts.OAuthStates = db.OAuthStates()
	})
	exec := func(s string) {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TRIGGER fail_oauth_insert BEFORE INSERT ON oauth_account BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
	r := e.browser().signIn(e, "dev", "tristan@camelot.bt")
	wantDetail(t, r, http.StatusInternalServerError, "Internal Server Error")
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM "user"`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d users after the failed sign-up (%v), want 0", n, err)
	}
	if e.registered.Load() != 0 {
		t.Error("AfterRegister ran for a sign-up that failed")
	}
	exec(`DROP TRIGGER fail_oauth_insert`)
	if r := e.browser().signIn(e, "dev", "tristan@camelot.bt"); r.status != http.StatusOK {
		t.Fatalf("sign-up once the database works: %d %s", r.status, r.body)
	}
	var accounts int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM oauth_account`).Scan(&accounts); err != nil || accounts != 1 {
		t.Fatalf("%d accounts (%v), want 1", accounts, err)
	}
	// The used states are in the database, shared by every instance.
	var states int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM usersauth_oauth_state`).Scan(&states); err != nil || states != 2 {
		t.Fatalf("%d used states recorded (%v), want 2", states, err)
	}
}

// sqlstore's StateStore is a StateStore: the package cannot say so itself,
// as a store never imports the root.
var _ StateStore = (*sqlstore.StateStore)(nil)

// TestOAuthSharedStates: two instances behind one load balancer share the
// used states through the database: a state used on one is refused on the
// other.
func TestOAuthSharedStates(t *testing.T) {
	var db *sqlstore.DB
	e := newOAuthEnv(t, func(c *oauthConfig) {
		var err error
		db, err = sqlstore.Open(context.Background(), "sqlite", filepath.Join(t.TempDir(), "users.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		c.store = db.Users()
		c.opts.OAuthStates = db.OAuthStates()
	})
	other, err := New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	cb := b.atProvider(b.authorize(e, "/auth/dev/authorize"), "gareth@camelot.bt")
	csrf := b.appCookie(DefaultCSRFCookieName)
	if r := b.get(cb); r.status != http.StatusOK {
		t.Fatalf("sign-in on the first instance: %d %s", r.status, r.body)
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
	})
	b := e.browser()
	authURL := b.authorize(e, "/auth/dev/authorize")
	if queryOf(t, authURL).Has("nonce") {
		t.Error("a nonce was sent to a provider without OpenID Connect")
	}
	r := b.get(b.atProvider(authURL, "ector@camelot.bt", "dev_email_verified", "false"))
	if r.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	accs := e.accounts(e.userByEmail("ector@camelot.bt").ID)
	if len(accs) != 1 || accs[0].AccountEmail != "ector@camelot.bt" {
		t.Fatalf("accounts %+v", accs)
	}
}

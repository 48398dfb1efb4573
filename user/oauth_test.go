package user_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func signIn(email string) user.OAuthSignIn {
	return user.OAuthSignIn{OAuthName: "github", AccountID: "1234", AccountEmail: email, EmailVerified: true, AccessToken: "gho_x"}
}

func TestUnusablePassword(t *testing.T) {
	a, err := user.UnusablePassword(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := user.UnusablePassword(nil)
	if !user.IsUnusablePassword(a) || len(a) != 1+auth.RandomTokenLength || a == b {
		t.Fatalf("UnusablePassword() = %q, %q: want distinct markers", a, b)
	}
	if user.IsUnusablePassword("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5") {
		t.Fatal("a real hash reads as unusable")
	}
	// No password matches it: the hasher refuses it as a hash.
	ok, _, err := hasher(t, small).Verify(context.Background(), a, a)
	if ok || !errors.Is(err, auth.ErrMalformedHash) {
		t.Fatalf("Verify against the marker = %v, %v; want a refusal", ok, err)
	}
}

func TestOAuthCallbackInput(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(in *user.OAuthSignIn)
		want error // nil: any error
	}{
		{"NoEmail", func(in *user.OAuthSignIn) { in.AccountEmail = "" }, user.ErrOAuthNoEmail},
		{"NoAtSign", func(in *user.OAuthSignIn) { in.AccountEmail = "merlin" }, user.ErrOAuthNoEmail},
		{"NothingAfterAt", func(in *user.OAuthSignIn) { in.AccountEmail = "merlin@" }, user.ErrOAuthNoEmail},
		{"LineBreak", func(in *user.OAuthSignIn) { in.AccountEmail = "merlin@camelot.bt\r\nBcc: x@y.z" }, user.ErrOAuthNoEmail},
		{"ZeroWidth", func(in *user.OAuthSignIn) { in.AccountEmail = "mer\u200blin@camelot.bt" }, user.ErrOAuthNoEmail},
		{"InvalidUTF8", func(in *user.OAuthSignIn) { in.AccountEmail = "merlin\xff@camelot.bt" }, user.ErrOAuthNoEmail},
		{"TooLong", func(in *user.OAuthSignIn) { in.AccountEmail = strings.Repeat("m", 310) + "@camelot.bt" }, user.ErrOAuthNoEmail},
		{"NoAccountID", func(in *user.OAuthSignIn) { in.AccountID = "" }, nil},
		{"LongAccountID", func(in *user.OAuthSignIn) { in.AccountID = strings.Repeat("1", 321) }, nil},
		{"NoProvider", func(in *user.OAuthSignIn) { in.OAuthName = "" }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _, _ := newManager(t, hasher(t, small))
			in := signIn("merlin@camelot.bt")
			c.edit(&in)
			_, err := m.OAuthCallback(context.Background(), in)
			if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
				t.Fatalf("OAuthCallback = %v, want %v", err, c.want)
			}
			if _, err := m.OAuthAssociate(context.Background(), &user.User{Base: user.Base{ID: uuid.New()}}, in); err == nil {
				t.Fatal("OAuthAssociate accepted it")
			}
		})
	}
}

// TestOAuthCallbackSpecialUseDomain: an address a provider's directory
// vouches for on a special-use domain (an Active Directory's corp.local)
// signs in, as in FastAPI Users, though registration refuses it; the
// address is kept as the provider gave it.
func TestOAuthCallbackSpecialUseDomain(t *testing.T) {
	for _, addr := range []string{"merlin@corp.local", "Merlin@Camelot.LOCAL", "merlin@localhost", "merlin@intranet"} {
		t.Run(addr, func(t *testing.T) {
			m, _, _ := newManager(t, hasher(t, small))
			u, err := m.OAuthCallback(context.Background(), signIn(addr))
			if err != nil {
				t.Fatalf("OAuthCallback: %v", err)
			}
			if u.Email != addr {
				t.Fatalf("e-mail %q, want %q as the provider gave it", u.Email, addr)
			}
		})
	}
}

// TestOAuthCallbackConcurrentSignUp: a double click on the provider's
// "allow" runs two sign-ups of one new account at once; both sign in, as
// the same single user.
func TestOAuthCallbackConcurrentSignUp(t *testing.T) {
	store := memory.New[*user.User]()
	var registered atomic.Int64
	m, err := user.NewManager(user.ManagerOptions[*user.User]{
		Store: store, Hasher: hasher(t, small),
		Hooks: user.Hooks[*user.User]{AfterRegister: func(context.Context, *user.User) error { registered.Add(1); return nil }},
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	ids := make([]uuid.UUID, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			u, err := m.OAuthCallback(context.Background(), signIn("merlin@camelot.bt"))
			errs[i] = err
			if err == nil {
				ids[i] = u.ID
			}
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("sign-in %d: %v, user %v; want user %v", i, errs[i], ids[i], ids[0])
		}
	}
	if registered.Load() != 1 {
		t.Fatalf("AfterRegister ran %d times, want 1", registered.Load())
	}
}

func TestOAuthAssociateManager(t *testing.T) {
	ctx := context.Background()
	m, store, _ := newManager(t, hasher(t, small))
	arthur := &user.User{Base: user.Base{ID: uuid.New(), Email: "king.arthur@camelot.bt", HashedPassword: "!x", IsActive: true}}
	mordred := &user.User{Base: user.Base{ID: uuid.New(), Email: "mordred@camelot.bt", HashedPassword: "!y", IsActive: true}}
	for _, u := range []*user.User{arthur, mordred} {
		if err := store.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	in := signIn("arthur@github.example")
	if _, err := m.OAuthAssociate(ctx, arthur, in); err != nil {
		t.Fatal(err)
	}
	in.AccessToken = "gho_rotated"
	if _, err := m.OAuthAssociate(ctx, arthur, in); err != nil {
		t.Fatalf("associating the same account again: %v", err)
	}
	accs, _ := m.OAuthAccounts(ctx, arthur)
	if len(accs) != 1 || accs[0].AccessToken != "gho_rotated" {
		t.Fatalf("accounts %+v, want one with the new token", accs)
	}
	if _, err := m.OAuthAssociate(ctx, mordred, in); !errors.Is(err, user.ErrOAuthUserAlreadyExists) {
		t.Fatalf("associating arthur's account to mordred = %v, want %v", err, user.ErrOAuthUserAlreadyExists)
	}
	ghost := &user.User{Base: user.Base{ID: uuid.New()}}
	in.AccountID = "5678"
	if _, err := m.OAuthAssociate(ctx, ghost, in); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("associating to a deleted user = %v, want %v", err, user.ErrNotFound)
	}

	if err := m.UnlinkOAuthAccounts(ctx, arthur, "github"); !errors.Is(err, user.ErrLastSignInMethod) {
		t.Fatalf("unlinking the last way in = %v, want %v", err, user.ErrLastSignInMethod)
	}
	if err := m.UnlinkOAuthAccounts(ctx, arthur, "google"); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("unlinking what is not linked = %v, want %v", err, user.ErrNotFound)
	}
}

func TestOAuthUnsupportedStore(t *testing.T) {
	m, err := user.NewManager(user.ManagerOptions[*user.User]{
		Store: struct{ user.Store[*user.User] }{memory.New[*user.User]()}, Hasher: hasher(t, small),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.SupportsOAuth() {
		t.Fatal("SupportsOAuth over a store without the capability")
	}
	u := &user.User{}
	for _, err := range []error{
		func() error { _, err := m.OAuthCallback(context.Background(), signIn("a@camelot.bt")); return err }(),
		func() error { _, err := m.OAuthAssociate(context.Background(), u, signIn("a@camelot.bt")); return err }(),
		func() error { _, err := m.OAuthAccounts(context.Background(), u); return err }(),
		m.UnlinkOAuthAccounts(context.Background(), u, "github"),
	} {
		if !errors.Is(err, user.ErrOAuthUnsupported) {
			t.Errorf("got %v, want %v", err, user.ErrOAuthUnsupported)
		}
	}
}

package user_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

func newManager(t *testing.T, h user.PasswordHasher) (*user.Manager[*user.User], *memory.Store[*user.User], *bytes.Buffer) {
	t.Helper()
	store := memory.New[*user.User]()
	var logs bytes.Buffer
	m, err := user.NewManager(user.ManagerOptions[*user.User]{Store: store, Hasher: h, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return m, store, &logs
}

func hasher(t *testing.T, p auth.Argon2Params) *auth.PasswordHasher {
	t.Helper()
	h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: p})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var (
	small = auth.Argon2Params{Memory: 256, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	other = auth.Argon2Params{Memory: 512, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
)

func TestAuthenticateUpgradesOldHashes(t *testing.T) {
	ctx := context.Background()
	old := hasher(t, other)
	hash, _ := old.Hash(ctx, "guinevere")
	m, store, _ := newManager(t, hasher(t, small))
	id := uuid.New()
	store.Create(ctx, &user.User{Base: user.Base{ID: id, Email: "king.arthur@camelot.bt", HashedPassword: hash, IsActive: true}})
	if _, err := m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere"); err != nil {
		t.Fatal(err)
	}
	u, _ := store.Get(ctx, id)
	if !strings.HasPrefix(u.HashedPassword, "$argon2id$v=19$m=256,t=1,p=1$") {
		t.Fatalf("not upgraded: %.32s", u.HashedPassword)
	}
}

// racingHasher changes the user's password in the store while the Manager
// computes the upgraded hash, as a concurrent password change would.
type racingHasher struct {
	*auth.PasswordHasher
	store  *memory.Store[*user.User]
	id     uuid.UUID
	hashes int
}

func (r *racingHasher) Hash(ctx context.Context, p string) (string, error) {
	r.hashes++
	if r.hashes == 1 {
		r.store.Update(ctx, r.id, func(u *user.User) error { u.HashedPassword = "changed concurrently"; return nil })
	}
	return r.PasswordHasher.Hash(ctx, p)
}

func TestUpgradeNeverOverwritesAConcurrentPasswordChange(t *testing.T) {
	ctx := context.Background()
	hash, _ := hasher(t, other).Hash(ctx, "guinevere")
	store := memory.New[*user.User]()
	id := uuid.New()
	store.Create(ctx, &user.User{Base: user.Base{ID: id, Email: "king.arthur@camelot.bt", HashedPassword: hash, IsActive: true}})
	rh := &racingHasher{PasswordHasher: hasher(t, small), store: store, id: id}
	m, _ := user.NewManager(user.ManagerOptions[*user.User]{Store: store, Hasher: rh})
	if _, err := m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere"); err != nil {
		t.Fatal(err)
	}
	if u, _ := store.Get(ctx, id); u.HashedPassword != "changed concurrently" {
		t.Fatal("the hash upgrade overwrote a password changed in the meantime")
	}
}

func TestUnusableStoredHash(t *testing.T) {
	ctx := context.Background()
	h := hasher(t, small)
	m, store, logs := newManager(t, h)
	store.Create(ctx, &user.User{Base: user.Base{ID: uuid.New(), Email: "king.arthur@camelot.bt", HashedPassword: "$argon2d$v=19$m=65536,t=3,p=4$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", IsActive: true}})
	before := h.Stats()
	if _, err := m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere"); !errors.Is(err, user.ErrInvalidCredentials) {
		t.Fatalf("err = %v", err)
	}
	if after := h.Stats(); after.Dummies != before.Dummies+1 {
		t.Fatalf("an unusable hash must still cost one hash: %+v -> %+v", before, after)
	}
	if !strings.Contains(logs.String(), "unusable") || strings.Contains(logs.String(), "argon2d$v=19$m=65536") {
		t.Fatalf("log: %s", logs)
	}
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newManager(t, hasher(t, small))
	admin := &user.User{Base: user.Base{Email: " Merlin@CAMELOT.bt", IsActive: true, IsSuperuser: true, IsVerified: true}}
	got, err := m.Create(ctx, admin, "avalon-mist")
	if err != nil {
		t.Fatal(err)
	}
	if !got.IsSuperuser || !got.IsVerified || got.ID == uuid.Nil || got.Email != "Merlin@camelot.bt" {
		t.Fatalf("unsafe create: %+v", got.Base)
	}
	sneaky := &user.User{Base: user.Base{ID: uuid.New(), Email: "mordred@camelot.bt", IsSuperuser: true, IsVerified: true}}
	id := sneaky.ID
	got, err = m.Register(ctx, sneaky, "treachery")
	if err != nil {
		t.Fatal(err)
	}
	if got.IsSuperuser || got.IsVerified || !got.IsActive || got.ID == id {
		t.Fatalf("safe create kept privileged fields: %+v", got.Base)
	}
	var bad *user.InvalidEmailError
	if _, err := m.Register(ctx, &user.User{Base: user.Base{Email: "nobody"}}, "password"); !errors.As(err, &bad) {
		t.Fatalf("invalid e-mail: %v", err)
	}
	if _, err := m.Register(ctx, &user.User{Base: user.Base{Email: "MERLIN@camelot.bt"}}, "password"); !errors.Is(err, user.ErrAlreadyExists) {
		t.Fatalf("duplicate: %v", err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policy   user.PasswordPolicy
		password string
		reason   string
	}{
		{"default ok", user.PasswordPolicy{}, "guinevere", ""},
		{"default short", user.PasswordPolicy{}, "1234567", "Password should be at least 8 characters"},
		{"code points, not bytes", user.PasswordPolicy{}, "ééééééé", "Password should be at least 8 characters"},
		{"default long", user.PasswordPolicy{}, strings.Repeat("x", 129), "Password should be at most 128 characters"},
		{"custom", user.PasswordPolicy{MinLength: 12, MaxLength: 20}, "guinevere", "Password should be at least 12 characters"},
		{"hard byte cap", user.PasswordPolicy{MaxLength: 5000}, strings.Repeat("x", 1025), "Password should be at most 1024 bytes"},
		{"invalid UTF-8", user.PasswordPolicy{}, "guinevere\xff", "Password should be valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.policy.Check(tc.password)
			var ip *user.InvalidPasswordError
			if tc.reason == "" && err != nil || tc.reason != "" && (!errors.As(err, &ip) || ip.Reason != tc.reason) {
				t.Fatalf("Check = %v, want %q", err, tc.reason)
			}
		})
	}
}

func TestSchemaOf(t *testing.T) {
	type Extra struct {
		Street string `json:"street"`
	}
	type member struct {
		user.Base
		Extra
		Name    string            `json:"name" usersauth:"required"`
		Plan    string            `json:"plan,omitempty" usersauth:"superuser"`
		Avatar  *string           `json:"avatar"`
		Meta    map[string]string `json:"meta"`
		Hidden  string            `json:"-"`
		private string
		Default int
	}
	s, err := user.SchemaOf[*member]()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "street,name,plan,avatar,meta,Default" {
		t.Fatalf("fields %v", names)
	}
	if f, _ := s.Lookup("name"); !f.Required || f.Nullable {
		t.Fatalf("name: %+v", f)
	}
	if f, _ := s.Lookup("plan"); !f.SuperuserOnly || !f.OmitEmpty {
		t.Fatalf("plan: %+v", f)
	}
	if f, _ := s.Lookup("avatar"); !f.Nullable || f.OmitEmpty {
		t.Fatalf("avatar: %+v", f)
	}
	if _, ok := s.Lookup("Name"); ok {
		t.Fatal("lookup is not exact")
	}
	if _, err := user.SchemaOf[*noBaseModel](); err == nil {
		t.Fatal("a type without Base was accepted")
	}
}

// noBaseModel satisfies Model without embedding Base.
type noBaseModel struct{ b user.Base }

func (n *noBaseModel) UserBase() *user.Base { return &n.b }

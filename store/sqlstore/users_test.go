package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// The store's own tests; the shared conformance suite (store/storetest)
// runs on top of them.

func newUser(email string) *user.User {
	return &user.User{Base: user.Base{
		ID:             uuid.New(),
		Email:          email,
		HashedPassword: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		IsActive:       true,
	}}
}

func TestUserStore(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t).Users()
			arthur := newUser("King.Arthur@camelot.bt")
			arthur.IsSuperuser = true
			if err := s.Create(ctx, arthur); err != nil {
				t.Fatalf("Create: %v", err)
			}
			lancelot := newUser("lancelot@camelot.bt")
			if err := s.Create(ctx, lancelot); err != nil {
				t.Fatalf("Create: %v", err)
			}

			t.Run("Get", func(t *testing.T) {
				for _, tc := range []struct {
					name string
					id   uuid.UUID
					want *user.User
					err  error
				}{
					{"known", arthur.ID, arthur, nil},
					{"unknown", uuid.New(), nil, user.ErrNotFound},
					{"nil id", uuid.Nil, nil, user.ErrNotFound},
				} {
					t.Run(tc.name, func(t *testing.T) {
						got, err := s.Get(ctx, tc.id)
						checkUser(t, got, err, tc.want, tc.err)
					})
				}
			})

			t.Run("GetByEmail", func(t *testing.T) {
				for _, tc := range []struct {
					name, email string
					want        *user.User
					err         error
				}{
					{"as stored", "King.Arthur@camelot.bt", arthur, nil},
					{"lower case", "king.arthur@camelot.bt", arthur, nil},
					{"upper case domain", "king.arthur@CAMELOT.BT", arthur, nil},
					{"fullwidth letters", "ｋｉｎｇ.arthur@camelot.bt", arthur, nil},
					{"other user", "LANCELOT@camelot.bt", lancelot, nil},
					{"unknown", "mordred@camelot.bt", nil, user.ErrNotFound},
					{"padded", " king.arthur@camelot.bt", nil, user.ErrNotFound},
					{"empty", "", nil, user.ErrNotFound},
					{"SQL wildcard", "%@camelot.bt", nil, user.ErrNotFound},
				} {
					t.Run(tc.name, func(t *testing.T) {
						got, err := s.GetByEmail(ctx, tc.email)
						checkUser(t, got, err, tc.want, tc.err)
					})
				}
			})

			t.Run("Create", func(t *testing.T) {
				dupID := newUser("percival@camelot.bt")
				dupID.ID = arthur.ID
				for _, tc := range []struct {
					name string
					u    *user.User
					err  error
				}{
					{"same address", newUser("King.Arthur@camelot.bt"), user.ErrAlreadyExists},
					{"case variant", newUser("KING.ARTHUR@camelot.bt"), user.ErrAlreadyExists},
					{"fullwidth variant", newUser("ｋｉｎｇ.ａｒｔｈｕｒ@camelot.bt"), user.ErrAlreadyExists},
					{"same id", dupID, user.ErrAlreadyExists},
					{"new user", newUser("galahad@camelot.bt"), nil},
				} {
					t.Run(tc.name, func(t *testing.T) {
						err := s.Create(ctx, tc.u)
						if !errors.Is(err, tc.err) {
							t.Fatalf("Create = %v, want %v", err, tc.err)
						}
						got, err := s.Get(ctx, tc.u.ID)
						if tc.err != nil {
							if tc.u.ID == arthur.ID {
								checkUser(t, got, err, arthur, nil)
							} else {
								checkUser(t, got, err, nil, user.ErrNotFound)
							}
							return
						}
						checkUser(t, got, err, tc.u, nil)
					})
				}
			})

			t.Run("Update", func(t *testing.T) {
				errHook := errors.New("hook refused")
				for _, tc := range []struct {
					name   string
					id     uuid.UUID
					mutate func(u *user.User) error
					err    error
					check  func(t *testing.T, got *user.User)
				}{
					{
						name:   "flags and password",
						id:     lancelot.ID,
						mutate: func(u *user.User) error { u.IsVerified, u.HashedPassword = true, "new-hash"; return nil },
						check: func(t *testing.T, got *user.User) {
							if !got.IsVerified || got.HashedPassword != "new-hash" || got.Email != "lancelot@camelot.bt" {
								t.Errorf("after update: %+v", got.Base)
							}
						},
					},
					{
						name:   "new address keeps its spelling and is found by key",
						id:     lancelot.ID,
						mutate: func(u *user.User) error { u.Email = "Sir.Lancelot@camelot.bt"; return nil },
						check: func(t *testing.T, got *user.User) {
							byEmail, err := s.GetByEmail(ctx, "sir.lancelot@camelot.bt")
							if err != nil || byEmail.ID != lancelot.ID || byEmail.Email != "Sir.Lancelot@camelot.bt" {
								t.Errorf("GetByEmail after update = %+v, %v", byEmail, err)
							}
							if _, err := s.GetByEmail(ctx, "lancelot@camelot.bt"); !errors.Is(err, user.ErrNotFound) {
								t.Errorf("old address still found: %v", err)
							}
						},
					},
					{
						name:   "address of another user",
						id:     lancelot.ID,
						mutate: func(u *user.User) error { u.Email = "king.arthur@CAMELOT.bt"; return nil },
						err:    user.ErrAlreadyExists,
					},
					{
						name:   "callback error is returned as is",
						id:     lancelot.ID,
						mutate: func(u *user.User) error { u.IsSuperuser = true; return errHook },
						err:    errHook,
					},
					{
						name:   "id change",
						id:     lancelot.ID,
						mutate: func(u *user.User) error { u.ID = uuid.New(); return nil },
						err:    sqlstore.ErrIDChanged,
					},
					{
						name:   "unknown user",
						id:     uuid.New(),
						mutate: func(u *user.User) error { t.Error("mutate called for an unknown user"); return nil },
						err:    user.ErrNotFound,
					},
				} {
					t.Run(tc.name, func(t *testing.T) {
						before, _ := s.Get(ctx, tc.id)
						got, err := s.Update(ctx, tc.id, tc.mutate)
						if !errors.Is(err, tc.err) || (tc.err == errHook && err != errHook) {
							t.Fatalf("Update = %v, want %v", err, tc.err)
						}
						after, _ := s.Get(ctx, tc.id)
						if tc.err != nil {
							if after != nil && before != nil && after.Base != before.Base {
								t.Fatalf("failed update wrote: before %+v, after %+v", before.Base, after.Base)
							}
							return
						}
						if got.Base != after.Base {
							t.Errorf("Update returned %+v, stored %+v", got.Base, after.Base)
						}
						tc.check(t, after)
					})
				}
			})

			t.Run("values are copies", func(t *testing.T) {
				got, err := s.Get(ctx, arthur.ID)
				if err != nil {
					t.Fatal(err)
				}
				got.Email, got.IsSuperuser = "changed@camelot.bt", false
				again, err := s.Get(ctx, arthur.ID)
				if err != nil || again.Email != arthur.Email || !again.IsSuperuser {
					t.Fatalf("stored user changed through a returned value: %+v, %v", again, err)
				}
			})

			t.Run("Delete", func(t *testing.T) {
				for _, tc := range []struct {
					name string
					id   uuid.UUID
					err  error
				}{
					{"known", arthur.ID, nil},
					{"again", arthur.ID, user.ErrNotFound},
					{"unknown", uuid.New(), user.ErrNotFound},
				} {
					t.Run(tc.name, func(t *testing.T) {
						if err := s.Delete(ctx, tc.id); !errors.Is(err, tc.err) {
							t.Fatalf("Delete = %v, want %v", err, tc.err)
						}
						if _, err := s.Get(ctx, tc.id); !errors.Is(err, user.ErrNotFound) {
							t.Fatalf("Get after Delete = %v", err)
						}
					})
				}
				// The address is free again.
				if err := s.Create(ctx, newUser("king.arthur@camelot.bt")); err != nil {
					t.Fatalf("Create after Delete: %v", err)
				}
			})
		})
	}
}

func checkUser(t *testing.T, got *user.User, err error, want *user.User, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("error = %v, want %v", err, wantErr)
		}
		if got != nil {
			t.Fatalf("user = %+v with error %v, want nil", got, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("error = %v", err)
	}
	if got.Base != want.Base {
		t.Fatalf("user = %+v, want %+v", got.Base, want.Base)
	}
}

func TestContextCancelled(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t).Users()
			u := newUser("gawain@camelot.bt")
			if err := s.Create(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			for _, tc := range []struct {
				name string
				call func() error
			}{
				{"Get", func() error { _, err := s.Get(ctx, u.ID); return err }},
				{"GetByEmail", func() error { _, err := s.GetByEmail(ctx, u.Email); return err }},
				{"Create", func() error { return s.Create(ctx, newUser("bors@camelot.bt")) }},
				{"Update", func() error {
					_, err := s.Update(ctx, u.ID, func(*user.User) error { return nil })
					return err
				}},
				{"Delete", func() error { return s.Delete(ctx, u.ID) }},
				{"List", func() error { _, err := s.List(ctx, sqlstore.ListOptions{}); return err }},
				{"Count", func() error { _, err := s.Count(ctx); return err }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if err := tc.call(); !errors.Is(err, context.Canceled) {
						t.Fatalf("error = %v, want context.Canceled", err)
					}
				})
			}
			// Nothing was lost, and the store still works.
			if got, err := s.Get(context.Background(), u.ID); err != nil || got.Email != u.Email {
				t.Fatalf("Get after cancelled calls = %+v, %v", got, err)
			}
		})
	}
}

package user_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/user"
)

var _ user.SlotHasher = (*auth.PasswordHasher)(nil)

// countingStore counts the reads of a login, and runs during, if set,
// inside each.
type countingStore struct {
	*memory.Store[*user.User]
	reads  atomic.Int64
	during func(ctx context.Context) error
}

func (s *countingStore) GetByEmail(ctx context.Context, email string) (*user.User, error) {
	s.reads.Add(1)
	if s.during != nil {
		if err := s.during(ctx); err != nil {
			return nil, err
		}
	}
	return s.Store.GetByEmail(ctx, email)
}

// plainHasher is an auth.PasswordHasher without its slots: the Manager
// verifies through Verify and VerifyDummy, after the store read.
type plainHasher struct{ h *auth.PasswordHasher }

func (p plainHasher) Hash(ctx context.Context, pw string) (string, error) { return p.h.Hash(ctx, pw) }
func (p plainHasher) Verify(ctx context.Context, pw, enc string) (bool, bool, error) {
	return p.h.Verify(ctx, pw, enc)
}
func (p plainHasher) VerifyDummy(ctx context.Context, pw string) error {
	return p.h.VerifyDummy(ctx, pw)
}

// failedLogins records the AfterFailedLogin calls.
type failedLogins struct {
	mu    sync.Mutex
	calls []string // "email reason"
}

func (f *failedLogins) hook(_ context.Context, email string, reason user.LoginFailure) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, email+" "+string(reason))
	return nil
}

func (f *failedLogins) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// loginFixture is a store of users whose stored hashes cover every case of
// a login, and Managers over it.
type loginFixture struct {
	store  *countingStore
	hasher *auth.PasswordHasher
	failed *failedLogins
	logs   *bytes.Buffer
}

// FastAPI Users' own hash of "guinevere" with its defaults (m=65536, t=3,
// p=4), from auth/testdata/hashes.json.
const fastAPIUsersHash = "$argon2id$v=19$m=65536,t=3,p=4$X1sE1Ljb0WbE1OIxOHIL2g$1o1kwH8K4WOwYWSlUFCdDJqLNgYiI2gd+87aOHwlAUI"

const tail = "$MDEyMzQ1Njc4OWFiY2RlZg$lpx/fq4ymfp3VePL6sLtpI58zIY+ERZR7tCbWWp7MzQ"

func newLoginFixture(t testing.TB, opts auth.HasherOptions) *loginFixture {
	t.Helper()
	ctx := context.Background()
	if opts.Params == (auth.Argon2Params{}) {
		opts.Params = small
	}
	h, err := auth.NewPasswordHasher(opts)
	if err != nil {
		t.Fatal(err)
	}
	f := &loginFixture{store: &countingStore{Store: memory.New[*user.User]()}, hasher: h, failed: &failedLogins{}, logs: &bytes.Buffer{}}
	hash, err := h.Hash(ctx, "guinevere")
	if err != nil {
		t.Fatal(err)
	}
	none, err := user.UnusablePassword(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []user.Base{
		{Email: "king.arthur@camelot.bt", HashedPassword: hash, IsActive: true, IsVerified: true},
		{Email: "percival@camelot.bt", HashedPassword: hash, IsActive: true},
		{Email: "mordred@camelot.bt", HashedPassword: hash},
		{Email: "gawain@camelot.bt", HashedPassword: none, IsActive: true, IsVerified: true},
		{Email: "bedivere@camelot.bt", HashedPassword: fastAPIUsersHash, IsActive: true, IsVerified: true},
		{Email: "planted@camelot.bt", HashedPassword: "$argon2id$v=19$m=262144,t=16,p=16" + tail, IsActive: true, IsVerified: true},
		{Email: "fourth-pass@camelot.bt", HashedPassword: "$argon2id$v=19$m=65536,t=4,p=4" + tail, IsActive: true, IsVerified: true},
		{Email: "bcrypt13@camelot.bt", HashedPassword: "$2b$13$s/LUuMPqGSkyO.i7z.RPyuVYZQszMDaZIOMjJ/xzsLAQJYNTSmEm.", IsActive: true, IsVerified: true},
		{Email: "argon2d@camelot.bt", HashedPassword: "$argon2d$v=19$m=65536,t=3,p=4" + tail, IsActive: true, IsVerified: true},
	} {
		u.ID = uuid.New()
		if err := f.store.Create(ctx, &user.User{Base: u}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *loginFixture) manager(t testing.TB, h user.PasswordHasher, requireVerification bool) *user.Manager[*user.User] {
	t.Helper()
	m, err := user.NewManager(user.ManagerOptions[*user.User]{
		Store: f.store, Hasher: h, Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
		Hooks:               user.Hooks[*user.User]{AfterFailedLogin: f.failed.hook},
		RequireVerification: requireVerification,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAuthenticateCost: every outcome of a login costs exactly one
// verification with the current parameters, whether the account exists,
// has a usable hash or not, and whether or not the hasher holds a slot
// across the read; every failure runs AfterFailedLogin with its reason;
// and no slot outlives the call.
func TestAuthenticateCost(t *testing.T) {
	tests := []struct {
		name, email, password string
		requireVerification   bool
		err                   error
		reason                user.LoginFailure
		verifies, dummies     uint64
		reads                 int64
	}{
		{"right password", "king.arthur@camelot.bt", "guinevere", false, nil, "", 1, 0, 1},
		{"e-mail in another case", "King.Arthur@Camelot.BT", "guinevere", false, nil, "", 1, 0, 1},
		{"wrong password", "king.arthur@camelot.bt", "Guinevere", false, user.ErrInvalidCredentials, user.LoginWrongPassword, 1, 0, 1},
		{"unknown e-mail", "nobody@camelot.bt", "guinevere", false, user.ErrInvalidCredentials, user.LoginUnknownEmail, 1, 1, 1},
		{"not an address", "nobody", "guinevere", false, user.ErrInvalidCredentials, user.LoginUnknownEmail, 1, 1, 1},
		{"too long", "king.arthur@camelot.bt", strings.Repeat("x", user.MaxPasswordBytes+1), false, user.ErrInvalidCredentials, user.LoginPasswordTooLong, 0, 0, 0},
		{"no password set", "gawain@camelot.bt", "guinevere", false, user.ErrInvalidCredentials, user.LoginNoPassword, 1, 1, 1},
		{"inactive, right password", "mordred@camelot.bt", "guinevere", false, user.ErrInvalidCredentials, user.LoginInactive, 1, 0, 1},
		{"inactive, wrong password", "mordred@camelot.bt", "Excalibur-7", false, user.ErrInvalidCredentials, user.LoginWrongPassword, 1, 0, 1},
		{"unverified where required", "percival@camelot.bt", "guinevere", true, user.ErrNotVerified, user.LoginNotVerified, 1, 0, 1},
		{"unverified, not required", "percival@camelot.bt", "guinevere", false, nil, "", 1, 0, 1},
		{"FastAPI Users' defaults, right password", "bedivere@camelot.bt", "guinevere", false, nil, "", 1, 0, 1},
		{"FastAPI Users' defaults, wrong password", "bedivere@camelot.bt", "Excalibur-7", false, user.ErrInvalidCredentials, user.LoginWrongPassword, 1, 0, 1},
		{"planted: 256 MiB, 16 passes", "planted@camelot.bt", "guinevere", false, user.ErrInvalidCredentials, user.LoginUnusableHash, 1, 1, 1},
		{"imported: a pass more than FastAPI Users'", "fourth-pass@camelot.bt", "guinevere", false, user.ErrInvalidCredentials, user.LoginUnusableHash, 1, 1, 1},
		{"imported: bcrypt cost 13", "bcrypt13@camelot.bt", "guinevere", false, user.ErrInvalidCredentials, user.LoginUnusableHash, 1, 1, 1},
		{"malformed: argon2d", "argon2d@camelot.bt", "guinevere", false, user.ErrInvalidCredentials, user.LoginUnusableHash, 1, 1, 1},
	}
	for _, slots := range []bool{true, false} {
		name := "slot held across the read"
		if !slots {
			name = "hasher without slots"
		}
		t.Run(name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					f := newLoginFixture(t, auth.HasherOptions{})
					var h user.PasswordHasher = f.hasher
					if !slots {
						h = plainHasher{f.hasher}
					}
					m := f.manager(t, h, tt.requireVerification)
					before := f.hasher.Stats()
					u, err := m.Authenticate(context.Background(), tt.email, tt.password)
					after := f.hasher.Stats()
					if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
						t.Fatalf("Authenticate = %v, want %v", err, tt.err)
					}
					if err == nil && u.Email != strings.ToLower(tt.email) {
						t.Errorf("Authenticate returned %s", u.Email)
					}
					if v, d := after.Verifies-before.Verifies, after.Dummies-before.Dummies; v != tt.verifies || d != tt.dummies {
						t.Errorf("cost %d verifications (%d dummies), want %d (%d)", v, d, tt.verifies, tt.dummies)
					}
					if n := f.store.reads.Load(); n != tt.reads {
						t.Errorf("%d store reads, want %d", n, tt.reads)
					}
					if after.InUse != 0 || after.Waiting != 0 {
						t.Errorf("after the login: %d slots in use, %d waiting; want none", after.InUse, after.Waiting)
					}
					var want []string
					if tt.reason != "" {
						want = []string{tt.email + " " + string(tt.reason)}
					}
					if got := f.failed.take(); strings.Join(got, "|") != strings.Join(want, "|") {
						t.Errorf("AfterFailedLogin calls = %q, want %q", got, want)
					}
					if logs := f.logs.String(); strings.Contains(logs, tt.password) || strings.Contains(logs, tail[1:]) {
						t.Errorf("the log holds a password or a hash:\n%s", logs)
					}
				})
			}
		})
	}
}

// TestAuthenticateUnusableHashLogged: a hash refused for its cost is
// logged with the limit it broke, never the hash.
func TestAuthenticateUnusableHashLogged(t *testing.T) {
	f := newLoginFixture(t, auth.HasherOptions{})
	m := f.manager(t, f.hasher, false)
	if _, err := m.Authenticate(context.Background(), "fourth-pass@camelot.bt", "guinevere"); !errors.Is(err, user.ErrInvalidCredentials) {
		t.Fatal(err)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "stored password hash is unusable") || !strings.Contains(logs, "Limits.MaxWork 196608") {
		t.Errorf("log does not say why the hash is unusable:\n%s", logs)
	}
	if strings.Contains(logs, "m=65536,t=4,p=4$") {
		t.Errorf("log holds the hash:\n%s", logs)
	}
}

// TestAuthenticateFastAPIUsersHashUpgraded: an imported hash with FastAPI
// Users' defaults logs in and is replaced by one with the current
// parameters.
func TestAuthenticateFastAPIUsersHashUpgraded(t *testing.T) {
	f := newLoginFixture(t, auth.HasherOptions{})
	m := f.manager(t, f.hasher, false)
	ctx := context.Background()
	before := f.hasher.Stats()
	u, err := m.Authenticate(ctx, "bedivere@camelot.bt", "guinevere")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := f.store.Get(ctx, u.ID)
	if !strings.HasPrefix(stored.HashedPassword, "$argon2id$v=19$m=256,t=1,p=1$") {
		t.Errorf("not upgraded: %.32s", stored.HashedPassword)
	}
	if s := f.hasher.Stats(); s.Hashes != before.Hashes+1 || s.InUse != 0 {
		t.Errorf("Stats() = %+v, want the upgrade's hash and no slot in use", s)
	}
}

// TestAuthenticateSaturatedPool: a login the hashing pool refuses reads
// nothing from the store, hashes nothing and is not a failed login; the
// same logins through a hasher without slots each read the user first.
func TestAuthenticateSaturatedPool(t *testing.T) {
	const logins = 50
	for _, tt := range []struct {
		name  string
		slots bool
		reads int64
	}{
		{"slot taken first", true, 0},
		{"hasher without slots", false, logins},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newLoginFixture(t, auth.HasherOptions{Concurrency: 1, MaxWait: time.Millisecond})
			var h user.PasswordHasher = f.hasher
			if !tt.slots {
				h = plainHasher{f.hasher}
			}
			m := f.manager(t, h, false)
			held, err := f.hasher.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range logins {
				email := []string{"king.arthur@camelot.bt", "nobody@camelot.bt", "planted@camelot.bt"}[i%3]
				if _, err := m.Authenticate(ctx, email, "guinevere"); !errors.Is(err, auth.ErrBusy) {
					t.Fatalf("login %d on a saturated pool = %v, want ErrBusy", i, err)
				}
			}
			s := f.hasher.Stats()
			if n := f.store.reads.Load(); n != tt.reads {
				t.Errorf("%d refused logins read the store %d times, want %d", logins, n, tt.reads)
			}
			if s.Verifies != 0 || s.Busy != logins {
				t.Errorf("Stats() = %+v, want no verification and %d refusals", s, logins)
			}
			if calls := f.failed.take(); len(calls) != 0 {
				t.Errorf("refused logins ran AfterFailedLogin: %q", calls)
			}

			held.Release()
			f.store.reads.Store(0)
			if _, err := m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere"); err != nil {
				t.Fatalf("login once the pool is free = %v", err)
			}
			if n := f.store.reads.Load(); n != 1 {
				t.Errorf("%d store reads for one login, want 1", n)
			}
		})
	}
}

// TestAuthenticateHoldsSlotAcrossRead: the slot is taken before the store
// read and given back before the call returns.
func TestAuthenticateHoldsSlotAcrossRead(t *testing.T) {
	f := newLoginFixture(t, auth.HasherOptions{Concurrency: 2})
	var inUse atomic.Int64
	f.store.during = func(context.Context) error { inUse.Store(int64(f.hasher.Stats().InUse)); return nil }
	m := f.manager(t, f.hasher, false)
	if _, err := m.Authenticate(context.Background(), "king.arthur@camelot.bt", "guinevere"); err != nil {
		t.Fatal(err)
	}
	if n := inUse.Load(); n != 1 {
		t.Errorf("%d slots in use during the store read, want 1", n)
	}
	if n := f.hasher.Stats().InUse; n != 0 {
		t.Errorf("%d slots in use after the login, want 0", n)
	}
}

// TestAuthenticateFreesSlot: a login that ends in the middle (cancelled,
// a failing or panicking store) gives its slot back, and is not a failed
// login.
func TestAuthenticateFreesSlot(t *testing.T) {
	storeDown := errors.New("store down")
	tests := []struct {
		name   string
		during func(ctx context.Context) error
		ctx    func() (context.Context, context.CancelFunc)
		err    error
		panics bool
	}{
		{"cancelled during the read", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 10*time.Millisecond)
			},
			context.DeadlineExceeded, false},
		{"store fails", func(context.Context) error { return storeDown }, nil, storeDown, false},
		{"store panics", func(context.Context) error { panic("store bug") }, nil, nil, true},
		{"cancelled before", nil,
			func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			}, context.Canceled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLoginFixture(t, auth.HasherOptions{Concurrency: 1, MaxWait: time.Hour})
			f.store.during = tt.during
			m := f.manager(t, f.hasher, false)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			var err error
			panicked := func() (p any) {
				defer func() { p = recover() }()
				_, err = m.Authenticate(ctx, "king.arthur@camelot.bt", "guinevere")
				return nil
			}()
			if tt.panics != (panicked != nil) {
				t.Fatalf("panic = %v, want a panic: %v", panicked, tt.panics)
			}
			if !tt.panics && !errors.Is(err, tt.err) {
				t.Fatalf("Authenticate = %v, want %v", err, tt.err)
			}
			if s := f.hasher.Stats(); s.InUse != 0 || s.Waiting != 0 || s.Verifies != 0 {
				t.Errorf("Stats() = %+v, want the slot back and no work", s)
			}
			if calls := f.failed.take(); len(calls) != 0 {
				t.Errorf("AfterFailedLogin ran: %q", calls)
			}
		})
	}
}

// TestAuthenticateNoSlotLeak: many logins of every kind at once, some
// cancelled, on a small pool: once they are done every slot is free.
func TestAuthenticateNoSlotLeak(t *testing.T) {
	const slots, logins = 2, 64
	f := newLoginFixture(t, auth.HasherOptions{Concurrency: slots, MaxWait: time.Hour})
	m := f.manager(t, f.hasher, false)
	emails := []string{"king.arthur@camelot.bt", "nobody@camelot.bt", "gawain@camelot.bt", "planted@camelot.bt", "mordred@camelot.bt"}
	var wg sync.WaitGroup
	for i := range logins {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if i%4 == 3 {
				go cancel()
			}
			pw := "guinevere"
			if i%2 == 1 {
				pw = "wrong"
			}
			_, err := m.Authenticate(ctx, emails[i%len(emails)], pw)
			if err != nil && !errors.Is(err, user.ErrInvalidCredentials) && !errors.Is(err, context.Canceled) {
				t.Errorf("login %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	s := f.hasher.Stats()
	if s.InUse != 0 || s.Waiting != 0 {
		t.Fatalf("after %d logins: %d slots in use, %d waiting", logins, s.InUse, s.Waiting)
	}
	// Every slot can be had at once.
	for range slots {
		slot, err := f.hasher.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer slot.Release()
	}
}

package user_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/totp"
	"github.com/usersauth/usersauth/user"
)

// clock is a clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var testSecret = []byte("a-secret-of-at-least-32-bytes-for-the-test")

// tfFixture is a Manager with second factors on a memory store, a clock the
// test moves, and a log it reads.
type tfFixture struct {
	m      *user.Manager[*user.User]
	store  *memory.Store[*user.User]
	hasher *auth.PasswordHasher
	clock  *clock
	logs   *bytes.Buffer
	opts   user.ManagerOptions[*user.User]
}

func twoFactorOptions(t testing.TB, s user.Store[*user.User], h user.PasswordHasher, c *clock, logs *bytes.Buffer) user.ManagerOptions[*user.User] {
	t.Helper()
	seal, err := auth.DeriveSealKey(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	recovery, err := auth.DeriveKey(testSecret, auth.RecoveryCodeKeyLabel)
	if err != nil {
		t.Fatal(err)
	}
	return user.ManagerOptions[*user.User]{
		Store: s, Hasher: h, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		TOTPIssuer: "Camelot", SealKeys: []auth.SealKey{seal}, RecoveryCodeKey: recovery, Now: c.Now,
	}
}

func newTFFixture(t testing.TB) *tfFixture {
	t.Helper()
	h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: small})
	if err != nil {
		t.Fatal(err)
	}
	f := &tfFixture{store: memory.New[*user.User](), hasher: h, logs: &bytes.Buffer{},
		clock: &clock{t: time.Date(2026, 7, 14, 9, 30, 10, 0, time.UTC)}}
	f.opts = twoFactorOptions(t, f.store, f.hasher, f.clock, f.logs)
	m, err := user.NewManager(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	return f
}

const tfPassword = "excalibur-in-the-stone"

func (f *tfFixture) newUser(t testing.TB, email string) *user.User {
	t.Helper()
	u, err := f.m.Register(t.Context(), &user.User{Base: user.Base{Email: email}}, tfPassword)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// enrol turns TOTP on for u and returns its secret and recovery codes.
func (f *tfFixture) enrol(t testing.TB, u *user.User) (string, []string) {
	t.Helper()
	e, err := f.m.BeginTOTP(t.Context(), u, tfPassword)
	if err != nil {
		t.Fatalf("BeginTOTP: %v", err)
	}
	codes, err := f.m.ConfirmTOTP(t.Context(), u, f.code(t, e.Secret, 0))
	if err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	// The confirming code's step is used: move on to the next one.
	f.clock.Advance(totp.Period)
	return e.Secret, codes
}

// code is the app's code for secret at the fixture's time plus offset.
func (f *tfFixture) code(t testing.TB, secret string, offset time.Duration) string {
	t.Helper()
	c, err := totp.Code(secret, f.clock.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *tfFixture) ticket(t testing.TB, u *user.User) string {
	t.Helper()
	tk, err := f.m.IssueLoginTicket(t.Context(), u, "jwt")
	if err != nil {
		t.Fatalf("IssueLoginTicket: %v", err)
	}
	return tk
}

func (f *tfFixture) factors(t *testing.T, u *user.User) []string {
	t.Helper()
	methods, err := f.m.SecondFactors(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	return methods
}

var recoveryCodeForm = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)

func TestTOTPEnrolment(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	u := f.newUser(t, "king.arthur@camelot.bt")

	if _, err := f.m.BeginTOTP(ctx, u, "wrong password"); !errors.Is(err, user.ErrBadPassword) {
		t.Fatalf("BeginTOTP(wrong password) = %v, want ErrBadPassword", err)
	}
	if _, err := f.store.TOTP(ctx, u.ID); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("a refused BeginTOTP stored a factor: %v", err)
	}
	e, err := f.m.BeginTOTP(ctx, u, tfPassword)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := url.Parse(e.URL)
	if err != nil || parsed.Path != "/Camelot:king.arthur@camelot.bt" || parsed.Query().Get("secret") != e.Secret || parsed.Query().Get("issuer") != "Camelot" {
		t.Fatalf("URL %q: %v", e.URL, err)
	}
	if _, err := totp.ParseSecret(e.Secret); err != nil {
		t.Fatalf("secret: %v", err)
	}
	if got := f.factors(t, u); got != nil {
		t.Fatalf("a pending factor asks for a second step: %v", got)
	}
	for _, bad := range []string{"", "12345", "abcdef", f.code(t, e.Secret, 2*totp.Period)} {
		if _, err := f.m.ConfirmTOTP(ctx, u, bad); !errors.Is(err, user.ErrBadCode) {
			t.Fatalf("ConfirmTOTP(%q) = %v, want ErrBadCode", bad, err)
		}
	}
	codes, err := f.m.ConfirmTOTP(ctx, u, f.code(t, e.Secret, -totp.Period))
	if err != nil {
		t.Fatalf("ConfirmTOTP with a code one step late: %v", err)
	}
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d recovery codes", len(codes))
	}
	for _, c := range codes {
		if !recoveryCodeForm.MatchString(c) {
			t.Fatalf("recovery code %q", c)
		}
	}
	if got := f.factors(t, u); !slices.Equal(got, []string{user.MethodTOTP, user.MethodRecoveryCode}) {
		t.Fatalf("SecondFactors = %v", got)
	}
	if st, err := f.m.TwoFactorStatus(ctx, u); err != nil || st != (user.TwoFactorStatus{TOTP: true, RecoveryCodesLeft: 10}) {
		t.Fatalf("TwoFactorStatus = %+v, %v", st, err)
	}
	if _, err := f.m.BeginTOTP(ctx, u, tfPassword); !errors.Is(err, user.ErrTOTPAlreadyEnabled) {
		t.Fatalf("BeginTOTP while enabled = %v", err)
	}
	if _, err := f.m.ConfirmTOTP(ctx, u, f.code(t, e.Secret, 0)); !errors.Is(err, user.ErrTOTPAlreadyEnabled) {
		t.Fatalf("ConfirmTOTP while enabled = %v", err)
	}
	// The code that confirmed cannot sign in: its step is recorded.
	tk := f.ticket(t, u)
	if _, err := f.m.CompleteLoginTicket(ctx, tk, "jwt", f.code(t, e.Secret, -totp.Period)); !errors.Is(err, user.ErrBadCode) {
		t.Fatalf("the confirming code at login = %v, want ErrBadCode", err)
	}
}

func TestConfirmTOTPRefusals(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	u := f.newUser(t, "king.arthur@camelot.bt")
	if _, err := f.m.ConfirmTOTP(ctx, u, "123456"); !errors.Is(err, user.ErrTOTPNotPending) {
		t.Fatalf("ConfirmTOTP without BeginTOTP = %v", err)
	}
	first, _ := f.m.BeginTOTP(ctx, u, tfPassword)
	second, _ := f.m.BeginTOTP(ctx, u, tfPassword)
	if first.Secret == second.Secret {
		t.Fatal("two enrolments share a secret")
	}
	if _, err := f.m.ConfirmTOTP(ctx, u, f.code(t, first.Secret, 0)); !errors.Is(err, user.ErrBadCode) {
		t.Fatalf("the replaced secret's code = %v, want ErrBadCode", err)
	}
	if _, err := f.m.ConfirmTOTP(ctx, u, f.code(t, second.Secret, 0)); err != nil {
		t.Fatalf("the new secret's code: %v", err)
	}
}

// TestSecretSealedAtRest: the store never sees the secret, and a sealed
// secret copied to another user's row does not open there.
func TestSecretSealedAtRest(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	arthur, mordred := f.newUser(t, "king.arthur@camelot.bt"), f.newUser(t, "mordred@camelot.bt")
	secret, _ := f.enrol(t, arthur)
	stored, err := f.store.TOTP(ctx, arthur.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored.SealedSecret, secret) || !strings.HasPrefix(stored.SealedSecret, "v1.d-") {
		t.Fatalf("stored %q", stored.SealedSecret)
	}
	f.enrol(t, mordred)
	// Mordred copies Arthur's sealed secret into his own row.
	if err := f.store.ResealTOTP(ctx, mordred.ID, mustFactor(t, f.store, mordred.ID).SealedSecret, stored.SealedSecret); err != nil {
		t.Fatal(err)
	}
	tk := f.ticket(t, mordred)
	_, err = f.m.CompleteLoginTicket(ctx, tk, "jwt", f.code(t, secret, 0))
	if err == nil || errors.Is(err, user.ErrBadCode) || !errors.Is(err, auth.ErrSealMismatch) {
		t.Fatalf("a secret copied to another user = %v, want a failure to open it", err)
	}
	if !strings.Contains(f.logs.String(), "TOTP secret does not open") {
		t.Fatalf("not logged: %s", f.logs)
	}
}

func mustFactor(t *testing.T, s user.TwoFactorStore, id uuid.UUID) user.TOTPFactor {
	t.Helper()
	fa, err := s.TOTP(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return fa
}

// TestLoginTicket walks the second step through every outcome the contract
// names, with the clock moved by hand.
func TestLoginTicket(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, f *tfFixture, u *user.User, secret string, codes []string)
	}{
		{"right code signs in once", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			tk := f.ticket(t, u)
			got, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", " "+f.code(t, secret, 0)+" ")
			if err != nil || got.ID != u.ID {
				t.Fatalf("CompleteLoginTicket = %v, %v", got, err)
			}
			f.clock.Advance(totp.Period)
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, 0)); !errors.Is(err, user.ErrBadTicket) {
				t.Fatalf("the used ticket again = %v, want ErrBadTicket", err)
			}
		}},
		{"a code works once", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			code := f.code(t, secret, 0)
			if _, err := f.m.CompleteLoginTicket(t.Context(), f.ticket(t, u), "jwt", code); err != nil {
				t.Fatal(err)
			}
			tk := f.ticket(t, u)
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", code); !errors.Is(err, user.ErrBadCode) {
				t.Fatalf("a reused code = %v, want ErrBadCode", err)
			}
			// An older code is refused as well, even one step late.
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, -totp.Period)); !errors.Is(err, user.ErrBadCode) {
				t.Fatalf("an older code = %v, want ErrBadCode", err)
			}
			// The ticket survived both, with two tries less.
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, totp.Period)); err != nil {
				t.Fatalf("the next step's code: %v", err)
			}
		}},
		{"one step of drift either way, not two", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			for _, tc := range []struct {
				offset time.Duration
				ok     bool
			}{{-2 * totp.Period, false}, {-totp.Period, true}, {totp.Period, true}, {2 * totp.Period, false}} {
				tk := f.ticket(t, u)
				_, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, tc.offset))
				if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, user.ErrBadCode)) {
					t.Fatalf("a code %v away = %v", tc.offset, err)
				}
				f.clock.Advance(3 * totp.Period)
			}
		}},
		{"a recovery code works once", func(t *testing.T, f *tfFixture, u *user.User, _ string, codes []string) {
			typed := strings.ToUpper(strings.ReplaceAll(codes[0], "-", " "))
			if _, err := f.m.CompleteLoginTicket(t.Context(), f.ticket(t, u), "jwt", typed); err != nil {
				t.Fatalf("a recovery code as typed: %v", err)
			}
			if st, _ := f.m.TwoFactorStatus(t.Context(), u); st.RecoveryCodesLeft != 9 {
				t.Fatalf("%d codes left, want 9", st.RecoveryCodesLeft)
			}
			if _, err := f.m.CompleteLoginTicket(t.Context(), f.ticket(t, u), "jwt", codes[0]); !errors.Is(err, user.ErrBadCode) {
				t.Fatalf("a used recovery code = %v, want ErrBadCode", err)
			}
			if !strings.Contains(f.logs.String(), "recovery code used") {
				t.Fatal("the use of a recovery code is not logged")
			}
		}},
		{"another user's recovery code", func(t *testing.T, f *tfFixture, u *user.User, _ string, _ []string) {
			other := f.newUser(t, "mordred@camelot.bt")
			_, theirs := f.enrol(t, other)
			if _, err := f.m.CompleteLoginTicket(t.Context(), f.ticket(t, u), "jwt", theirs[0]); !errors.Is(err, user.ErrBadCode) {
				t.Fatalf("another user's recovery code = %v, want ErrBadCode", err)
			}
		}},
		{"five wrong codes kill the ticket", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			tk := f.ticket(t, u)
			for i, bad := range []string{"000000", "not a code", "111111", "abcde-fghjk", "222222"} {
				if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", bad); !errors.Is(err, user.ErrBadCode) {
					t.Fatalf("wrong code %d = %v, want ErrBadCode", i+1, err)
				}
			}
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, 0)); !errors.Is(err, user.ErrBadTicket) {
				t.Fatalf("the right code after five wrong ones = %v, want ErrBadTicket", err)
			}
			if !strings.Contains(f.logs.String(), "tries_left=0") {
				t.Fatal("the failures are not logged with the tries left")
			}
		}},
		{"the ticket expires after five minutes", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			late := f.ticket(t, u)
			inTime := f.ticket(t, u)
			f.clock.Advance(user.TicketLifetime - time.Second)
			if _, err := f.m.CompleteLoginTicket(t.Context(), inTime, "jwt", f.code(t, secret, 0)); err != nil {
				t.Fatalf("a second before expiry: %v", err)
			}
			f.clock.Advance(time.Second + totp.Period)
			if _, err := f.m.CompleteLoginTicket(t.Context(), late, "jwt", f.code(t, secret, 0)); !errors.Is(err, user.ErrBadTicket) {
				t.Fatalf("an expired ticket = %v, want ErrBadTicket", err)
			}
		}},
		{"another backend's ticket", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			tk := f.ticket(t, u)
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "cookie", f.code(t, secret, 0)); !errors.Is(err, user.ErrBadTicket) {
				t.Fatalf("a jwt ticket at the cookie backend = %v, want ErrBadTicket", err)
			}
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, 0)); err != nil {
				t.Fatalf("the ticket at its own backend: %v", err)
			}
		}},
		{"unknown and malformed tickets", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			valid, _ := auth.RandomToken(nil)
			for _, tk := range []string{"", "ticket", valid, strings.Repeat("A", 10000)} {
				if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, 0)); !errors.Is(err, user.ErrBadTicket) {
					t.Fatalf("ticket %.20q = %v, want ErrBadTicket", tk, err)
				}
			}
		}},
		{"a deactivated user", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			tk := f.ticket(t, u)
			if _, err := f.m.UpdateAsSuperuser(t.Context(), u, user.Update{IsActive: ptr(false)}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, 0)); !errors.Is(err, user.ErrBadTicket) {
				t.Fatalf("a deactivated user's ticket = %v, want ErrBadTicket", err)
			}
		}},
		{"a deleted user", func(t *testing.T, f *tfFixture, u *user.User, secret string, _ []string) {
			tk := f.ticket(t, u)
			if err := f.m.Delete(t.Context(), u); err != nil {
				t.Fatal(err)
			}
			if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", f.code(t, secret, 0)); !errors.Is(err, user.ErrBadTicket) {
				t.Fatalf("a deleted user's ticket = %v, want ErrBadTicket", err)
			}
		}},
		{"TOTP removed meanwhile", func(t *testing.T, f *tfFixture, u *user.User, secret string, codes []string) {
			tk := f.ticket(t, u)
			if err := f.m.RemoveTOTP(t.Context(), u, tfPassword); err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{f.code(t, secret, 0), codes[0]} {
				if _, err := f.m.CompleteLoginTicket(t.Context(), tk, "jwt", c); !errors.Is(err, user.ErrBadCode) {
					t.Fatalf("a code of a removed factor = %v, want ErrBadCode", err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTFFixture(t)
			u := f.newUser(t, "king.arthur@camelot.bt")
			secret, codes := f.enrol(t, u)
			tt.run(t, f, u, secret, codes)
		})
	}
}

// TestConcurrentCompletion: many requests completing one ticket with the
// right code sign in once.
func TestConcurrentCompletion(t *testing.T) {
	f := newTFFixture(t)
	u := f.newUser(t, "king.arthur@camelot.bt")
	secret, _ := f.enrol(t, u)
	tk := f.ticket(t, u)
	code := f.code(t, secret, 0)
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = f.m.CompleteLoginTicket(context.Background(), tk, "jwt", code)
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, user.ErrBadCode) && !errors.Is(err, user.ErrBadTicket):
			t.Fatalf("completion %d = %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d completions signed in, want 1", wins)
	}
}

func TestRemoveTOTP(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	u := f.newUser(t, "king.arthur@camelot.bt")
	if err := f.m.RemoveTOTP(ctx, u, tfPassword); !errors.Is(err, user.ErrTOTPNotEnabled) {
		t.Fatalf("RemoveTOTP without TOTP = %v", err)
	}
	f.enrol(t, u)
	if err := f.m.RemoveTOTP(ctx, u, "wrong"); !errors.Is(err, user.ErrBadPassword) {
		t.Fatalf("RemoveTOTP(wrong password) = %v", err)
	}
	if f.factors(t, u) == nil {
		t.Fatal("a refused removal removed the factor")
	}
	if err := f.m.RemoveTOTP(ctx, u, tfPassword); err != nil {
		t.Fatal(err)
	}
	if got := f.factors(t, u); got != nil {
		t.Fatalf("SecondFactors after removal = %v", got)
	}
	if n, _ := f.store.CountRecoveryCodes(ctx, u.ID); n != 0 {
		t.Fatalf("%d recovery codes survive the removal of their factor", n)
	}
	if st, _ := f.m.TwoFactorStatus(ctx, u); st != (user.TwoFactorStatus{}) {
		t.Fatalf("status after removal = %+v", st)
	}
	// A pending enrolment is removed too.
	if _, err := f.m.BeginTOTP(ctx, u, tfPassword); err != nil {
		t.Fatal(err)
	}
	if err := f.m.RemoveTOTP(ctx, u, tfPassword); err != nil {
		t.Fatalf("RemoveTOTP(pending) = %v", err)
	}
	if _, err := f.m.ConfirmTOTP(ctx, u, "123456"); !errors.Is(err, user.ErrTOTPNotPending) {
		t.Fatalf("ConfirmTOTP after removal = %v", err)
	}
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	u := f.newUser(t, "king.arthur@camelot.bt")
	if _, err := f.m.RegenerateRecoveryCodes(ctx, u, tfPassword); !errors.Is(err, user.ErrTwoFactorNotEnabled) {
		t.Fatalf("RegenerateRecoveryCodes without a factor = %v", err)
	}
	_, old := f.enrol(t, u)
	if _, err := f.m.RegenerateRecoveryCodes(ctx, u, "wrong"); !errors.Is(err, user.ErrBadPassword) {
		t.Fatalf("wrong password = %v", err)
	}
	fresh, err := f.m.RegenerateRecoveryCodes(ctx, u, tfPassword)
	if err != nil || len(fresh) != 10 {
		t.Fatalf("RegenerateRecoveryCodes = %d codes, %v", len(fresh), err)
	}
	for _, c := range fresh {
		if slices.Contains(old, c) {
			t.Fatal("the new set repeats an old code")
		}
	}
	if _, err := f.m.CompleteLoginTicket(ctx, f.ticket(t, u), "jwt", old[1]); !errors.Is(err, user.ErrBadCode) {
		t.Fatalf("an old code after regeneration = %v, want ErrBadCode", err)
	}
	if _, err := f.m.CompleteLoginTicket(ctx, f.ticket(t, u), "jwt", fresh[1]); err != nil {
		t.Fatalf("a new code: %v", err)
	}
}

func TestRemoveTwoFactor(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	u := f.newUser(t, "king.arthur@camelot.bt")
	if err := f.m.RemoveTwoFactor(ctx, u); !errors.Is(err, user.ErrTwoFactorNotEnabled) {
		t.Fatalf("RemoveTwoFactor without factors = %v", err)
	}
	f.enrol(t, u)
	if err := f.m.RemoveTwoFactor(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got := f.factors(t, u); got != nil {
		t.Fatalf("SecondFactors after RemoveTwoFactor = %v", got)
	}
	if !strings.Contains(f.logs.String(), "second factors removed by an administrator") {
		t.Fatal("not logged")
	}
}

// TestPasswordCheckCost: re-authentication costs one verification, whether
// the password is wrong or the user has none (a dummy one then, which
// Stats counts among Verifies), and a too-long password costs none.
func TestPasswordCheckCost(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	u := f.newUser(t, "king.arthur@camelot.bt")
	unusable, err := user.UnusablePassword(nil)
	if err != nil {
		t.Fatal(err)
	}
	oauthOnly := &user.User{Base: user.Base{ID: uuid.New(), Email: "percival@camelot.bt", HashedPassword: unusable, IsActive: true}}
	if err := f.store.Create(ctx, oauthOnly); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		u         *user.User
		password  string
		verifies  uint64
		dummies   uint64
		wantError error
	}{
		{"wrong password", u, "wrong", 1, 0, user.ErrBadPassword},
		{"no password set", oauthOnly, "anything", 1, 1, user.ErrBadPassword},
		{"too long", u, strings.Repeat("x", user.MaxPasswordBytes+1), 0, 0, user.ErrBadPassword},
		{"right password", u, tfPassword, 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.hasher.Stats()
			_, err := f.m.BeginTOTP(ctx, tt.u, tt.password)
			after := f.hasher.Stats()
			if !errors.Is(err, tt.wantError) {
				t.Fatalf("BeginTOTP = %v, want %v", err, tt.wantError)
			}
			if after.Verifies-before.Verifies != tt.verifies || after.Dummies-before.Dummies != tt.dummies {
				t.Fatalf("hashing work %+v -> %+v, want %d verifications and %d dummies", before, after, tt.verifies, tt.dummies)
			}
		})
	}
}

// usersOnly hides every capability of a store but user.Store.
type usersOnly struct{ user.Store[*user.User] }

// usersAndFactors has the second-factor capability but keeps no challenges.
type usersAndFactors struct {
	user.Store[*user.User]
	user.TwoFactorStore
}

func TestTwoFactorUnsupported(t *testing.T) {
	ctx := t.Context()
	c := &clock{t: time.Now()}
	t.Run("store without the capability", func(t *testing.T) {
		s := memory.New[*user.User]()
		m, err := user.NewManager(twoFactorOptions(t, usersOnly{s}, hasher(t, small), c, &bytes.Buffer{}))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.TwoFactorReady(); !errors.Is(err, user.ErrTwoFactorUnsupported) || !strings.Contains(err.Error(), "TwoFactorStore") {
			t.Fatalf("TwoFactorReady = %v", err)
		}
		u, _ := m.Register(ctx, &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, tfPassword)
		if got, err := m.SecondFactors(ctx, u); got != nil || err != nil {
			t.Fatalf("SecondFactors = %v, %v; want none", got, err)
		}
		if _, err := m.BeginTOTP(ctx, u, tfPassword); !errors.Is(err, user.ErrTwoFactorUnsupported) {
			t.Fatalf("BeginTOTP = %v", err)
		}
		if err := m.RemoveTwoFactor(ctx, u); !errors.Is(err, user.ErrTwoFactorUnsupported) {
			t.Fatalf("RemoveTwoFactor = %v", err)
		}
	})
	t.Run("missing keys fail closed", func(t *testing.T) {
		f := newTFFixture(t)
		u := f.newUser(t, "king.arthur@camelot.bt")
		secret, _ := f.enrol(t, u)
		opts := f.opts
		opts.SealKeys, opts.RecoveryCodeKey = nil, nil
		m, err := user.NewManager(opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.TwoFactorReady(); !errors.Is(err, user.ErrTwoFactorUnsupported) || !strings.Contains(err.Error(), "SealKeys") {
			t.Fatalf("TwoFactorReady = %v", err)
		}
		// The factor is still required, and cannot be passed.
		if got, _ := m.SecondFactors(ctx, u); len(got) == 0 {
			t.Fatal("a Manager without keys skips the second step")
		}
		tk, err := m.IssueLoginTicket(ctx, u, "jwt")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.CompleteLoginTicket(ctx, tk, "jwt", f.code(t, secret, 0)); !errors.Is(err, user.ErrTwoFactorUnsupported) {
			t.Fatalf("CompleteLoginTicket = %v", err)
		}
	})
	t.Run("no issuer", func(t *testing.T) {
		opts := twoFactorOptions(t, memory.New[*user.User](), hasher(t, small), c, &bytes.Buffer{})
		opts.TOTPIssuer = ""
		m, _ := user.NewManager(opts)
		if err := m.TwoFactorReady(); !errors.Is(err, user.ErrTwoFactorUnsupported) || !strings.Contains(err.Error(), "TOTPIssuer") {
			t.Fatalf("TwoFactorReady = %v", err)
		}
	})
}

func TestNewManagerRefusesBadTwoFactorOptions(t *testing.T) {
	c := &clock{t: time.Now()}
	tests := []struct {
		name   string
		change func(*user.ManagerOptions[*user.User])
	}{
		{"issuer with a colon", func(o *user.ManagerOptions[*user.User]) { o.TOTPIssuer = "Camelot: the castle" }},
		{"short recovery key", func(o *user.ManagerOptions[*user.User]) { o.RecoveryCodeKey = make([]byte, 31) }},
		{"short seal key", func(o *user.ManagerOptions[*user.User]) {
			o.SealKeys = []auth.SealKey{{ID: "k", Key: make([]byte, 16)}}
		}},
		{"repeated seal key ID", func(o *user.ManagerOptions[*user.User]) { o.SealKeys = append(o.SealKeys, o.SealKeys[0]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := twoFactorOptions(t, memory.New[*user.User](), hasher(t, small), c, &bytes.Buffer{})
			tt.change(&opts)
			if _, err := user.NewManager(opts); err == nil {
				t.Fatal("NewManager accepted it")
			}
		})
	}
}

// TestSealKeyRotation: with a new key first, secrets sealed by the old one
// still work and are resealed with the new one on use, or by ResealTOTP;
// the old key can then go.
func TestSealKeyRotation(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	arthur, gawain := f.newUser(t, "king.arthur@camelot.bt"), f.newUser(t, "gawain@camelot.bt")
	arthurSecret, _ := f.enrol(t, arthur)
	gawainSecret, _ := f.enrol(t, gawain)

	fresh := auth.SealKey{ID: "2026-07", Key: bytes.Repeat([]byte{0x42}, 32)}
	opts := f.opts
	opts.SealKeys = []auth.SealKey{fresh, f.opts.SealKeys[0]}
	rotated, err := user.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := rotated.IssueLoginTicket(ctx, arthur, "jwt")
	if _, err := rotated.CompleteLoginTicket(ctx, tk, "jwt", f.code(t, arthurSecret, 0)); err != nil {
		t.Fatalf("login under the rotated ring: %v", err)
	}
	if got := mustFactor(t, f.store, arthur.ID).SealedSecret; !strings.HasPrefix(got, "v1.2026-07.") {
		t.Fatalf("not resealed on use: %.20s", got)
	}
	if did, err := rotated.ResealTOTP(ctx, gawain); err != nil || !did {
		t.Fatalf("ResealTOTP = %v, %v", did, err)
	}
	if did, err := rotated.ResealTOTP(ctx, gawain); err != nil || did {
		t.Fatalf("ResealTOTP again = %v, %v", did, err)
	}

	opts.SealKeys = []auth.SealKey{fresh}
	newOnly, err := user.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(totp.Period)
	for _, who := range []struct {
		u      *user.User
		secret string
	}{{arthur, arthurSecret}, {gawain, gawainSecret}} {
		tk, _ := newOnly.IssueLoginTicket(ctx, who.u, "jwt")
		if _, err := newOnly.CompleteLoginTicket(ctx, tk, "jwt", f.code(t, who.secret, 0)); err != nil {
			t.Fatalf("login of %s with the new key only: %v", who.u.Email, err)
		}
	}
}

// TestLogsHoldNoSecrets runs every flow and checks that the log names the
// events and users but none of the secrets, codes or tickets.
func TestLogsHoldNoSecrets(t *testing.T) {
	f := newTFFixture(t)
	ctx := t.Context()
	u := f.newUser(t, "king.arthur@camelot.bt")
	e, _ := f.m.BeginTOTP(ctx, u, tfPassword)
	first := f.code(t, e.Secret, 0)
	codes, err := f.m.ConfirmTOTP(ctx, u, first)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(totp.Period)
	tk := f.ticket(t, u)
	f.m.CompleteLoginTicket(ctx, tk, "jwt", "000000")
	f.m.CompleteLoginTicket(ctx, tk, "jwt", codes[0])
	tk2 := f.ticket(t, u)
	second := f.code(t, e.Secret, 0)
	f.m.CompleteLoginTicket(ctx, tk2, "jwt", second)
	f.m.BeginTOTP(ctx, u, "a wrong password")
	fresh, _ := f.m.RegenerateRecoveryCodes(ctx, u, tfPassword)
	f.m.RemoveTOTP(ctx, u, tfPassword)

	logs := f.logs.String()
	secrets := append([]string{e.Secret, first, second, tk, tk2, tfPassword, "a wrong password", auth.TokenDigest(tk)}, append(codes, fresh...)...)
	for _, s := range secrets {
		if strings.Contains(logs, s) || strings.Contains(logs, strings.ReplaceAll(s, "-", "")) {
			t.Errorf("the log holds a secret: %q", s)
		}
	}
	for _, event := range []string{"TOTP enrolment begun", "second factor enabled", "second factor failed", "recovery code used",
		"second factor passed", "password check failed", "recovery codes regenerated", "second factor removed", u.ID.String()} {
		if !strings.Contains(logs, event) {
			t.Errorf("the log lacks %q", event)
		}
	}
}

// TestChallengeStoreChoice: the Manager keeps tickets in ManagerOptions
// .Challenges, else in the Store when it can, else in memory.
func TestChallengeStoreChoice(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name       string
		challenges func(s *memory.Store[*user.User]) (user.ChallengeStore, *user.MemoryChallenges)
		store      func(s *memory.Store[*user.User]) user.Store[*user.User]
	}{
		{"the store's", func(*memory.Store[*user.User]) (user.ChallengeStore, *user.MemoryChallenges) { return nil, nil },
			func(s *memory.Store[*user.User]) user.Store[*user.User] { return s }},
		{"the option's", func(*memory.Store[*user.User]) (user.ChallengeStore, *user.MemoryChallenges) {
			c := user.NewMemoryChallenges(10)
			return c, c
		}, func(s *memory.Store[*user.User]) user.Store[*user.User] { return s }},
		{"in memory when the store has none", func(*memory.Store[*user.User]) (user.ChallengeStore, *user.MemoryChallenges) { return nil, nil },
			func(s *memory.Store[*user.User]) user.Store[*user.User] { return usersAndFactors{s, s} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTFFixture(t)
			u := f.newUser(t, "king.arthur@camelot.bt")
			secret, _ := f.enrol(t, u)
			opts := f.opts
			opts.Store = tt.store(f.store)
			var mem *user.MemoryChallenges
			opts.Challenges, mem = tt.challenges(f.store)
			m, err := user.NewManager(opts)
			if err != nil {
				t.Fatal(err)
			}
			tk, err := m.IssueLoginTicket(ctx, u, "jwt")
			if err != nil {
				t.Fatal(err)
			}
			_, inStore := f.store.GetChallenge(ctx, auth.TokenDigest(tk))
			if wantInStore := tt.name == "the store's"; (inStore == nil) != wantInStore {
				t.Fatalf("ticket in the user store: %v, want %v", inStore == nil, wantInStore)
			}
			if mem != nil && mem.Len() != 1 {
				t.Fatalf("the option's store holds %d challenges", mem.Len())
			}
			if _, err := m.CompleteLoginTicket(ctx, tk, "jwt", f.code(t, secret, 0)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestExpiredChallengesPurged: issuing a ticket purges the expired ones,
// once a minute at most.
func TestExpiredChallengesPurged(t *testing.T) {
	f := newTFFixture(t)
	mem := user.NewMemoryChallenges(0)
	opts := f.opts
	opts.Challenges = mem
	m, err := user.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	u := f.newUser(t, "king.arthur@camelot.bt")
	for range 3 {
		m.IssueLoginTicket(t.Context(), u, "jwt")
	}
	f.clock.Advance(user.TicketLifetime + time.Second)
	m.IssueLoginTicket(t.Context(), u, "jwt")
	if mem.Len() != 1 {
		t.Fatalf("%d challenges after a purge, want the new one only", mem.Len())
	}
	f.clock.Advance(user.TicketLifetime + time.Second)
	if n, err := m.DeleteExpiredChallenges(t.Context()); err != nil || n != 1 {
		t.Fatalf("DeleteExpiredChallenges = %d, %v", n, err)
	}
}

func TestMemoryChallengesConformance(t *testing.T) {
	storetest.RunChallengeStore(t, func(*testing.T) user.ChallengeStore { return user.NewMemoryChallenges(0) })
}

// TestMemoryChallengesBounded: a full store pushes out the challenge that
// expires first, whatever the order of creation.
func TestMemoryChallengesBounded(t *testing.T) {
	ctx := t.Context()
	s := user.NewMemoryChallenges(3)
	base := time.Date(2026, 7, 14, 9, 0, 0, 0, time.UTC)
	offsets := []time.Duration{3, 1, 5, 2, 4} // minutes
	for i, m := range offsets {
		c := user.Challenge{Digest: strings.Repeat(string(rune('a'+i)), 64), Kind: "k", ExpiresAt: base.Add(m * time.Minute), TriesLeft: 1}
		if err := s.CreateChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
		if s.Len() > 3 {
			t.Fatalf("%d challenges held, capacity 3", s.Len())
		}
	}
	for i, wantKept := range []bool{true, false, true, false, true} {
		_, err := s.GetChallenge(ctx, strings.Repeat(string(rune('a'+i)), 64))
		if (err == nil) != wantKept {
			t.Errorf("challenge %d (expires in %v min): kept %v, want %v", i, offsets[i], err == nil, wantKept)
		}
	}
	if user.NewMemoryChallenges(0) == nil {
		t.Fatal("default capacity")
	}
}

package backend

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

var epochSecret = []byte("epoch-test-secret-0123456789abcdef")

var epochNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func revocable(t testing.TB, cacheSize int) *JWTStrategy {
	t.Helper()
	s := NewJWT(JWTConfig{Secret: epochSecret, Lifetime: time.Hour, Now: fixedNow(epochNow), CacheSize: cacheSize})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// signed returns an HS256 token with exactly these claims, for claims no
// strategy would write.
func signed(t *testing.T, claims string) string {
	t.Helper()
	signer, err := auth.NewJWTSigner(auth.HS256, epochSecret)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := signer.Sign([]byte(claims))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestRevocableWritesEpoch: the epoch is left out while it is 0, so a
// first token is FastAPI Users' own; then it comes after exp, and a
// sign-in's session after it.
func TestRevocableWritesEpoch(t *testing.T) {
	id := uuid.MustParse("0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9")
	sid := uuid.MustParse("4fd3477b-eccf-4ee3-8f7d-68ad72261476")
	exp := strconv.FormatInt(epochNow.Add(time.Hour).Unix(), 10)
	plain := `{"sub":"` + id.String() + `","aud":["fastapi-users:auth"],"exp":` + exp
	for _, tc := range []struct {
		name  string
		epoch int64
		login Login
		want  string
	}{
		{"epoch 0", 0, Login{}, plain + `}`},
		{"epoch 7", 7, Login{}, plain + `,"usersauth_epoch":7}`},
		{"epoch 2^40", 1 << 40, Login{}, plain + `,"usersauth_epoch":1099511627776}`},
		{"a sign-in without a session", 0, Login{Origin: auth.Origin{Backend: "jwt", UserAgent: "curl/8"}}, plain + `}`},
		{"epoch 0 with a session", 0, Login{SessionID: sid}, plain + `,"usersauth_sid":"` + sid.String() + `"}`},
		{"epoch 3 with a session", 3, Login{SessionID: sid}, plain + `,"usersauth_epoch":3,"usersauth_sid":"` + sid.String() + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := WithLogin(context.Background(), tc.login)
			tok, err := revocable(t, 0).WriteToken(ctx, &user.Base{ID: id, TokenEpoch: tc.epoch})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b64(t, strings.Split(tok, ".")[1])); got != tc.want {
				t.Fatalf("claims %s, want %s", got, tc.want)
			}
		})
	}
}

// TestCheckUserEpoch: a revocable token is good for its user while the
// stored epoch is the one it carries, with or without the cache.
func TestCheckUserEpoch(t *testing.T) {
	id := uuid.New()
	exp := strconv.FormatInt(epochNow.Add(time.Hour).Unix(), 10)
	base := `{"sub":"` + id.String() + `","aud":["fastapi-users:auth"],"exp":` + exp
	tests := []struct {
		name      string
		token     string
		readOK    bool           // ReadToken accepts it
		goodFor   map[int64]bool // stored epoch -> CheckUser
		otherUser bool           // CheckUser with another user's Base
	}{
		{"epoch 0", base + `,"usersauth_epoch":0}`, true, map[int64]bool{0: true, 1: false}, false},
		{"epoch 3", base + `,"usersauth_epoch":3}`, true, map[int64]bool{2: false, 3: true, 4: false}, false},
		{"no claim counts as 0", base + `}`, true, map[int64]bool{0: true, 1: false}, false},
		{"another user's token", base + `,"usersauth_epoch":0}`, true, map[int64]bool{0: false}, true},
		{"string epoch", base + `,"usersauth_epoch":"0"}`, false, nil, false},
		{"null epoch", base + `,"usersauth_epoch":null}`, false, nil, false},
		{"fractional epoch", base + `,"usersauth_epoch":1.5}`, false, nil, false},
		{"negative epoch", base + `,"usersauth_epoch":-1}`, false, nil, false},
		{"epoch beyond exact floats", base + `,"usersauth_epoch":18014398509481984}`, false, nil, false},
	}
	for _, cache := range []struct {
		name string
		size int
	}{{"cached", 0}, {"uncached", -1}} {
		for _, tt := range tests {
			t.Run(cache.name+"/"+tt.name, func(t *testing.T) {
				s := revocable(t, cache.size)
				tok := signed(t, tt.token)
				got, err := s.ReadToken(context.Background(), tok)
				if !tt.readOK {
					if !errors.Is(err, ErrInvalidToken) {
						t.Fatalf("ReadToken = %v, %v; want ErrInvalidToken", got, err)
					}
					if s.CheckUser(tok, &user.Base{ID: id}) {
						t.Fatal("CheckUser accepted a token ReadToken refused")
					}
					return
				}
				if err != nil || got != id {
					t.Fatalf("ReadToken = %v, %v", got, err)
				}
				for epoch, want := range tt.goodFor {
					u := &user.Base{ID: id, TokenEpoch: epoch}
					if tt.otherUser {
						u.ID = uuid.New()
					}
					for range 2 { // first from the verifier or cache, then from the cache
						if ok := s.CheckUser(tok, u); ok != want {
							t.Fatalf("CheckUser(stored epoch %d) = %v, want %v", epoch, ok, want)
						}
					}
				}
			})
		}
	}
}

// TestRevocableIsIgnored: the deprecated Revocable changes nothing: the
// default is revocable, Irrevocable turns it off.
func TestRevocableIsIgnored(t *testing.T) {
	u := &user.Base{ID: uuid.New(), TokenEpoch: 3}
	claims := func(cfg JWTConfig) string {
		cfg.Secret, cfg.Lifetime, cfg.Now = epochSecret, time.Hour, fixedNow(epochNow)
		tok, err := NewJWT(cfg).WriteToken(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		return string(b64(t, strings.Split(tok, ".")[1]))
	}
	if got, want := claims(JWTConfig{Revocable: true}), claims(JWTConfig{}); got != want || !strings.Contains(got, EpochClaim) {
		t.Fatalf("Revocable: %s; default: %s", got, want)
	}
	if got := claims(JWTConfig{Revocable: true, Irrevocable: true}); strings.Contains(got, EpochClaim) {
		t.Fatalf("Irrevocable with Revocable: %s", got)
	}
}

// TestNonRevocableIgnoresEpoch: with Irrevocable, tokens carry no epoch
// and no session, and a revocable deployment's tokens are accepted whatever
// the stored epoch.
func TestNonRevocableIgnoresEpoch(t *testing.T) {
	id := uuid.New()
	plain := NewJWT(JWTConfig{Secret: epochSecret, Lifetime: time.Hour, Now: fixedNow(epochNow), Irrevocable: true})
	tok, err := plain.WriteToken(WithLogin(context.Background(), Login{SessionID: uuid.New()}), &user.Base{ID: id, TokenEpoch: 5})
	if err != nil {
		t.Fatal(err)
	}
	if claims := string(b64(t, strings.Split(tok, ".")[1])); strings.Contains(claims, EpochClaim) || strings.Contains(claims, SessionClaim) {
		t.Fatalf("a non-revocable token carries an epoch or a session: %s", claims)
	}
	if !plain.CheckUser(tok, &user.Base{ID: id, TokenEpoch: 9, KeptToken: strings.Repeat("0", 64)}) {
		t.Fatal("a non-revocable strategy refused a user's token")
	}
	fromRevocable, err := revocable(t, 0).WriteToken(context.Background(), &user.Base{ID: id, TokenEpoch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := plain.ReadToken(context.Background(), fromRevocable); err != nil || got != id {
		t.Fatalf("ReadToken of a revocable token = %v, %v", got, err)
	}
	// A string epoch is no concern of a strategy that ignores epochs.
	odd := signed(t, `{"sub":"`+id.String()+`","aud":["fastapi-users:auth"],"exp":`+strconv.FormatInt(epochNow.Add(time.Hour).Unix(), 10)+`,"usersauth_epoch":"x"}`)
	if _, err := plain.ReadToken(context.Background(), odd); err != nil {
		t.Fatalf("ReadToken = %v", err)
	}
}

// TestCheckUserZeroAllocs: the epoch check on the cached path of GET
// /users/me costs no allocation.
func TestCheckUserZeroAllocs(t *testing.T) {
	s := revocable(t, 0)
	u := &user.Base{ID: uuid.New(), TokenEpoch: 4}
	tok, err := s.WriteToken(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := s.ReadToken(context.Background(), tok); err != nil || !s.CheckUser(tok, u) {
			t.Fatal("refused")
		}
	}); n != 0 {
		t.Fatalf("ReadToken + CheckUser allocate %.1f times", n)
	}
}

// TestCheckUserExpiredInCache: a token expiring between ReadToken and
// CheckUser is refused by CheckUser too.
func TestCheckUserExpiredInCache(t *testing.T) {
	now := epochNow
	s := NewJWT(JWTConfig{Secret: epochSecret, Lifetime: time.Hour, Now: func() time.Time { return now }})
	u := &user.Base{ID: uuid.New()}
	tok, _ := s.WriteToken(context.Background(), u)
	if _, err := s.ReadToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if s.CheckUser(tok, u) {
		t.Fatal("CheckUser accepted an expired token")
	}
}

// FuzzRevocableClaims signs arbitrary claims with the strategy's key, as a
// buggy or foreign issuer sharing the secret could: a revocable strategy
// never panics, refuses with ErrInvalidToken, and its cached and uncached
// readings and epoch checks agree.
func FuzzRevocableClaims(f *testing.F) {
	sub := `"sub":"0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9","aud":["fastapi-users:auth"],"exp":` + strconv.FormatInt(epochNow.Add(time.Hour).Unix(), 10)
	for _, c := range []string{
		`{` + sub + `}`, `{` + sub + `,"usersauth_epoch":3}`, `{` + sub + `,"usersauth_epoch":3.0}`,
		`{` + sub + `,"usersauth_epoch":1e3}`, `{` + sub + `,"usersauth_epoch":-0}`, `{` + sub + `,"usersauth_epoch":9007199254740993}`,
		`{` + sub + `,"usersauth_epoch":[1]}`, `{` + sub + `,"usersauth_epoch":{}}`, `{` + sub + `,"usersauth_epoch":true}`,
		`{` + sub + `,"usersauth_sid":"4fd3477b-eccf-4ee3-8f7d-68ad72261476"}`, `{` + sub + `,"usersauth_epoch":3,"usersauth_sid":"x"}`,
	} {
		f.Add(c, int64(3))
	}
	signer, err := auth.NewJWTSigner(auth.HS256, epochSecret)
	if err != nil {
		f.Fatal(err)
	}
	cached, uncached := revocable(f, 0), revocable(f, -1)
	id := uuid.MustParse("0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9")
	f.Fuzz(func(t *testing.T, claims string, epoch int64) {
		tok, err := signer.Sign([]byte(claims))
		if err != nil {
			return
		}
		want, wantErr := uncached.ReadToken(context.Background(), tok)
		if wantErr != nil && !errors.Is(wantErr, ErrInvalidToken) {
			t.Fatalf("ReadToken = %v", wantErr)
		}
		u := &user.Base{ID: id, TokenEpoch: epoch}
		wantOK := uncached.CheckUser(tok, u)
		for range 2 {
			got, err := cached.ReadToken(context.Background(), tok)
			if got != want || (err == nil) != (wantErr == nil) {
				t.Fatalf("cached ReadToken = %v, %v; uncached %v, %v", got, err, want, wantErr)
			}
			if ok := cached.CheckUser(tok, u); ok != wantOK {
				t.Fatalf("cached CheckUser = %v, uncached %v", ok, wantOK)
			}
		}
		if wantOK && (wantErr != nil || want != id) {
			t.Fatal("CheckUser accepted a token ReadToken refused")
		}
	})
}

// TestAllows: what the user record says of a revocable token's sessions,
// through ReadSession and CheckUser alike, cached or not.
func TestAllows(t *testing.T) {
	id, sid, other := uuid.New(), uuid.New(), uuid.New()
	exp := strconv.FormatInt(epochNow.Add(time.Hour).Unix(), 10)
	base := `{"sub":"` + id.String() + `","aud":["fastapi-users:auth"],"exp":` + exp
	plain := base + `}`
	withSession := base + `,"usersauth_sid":"` + sid.String() + `"}`
	kept := func(claims string) string { return auth.TokenDigest(signed(t, claims)) }
	tests := []struct {
		name    string
		claims  string
		readOK  bool
		session uuid.UUID
		stored  user.Base
		want    bool
	}{
		{"plain token, epoch 0", plain, true, uuid.Nil, user.Base{}, true},
		{"plain token, epoch moved on", plain, true, uuid.Nil, user.Base{TokenEpoch: 1}, false},
		{"plain token kept", plain, true, uuid.Nil, user.Base{TokenEpoch: 1, KeptToken: kept(plain)}, true},
		{"another token kept", plain, true, uuid.Nil, user.Base{TokenEpoch: 1, KeptToken: kept(withSession)}, false},
		{"kept token with the current epoch", plain, true, uuid.Nil, user.Base{KeptToken: kept(withSession)}, true},
		{"session token", withSession, true, sid, user.Base{}, true},
		{"session ended", withSession, true, sid, user.Base{EndedSessions: other.String() + " " + sid.String()}, false},
		{"another session ended", withSession, true, sid, user.Base{EndedSessions: other.String()}, true},
		{"kept, but its session ended", withSession, true, sid, user.Base{TokenEpoch: 2, KeptToken: kept(withSession), EndedSessions: sid.String()}, false},
		{"session claim upper case", base + `,"usersauth_sid":"` + strings.ToUpper(sid.String()) + `"}`, true, sid, user.Base{EndedSessions: sid.String()}, false},
		{"session claim undashed", base + `,"usersauth_sid":"` + strings.ReplaceAll(sid.String(), "-", "") + `"}`, false, uuid.Nil, user.Base{}, false},
		{"session claim nil", base + `,"usersauth_sid":"00000000-0000-0000-0000-000000000000"}`, false, uuid.Nil, user.Base{}, false},
		{"session claim a number", base + `,"usersauth_sid":7}`, false, uuid.Nil, user.Base{}, false},
		{"session claim null", base + `,"usersauth_sid":null}`, false, uuid.Nil, user.Base{}, false},
		{"session claim braced", base + `,"usersauth_sid":"{` + sid.String()[:34] + `}"}`, false, uuid.Nil, user.Base{}, false},
	}
	for _, cache := range []int{0, -1} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("cache %d/%s", cache, tt.name), func(t *testing.T) {
				s := revocable(t, cache)
				tok := signed(t, tt.claims)
				info, err := s.ReadSession(context.Background(), tok)
				if !tt.readOK {
					if !errors.Is(err, ErrInvalidToken) {
						t.Fatalf("ReadSession = %+v, %v; want ErrInvalidToken", info, err)
					}
					return
				}
				if err != nil || info.UserID != id || info.SessionID != tt.session {
					t.Fatalf("ReadSession = %+v, %v; want user %v, session %v", info, err, id, tt.session)
				}
				u := tt.stored
				u.ID = id
				for range 2 {
					if got := info.Allows(&u); got != tt.want {
						t.Fatalf("Allows = %v, want %v", got, tt.want)
					}
					if got := s.CheckUser(tok, &u); got != tt.want {
						t.Fatalf("CheckUser = %v, want %v", got, tt.want)
					}
				}
			})
		}
	}
}

// TestReadSessionZeroAllocs: the default strategy's hot path, reading a
// cached token and checking it against its user, allocates nothing, for a
// token with a session among ended ones too.
func TestReadSessionZeroAllocs(t *testing.T) {
	s := revocable(t, 0)
	sid := uuid.New()
	u := &user.Base{ID: uuid.New(), TokenEpoch: 4, EndedSessions: uuid.NewString() + " " + uuid.NewString(), KeptToken: strings.Repeat("a", 64)}
	tok, err := s.WriteToken(WithLogin(context.Background(), Login{SessionID: sid}), u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadSession(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		info, err := s.ReadSession(context.Background(), tok)
		if err != nil || !info.Allows(u) || info.SessionID != sid {
			t.Fatal("refused")
		}
	}); n != 0 {
		t.Fatalf("ReadSession + Allows allocate %.1f times", n)
	}
}

package backend

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/user"
)

// AccessAudience is the audience of access tokens, as FastAPI Users writes it.
const AccessAudience = "fastapi-users:auth"

// DefaultJWTCacheSize is the number of verified tokens a JWTStrategy keeps
// when JWTConfig.CacheSize is 0: enough for the tokens of 100,000 active
// users, so that each of their requests is a cache hit, not a signature
// check. A token of FastAPI Users' shape costs about 330 bytes in the cache
// (BenchmarkReadTokenCacheActiveUsers), 32 MiB for 100,000 tokens; the
// cache holds only tokens read within their lifetime, so it grows with the
// active users, not ahead of them.
const DefaultJWTCacheSize = 1 << 17

// JWTConfig configures a JWTStrategy. The zero value of each field but the
// keys and Lifetime has a sensible meaning.
type JWTConfig struct {
	// Algorithm is "HS256" (the default), "RS256", "ES256" or "EdDSA".
	Algorithm string
	// Secret is the HS256 key, at least 32 random bytes. Unused otherwise.
	Secret []byte
	// PrivateKey signs RS256 (RSA, >= 2048 bits), ES256 (P-256) and EdDSA
	// (Ed25519) tokens. Any crypto.Signer works, so the key may live in a
	// hardware module or a KMS.
	PrivateKey crypto.Signer
	// PublicKey verifies tokens; nil means PrivateKey.Public(). When both are
	// set they must match.
	PublicKey crypto.PublicKey
	// Lifetime is how long a new token stays valid, at least one second
	// (exp is written in whole seconds).
	Lifetime time.Duration
	// Audience is written as the token's aud list and is what ReadToken
	// accepts (any one of them); nil means ["fastapi-users:auth"].
	Audience []string
	// Now gives the current time; nil means time.Now.
	Now func() time.Time
	// CacheSize bounds the verified-token cache, in entries: 0 means
	// DefaultJWTCacheSize, a negative value disables the cache.
	CacheSize int
	// Irrevocable turns off what makes tokens end with their user's
	// sessions, leaving FastAPI Users' plain JWTs, valid until they expire
	// whatever happens to the user's sessions (its deletion or
	// deactivation still refuses them, as the user is loaded on every
	// request). The zero value keeps tokens revocable, without a token
	// store:
	//
	//   - A token issued once the user's sessions were ended all at once
	//     carries the user's TokenEpoch in the claim EpochClaim, and is
	//     refused once the stored epoch has moved on: a password change or
	//     reset, a deactivation, POST /auth/{name}/logout-all. Until then
	//     the epoch is 0 and the claim is left out, so a first token is
	//     byte for byte FastAPI Users', and a token without the claim
	//     counts as epoch 0. FastAPI Users ignores the extra claim, so
	//     tokens still interoperate.
	//   - A user's own password change keeps the token it was made with:
	//     the user record holds that token's digest (user.Base.KeptToken),
	//     checked only when a token's epoch is not the user's.
	//   - A token issued with a refresh token carries its session, the
	//     refresh family, in the claim SessionClaim, and is refused at once
	//     when that session is ended one by one (user.Base.EndedSessions).
	//
	// The trade-off: no server state but a few bytes per user, read with
	// the user on every request anyway; but logging out one device cannot
	// end that one token (its logout does nothing, as without refresh
	// tokens nothing names its session). For per-device logout, use a
	// server-side strategy, or refresh tokens and the session routes.
	Irrevocable bool
	// Deprecated: JWTs are revocable by default; set Irrevocable to opt
	// out. Revocable is ignored.
	Revocable bool
}

// EpochClaim is the claim in which a revocable JWT carries its user's
// TokenEpoch, once that is not 0.
const EpochClaim = "usersauth_epoch"

// SessionClaim is the claim in which a revocable JWT issued with a refresh
// token carries its session: the family id, in canonical form.
const SessionClaim = "usersauth_sid"

// JWTStrategy issues and reads stateless access tokens, interoperable with
// FastAPI Users' JWTStrategy: claims sub (the user id), aud and exp, signed
// with the configured algorithm. A token it issued with the same secret is
// accepted, and ours are accepted by it.
//
// ReadToken verifies by the rules of auth.JWTVerifier, and also requires exp
// (FastAPI Users accepts tokens without one; ours refuses them) and a sub
// that parses as a UUID. Tokens it has verified are kept in a bounded cache,
// so reading one again costs a map lookup and an expiry check. The cache
// only saves verification work: whether the user still exists and is active
// is checked on every request by the caller, so deleting or deactivating a
// user takes effect at once.
//
// A JWT cannot be revoked one by one without server state: DestroyToken
// does nothing. By default tokens are bound to what the user record says of
// its sessions, so that ending them all, or one with refresh tokens, refuses
// them at once (JWTConfig.Irrevocable, for the trade-off and the opt-out).
//
// A JWTStrategy is safe for concurrent use.
type JWTStrategy struct {
	err       error
	revocable bool
	alg       string
	lifetime  time.Duration
	now       func() time.Time
	signer    *auth.JWTSigner
	verifier  *auth.JWTVerifier
	audJSON   []byte // the aud claim, encoded once
	cache     *tokenCache
}

// JWT returns an HS256 strategy with the given secret and token lifetime and
// the audience ["fastapi-users:auth"]: the configuration of FastAPI Users'
// JWTStrategy(secret, lifetime_seconds).
func JWT(secret []byte, lifetime time.Duration) *JWTStrategy {
	return NewJWT(JWTConfig{Secret: secret, Lifetime: lifetime})
}

// NewJWT returns a strategy for cfg. The configuration is checked here; if it
// is unusable, Validate reports why and every other method returns that
// error. Secret and Audience are copied.
func NewJWT(cfg JWTConfig) *JWTStrategy {
	s := &JWTStrategy{alg: cfg.Algorithm, lifetime: cfg.Lifetime, now: cfg.Now, revocable: !cfg.Irrevocable}
	if s.alg == "" {
		s.alg = auth.HS256
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.err = s.init(cfg)
	if s.err != nil {
		s.err = fmt.Errorf("backend: JWT strategy: %w", s.err)
	}
	return s
}

func (s *JWTStrategy) init(cfg JWTConfig) error {
	if s.lifetime < time.Second {
		return errors.New("lifetime under one second")
	}
	audience := cfg.Audience
	if audience == nil {
		audience = []string{AccessAudience}
	}
	if len(audience) == 0 {
		return errors.New("empty audience list")
	}
	var err error
	if s.audJSON, err = json.Marshal(audience); err != nil {
		return err
	}

	var signKey, verifyKey any
	switch s.alg {
	case auth.HS256:
		if cfg.PrivateKey != nil || cfg.PublicKey != nil {
			return errors.New("HS256 takes a Secret, not a key pair")
		}
		signKey, verifyKey = cfg.Secret, cfg.Secret
	case auth.RS256, auth.ES256, auth.EdDSA:
		if cfg.Secret != nil {
			return fmt.Errorf("%s takes a key pair, not a Secret", s.alg)
		}
		if cfg.PrivateKey == nil {
			return fmt.Errorf("%s needs a PrivateKey", s.alg)
		}
		signKey, verifyKey = cfg.PrivateKey, cfg.PublicKey
	default:
		return fmt.Errorf("%w: unsupported algorithm %q", auth.ErrJWTKey, s.alg)
	}
	if s.signer, err = auth.NewJWTSigner(s.alg, signKey); err != nil {
		return err
	}
	if verifyKey == nil {
		verifyKey = cfg.PrivateKey.Public()
	} else if s.alg != auth.HS256 {
		pub, ok := cfg.PrivateKey.Public().(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(verifyKey) {
			return errors.New("PublicKey does not match PrivateKey")
		}
	}
	if s.verifier, err = auth.NewJWTVerifier(s.alg, verifyKey, audience, s.now); err != nil {
		return err
	}

	size := cfg.CacheSize
	if size == 0 {
		size = DefaultJWTCacheSize
	}
	if size > 0 {
		s.cache = newTokenCache(size)
	}
	return nil
}

// Validate reports whether the configuration is usable: a known algorithm,
// an HS256 secret of at least 32 bytes, a key pair whose types fit the
// algorithm (RSA >= 2048 bits, P-256, Ed25519) and match each other, a
// lifetime of at least a second and a non-empty audience.
func (s *JWTStrategy) Validate() error { return s.err }

// Algorithm returns the strategy's signing algorithm.
func (s *JWTStrategy) Algorithm() string { return s.alg }

// WriteToken issues a token for u: sub is u.ID in its lower-case dashed
// form, aud the configured audience list, exp now plus the lifetime in whole
// seconds. The claims are written in FastAPI Users' order, so an HS256 or
// RS256 token is byte for byte what it would issue at the same second. A
// revocable strategy adds u.TokenEpoch as EpochClaim when it is not 0, then
// the session of the sign-in (LoginFrom(ctx).SessionID, the refresh family)
// as SessionClaim when there is one.
func (s *JWTStrategy) WriteToken(ctx context.Context, u *user.Base) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	if u == nil {
		return "", errors.New("backend: JWT strategy: WriteToken without a user")
	}
	exp := s.now().Add(s.lifetime).Unix()
	// {"sub":"<uuid>","aud":<list>,"exp":<n>}
	claims := make([]byte, 0, 64+len(s.audJSON))
	claims = append(claims, `{"sub":"`...)
	claims = appendUUID(claims, u.ID)
	claims = append(claims, `","aud":`...)
	claims = append(claims, s.audJSON...)
	claims = append(claims, `,"exp":`...)
	claims = strconv.AppendInt(claims, exp, 10)
	if s.revocable && u.TokenEpoch != 0 {
		claims = append(claims, `,"`+EpochClaim+`":`...)
		claims = strconv.AppendInt(claims, u.TokenEpoch, 10)
	}
	if sid := LoginFrom(ctx).SessionID; s.revocable && sid != uuid.Nil {
		claims = append(claims, `,"`+SessionClaim+`":"`...)
		claims = appendUUID(claims, sid)
		claims = append(claims, '"')
	}
	claims = append(claims, '}')
	return s.signer.Sign(claims)
}

func appendUUID(dst []byte, id uuid.UUID) []byte {
	var buf [36]byte
	// uuid.UUID.MarshalText writes into a fresh slice; encode in place.
	const hex = "0123456789abcdef"
	j := 0
	for i, b := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf[j] = '-'
			j++
		}
		buf[j], buf[j+1] = hex[b>>4], hex[b&0x0f]
		j += 2
	}
	return append(dst, buf[:]...)
}

// ReadToken returns the id in the token's sub claim. Any token it does not
// accept gives an error wrapping ErrInvalidToken; a misconfigured strategy
// gives its configuration error.
func (s *JWTStrategy) ReadToken(_ context.Context, token string) (uuid.UUID, error) {
	e, err := s.read(token)
	return e.id, err
}

// ReadSession reads the token as ReadToken does, and returns with its user
// what TokenInfo.Allows checks it with: for a revocable strategy, its epoch
// and session. It does not allocate when the token is in the
// verified-token cache.
func (s *JWTStrategy) ReadSession(_ context.Context, token string) (TokenInfo, error) {
	e, err := s.read(token)
	if err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{UserID: e.id, SessionID: e.session, bound: s.revocable, token: token, epoch: e.epoch, sid: e.sid}, nil
}

// read returns the verified content of a token, from the cache when it is
// there.
func (s *JWTStrategy) read(token string) (cacheEntry, error) {
	if s.err != nil {
		return cacheEntry{}, s.err
	}
	now := s.now()
	if s.cache != nil {
		if e, found, ok := s.cache.lookup(token, now); found {
			if !ok {
				return cacheEntry{}, fmt.Errorf("%w: %w", ErrInvalidToken, auth.ErrTokenExpired)
			}
			return e, nil
		}
	}
	claims, err := s.verifier.Verify(token)
	if err != nil {
		return cacheEntry{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	sub, ok := claims["sub"].(string)
	if !ok {
		return cacheEntry{}, fmt.Errorf("%w: no sub claim", ErrInvalidToken)
	}
	id, err := parseSubject(sub)
	if err != nil {
		return cacheEntry{}, fmt.Errorf("%w: sub is not a UUID", ErrInvalidToken)
	}
	e := cacheEntry{id: id, exp: numericDate(claims["exp"]), nbf: numericDate(claims["nbf"])}
	if s.revocable {
		if e.epoch, ok = epochClaim(claims); !ok {
			return cacheEntry{}, fmt.Errorf("%w: %s is not a non-negative integer", ErrInvalidToken, EpochClaim)
		}
		if e.session, ok = sessionClaim(claims); !ok {
			return cacheEntry{}, fmt.Errorf("%w: %s is not a session id", ErrInvalidToken, SessionClaim)
		}
		if e.session != uuid.Nil {
			e.sid = e.session.String()
		}
	}
	if s.cache != nil {
		s.cache.add(token, e, now)
	}
	return e, nil
}

// maxEpoch is the largest epoch a JSON number (read as a float64) carries
// exactly.
const maxEpoch = 1 << 53

// epochClaim reads EpochClaim from verified claims: absent is epoch 0 (a
// token issued before the strategy was revocable); anything but a
// non-negative integer a float64 holds exactly is refused.
func epochClaim(claims map[string]any) (int64, bool) {
	v, present := claims[EpochClaim]
	if !present {
		return 0, true
	}
	f, ok := v.(float64)
	if !ok || f < 0 || f > maxEpoch || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// sessionClaim reads SessionClaim from verified claims: absent is no
// session; anything but a string holding a UUID, the nil one excepted, is
// refused.
func sessionClaim(claims map[string]any) (uuid.UUID, bool) {
	v, present := claims[SessionClaim]
	if !present {
		return uuid.Nil, true
	}
	str, ok := v.(string)
	if !ok || len(str) != 36 {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(str)
	return id, err == nil && id != uuid.Nil
}

// CheckUser reports whether token, which ReadToken accepted, may still be
// used by u, as TokenInfo.Allows does: always for u's token, unless the
// strategy is revocable, and then only while u's record lets it. It does
// not allocate when the token is in the verified-token cache, but to check
// a kept token.
func (s *JWTStrategy) CheckUser(token string, u *user.Base) bool {
	t, err := s.ReadSession(context.Background(), token)
	return err == nil && t.Allows(u)
}

// parseSubject parses a user id the way FastAPI Users' UUIDIDMixin does with
// Python's uuid.UUID: dashed or not, any case, in braces or as a URN. Unlike
// uuid.Parse it checks that a 38-character form really is in braces.
func parseSubject(sub string) (uuid.UUID, error) {
	if len(sub) == 38 && (sub[0] != '{' || sub[37] != '}') {
		return uuid.Nil, errors.New("invalid UUID format")
	}
	return uuid.Parse(sub)
}

// numericDate converts a verified exp or nbf claim (a float64 of seconds, or
// absent) to a time; absent is the zero time.
func numericDate(v any) time.Time {
	f, ok := v.(float64)
	if !ok {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// DestroyToken does nothing: a JWT cannot be revoked without server state
// (FastAPI Users' JWTStrategy behaves the same). It stays valid until exp,
// or, for a revocable strategy, until its user's sessions are ended.
func (s *JWTStrategy) DestroyToken(context.Context, string, *user.Base) error { return s.err }

package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrTokenInvalid is returned for a token that is not accepted: malformed,
// badly signed, signed with another algorithm, of another purpose (audience),
// not yet valid, or carrying claims of the wrong type.
var ErrTokenInvalid = errors.New("auth: invalid token")

// ErrTokenExpired is returned for a token whose signature is good but whose
// exp has passed. It wraps ErrTokenInvalid, so a caller that does not care
// about the difference checks ErrTokenInvalid alone; one that does (the OAuth
// callback answers ACCESS_TOKEN_ALREADY_EXPIRED) checks ErrTokenExpired first.
var ErrTokenExpired = fmt.Errorf("%w: expired", ErrTokenInvalid)

// MaxJWTLength is the longest token a JWTVerifier looks at, in bytes; a
// longer one is invalid before any decoding.
const MaxJWTLength = 8 << 10

// JWTVerifier checks compact JWS tokens by the rules every token of the
// project follows, purpose tokens and access tokens alike (RFC 8725):
//
//   - the algorithm is pinned: a token whose header names any other (none,
//     HS256 presented to an RS256 verifier...) is refused;
//   - keys named in the token (jku, x5u, jwk, kid) are never used or fetched;
//     the configured key is the only one;
//   - a crit header is refused, since no extension is understood
//     (RFC 7515 section 4.1.11);
//   - base64url must be canonical: only its alphabet (no padding, no line
//     breaks), no non-zero trailing bits;
//   - exp is required and must be a JSON number; the token is accepted while
//     now < exp, with no leeway (PyJWT's rule with leeway 0);
//   - nbf, when present, must be a number and not in the future;
//   - aud must be a string equal to, or a list of strings containing, one of
//     the expected audiences;
//   - sub, iss and jti, when present, must be strings, and iat a number;
//     null counts as the wrong type.
//
// Every failure is an error value (ErrTokenExpired or ErrTokenInvalid,
// wrapped), never a panic. A JWTVerifier is safe for concurrent use.
type JWTVerifier struct {
	parser  *jwt.Parser
	keyfunc jwt.Keyfunc
}

// NewJWTVerifier returns a verifier for tokens signed with alg. key is the
// HS256 secret as a []byte (at least MinSecretLength bytes; it is copied), an
// *rsa.PublicKey of at least MinRSABits for RS256, a P-256 *ecdsa.PublicKey
// for ES256, or an ed25519.PublicKey for EdDSA. audience lists the accepted
// audiences (at least one); now gives the current time (nil = time.Now).
// It returns an error wrapping ErrJWTKey if the key does not fit alg.
func NewJWTVerifier(alg string, key any, audience []string, now func() time.Time) (*JWTVerifier, error) {
	if err := checkVerifyKey(alg, key); err != nil {
		return nil, err
	}
	if len(audience) == 0 {
		return nil, errors.New("auth: a JWT verifier needs at least one audience")
	}
	for _, a := range audience {
		if a == "" {
			return nil, errors.New("auth: empty JWT audience")
		}
	}
	if k, ok := key.([]byte); ok {
		key = append([]byte(nil), k...)
	}
	if now == nil {
		now = time.Now
	}
	v := &JWTVerifier{
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{alg}),
			jwt.WithStrictDecoding(),
			jwt.WithExpirationRequired(),
			jwt.WithAudience(append([]string(nil), audience...)...),
			jwt.WithTimeFunc(now),
		),
	}
	v.keyfunc = func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			return nil, errCritical
		}
		// WithValidMethods already pinned the algorithm; checking again
		// here keeps the key from ever meeting another algorithm.
		if t.Method == nil || t.Method.Alg() != alg {
			return nil, errAlgorithm
		}
		return key, nil
	}
	return v, nil
}

var (
	errCritical  = errors.New("crit header")
	errAlgorithm = errors.New("unexpected algorithm")
)

// Verify checks token and returns its claims, JSON numbers as float64. The
// error is ErrTokenExpired when only the expiry failed after the signature
// was verified, and wraps ErrTokenInvalid otherwise; its text never contains
// the token.
func (v *JWTVerifier) Verify(token string) (map[string]any, error) {
	if len(token) > MaxJWTLength {
		return nil, fmt.Errorf("%w: too long", ErrTokenInvalid)
	}
	if !compactAlphabet(token) {
		return nil, fmt.Errorf("%w: malformed", ErrTokenInvalid)
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(token, claims, v.keyfunc); err != nil {
		return nil, classify(err)
	}
	if err := checkClaimTypes(claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// compactAlphabet reports whether token holds only base64url characters and
// dots. encoding/base64 skips CR and LF even in strict mode, so without this
// check "tok\n" would verify as a second spelling of "tok".
func compactAlphabet(token string) bool {
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// classify turns a golang-jwt error into ours, keeping only a fixed reason
// (library messages may quote header values chosen by the sender).
func classify(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("%w: malformed", ErrTokenInvalid)
	case errors.Is(err, errCritical):
		return fmt.Errorf("%w: crit header", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenUnverifiable), errors.Is(err, errAlgorithm):
		return fmt.Errorf("%w: unexpected algorithm", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return fmt.Errorf("%w: bad signature or algorithm", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrInvalidType):
		return fmt.Errorf("%w: claim of the wrong type", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return fmt.Errorf("%w: not valid yet", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenExpired):
		// PyJWT checks exp before aud, so an expired token of another
		// audience is reported as expired there too.
		return ErrTokenExpired
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return fmt.Errorf("%w: wrong audience", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return fmt.Errorf("%w: missing claim", ErrTokenInvalid)
	}
	return fmt.Errorf("%w: rejected", ErrTokenInvalid)
}

// checkClaimTypes enforces the types of the registered claims golang-jwt
// does not check on its own (RFC 7519 section 4.1).
func checkClaimTypes(claims jwt.MapClaims) error {
	for _, name := range [...]string{"sub", "iss", "jti"} {
		if v, ok := claims[name]; ok {
			if _, ok := v.(string); !ok {
				return fmt.Errorf("%w: claim of the wrong type", ErrTokenInvalid)
			}
		}
	}
	if v, ok := claims["iat"]; ok {
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("%w: claim of the wrong type", ErrTokenInvalid)
		}
	}
	// exp and nbf are numbers here (golang-jwt refuses other types), but a
	// zero nbf is skipped by golang-jwt as if absent; zero is the epoch, in
	// the past, so that is harmless.
	return nil
}

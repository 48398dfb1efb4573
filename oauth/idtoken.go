package oauth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxIDTokenLength bounds the ID tokens looked at, in bytes; real ones are a
// few hundred to two thousand.
const maxIDTokenLength = 16 << 10

// maxSubjectLength is the longest sub OpenID Connect allows (Core 1.0
// section 2).
const maxSubjectLength = 255

// idClaims are the ID token claims we read. Claims of the wrong JSON type
// make the token malformed.
type idClaims struct {
	jwt.RegisteredClaims
	Nonce         string   `json:"nonce"`
	AZP           string   `json:"azp"`
	Email         string   `json:"email"`
	EmailVerified flexBool `json:"email_verified"`
}

// flexBool is a boolean claim some providers send as the string "true" or
// "false" (OpenID Connect Core 1.0 section 5.1 says boolean; older Google
// and Azure tokens use strings). Anything else is refused, and null or
// absence is false.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return errors.New("email_verified is neither a boolean nor \"true\"/\"false\"")
	}
	return nil
}

// verifyIDToken checks raw as p's ID token for an authorization that sent
// nonce, by OpenID Connect Core 1.0 section 3.1.3.7, and returns its claims.
// Every failure wraps ErrInvalidIDToken, except a failure to fetch the key
// set, which is returned as it is.
func (p *Provider) verifyIDToken(ctx context.Context, raw, nonce string) (*idClaims, error) {
	if len(raw) > maxIDTokenLength {
		return nil, fmt.Errorf("%w: too long", ErrInvalidIDToken)
	}
	if !compactJWS(raw) {
		return nil, fmt.Errorf("%w: malformed", ErrInvalidIDToken)
	}
	cache := p.Keys
	if cache == nil {
		cache = new(KeyCache)
	}
	now := p.now()
	var keyErr error
	keyfunc := func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			keyErr = fmt.Errorf("%w: crit header", ErrInvalidIDToken)
			return nil, keyErr
		}
		// The allow-list is checked before any key is looked up, so a
		// token with alg none or HS256 never causes a fetch; the key
		// then pins the algorithm to its own (selectKey).
		alg, _ := t.Header["alg"].(string)
		if alg != algRS256 && alg != algES256 && alg != algEdDSA {
			keyErr = fmt.Errorf("%w: algorithm not allowed", ErrInvalidIDToken)
			return nil, keyErr
		}
		kid, ok := t.Header["kid"].(string)
		if !ok && t.Header["kid"] != nil {
			keyErr = fmt.Errorf("%w: kid is not a string", ErrInvalidIDToken)
			return nil, keyErr
		}
		k, err := cache.find(ctx, p.JWKSURL, alg, kid, now)
		if err != nil {
			keyErr = err
			return nil, err
		}
		return k.key, nil
	}
	parser := jwt.NewParser(
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(p.leeway()),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithAudience(p.ClientID),
	)
	var c idClaims
	if _, err := parser.ParseWithClaims(raw, &c, keyfunc); err != nil {
		if keyErr != nil {
			return nil, keyErr
		}
		return nil, classifyJWTError(err)
	}
	switch {
	case c.Issuer == "" || !p.issuerMatches(c.Issuer):
		return nil, fmt.Errorf("%w: wrong issuer", ErrInvalidIDToken)
	case c.IssuedAt == nil:
		return nil, fmt.Errorf("%w: no iat", ErrInvalidIDToken)
	case c.Subject == "" || len(c.Subject) > maxSubjectLength:
		return nil, fmt.Errorf("%w: sub missing or too long", ErrInvalidIDToken)
	case len(c.Audience) > 1 && c.AZP == "":
		// With several audiences, azp names the one the token was issued
		// to (OpenID Connect Core 1.0 section 2).
		return nil, fmt.Errorf("%w: several audiences and no azp", ErrInvalidIDToken)
	case c.AZP != "" && c.AZP != p.ClientID:
		return nil, fmt.Errorf("%w: issued to another client (azp)", ErrInvalidIDToken)
	case subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1:
		return nil, fmt.Errorf("%w: wrong nonce", ErrInvalidIDToken)
	}
	return &c, nil
}

// compactJWS reports whether token holds only base64url characters and dots.
// encoding/base64 skips CR and LF even in strict mode, so without this check
// a token with a line break would verify as a second spelling of itself.
func compactJWS(token string) bool {
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// classifyJWTError keeps a fixed reason for a golang-jwt error: library
// messages may quote header values chosen by whoever made the token.
func classifyJWTError(err error) error {
	reason := "rejected"
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		reason = "malformed"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		reason = "algorithm not allowed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		reason = "bad signature"
	case errors.Is(err, jwt.ErrTokenExpired):
		reason = "expired"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		reason = "issued in the future"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		reason = "not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		reason = "wrong audience"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		reason = "missing claim"
	}
	return fmt.Errorf("%w: %s", ErrInvalidIDToken, reason)
}

package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Audiences of the purpose tokens, as FastAPI Users writes them. A token made
// for one purpose is refused for every other (RFC 8725 section 3.9).
const (
	ResetPasswordAudience = "fastapi-users:reset"
	VerifyAudience        = "fastapi-users:verify"
	OAuthStateAudience    = "fastapi-users:oauth-state"
)

// PurposeToken signs and checks the single-purpose HS256 tokens of the
// account flows: password reset, e-mail verification and OAuth state. Tokens
// interoperate with FastAPI Users: one it issued with the same secret and
// audience is accepted, and ours are accepted by it.
//
// The zero value is not usable: Secret, Audience and Lifetime are required
// (see Validate). A PurposeToken is a plain value, safe for concurrent use.
type PurposeToken struct {
	// Secret is the HMAC key, at least MinSecretLength bytes.
	Secret []byte
	// Audience is the token's purpose, e.g. ResetPasswordAudience.
	Audience string
	// Lifetime is how long a new token stays valid (FastAPI Users: 3600 s).
	// exp is written in whole seconds, so it must be at least a second.
	Lifetime time.Duration
	// Now gives the current time; nil means time.Now.
	Now func() time.Time
}

// Validate reports whether p can sign and check tokens.
func (p PurposeToken) Validate() error {
	if len(p.Secret) < MinSecretLength {
		return fmt.Errorf("%w: HS256 secret shorter than %d bytes", ErrJWTKey, MinSecretLength)
	}
	if p.Audience == "" {
		return errors.New("auth: purpose token without an audience")
	}
	if p.Lifetime < time.Second {
		return errors.New("auth: purpose token lifetime under one second")
	}
	return nil
}

func (p PurposeToken) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Claim is one member of a token's payload.
type Claim struct {
	Name  string
	Value any
}

// Sign returns a token carrying claims, in the order given, then aud
// (p.Audience, a string) and exp (now + p.Lifetime, in integer seconds), as
// FastAPI Users writes its payloads (PyJWT keeps insertion order), so that a
// token of ours is byte for byte the one it would issue. A claim named aud
// or exp is refused, as is a name given twice; the values must encode as
// JSON.
func (p PurposeToken) Sign(claims ...Claim) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	body := []byte{'{'}
	seen := make(map[string]bool, len(claims))
	for _, c := range claims {
		if c.Name == "aud" || c.Name == "exp" || seen[c.Name] {
			return "", fmt.Errorf("auth: claim %q given twice or reserved", c.Name)
		}
		seen[c.Name] = true
		name, err := json.Marshal(c.Name)
		if err != nil {
			return "", fmt.Errorf("auth: encoding token claims: %w", err)
		}
		value, err := json.Marshal(c.Value)
		if err != nil {
			return "", fmt.Errorf("auth: encoding token claims: %w", err)
		}
		body = append(append(append(append(body, name...), ':'), value...), ',')
	}
	aud, _ := json.Marshal(p.Audience)
	body = append(append(body, `"aud":`...), aud...)
	body = append(append(body, `,"exp":`...), strconv.FormatInt(p.now().Add(p.Lifetime).Unix(), 10)...)
	body = append(body, '}')
	s, err := NewJWTSigner(HS256, p.Secret)
	if err != nil {
		return "", err
	}
	return s.Sign(body)
}

// Parse checks token by the rules of JWTVerifier with HS256, p.Secret and
// p.Audience, and returns its claims (JSON numbers as float64). The error is
// ErrTokenExpired for a genuine token past its exp, and wraps ErrTokenInvalid
// for anything else, including an unusable p. What the claims mean beyond
// the JWT (the password fingerprint, the e-mail, the CSRF token) is for the
// caller to check.
func (p PurposeToken) Parse(token string) (map[string]any, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTokenInvalid, err)
	}
	v, err := NewJWTVerifier(HS256, p.Secret, []string{p.Audience}, p.Now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTokenInvalid, err)
	}
	return v.Verify(token)
}

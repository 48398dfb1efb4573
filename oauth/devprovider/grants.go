package devprovider

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
)

// refreshLifetime bounds how long a refresh token can be used.
const refreshLifetime = 30 * 24 * time.Hour

// account is who logged in, as the authorization page was told.
type account struct {
	sub      string
	email    string
	verified bool
	share    bool // false: the e-mail is left out of tokens and userinfo
}

// newAccount returns the account of email, whose sub is derived from the
// address so that it is the same on every login and every restart.
func newAccount(email string, verified, share bool) account {
	sum := sha256.Sum256([]byte("devprovider sub:" + strings.ToLower(email)))
	return account{sub: hex.EncodeToString(sum[:12]), email: email, verified: verified, share: share}
}

// grant is an authorization code and what it was issued for.
type grant struct {
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	scope       string
	acct        account
	authTime    time.Time
	expires     time.Time
	used        bool
}

// session is an access or refresh token. family is the code that started
// the chain of tokens, so a replayed code revokes all of them.
type session struct {
	clientID string
	acct     account
	scope    string
	expires  time.Time
	family   string
}

// randomToken reads 32 bytes from the configured source. The caller holds
// s.mu, as Config.Rand need not be safe for concurrent use.
func (s *Server) randomToken() (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(s.cfg.Rand, b[:]); err != nil {
		return "", fmt.Errorf("devprovider: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// newCode stores g under a new code and returns it.
func (s *Server) newCode(g *grant) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	s.sweep(now)
	code, err := s.randomToken()
	if err != nil {
		return "", err
	}
	g.authTime = now
	g.expires = now.Add(s.cfg.CodeLifetime)
	s.codes[code] = g
	return code, nil
}

// issue creates an access token and a refresh token for a client and an
// account. The caller holds s.mu.
func (s *Server) issue(clientID string, acct account, scope, family string, now time.Time) (accessToken, refreshToken string, err error) {
	if accessToken, err = s.randomToken(); err != nil {
		return "", "", err
	}
	if refreshToken, err = s.randomToken(); err != nil {
		return "", "", err
	}
	s.access[accessToken] = &session{clientID: clientID, acct: acct, scope: scope, expires: now.Add(s.cfg.TokenLifetime), family: family}
	s.refresh[refreshToken] = &session{clientID: clientID, acct: acct, scope: scope, expires: now.Add(refreshLifetime), family: family}
	return accessToken, refreshToken, nil
}

// revokeFamily deletes every token descended from code. The caller holds
// s.mu.
func (s *Server) revokeFamily(code string) {
	for t, sess := range s.access {
		if sess.family == code {
			delete(s.access, t)
		}
	}
	for t, sess := range s.refresh {
		if sess.family == code {
			delete(s.refresh, t)
		}
	}
}

// sweep forgets expired codes and tokens, so memory follows the logins of
// the last hour rather than all of them. A used code is kept until it
// expires, to recognise its replay. The caller holds s.mu.
func (s *Server) sweep(now time.Time) {
	for c, g := range s.codes {
		if now.After(g.expires) {
			delete(s.codes, c)
		}
	}
	for t, sess := range s.access {
		if now.After(sess.expires) {
			delete(s.access, t)
		}
	}
	for t, sess := range s.refresh {
		if now.After(sess.expires) {
			delete(s.refresh, t)
		}
	}
}

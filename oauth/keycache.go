package oauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults of a KeyCache's zero fields.
const (
	DefaultKeyMaxAge     = time.Hour
	DefaultKeyMinRefresh = time.Minute
)

// errUnknownKey: the token names a key the provider's set does not hold,
// even after a refresh (or a refresh was not allowed yet).
var errUnknownKey = errors.New("no key of the provider's key set matches")

// KeyCache keeps a provider's JSON Web Key Set between logins. Keys are
// fetched from the Provider's JWKSURL, and again when they are older than
// MaxAge or when an ID token names a key id the set lacks (the provider
// rotated its keys). Fetches happen at most once per MinRefresh, so tokens
// naming made-up key ids cannot turn us into a flood of requests to the
// provider.
//
// The zero value is ready to use. A KeyCache is safe for concurrent use and
// must not be copied after first use; Providers share one by pointer.
type KeyCache struct {
	// MaxAge is how long a fetched key set is used; zero means
	// DefaultKeyMaxAge.
	MaxAge time.Duration
	// MinRefresh is the shortest interval between two fetches; zero means
	// DefaultKeyMinRefresh.
	MinRefresh time.Duration

	// mu is held across a fetch: concurrent logins needing keys wait for
	// the one fetch instead of each making their own.
	mu      sync.Mutex
	url     string
	keys    []publicKey
	fetched time.Time // of keys
	tried   time.Time // last fetch attempt, successful or not
	fetches int
}

// Fetches returns how many times the cache fetched a key set, for tests and
// metrics.
func (c *KeyCache) Fetches() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetches
}

// find returns the key that verifies a token with header alg and kid, from
// the set at url. now is the provider's clock.
func (c *KeyCache) find(ctx context.Context, url, alg, kid string, now time.Time) (publicKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.url != url {
		c.url, c.keys, c.fetched, c.tried = url, nil, time.Time{}, time.Time{}
	}
	maxAge, minRefresh := c.MaxAge, c.MinRefresh
	if maxAge <= 0 {
		maxAge = DefaultKeyMaxAge
	}
	if minRefresh <= 0 {
		minRefresh = DefaultKeyMinRefresh
	}
	fresh := c.keys != nil && now.Sub(c.fetched) < maxAge && !now.Before(c.fetched)
	if fresh {
		if k, err := selectKey(c.keys, alg, kid); err == nil {
			return k, nil
		}
	}
	if !c.tried.IsZero() && now.Sub(c.tried) < minRefresh && !now.Before(c.tried) {
		// Too soon to ask the provider again: answer from what we have.
		if c.keys == nil {
			return publicKey{}, fmt.Errorf("%w: key set unavailable", ErrInvalidIDToken)
		}
		return selectKey(c.keys, alg, kid)
	}
	c.tried = now
	c.fetches++
	keys, err := fetchJWKS(ctx, url)
	if err != nil {
		if c.keys != nil {
			// The provider is down: keys we had still verify its tokens.
			if k, kerr := selectKey(c.keys, alg, kid); kerr == nil {
				return k, nil
			}
		}
		return publicKey{}, err
	}
	c.keys, c.fetched = keys, now
	return selectKey(keys, alg, kid)
}

// fetchJWKS reads the key set at url.
func fetchJWKS(ctx context.Context, url string) ([]publicKey, error) {
	body, err := getJSON(ctx, url, "")
	if err != nil {
		return nil, fmt.Errorf("oauth: fetching the key set: %w", err)
	}
	return parseJWKS(body)
}

// selectKey picks the key for a token whose header says alg and kid: the key
// with that id, or, for a token without kid, the only key of that algorithm.
// The algorithm is the key's: a token claiming another is refused (RFC 8725
// section 3.1).
func selectKey(keys []publicKey, alg, kid string) (publicKey, error) {
	var match *publicKey
	named, n := false, 0
	for i := range keys {
		k := &keys[i]
		if kid != "" && k.kid != kid {
			continue
		}
		named = true
		if k.alg != alg {
			continue
		}
		if match == nil {
			match = k
		}
		n++
	}
	switch {
	case !named:
		return publicKey{}, fmt.Errorf("%w: %w", ErrInvalidIDToken, errUnknownKey)
	case match == nil:
		return publicKey{}, fmt.Errorf("%w: algorithm does not match the key", ErrInvalidIDToken)
	case kid == "" && n > 1:
		return publicKey{}, fmt.Errorf("%w: no kid and several keys", ErrInvalidIDToken)
	}
	return *match, nil
}

package redistoken

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
)

// RefreshStore keeps refresh tokens in Redis (it implements
// backend.RefreshStore), under the same key prefix as the strategy: digests
// only, each token a hash that Redis forgets when its lifetime is over, with
// a set per family and per user for revocation and a sorted set by expiry
// for Purge (see refreshscripts.go for the layout). Creation, rotation and
// revocation are each one Lua script, so of concurrent rotations of one
// token exactly one succeeds. As for the strategy, every key must live on
// one server. A RefreshStore is safe for concurrent use.
type RefreshStore struct {
	err        error
	client     redis.UniversalClient
	prefix     string
	create     *redis.Script
	rotate     *redis.Script
	family     *redis.Script
	user       *redis.Script
	except     *redis.Script
	list       *redis.Script
	purge      *redis.Script
	purgeBatch int
}

var (
	_ backend.RefreshStore = (*RefreshStore)(nil)
	_ backend.Validator    = (*RefreshStore)(nil)
)

// NewRefreshStore returns a refresh store on client, its keys starting with
// keyPrefix (empty means DefaultKeyPrefix). The client is checked as New
// checks it; if it is unusable, Validate reports why and every other method
// returns that error.
func NewRefreshStore(client redis.UniversalClient, keyPrefix string) *RefreshStore {
	s := &RefreshStore{
		client: client, prefix: keyPrefix,
		create: redis.NewScript(createRefreshScript), rotate: redis.NewScript(rotateRefreshScript),
		family: redis.NewScript(revokeFamilyScript), user: redis.NewScript(revokeUserRefreshScript),
		except: redis.NewScript(revokeUserExceptRefreshScript), list: redis.NewScript(listUserRefreshScript),
		purge: redis.NewScript(purgeRefreshScript), purgeBatch: 1000,
	}
	if s.prefix == "" {
		s.prefix = DefaultKeyPrefix
	}
	s.err = checkClient(client)
	return s
}

// Validate reports whether the client is usable: one that talks to one
// server.
func (s *RefreshStore) Validate() error { return s.err }

func (s *RefreshStore) tokenKey(digest string) string { return s.prefix + "refresh:" + digest }

func (s *RefreshStore) familyKey(id uuid.UUID) string {
	return s.prefix + "refresh:family:" + id.String()
}

func (s *RefreshStore) userKey(id uuid.UUID) string { return s.prefix + "refresh:user:" + id.String() }

func (s *RefreshStore) expiryKey() string { return s.prefix + "refresh:expiry" }

// storeArgs are the keys and arguments of storeRefresh for t. The time to
// live runs from t's creation to its expiry, on Redis's clock: the
// refresher's clock decides validity, Redis only forgets tokens no clock
// still accepts.
func (s *RefreshStore) storeArgs(t auth.RefreshToken) ([]string, []any) {
	ttl := t.ExpiresAt.Sub(t.CreatedAt).Milliseconds() + 1
	if ttl < 1 {
		ttl = 1
	}
	keys := []string{s.tokenKey(t.Digest), s.familyKey(t.FamilyID), s.userKey(t.UserID), s.expiryKey()}
	args := []any{t.Digest, t.FamilyID.String(), t.UserID.String(),
		t.CreatedAt.UnixMicro(), t.FamilyCreatedAt.UnixMicro(), t.ExpiresAt.UnixMicro(), ttl,
		t.Origin.Backend, t.Origin.ClientAddr, t.Origin.UserAgent}
	return keys, args
}

// CreateRefreshToken stores t, unused, or returns auth.ErrRefreshTokenExists
// if its digest is taken.
func (s *RefreshStore) CreateRefreshToken(ctx context.Context, t auth.RefreshToken) error {
	if s.err != nil {
		return s.err
	}
	keys, args := s.storeArgs(t)
	created, err := s.create.Run(ctx, s.client, keys, args...).Int()
	if err != nil {
		return fmt.Errorf("redistoken: storing a refresh token: %w", err)
	}
	if created == 0 {
		return auth.ErrRefreshTokenExists
	}
	return nil
}

// errBadRefreshValue reports a token key whose content this package did not
// write: it is never a token.
var errBadRefreshValue = fmt.Errorf("%w: the stored value is not a refresh token's", auth.ErrRefreshTokenNotFound)

// GetRefreshToken returns the token with the given digest, or
// auth.ErrRefreshTokenNotFound.
func (s *RefreshStore) GetRefreshToken(ctx context.Context, digest string) (auth.RefreshToken, error) {
	if s.err != nil {
		return auth.RefreshToken{}, s.err
	}
	h, err := s.client.HGetAll(ctx, s.tokenKey(digest)).Result()
	if err != nil {
		return auth.RefreshToken{}, fmt.Errorf("redistoken: reading a refresh token: %w", err)
	}
	if len(h) == 0 {
		return auth.RefreshToken{}, auth.ErrRefreshTokenNotFound
	}
	t, ok := parseRefresh(digest, h)
	if !ok {
		return auth.RefreshToken{}, errBadRefreshValue
	}
	return t, nil
}

// parseRefresh reads the hash storeRefresh writes, and nothing else.
func parseRefresh(digest string, h map[string]string) (auth.RefreshToken, bool) {
	t := auth.RefreshToken{Digest: digest}
	var err error
	if t.FamilyID, err = uuid.Parse(h["f"]); err != nil {
		return t, false
	}
	if t.UserID, err = uuid.Parse(h["u"]); err != nil {
		return t, false
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"c", &t.CreatedAt}, {"fc", &t.FamilyCreatedAt}, {"e", &t.ExpiresAt}} {
		us, err := strconv.ParseInt(h[f.name], 10, 64)
		if err != nil {
			return t, false
		}
		*f.dst = time.UnixMicro(us).UTC()
	}
	switch h["used"] {
	case "0":
	case "1":
		t.Used = true
	default:
		return t, false
	}
	t.Origin = auth.Origin{Backend: h["b"], ClientAddr: h["ip"], UserAgent: h["ua"]}
	return t, true
}

// RotateRefreshToken marks the token with the given digest as used and
// stores next, in one script.
func (s *RefreshStore) RotateRefreshToken(ctx context.Context, digest string, next auth.RefreshToken) error {
	if s.err != nil {
		return s.err
	}
	keys, args := s.storeArgs(next)
	res, err := s.rotate.Run(ctx, s.client, append([]string{s.tokenKey(digest)}, keys...), args...).Int()
	if err != nil {
		return fmt.Errorf("redistoken: rotating a refresh token: %w", err)
	}
	switch res {
	case 0:
		return auth.ErrRefreshTokenNotFound
	case 2:
		return auth.ErrRefreshTokenReused
	case 3:
		return auth.ErrRefreshTokenExists
	}
	return nil
}

// DeleteRefreshFamily removes every token of the family and returns how
// many there were.
func (s *RefreshStore) DeleteRefreshFamily(ctx context.Context, familyID uuid.UUID) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.family.Run(ctx, s.client, []string{s.familyKey(familyID), s.expiryKey()}, s.prefix).Int()
	if err != nil {
		return 0, fmt.Errorf("redistoken: revoking a refresh token family: %w", err)
	}
	return n, nil
}

// DeleteUserRefreshTokens removes every token of the user and returns how
// many there were.
func (s *RefreshStore) DeleteUserRefreshTokens(ctx context.Context, userID uuid.UUID) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.user.Run(ctx, s.client, []string{s.userKey(userID), s.expiryKey()}, s.prefix).Int()
	if err != nil {
		return 0, fmt.Errorf("redistoken: revoking a user's refresh tokens: %w", err)
	}
	return n, nil
}

// DeleteUserRefreshTokensExcept removes every token of the user but those
// of the family keep, and returns how many it removed.
func (s *RefreshStore) DeleteUserRefreshTokensExcept(ctx context.Context, userID, keep uuid.UUID) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.except.Run(ctx, s.client, []string{s.userKey(userID), s.expiryKey()}, s.prefix, keep.String()).Int()
	if err != nil {
		return 0, fmt.Errorf("redistoken: revoking a user's other refresh tokens: %w", err)
	}
	return n, nil
}

// UserRefreshTokens returns every token of the user, read in one script.
// A hash this package did not write is left out.
func (s *RefreshStore) UserRefreshTokens(ctx context.Context, userID uuid.UUID) ([]auth.RefreshToken, error) {
	if s.err != nil {
		return nil, s.err
	}
	res, err := s.list.Run(ctx, s.client, []string{s.userKey(userID)}, s.prefix).Slice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redistoken: listing a user's refresh tokens: %w", err)
	}
	tokens := make([]auth.RefreshToken, 0, len(res))
	for _, item := range res {
		pair, ok := item.([]any)
		if !ok || len(pair) != 2 {
			continue
		}
		digest, _ := pair[0].(string)
		fields, _ := pair[1].([]any)
		h := make(map[string]string, len(fields)/2)
		for i := 0; i+1 < len(fields); i += 2 {
			k, _ := fields[i].(string)
			v, _ := fields[i+1].(string)
			h[k] = v
		}
		if t, ok := parseRefresh(digest, h); ok && t.UserID == userID {
			tokens = append(tokens, t)
		}
	}
	return tokens, nil
}

// DeleteRefreshTokensExpiredBefore removes every token whose ExpiresAt is
// strictly before t and returns how many were still there (Redis may have
// forgotten some already). It runs in batches, so that no single script
// holds the server for long.
func (s *RefreshStore) DeleteRefreshTokensExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	total := 0
	for {
		res, err := s.purge.Run(ctx, s.client, []string{s.expiryKey()}, s.prefix, t.UnixMicro(), s.purgeBatch).Int64Slice()
		if err != nil {
			return total, fmt.Errorf("redistoken: purging refresh tokens: %w", err)
		}
		if len(res) != 2 {
			return total, errors.New("redistoken: purging refresh tokens: unexpected script result")
		}
		total += int(res[0])
		if res[1] < int64(s.purgeBatch) {
			return total, nil
		}
	}
}

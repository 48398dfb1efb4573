package redistoken_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/backend/strategytest"
)

// TestRefreshStoreConformance runs the refresh store suite against a real
// Redis.
func TestRefreshStoreConformance(t *testing.T) {
	strategytest.RunRefreshStore(t, func(t *testing.T) backend.RefreshStore {
		c := newClient(t)
		s := redistoken.NewRefreshStore(c, newPrefix(t, c))
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func newRefresh(t *testing.T, userID uuid.UUID, created time.Time, life time.Duration) auth.RefreshToken {
	t.Helper()
	tok, err := auth.RandomToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	return auth.RefreshToken{Digest: auth.TokenDigest(tok), FamilyID: uuid.New(), UserID: userID,
		CreatedAt: created, FamilyCreatedAt: created, ExpiresAt: created.Add(life)}
}

// TestRefreshKeyLayout pins the keys the refresh store writes, and that
// Redis forgets a token when its lifetime is over.
func TestRefreshKeyLayout(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	prefix := newPrefix(t, c)
	s := redistoken.NewRefreshStore(c, prefix)
	u := uuid.New()
	a := newRefresh(t, u, start, 90*time.Minute)
	a.Origin = auth.Origin{Backend: "jwt", ClientAddr: "203.0.113.7", UserAgent: "curl/8.11"}
	if err := s.CreateRefreshToken(ctx, a); err != nil {
		t.Fatal(err)
	}
	h, err := c.HGetAll(ctx, prefix+"refresh:"+a.Digest).Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"f": a.FamilyID.String(), "u": u.String(), "used": "0",
		"c":  itoa(start.UnixMicro()),
		"fc": itoa(start.UnixMicro()),
		"e":  itoa(start.Add(90 * time.Minute).UnixMicro()),
		"b":  "jwt", "ip": "203.0.113.7", "ua": "curl/8.11",
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("field %s = %q, want %q", k, h[k], v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("hash has %d fields, want %d: %v", len(h), len(want), h)
	}
	if ttl := c.PTTL(ctx, prefix+"refresh:"+a.Digest).Val(); ttl <= 89*time.Minute || ttl > 90*time.Minute+time.Second {
		t.Errorf("token TTL = %v, want the token's lifetime", ttl)
	}
	if m := c.SMembers(ctx, prefix+"refresh:family:"+a.FamilyID.String()).Val(); len(m) != 1 || m[0] != a.Digest {
		t.Errorf("family set = %v", m)
	}
	if m := c.SMembers(ctx, prefix+"refresh:user:"+u.String()).Val(); len(m) != 1 || m[0] != a.FamilyID.String() {
		t.Errorf("user set = %v", m)
	}
	if score, err := c.ZScore(ctx, prefix+"refresh:expiry", a.Digest).Result(); err != nil || int64(score) != start.Add(90*time.Minute).UnixMicro() {
		t.Errorf("expiry index score = %v, %v", score, err)
	}
	// The successor flips used on a, keeping a's time to live.
	b := a
	b.Digest, b.CreatedAt, b.ExpiresAt = auth.TokenDigest("b"), start.Add(time.Minute), start.Add(91*time.Minute)
	if err := s.RotateRefreshToken(ctx, a.Digest, b); err != nil {
		t.Fatal(err)
	}
	if used := c.HGet(ctx, prefix+"refresh:"+a.Digest, "used").Val(); used != "1" {
		t.Errorf("used = %q after rotation", used)
	}
	if ttl := c.PTTL(ctx, prefix+"refresh:"+a.Digest).Val(); ttl <= 89*time.Minute {
		t.Errorf("a used token's TTL = %v: it must stay for reuse detection", ttl)
	}

	// A token with a millisecond to live is gone from Redis soon after, and
	// reads as not found.
	short := newRefresh(t, u, start, time.Millisecond)
	if err := s.CreateRefreshToken(ctx, short); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Exists(ctx, prefix+"refresh:"+short.Digest).Val() == 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := s.GetRefreshToken(ctx, short.Digest); !errors.Is(err, auth.ErrRefreshTokenNotFound) {
		t.Fatalf("an expired token = %v, want ErrRefreshTokenNotFound", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRefreshStoreGarbage: a token key whose content is not ours reads as
// not found, never as a token.
func TestRefreshStoreGarbage(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	prefix := newPrefix(t, c)
	s := redistoken.NewRefreshStore(c, prefix)
	digest := auth.TokenDigest("planted")
	good := map[string]string{"f": uuid.NewString(), "u": uuid.NewString(), "c": "1", "fc": "1", "e": "2", "used": "0"}
	for _, tc := range []struct {
		name  string
		field string
		value string
	}{
		{"family not a UUID", "f", "x"},
		{"user not a UUID", "u", ""},
		{"time not a number", "e", "soon"},
		{"used not a flag", "used", "yes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]any{}
			for k, v := range good {
				h[k] = v
			}
			h[tc.field] = tc.value
			if err := c.HSet(ctx, prefix+"refresh:"+digest, h).Err(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetRefreshToken(ctx, digest); !errors.Is(err, auth.ErrRefreshTokenNotFound) {
				t.Fatalf("GetRefreshToken = %v, want ErrRefreshTokenNotFound", err)
			}
		})
	}
}

// TestRefreshStorePurgeBatches purges more tokens than one script run
// takes.
func TestRefreshStorePurgeBatches(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	prefix := newPrefix(t, c)
	s := redistoken.NewRefreshStore(c, prefix)
	redistoken.SetPurgeBatch(s, 7)
	for range 30 {
		if err := s.CreateRefreshToken(ctx, newRefresh(t, uuid.New(), start, time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	kept := newRefresh(t, uuid.New(), start, 3*time.Hour)
	if err := s.CreateRefreshToken(ctx, kept); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteRefreshTokensExpiredBefore(ctx, start.Add(2*time.Hour)); err != nil || n != 30 {
		t.Fatalf("DeleteRefreshTokensExpiredBefore = %d, %v; want 30", n, err)
	}
	if _, err := s.GetRefreshToken(ctx, kept.Digest); err != nil {
		t.Fatalf("a live token was purged: %v", err)
	}
}

func TestRefreshStoreValidate(t *testing.T) {
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	t.Cleanup(func() { cluster.Close() })
	for _, tc := range []struct {
		name    string
		client  redis.UniversalClient
		wantErr string
	}{
		{"no client", nil, "no Redis client"},
		{"cluster", cluster, "Cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := redistoken.NewRefreshStore(tc.client, "")
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want an error about %q", err, tc.wantErr)
			}
			ctx := context.Background()
			if e := s.CreateRefreshToken(ctx, auth.RefreshToken{}); e != err {
				t.Errorf("CreateRefreshToken = %v", e)
			}
			if _, e := s.GetRefreshToken(ctx, "x"); e != err {
				t.Errorf("GetRefreshToken = %v", e)
			}
			if e := s.RotateRefreshToken(ctx, "x", auth.RefreshToken{}); e != err {
				t.Errorf("RotateRefreshToken = %v", e)
			}
			if _, e := s.DeleteRefreshFamily(ctx, uuid.New()); e != err {
				t.Errorf("DeleteRefreshFamily = %v", e)
			}
			if _, e := s.DeleteUserRefreshTokens(ctx, uuid.New()); e != err {
				t.Errorf("DeleteUserRefreshTokens = %v", e)
			}
			if _, e := s.DeleteRefreshTokensExpiredBefore(ctx, time.Now()); e != err {
				t.Errorf("DeleteRefreshTokensExpiredBefore = %v", e)
			}
		})
	}
}

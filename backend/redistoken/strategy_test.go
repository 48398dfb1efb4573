package redistoken_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/usersauth/usersauth/auth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/backend/redistoken"
	"github.com/usersauth/usersauth/backend/strategytest"
	"github.com/usersauth/usersauth/user"
)

var start = time.Date(2026, 11, 28, 14, 45, 51, 600_000_000, time.UTC)

// TestConformance runs the whole strategy suite against a real Redis; what
// the strategy stores is read back with SCAN.
func TestConformance(t *testing.T) {
	strategytest.Run(t, func(t *testing.T) strategytest.Subject {
		c := newClient(t)
		prefix := newPrefix(t, c)
		clock := strategytest.NewClock(start)
		s := redistoken.New(redistoken.Config{Client: c, Lifetime: time.Hour, KeyPrefix: prefix, Now: clock.Now})
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return strategytest.Subject{
			Strategy: s, Clock: clock, Lifetime: time.Hour, ServerSide: true,
			Stored: func(t *testing.T) []string { return dump(t, c, prefix) },
		}
	})
}

// dump returns every key under prefix with its content.
func dump(t *testing.T, c *redis.Client, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	keys, err := scanKeys(ctx, c, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		var content any
		switch typ := c.Type(ctx, k).Val(); typ {
		case "string":
			content, err = c.Get(ctx, k).Result()
		case "zset":
			content, err = c.ZRangeWithScores(ctx, k, 0, -1).Result()
		default:
			t.Fatalf("key of unexpected type %s", typ)
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s = %v", k, content))
	}
	return out
}

func TestValidate(t *testing.T) {
	unused := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { unused.Close() })
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	t.Cleanup(func() { cluster.Close() })
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	t.Cleanup(func() { ring.Close() })
	tests := []struct {
		name    string
		cfg     redistoken.Config
		wantErr string
	}{
		{"valid", redistoken.Config{Client: unused, Lifetime: time.Hour}, ""},
		{"one second", redistoken.Config{Client: unused, Lifetime: time.Second}, ""},
		{"no client", redistoken.Config{Lifetime: time.Hour}, "no Redis client"},
		{"nil client in the interface", redistoken.Config{Client: (*redis.Client)(nil), Lifetime: time.Hour}, "no Redis client"},
		{"no lifetime", redistoken.Config{Client: unused}, "lifetime"},
		{"under a second", redistoken.Config{Client: unused, Lifetime: 999 * time.Millisecond}, "lifetime"},
		{"cluster", redistoken.Config{Client: cluster, Lifetime: time.Hour}, "Cluster"},
		{"ring", redistoken.Config{Client: ring, Lifetime: time.Hour}, "Ring"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := redistoken.New(tt.cfg)
			err := s.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want an error about %q", err, tt.wantErr)
			}
			// Every method refuses to work, without a round trip.
			if _, e := s.WriteToken(ctx, &user.Base{ID: uuid.New()}); e != err {
				t.Errorf("WriteToken = %v", e)
			}
			if _, e := s.ReadToken(ctx, strings.Repeat("A", 43)); e != err {
				t.Errorf("ReadToken = %v", e)
			}
			if e := s.DestroyToken(ctx, strings.Repeat("A", 43), nil); e != err {
				t.Errorf("DestroyToken = %v", e)
			}
			if e := s.RevokeUser(ctx, uuid.New()); e != err {
				t.Errorf("RevokeUser = %v", e)
			}
		})
	}
}

func TestKeyPrefix(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { c.Close() })
	if got := redistoken.New(redistoken.Config{Client: c, Lifetime: time.Hour}).KeyPrefix(); got != "fastapi_users_token:" {
		t.Errorf("default KeyPrefix = %q", got)
	}
	if got := redistoken.New(redistoken.Config{Client: c, Lifetime: time.Hour, KeyPrefix: "app:"}).KeyPrefix(); got != "app:" {
		t.Errorf("KeyPrefix = %q", got)
	}
}

// deadClient is a client of a port nobody listens on, without retries.
func deadClient(t *testing.T) (*redis.Client, *commandCounter) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second, DialerRetries: 1})
	counter := &commandCounter{}
	c.AddHook(counter)
	t.Cleanup(func() { c.Close() })
	return c, counter
}

// TestRedisDown: every Redis failure is an infrastructure error (500), never
// ErrInvalidToken (401), and names no token.
func TestRedisDown(t *testing.T) {
	c, _ := deadClient(t)
	s := redistoken.New(redistoken.Config{Client: c, Lifetime: time.Hour})
	ctx := context.Background()
	tok, err := auth.RandomToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	u := &user.Base{ID: uuid.New()}
	calls := map[string]func() error{
		"WriteToken":              func() error { _, err := s.WriteToken(ctx, u); return err },
		"ReadToken":               func() error { _, err := s.ReadToken(ctx, tok); return err },
		"DestroyToken":            func() error { return s.DestroyToken(ctx, tok, u) },
		"DestroyToken of no user": func() error { return s.DestroyToken(ctx, tok, nil) },
		"RevokeUser":              func() error { return s.RevokeUser(ctx, u.ID) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if err == nil || errors.Is(err, backend.ErrInvalidToken) {
				t.Fatalf("error = %v, want an infrastructure error", err)
			}
			if strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), auth.TokenDigest(tok)) {
				t.Fatal("the error names the token")
			}
		})
	}
}

// TestNoRoundTripForForeignTokens: a token that cannot be ours costs no
// command, so garbage cannot load Redis.
func TestNoRoundTripForForeignTokens(t *testing.T) {
	c, counter := deadClient(t)
	s := redistoken.New(redistoken.Config{Client: c, Lifetime: time.Hour})
	ctx := context.Background()
	for _, tok := range []string{"", "garbage", strings.Repeat("A", 44), strings.Repeat("A", backend.MaxTokenLength+1), "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"} {
		if _, err := s.ReadToken(ctx, tok); !errors.Is(err, backend.ErrInvalidToken) {
			t.Errorf("ReadToken = %v, want ErrInvalidToken", err)
		}
		if err := s.DestroyToken(ctx, tok, nil); err != nil {
			t.Errorf("DestroyToken = %v", err)
		}
	}
	if n := counter.n.Load(); n != 0 {
		t.Errorf("%d commands sent for foreign tokens, want 0", n)
	}
}

func TestWriteTokenRandomFailure(t *testing.T) {
	c, counter := deadClient(t)
	s := redistoken.New(redistoken.Config{Client: c, Lifetime: time.Hour, Rand: bytes.NewReader(make([]byte, 31))})
	if tok, err := s.WriteToken(context.Background(), &user.Base{ID: uuid.New()}); err == nil || tok != "" {
		t.Fatalf("WriteToken with a failing Rand = %d bytes, %v; want an error", len(tok), err)
	}
	if n := counter.n.Load(); n != 0 {
		t.Errorf("%d commands sent, want 0", n)
	}
}

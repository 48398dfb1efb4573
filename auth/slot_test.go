package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/usersauth/usersauth/auth"
)

func TestSlotVerify(t *testing.T) {
	ctx := context.Background()
	h := newHasher(t, auth.HasherOptions{Concurrency: 2})
	encoded, err := h.Hash(ctx, "guinevere")
	if err != nil {
		t.Fatal(err)
	}
	old, err := newHasher(t, auth.HasherOptions{Params: auth.Argon2Params{Memory: 128, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}}).Hash(ctx, "guinevere")
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := h.Stats().InUse; n != 1 {
		t.Fatalf("InUse = %d while a slot is held, want 1", n)
	}
	tests := []struct {
		name, password, encoded string
		ok, rehash              bool
		err                     error
		verifies                uint64
	}{
		{"right password", "guinevere", encoded, true, false, nil, 1},
		{"wrong password", "Guinevere", encoded, false, false, nil, 1},
		{"other parameters", "guinevere", old, true, true, nil, 1},
		{"bcrypt", "guinevere", bcryptHash, true, true, nil, 1},
		{"malformed", "guinevere", "$argon2d$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAAAAAAAAAAAAAAAAAAAA", false, false, auth.ErrMalformedHash, 0},
		{"costlier than FastAPI Users'", "guinevere", "$argon2id$v=19$m=131072,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAAAAAAAAAAAAAAAAAAAA", false, false, auth.ErrMalformedHash, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.Stats().Verifies
			ok, rehash, err := s.Verify(tt.password, tt.encoded)
			if ok != tt.ok || rehash != tt.rehash || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("Verify = %v, %v, %v; want %v, %v, %v", ok, rehash, err, tt.ok, tt.rehash, tt.err)
			}
			if n := h.Stats().Verifies - before; n != tt.verifies {
				t.Errorf("Verifies grew by %d, want %d", n, tt.verifies)
			}
		})
	}
	before := h.Stats()
	if err := s.VerifyDummy("guinevere"); err != nil {
		t.Fatal(err)
	}
	if after := h.Stats(); after.Dummies != before.Dummies+1 || after.Verifies != before.Verifies+1 {
		t.Errorf("VerifyDummy: Stats %+v -> %+v, want one more dummy verification", before, after)
	}
	if n := h.Stats().InUse; n != 1 {
		t.Errorf("InUse = %d after verifying in the slot, want 1", n)
	}

	s.Release()
	if n := h.Stats().InUse; n != 0 {
		t.Fatalf("InUse = %d after Release, want 0", n)
	}
	before = h.Stats()
	if _, _, err := s.Verify("guinevere", encoded); !errors.Is(err, auth.ErrSlotReleased) {
		t.Errorf("Verify after Release = %v, want ErrSlotReleased", err)
	}
	if err := s.VerifyDummy("guinevere"); !errors.Is(err, auth.ErrSlotReleased) {
		t.Errorf("VerifyDummy after Release = %v, want ErrSlotReleased", err)
	}
	if after := h.Stats(); after.Verifies != before.Verifies {
		t.Error("a released slot did hashing work")
	}
}

// TestSlotReleaseOnce: a second Release gives back nothing, so it cannot
// free a slot another caller holds.
func TestSlotReleaseOnce(t *testing.T) {
	ctx := context.Background()
	h := newHasher(t, auth.HasherOptions{Concurrency: 2})
	other, err := h.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	s, err := h.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(s.Release)
	}
	wg.Wait()
	if n := h.Stats().InUse; n != 1 {
		t.Fatalf("InUse = %d after releasing one of two slots many times, want 1", n)
	}
}

// TestSlotHoldsThePool: a held slot is one fewer for everyone else, until
// it is released.
func TestSlotHoldsThePool(t *testing.T) {
	ctx := context.Background()
	h := newHasher(t, auth.HasherOptions{Concurrency: 1, MaxWait: time.Hour})
	s, err := h.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { _, err := h.Hash(ctx, "pw"); done <- err }()
	for h.Stats().Waiting != 1 {
		time.Sleep(100 * time.Microsecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Hash ran while the only slot was held (err %v)", err)
	default:
	}
	s.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := h.Stats(); st.InUse != 0 || st.Waiting != 0 || st.Hashes != 1 {
		t.Errorf("Stats() = %+v, want an idle pool after one hash", st)
	}
}

func TestSlotAcquireRefused(t *testing.T) {
	h := newHasher(t, auth.HasherOptions{Concurrency: 1, MaxWait: time.Millisecond})
	held, err := h.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()

	s, err := h.Acquire(context.Background())
	var busy *auth.BusyError
	if s != nil || !errors.As(err, &busy) || busy.RetryAfter != time.Second {
		t.Fatalf("Acquire on a saturated pool = %v, %v; want nil and a *BusyError of 1s", s, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := h.Acquire(ctx); s != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire(cancelled) = %v, %v; want nil, context.Canceled", s, err)
	}
	if st := h.Stats(); st.Busy != 1 || st.InUse != 1 || st.Waiting != 0 || st.Verifies != 0 {
		t.Errorf("Stats() = %+v, want one refusal, the held slot, no waiter and no work", st)
	}
}

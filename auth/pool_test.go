package auth

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// blockedHasher returns a hasher with tiny parameters whose calls stop in
// their slot until open is called, counting how many are in a slot at once.
// The test's cleanup opens the gate.
func blockedHasher(t *testing.T, opts HasherOptions) (h *PasswordHasher, open func(), active, peak *atomic.Int64) {
	t.Helper()
	opts.Params = Argon2Params{Memory: 8, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 16}
	h, err := NewPasswordHasher(opts)
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	open = sync.OnceFunc(func() { close(gate) })
	t.Cleanup(open)
	active, peak = new(atomic.Int64), new(atomic.Int64)
	h.enterSlot = func() {
		n := active.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-gate
	}
	h.leaveSlot = func() { active.Add(-1) }
	return h, open, active, peak
}

// hold takes h's only slot until open is called; the test's cleanup opens
// the gate and waits for the holder.
func hold(t *testing.T, h *PasswordHasher, open func()) {
	var wg sync.WaitGroup
	wg.Go(func() { h.VerifyDummy(context.Background(), "holder") })
	t.Cleanup(func() { open(); wg.Wait() })
	waitUntil(func() bool { return h.Stats().InUse == 1 })
}

// waitUntil yields until cond holds; the test's own timeout bounds it.
func waitUntil(cond func() bool) {
	for !cond() {
		runtime.Gosched()
		time.Sleep(100 * time.Microsecond)
	}
}

// operations are the calls that take a slot.
var operations = []struct {
	name string
	call func(context.Context, *PasswordHasher) error
}{
	{"Hash", func(ctx context.Context, h *PasswordHasher) error { _, err := h.Hash(ctx, "pw"); return err }},
	{"Verify", func(ctx context.Context, h *PasswordHasher) error {
		_, _, err := h.Verify(ctx, "pw", h.dummy.String())
		return err
	}},
	{"VerifyDummy", func(ctx context.Context, h *PasswordHasher) error { return h.VerifyDummy(ctx, "pw") }},
	{"Acquire", func(ctx context.Context, h *PasswordHasher) error {
		s, err := h.Acquire(ctx)
		if err != nil {
			return err
		}
		defer s.Release()
		return s.VerifyDummy("pw")
	}},
}

func TestPoolBoundsConcurrency(t *testing.T) {
	const slots, callers = 3, 40
	h, open, active, peak := blockedHasher(t, HasherOptions{Concurrency: slots, MaxQueue: callers, MaxWait: time.Hour})
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		op := operations[i%len(operations)]
		wg.Go(func() { errs <- op.call(context.Background(), h) })
	}
	waitUntil(func() bool { s := h.Stats(); return s.InUse == slots && s.Waiting == callers-slots })
	if n := active.Load(); n != slots {
		t.Errorf("%d calls in a slot, want %d", n, slots)
	}
	open()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("call failed: %v", err)
		}
	}
	if p := peak.Load(); p > slots {
		t.Errorf("peak concurrency %d exceeds %d slots", p, slots)
	}
	s := h.Stats()
	if got := s.Hashes + s.Verifies; got != callers || s.InUse != 0 || s.Waiting != 0 {
		t.Errorf("Stats() = %+v, want %d computations and an idle pool", s, callers)
	}
}

func TestPoolWaitHonoursContext(t *testing.T) {
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			h, open, _, _ := blockedHasher(t, HasherOptions{Concurrency: 1, MaxWait: time.Hour})
			hold(t, h, open)

			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- op.call(ctx, h) }()
			waitUntil(func() bool { return h.Stats().Waiting == 1 })
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if s := h.Stats(); s.Waiting != 0 || s.Busy != 0 {
				t.Errorf("after cancel: Stats() = %+v, want no waiter and no refusal", s)
			}
		})
	}
}

func TestPoolCancelledBeforeCall(t *testing.T) {
	h, open, _, _ := blockedHasher(t, HasherOptions{})
	open()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, op := range operations {
		if err := op.call(ctx, h); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", op.name, err)
		}
	}
	if s := h.Stats(); s.Hashes+s.Verifies != 0 {
		t.Errorf("cancelled calls did work: %+v", s)
	}
}

func TestPoolBusyAfterMaxWait(t *testing.T) {
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			h, open, _, _ := blockedHasher(t, HasherOptions{Concurrency: 1, MaxWait: time.Millisecond})
			hold(t, h, open)

			err := op.call(context.Background(), h)
			var busy *BusyError
			if !errors.Is(err, ErrBusy) || !errors.As(err, &busy) {
				t.Fatalf("err = %v, want a *BusyError matching ErrBusy", err)
			}
			if busy.RetryAfter != time.Second {
				t.Errorf("RetryAfter = %v, want 1s (MaxWait rounded up)", busy.RetryAfter)
			}
			if s := h.Stats(); s.Busy != 1 || s.Waiting != 0 {
				t.Errorf("Stats() = %+v, want one refusal and no waiter", s)
			}
		})
	}
}

func TestPoolMaxQueue(t *testing.T) {
	const queue = 2
	h, open, _, _ := blockedHasher(t, HasherOptions{Concurrency: 1, MaxQueue: queue, MaxWait: time.Hour})
	hold(t, h, open)
	var wg sync.WaitGroup
	errs := make(chan error, queue)
	for range queue {
		wg.Go(func() { errs <- h.VerifyDummy(context.Background(), "waiter") })
	}
	waitUntil(func() bool { return h.Stats().Waiting == queue })

	// With MaxWait an hour, only the queue rule can answer this call.
	for _, op := range operations {
		if err := op.call(context.Background(), h); !errors.Is(err, ErrBusy) {
			t.Errorf("%s beyond MaxQueue: err = %v, want ErrBusy", op.name, err)
		}
	}
	open()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("queued call failed: %v", err)
		}
	}
	waitUntil(func() bool { return h.Stats().InUse == 0 }) // the holder is done
	if s := h.Stats(); s.Busy != uint64(len(operations)) || s.Dummies != 1+queue || s.InUse != 0 {
		t.Errorf("Stats() = %+v, want %d refusals, %d dummies and no slot in use", s, len(operations), 1+queue)
	}
}

func TestPoolDefaults(t *testing.T) {
	h, err := NewPasswordHasher(HasherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cap(h.pool.slots), runtime.GOMAXPROCS(0); got != want {
		t.Errorf("slots = %d, want GOMAXPROCS = %d", got, want)
	}
	if h.pool.maxWait != DefaultMaxWait || h.pool.maxQueue != int64(DefaultQueuePerSlot*runtime.GOMAXPROCS(0)) {
		t.Errorf("maxWait %v, maxQueue %d: not the defaults", h.pool.maxWait, h.pool.maxQueue)
	}
	if h.pool.retryAfter != 5*time.Second {
		t.Errorf("retryAfter = %v, want 5s", h.pool.retryAfter)
	}
}

// TestDummyUsesCurrentParams: VerifyDummy costs what verifying a hash made
// now costs, because its hash has exactly the current parameters.
func TestDummyUsesCurrentParams(t *testing.T) {
	for _, p := range []Argon2Params{DefaultArgon2Params(), FastAPIUsersArgon2Params(), {Memory: 64, Iterations: 3, Parallelism: 2, SaltLength: 24, KeyLength: 48}} {
		h, err := NewPasswordHasher(HasherOptions{Params: p})
		if err != nil {
			t.Fatal(err)
		}
		if h.dummy.scheme != schemeArgon2id || h.dummy.params != p || len(h.dummy.salt) != int(p.SaltLength) || len(h.dummy.key) != int(p.KeyLength) {
			t.Errorf("dummy for %+v is %+v", p, h.dummy)
		}
		if _, err := parseHash(h.dummy.String(), h.limits); err != nil {
			t.Errorf("dummy hash does not parse: %v", err)
		}
	}
}

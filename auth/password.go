package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// Defaults of HasherOptions.
const (
	// DefaultMaxWait is how long a call waits for a hashing slot when
	// HasherOptions.MaxWait is zero.
	DefaultMaxWait = 5 * time.Second
	// DefaultQueuePerSlot times Concurrency is the queue length when
	// HasherOptions.MaxQueue is zero. With OWASP parameters (some 20 to
	// 50 ms a hash) a full queue is served within DefaultMaxWait, so a
	// burst of logins queues instead of failing, and only a flood beyond
	// what the wait can absorb is refused at once.
	DefaultQueuePerSlot = 128
)

// HasherOptions configure NewPasswordHasher. The zero value gives OWASP's
// argon2id parameters, the default Limits and a pool of GOMAXPROCS slots.
type HasherOptions struct {
	// Params are the parameters of new hashes. The zero value stands for
	// DefaultArgon2Params(). They must lie inside Limits.
	Params Argon2Params
	// Limits bound the parameters read from stored hashes. Each zero field
	// takes its default (see Limits): FastAPI Users' parameters, or Params
	// where they cost more.
	Limits Limits
	// Concurrency is the number of hashes computed at once. Zero means
	// runtime.GOMAXPROCS(0) at construction.
	Concurrency int
	// MaxWait is the longest a call waits for a slot before ErrBusy. Zero
	// means DefaultMaxWait.
	MaxWait time.Duration
	// MaxQueue is the number of callers that may wait for a slot; one more
	// gets ErrBusy at once. Zero means DefaultQueuePerSlot * Concurrency.
	MaxQueue int
	// Rand is the source of salts. Nil means crypto/rand. Reads are
	// serialised, so any io.Reader will do.
	Rand io.Reader
}

// PasswordHasher hashes passwords with argon2id and verifies argon2id,
// argon2i and bcrypt hashes, FastAPI Users' among them. Every Hash, Verify
// and VerifyDummy runs in one bounded pool of Concurrency slots, so memory
// stays below Concurrency times the memory of one hash whatever the load;
// Acquire holds a slot across several steps of one caller. A
// PasswordHasher is safe for concurrent use. It implements
// user.PasswordHasher and user.SlotHasher.
type PasswordHasher struct {
	params Argon2Params
	limits Limits
	pool   *pool
	// dummy is what VerifyDummy verifies against: a hash with the current
	// parameters, an all-zero salt and an all-zero key. Its key is not the
	// argon2 output of any password anyone can find, so it matches nothing,
	// and building it needs no hashing.
	dummy *storedHash

	randMu sync.Mutex
	rand   io.Reader

	hashes, verifies, dummies, busy atomic.Uint64

	// enterSlot and leaveSlot, set only by tests, run as a slot is taken
	// and just before it is given back.
	enterSlot, leaveSlot func()
}

// NewPasswordHasher returns a PasswordHasher configured by opts. It refuses
// parameters it could not verify itself (outside Limits) or that argon2
// cannot use, and negative pool settings.
func NewPasswordHasher(opts HasherOptions) (*PasswordHasher, error) {
	params := opts.Params
	if params == (Argon2Params{}) {
		params = DefaultArgon2Params()
	}
	if err := params.validate(); err != nil {
		return nil, err
	}
	limits := opts.Limits.withDefaults(params)
	if err := limits.validate(); err != nil {
		return nil, err
	}
	if err := limits.admits(params); err != nil {
		return nil, fmt.Errorf("auth: Params outside Limits (new hashes could not be verified): %w", err)
	}

	concurrency, maxWait, maxQueue := opts.Concurrency, opts.MaxWait, opts.MaxQueue
	switch {
	case concurrency < 0:
		return nil, errors.New("auth: negative Concurrency")
	case maxWait < 0:
		return nil, errors.New("auth: negative MaxWait")
	case maxQueue < 0:
		return nil, errors.New("auth: negative MaxQueue")
	}
	if concurrency == 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	if maxWait == 0 {
		maxWait = DefaultMaxWait
	}
	if maxQueue == 0 {
		maxQueue = DefaultQueuePerSlot * concurrency
	}

	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	return &PasswordHasher{
		params: params,
		limits: limits,
		pool:   newPool(concurrency, maxWait, maxQueue),
		dummy: &storedHash{
			scheme: schemeArgon2id,
			params: params,
			salt:   make([]byte, params.SaltLength),
			key:    make([]byte, params.KeyLength),
		},
		rand: r,
	}, nil
}

// Params returns the parameters of the hashes h makes.
func (h *PasswordHasher) Params() Argon2Params { return h.params }

// Hash returns the argon2id PHC string of password with h's parameters,
// for example $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, salt and hash in
// unpadded standard base64 as argon2-cffi writes them. The password is
// hashed as its exact bytes, never normalised or trimmed, as FastAPI Users
// does. It returns ctx.Err() or a *BusyError (ErrBusy) when no slot could
// be had.
func (h *PasswordHasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLength)
	h.randMu.Lock()
	_, err := io.ReadFull(h.rand, salt)
	h.randMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("auth: reading a salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	h.hashes.Add(1)
	p := h.params
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return encodeArgon2(schemeArgon2id, p, salt, key), nil
}

// Verify reports whether password matches encoded, an argon2id or argon2i
// (v=19) PHC string or a $2a$, $2b$ or $2y$ bcrypt string, and whether the
// hash should be replaced by Hash(password): true unless it is argon2id with
// exactly h's parameters (memory, iterations, parallelism, salt and key
// lengths). needsRehash depends only on encoded, not on the match.
//
// An encoded hash that does not parse strictly, of another scheme (argon2d,
// $2x$) or with parameters outside h's Limits is ErrMalformedHash, returned
// before any hashing is done; a caller that wants such a login to take the
// usual time calls VerifyDummy. A password longer than 72 bytes never
// matches a bcrypt hash (bcrypt reads only 72). ctx and a saturated pool
// give ctx.Err() and a *BusyError (ErrBusy), as for Hash.
func (h *PasswordHasher) Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error) {
	s, err := parseHash(encoded, h.limits)
	if err != nil {
		return false, false, err
	}
	ok, err = h.verify(ctx, password, s, false)
	if err != nil {
		return false, false, err
	}
	return ok, h.needsRehash(s), nil
}

// needsRehash reports whether s was made otherwise than h makes hashes.
func (h *PasswordHasher) needsRehash(s *storedHash) bool {
	return s.scheme != schemeArgon2id || s.params != h.params
}

// VerifyDummy costs one verification against a hash made with h's
// parameters and matches nothing. A login for an unknown e-mail calls it so
// that timing does not reveal which accounts exist (OWASP Authentication
// Cheat Sheet). Its only errors are those of waiting for a slot.
func (h *PasswordHasher) VerifyDummy(ctx context.Context, password string) error {
	_, err := h.verify(ctx, password, h.dummy, true)
	return err
}

// verify computes s's key for password in a slot of the pool.
func (h *PasswordHasher) verify(ctx context.Context, password string, s *storedHash, dummy bool) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	return h.compute(password, s, dummy), nil
}

// compute reports whether password derives s's key. The caller holds a
// slot.
func (h *PasswordHasher) compute(password string, s *storedHash, dummy bool) bool {
	h.verifies.Add(1)
	if dummy {
		h.dummies.Add(1)
	}
	if s.scheme == schemeBcrypt {
		return verifyBcrypt([]byte(password), s)
	}
	return verifyArgon2([]byte(password), s)
}

// acquire takes a slot of the pool, counting refusals. A nil error must be
// paired with release.
func (h *PasswordHasher) acquire(ctx context.Context) error {
	if err := h.pool.acquire(ctx); err != nil {
		if errors.Is(err, ErrBusy) {
			h.busy.Add(1)
		}
		return err
	}
	if h.enterSlot != nil {
		h.enterSlot()
	}
	return nil
}

// release gives back the slot taken by acquire.
func (h *PasswordHasher) release() {
	if h.leaveSlot != nil {
		h.leaveSlot()
	}
	h.pool.release()
}

// Stats are counters of a PasswordHasher since it was made. Tests use them
// to count hashing work instead of timing it: a login costs exactly one
// more Verifies whether or not the e-mail is known.
type Stats struct {
	// Hashes counts hashes computed by Hash.
	Hashes uint64
	// Verifies counts hashes computed to verify, by Verify and VerifyDummy
	// of the hasher or of a Slot; a malformed hash or a refused call
	// computes none.
	Verifies uint64
	// Dummies counts the Verifies that came from VerifyDummy.
	Dummies uint64
	// Busy counts calls refused with ErrBusy, Acquire's included.
	Busy uint64
	// InUse is the number of slots taken now (held Slots included),
	// Waiting the number of callers waiting for one.
	InUse, Waiting int
}

// Stats returns h's counters.
func (h *PasswordHasher) Stats() Stats {
	return Stats{
		Hashes:   h.hashes.Load(),
		Verifies: h.verifies.Load(),
		Dummies:  h.dummies.Load(),
		Busy:     h.busy.Load(),
		InUse:    h.pool.inUse(),
		Waiting:  h.pool.queued(),
	}
}

package auth

import (
	"errors"
	"fmt"
)

// Argon2Params are the parameters of the argon2id hashes a PasswordHasher
// makes.
type Argon2Params struct {
	// Memory is the memory cost m in KiB.
	Memory uint32
	// Iterations is the time cost t: passes over the memory.
	Iterations uint32
	// Parallelism is the number of lanes p. Go's argon2 runs one goroutine
	// per lane.
	Parallelism uint8
	// SaltLength is the length of the random salt in bytes.
	SaltLength uint32
	// KeyLength is the length of the derived key (the hash) in bytes.
	KeyLength uint32
}

// DefaultArgon2Params returns m=19456 KiB, t=2, p=1 with a 16-byte salt and a
// 32-byte key: OWASP Password Storage Cheat Sheet, argon2id, second
// configuration.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// FastAPIUsersArgon2Params returns the parameters FastAPI Users hashes with
// by default (pwdlib: m=65536 KiB, t=3, p=4, 16-byte salt, 32-byte key; RFC
// 9106 section 4, second recommended option). A host that shares its user
// table with a FastAPI Users service during a migration uses them, so that
// neither side rehashes what the other wrote on every login.
func FastAPIUsersArgon2Params() Argon2Params {
	return Argon2Params{Memory: 65536, Iterations: 3, Parallelism: 4, SaltLength: 16, KeyLength: 32}
}

// Bounds that hold whatever the Limits: they come from the algorithms
// themselves (RFC 9106 section 3.1; bcrypt's cost is 4..31).
const (
	minArgon2SaltLength = 8
	minArgon2KeyLength  = 4
	minArgon2Memory     = 8 // KiB, for one lane
	minBcryptCost       = 4
	maxBcryptCost       = 31
	// Hashes we make use at least a 128-bit salt and a 128-bit key (RFC 9106
	// section 3.1 recommends 128-bit salts); stored hashes may be shorter.
	minNewSaltLength = 16
	minNewKeyLength  = 16
)

// validate refuses parameters that cannot make a hash this package, or
// argon2-cffi, would verify.
func (p Argon2Params) validate() error {
	switch {
	case p.Parallelism < 1:
		return errors.New("auth: argon2 parallelism must be at least 1")
	case p.Iterations < 1:
		return errors.New("auth: argon2 iterations must be at least 1")
	case uint64(p.Memory) < 8*uint64(p.Parallelism):
		// RFC 9106 section 3.1: m >= 8*p KiB.
		return fmt.Errorf("auth: argon2 memory must be at least 8 KiB per lane (%d KiB)", 8*uint32(p.Parallelism))
	case p.SaltLength < minNewSaltLength:
		return fmt.Errorf("auth: argon2 salt length must be at least %d bytes", minNewSaltLength)
	case p.KeyLength < minNewKeyLength:
		return fmt.Errorf("auth: argon2 key length must be at least %d bytes", minNewKeyLength)
	}
	return nil
}

// FastAPI Users' default cost parameters (pwdlib's argon2id, pyca/bcrypt's
// default cost), which bound what a stored hash may cost by default.
const (
	fastAPIUsersMemory      = 65536
	fastAPIUsersIterations  = 3
	fastAPIUsersParallelism = 4
	fastAPIUsersBcryptCost  = 12
)

// Limits bound the parameters read from a stored hash, so that a planted,
// imported or corrupted hash cannot make a login allocate gigabytes or spin
// for seconds (OWASP Password Storage Cheat Sheet). A hash outside them is
// ErrMalformedHash before any work is done: the Manager treats it as
// unusable, logs it, and fails the login as a wrong password, at the cost
// of one ordinary dummy verification.
//
// Each zero field takes its default. The defaults are FastAPI Users' own
// parameters (argon2id m=65536 KiB, t=3, p=4; bcrypt cost 12): every hash
// FastAPI Users makes by default verifies, and no stored hash costs more
// than one of those. Where the hasher's own Params cost more, the defaults
// of MaxMemory, MaxIterations, MaxWork and MaxParallelism grow to admit
// them, so a hasher always verifies what it hashes.
type Limits struct {
	// MaxMemory is the largest argon2 memory cost in KiB. Default 65536
	// (64 MiB). The pool's memory use is at most Concurrency times this.
	MaxMemory uint32
	// MaxIterations is the largest argon2 time cost. Default 16; MaxWork
	// is the tighter bound at large memory costs.
	MaxIterations uint32
	// MaxWork is the largest argon2 memory cost times time cost (KiB times
	// passes): the memory argon2 fills over all its passes, which its
	// running time is proportional to. Default three times MaxMemory,
	// FastAPI Users' three passes (196608 for the default MaxMemory). It
	// admits the configurations that trade memory for passes, such as
	// OWASP's m=7168 KiB, t=5, while no hash takes longer than FastAPI
	// Users' own.
	MaxWork uint64
	// MaxParallelism is the largest number of argon2 lanes, each of which
	// Go's argon2 runs on a goroutine of its own. Default 4.
	MaxParallelism uint8
	// MaxSaltLength is the longest argon2 salt in bytes. Default 64; the
	// shortest accepted is 8 (RFC 9106).
	MaxSaltLength uint32
	// MaxKeyLength is the longest argon2 key in bytes. Default 64; the
	// shortest accepted is 4 (RFC 9106).
	MaxKeyLength uint32
	// MaxBcryptCost is the largest bcrypt cost (log2 of the rounds).
	// Default 12, FastAPI Users' (pyca/bcrypt's default); the smallest
	// accepted is bcrypt's own minimum, 4. Each step doubles the time:
	// cost 12 is about a quarter of a second of one core.
	MaxBcryptCost int
}

// DefaultLimits returns the limits a zero Limits stands for, for Params
// that cost no more than FastAPI Users' (DefaultArgon2Params and
// FastAPIUsersArgon2Params among them).
func DefaultLimits() Limits {
	return Limits{
		MaxMemory:      fastAPIUsersMemory,
		MaxIterations:  16,
		MaxWork:        fastAPIUsersIterations * fastAPIUsersMemory,
		MaxParallelism: fastAPIUsersParallelism,
		MaxSaltLength:  64,
		MaxKeyLength:   64,
		MaxBcryptCost:  fastAPIUsersBcryptCost,
	}
}

// work is the memory argon2 fills over all its passes, in KiB.
func (p Argon2Params) work() uint64 { return uint64(p.Memory) * uint64(p.Iterations) }

// withDefaults replaces each zero field by its default, grown where the
// hasher's own parameters p need more.
func (l Limits) withDefaults(p Argon2Params) Limits {
	d := DefaultLimits()
	if l.MaxMemory == 0 {
		l.MaxMemory = max(d.MaxMemory, p.Memory)
	}
	if l.MaxIterations == 0 {
		l.MaxIterations = max(d.MaxIterations, p.Iterations)
	}
	if l.MaxWork == 0 {
		l.MaxWork = max(fastAPIUsersIterations*uint64(l.MaxMemory), p.work())
	}
	if l.MaxParallelism == 0 {
		l.MaxParallelism = max(d.MaxParallelism, p.Parallelism)
	}
	if l.MaxSaltLength == 0 {
		l.MaxSaltLength = d.MaxSaltLength
	}
	if l.MaxKeyLength == 0 {
		l.MaxKeyLength = d.MaxKeyLength
	}
	if l.MaxBcryptCost == 0 {
		l.MaxBcryptCost = d.MaxBcryptCost
	}
	return l
}

// validate refuses limits under which nothing could verify.
func (l Limits) validate() error {
	switch {
	case l.MaxSaltLength < minArgon2SaltLength:
		return fmt.Errorf("auth: Limits.MaxSaltLength below the argon2 minimum of %d bytes", minArgon2SaltLength)
	case l.MaxKeyLength < minArgon2KeyLength:
		return fmt.Errorf("auth: Limits.MaxKeyLength below the argon2 minimum of %d bytes", minArgon2KeyLength)
	case l.MaxWork < minArgon2Memory:
		return fmt.Errorf("auth: Limits.MaxWork below the argon2 minimum of %d", minArgon2Memory)
	case l.MaxBcryptCost < minBcryptCost || l.MaxBcryptCost > maxBcryptCost:
		return fmt.Errorf("auth: Limits.MaxBcryptCost outside %d..%d", minBcryptCost, maxBcryptCost)
	}
	return nil
}

// admits reports, as an error, whether hashes made with p are inside l.
func (l Limits) admits(p Argon2Params) error {
	switch {
	case p.Memory > l.MaxMemory:
		return errors.New("memory above Limits.MaxMemory")
	case p.Iterations > l.MaxIterations:
		return errors.New("iterations above Limits.MaxIterations")
	case p.work() > l.MaxWork:
		return errors.New("memory times iterations above Limits.MaxWork")
	case p.Parallelism > l.MaxParallelism:
		return errors.New("parallelism above Limits.MaxParallelism")
	case p.SaltLength > l.MaxSaltLength:
		return errors.New("salt length above Limits.MaxSaltLength")
	case p.KeyLength > l.MaxKeyLength:
		return errors.New("key length above Limits.MaxKeyLength")
	}
	return nil
}

package auth

import (
	"errors"
	"time"
)

var (
	// ErrMalformedHash is returned by Verify for an encoded hash it cannot
	// parse, of an unsupported scheme, or whose parameters are outside the
	// hasher's Limits. No hashing work is done for such a hash. The wrapping
	// error says which rule failed, never the hash itself.
	ErrMalformedHash = errors.New("auth: malformed password hash")

	// ErrBusy is returned when no hashing slot could be had: too many callers
	// were already waiting, or the wait exceeded MaxWait. The returned error
	// is a *BusyError, which matches ErrBusy with errors.Is.
	ErrBusy = errors.New("auth: password hashing is busy")
)

// BusyError reports a call refused because the hashing pool was saturated.
// It matches ErrBusy with errors.Is. An HTTP layer answers 503 with a
// Retry-After header taken from RetryAfter.
type BusyError struct {
	// RetryAfter is the hasher's MaxWait rounded up to whole seconds (at
	// least one): by then every caller queued now has been served or
	// refused.
	RetryAfter time.Duration
}

func (e *BusyError) Error() string { return ErrBusy.Error() }

// Unwrap returns ErrBusy.
func (e *BusyError) Unwrap() error { return ErrBusy }

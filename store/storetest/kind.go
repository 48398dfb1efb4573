package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// kind describes one user type to the generic cases.
type kind[U user.Model] struct {
	open func(t *testing.T) user.Store[U]
	// sample returns a user whose every field derives from n; n == 0 gives
	// zero values (false flags, empty strings, nil slices), n == 1 true flags.
	sample func(id uuid.UUID, email string, n int) U
	// equal compares every field, treating a nil and an empty slice alike.
	equal func(a, b U) bool
	// stamp writes n into several fields; stamped reads it back and reports
	// whether the fields agree, which a torn read would break.
	stamp   func(u U, n int)
	stamped func(u U) (n int, ok bool)
}

func userKind(open func(t *testing.T) user.Store[*user.User]) kind[*user.User] {
	return kind[*user.User]{
		open: open,
		sample: func(id uuid.UUID, email string, n int) *user.User {
			return &user.User{Base: sampleBase(id, email, n)}
		},
		equal:   func(a, b *user.User) bool { return a.Base == b.Base },
		stamp:   func(u *user.User, n int) { stampBase(&u.Base, n) },
		stamped: func(u *user.User) (int, bool) { return stampedBase(&u.Base) },
	}
}

func memberKind(open func(t *testing.T) user.Store[*Member]) kind[*Member] {
	return kind[*Member]{
		open: open,
		sample: func(id uuid.UUID, email string, n int) *Member {
			m := &Member{Base: sampleBase(id, email, n)}
			if n != 0 {
				m.DisplayName = fmt.Sprintf(`Sir Bédivère ✠ "the %d" \ <b>`, n)
				m.Visits = n * 1000003
				m.Tags = []string{"knight", "round table", "ñ" + strconv.Itoa(n)}
			}
			return m
		},
		equal: func(a, b *Member) bool {
			return a.Base == b.Base && a.DisplayName == b.DisplayName && a.Visits == b.Visits && slices.Equal(a.Tags, b.Tags)
		},
		stamp: func(m *Member, n int) {
			stampBase(&m.Base, n)
			m.DisplayName = "stamp " + strconv.Itoa(n)
			m.Visits = n
			m.Tags = []string{strconv.Itoa(n), strconv.Itoa(n + 1)}
		},
		stamped: func(m *Member) (int, bool) {
			n, ok := stampedBase(&m.Base)
			return n, ok && m.DisplayName == "stamp "+strconv.Itoa(n) && m.Visits == n &&
				slices.Equal(m.Tags, []string{strconv.Itoa(n), strconv.Itoa(n + 1)})
		},
	}
}

// sampleBase returns a Base whose fields derive from n. The hash is shaped
// like a real one; the suite never verifies it.
func sampleBase(id uuid.UUID, email string, n int) user.Base {
	b := user.Base{ID: id, Email: email}
	if n != 0 {
		b.HashedPassword = fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$%043d", n)
		b.IsActive = n%2 == 1
		b.IsSuperuser = n%3 == 1
		b.IsVerified = n%5 == 1
		// Beyond 32 bits and beyond a float64's exact integers: a store
		// must keep all 64.
		b.TokenEpoch = 1<<62 + int64(n)
		// Shaped like a SHA-256 digest in hex, as the library stores it.
		b.KeptToken = fmt.Sprintf("%064x", n)
		b.EndedSessions = endedSessionsStamp(n)
	}
	return b
}

const stampPrefix = "$stamp$"

func stampBase(b *user.Base, n int) {
	b.HashedPassword = stampPrefix + strconv.Itoa(n)
	b.IsActive = n%2 == 0
	b.IsSuperuser = n%3 == 0
	b.IsVerified = n%5 == 0
	b.TokenEpoch = int64(n)
	b.KeptToken = keptTokenStamp(n)
	b.EndedSessions = endedSessionsStamp(n)
}

// keptTokenStamp is the KeptToken of stamp n: empty for every third n, so
// that updates also clear the field and set it again.
func keptTokenStamp(n int) string {
	if n%3 == 2 {
		return ""
	}
	return fmt.Sprintf("%064x", n)
}

// endedSessionsStamp is the EndedSessions of stamp n: none, one or two ids
// in turn, so that updates also empty the list and fill it again.
func endedSessionsStamp(n int) string {
	ids := make([]string, n%3)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", n, i)
	}
	return strings.Join(ids, " ")
}

func stampedBase(b *user.Base) (int, bool) {
	s, ok := strings.CutPrefix(b.HashedPassword, stampPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return n, b.IsActive == (n%2 == 0) && b.IsSuperuser == (n%3 == 0) && b.IsVerified == (n%5 == 0) && b.TokenEpoch == int64(n) &&
		b.KeptToken == keptTokenStamp(n) && b.EndedSessions == endedSessionsStamp(n)
}

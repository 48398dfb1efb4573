package user

import "context"

// VerifyPassword checks password against u's stored password, as a login
// would (one hash, the same cost for a user without a password), for a
// change that must be confirmed with it (OWASP Authentication Cheat Sheet:
// re-authenticate before changing the e-mail or the password). It returns
// ErrBadPassword for a wrong password or a user without one, or the
// hasher's and store's own errors. A stored hash made with other parameters
// is replaced, as at login.
func (m *Manager[U]) VerifyPassword(ctx context.Context, u U, password string) error {
	_, err := m.checkPassword(ctx, u, password, "re-authentication")
	return err
}

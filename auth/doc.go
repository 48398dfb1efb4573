// Package auth holds the credential primitives of usersauth: password hashing
// (argon2id to hash; argon2id, argon2i and bcrypt to verify; a rehash signal
// when parameters change) behind a bounded pool, and random opaque tokens with
// the digest a server stores. It knows nothing of HTTP or of users.
package auth

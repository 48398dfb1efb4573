// Package auth holds the credential primitives of usersauth: password hashing
// (argon2id to hash; argon2id, argon2i and bcrypt to verify; a rehash signal
// when parameters change), random opaque tokens with the digest a server
// stores, the sealing of secrets kept at rest (AES-256-GCM under a key
// ring, Sealer), keys derived from one host secret (DeriveKey), and
// recovery codes with their keyed digests. It knows nothing of HTTP or of
// users.
//
// A PasswordHasher runs every hash in one bounded pool, so a flood of logins
// queues or is refused with ErrBusy instead of exhausting memory, and reads
// the parameters of a stored hash only within its Limits. Its Stats count
// the hashing work done, which lets tests assert that a login costs the
// same number of hashes whether or not the account exists.
package auth

// Package auth holds the credential primitives of usersauth. It knows
// nothing of HTTP or of users; the domain (package user) and the backends
// build on it.
//
//   - Passwords: a PasswordHasher hashes with argon2id (OWASP parameters by
//     default) and verifies argon2id, argon2i and bcrypt hashes, FastAPI
//     Users' among them, with a rehash signal when a stored hash was made
//     with other parameters. Every hash runs in one bounded pool, so a flood
//     of logins queues or is refused with ErrBusy instead of exhausting
//     memory; a Slot (Acquire) holds one across a login's store read and
//     verification, so that a refused login costs nothing. The parameters
//     of a stored hash are read only within its Limits, by default
//     FastAPI Users' own cost. Its Stats count the hashing work done, which
//     lets tests assert that a login costs the same number of hashes
//     whether or not the account exists.
//   - Signed tokens: PurposeToken signs and checks the single-purpose HS256
//     tokens of the account flows (password reset, e-mail verification,
//     OAuth state), byte for byte as FastAPI Users writes them; JWTSigner
//     and JWTVerifier are the access tokens' signing and verification, with
//     the algorithm pinned and the checks of RFC 8725.
//   - Opaque tokens: RandomToken makes the 32-byte random tokens of the
//     database and Redis strategies and of refresh tokens, and TokenDigest
//     the SHA-256 digest a server stores instead of the token; AccessToken
//     and RefreshToken are the records those stores keep, with the Origin
//     of their session.
//   - Secrets at rest: Sealer seals them with AES-256-GCM under a key ring
//     (the first key seals, every key opens, so keys rotate), DeriveKey
//     derives purpose keys from one host secret with HKDF, and recovery
//     codes are made, normalised and kept as keyed digests.
package auth

-- Second factors (user.TwoFactorStore) and short-lived challenges
-- (user.ChallengeStore), ours: FastAPI Users has neither. A user has at most
-- one TOTP factor; its secret is stored sealed (AES-256-GCM, bound to the
-- user id), confirmed_at is NULL while the enrolment is pending, and
-- last_step is the last RFC 6238 time step accepted. Recovery codes and
-- challenges are stored only as digests. Everything goes with its user
-- (ON DELETE CASCADE); a challenge may have no user (a passwordless
-- sign-in begins without one). Times are Unix microseconds, which sort as
-- instants.

CREATE TABLE IF NOT EXISTS usersauth_totp (
	user_id CHAR(36) NOT NULL,
	sealed_secret TEXT NOT NULL,
	last_step BIGINT NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	confirmed_at INTEGER,
	PRIMARY KEY (user_id),
	FOREIGN KEY (user_id) REFERENCES "user" (id) ON DELETE CASCADE
);

-- The primary key's index serves the lookups by user too.
CREATE TABLE IF NOT EXISTS usersauth_recovery_code (
	user_id CHAR(36) NOT NULL,
	digest TEXT NOT NULL,
	PRIMARY KEY (user_id, digest),
	FOREIGN KEY (user_id) REFERENCES "user" (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS usersauth_challenge (
	digest TEXT NOT NULL,
	kind TEXT NOT NULL,
	user_id CHAR(36),
	backend TEXT NOT NULL,
	payload BLOB NOT NULL,
	expires_at INTEGER NOT NULL,
	tries_left INTEGER NOT NULL,
	PRIMARY KEY (digest),
	FOREIGN KEY (user_id) REFERENCES "user" (id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS ix_usersauth_challenge_expires_at ON usersauth_challenge (expires_at);

CREATE INDEX IF NOT EXISTS ix_usersauth_challenge_user_id ON usersauth_challenge (user_id);

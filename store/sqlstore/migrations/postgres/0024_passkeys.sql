-- Passkeys (user.PasskeyStore), ours: FastAPI Users has none. One row per
-- WebAuthn credential a user registered: its id and public key, nothing
-- secret. credential_id is the authenticator's id, unique across all users
-- (WebAuthn Level 3 section 7.1); id is ours, for routes. Times are
-- Unix microseconds; last_used_at is NULL until the first sign-in.

CREATE TABLE IF NOT EXISTS usersauth_passkey (
	id UUID NOT NULL,
	user_id UUID NOT NULL,
	name TEXT NOT NULL,
	credential_id BYTEA NOT NULL,
	public_key BYTEA NOT NULL,
	sign_count BIGINT NOT NULL,
	aaguid UUID NOT NULL,
	transports TEXT NOT NULL,
	backup_eligible BOOLEAN NOT NULL,
	backup_state BOOLEAN NOT NULL,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT,
	PRIMARY KEY (id),
	FOREIGN KEY (user_id) REFERENCES "user" (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX IF NOT EXISTS ix_usersauth_passkey_credential_id ON usersauth_passkey (credential_id);

CREATE INDEX IF NOT EXISTS ix_usersauth_passkey_user_id ON usersauth_passkey (user_id);

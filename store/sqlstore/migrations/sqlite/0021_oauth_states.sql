-- The OAuth states already used (StateStore), so that each works once even
-- when several instances share the database. state_key is a digest of the
-- state's CSRF token, never the token; expires_at is the state's own expiry
-- in Unix seconds, after which the row can go: an expired state is refused
-- anyway.

CREATE TABLE IF NOT EXISTS usersauth_oauth_state (
	state_key VARCHAR(64) NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (state_key)
);

CREATE INDEX IF NOT EXISTS ix_usersauth_oauth_state_expires_at ON usersauth_oauth_state (expires_at);

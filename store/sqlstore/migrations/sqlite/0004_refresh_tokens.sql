-- Refresh tokens (backend.RefreshStore), ours: FastAPI Users has none. Like
-- access tokens, only digests are stored. A family is the chain of tokens
-- descending from one login; used tokens stay until they expire, so that a
-- replayed one is recognised and its family revoked. Times are Unix
-- microseconds, which sort as instants.

CREATE TABLE IF NOT EXISTS usersauth_refresh_token (
	digest TEXT NOT NULL,
	family_id CHAR(36) NOT NULL,
	user_id CHAR(36) NOT NULL,
	created_at INTEGER NOT NULL,
	family_created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (digest),
	FOREIGN KEY (user_id) REFERENCES "user" (id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS ix_usersauth_refresh_token_family_id ON usersauth_refresh_token (family_id);

CREATE INDEX IF NOT EXISTS ix_usersauth_refresh_token_user_id ON usersauth_refresh_token (user_id);

CREATE INDEX IF NOT EXISTS ix_usersauth_refresh_token_expires_at ON usersauth_refresh_token (expires_at);

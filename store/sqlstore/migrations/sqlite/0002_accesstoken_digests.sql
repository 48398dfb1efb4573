-- The database strategy keeps the SHA-256 digest of a token (64 hex digits),
-- never the token, so a leaked table or backup grants no session. SQLite does
-- not enforce FastAPI Users' VARCHAR(43), and compares text byte-wise, so the
-- column takes digests as it is. The tokens FastAPI Users stored in clear are
-- deleted: anyone reading the table could use them, and they would never
-- match a digest anyway. Their users log in again. The store writes
-- created_at as Unix microseconds, which sort as instants. The index on
-- user_id serves revocation of a user's tokens.

DELETE FROM accesstoken;

CREATE INDEX IF NOT EXISTS ix_accesstoken_user_id ON accesstoken (user_id);

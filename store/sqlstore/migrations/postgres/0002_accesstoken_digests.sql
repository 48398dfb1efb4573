-- The database strategy keeps the SHA-256 digest of a token (64 hex digits),
-- never the token, so a leaked table or backup grants no session. FastAPI
-- Users' VARCHAR(43) column is widened for it, compared byte-wise. The tokens
-- FastAPI Users stored in clear are deleted: anyone reading the table could
-- use them, and they would never match a digest anyway. Their users log in
-- again. The index on user_id serves revocation of a user's tokens.

DELETE FROM accesstoken;

ALTER TABLE accesstoken ALTER COLUMN token TYPE VARCHAR(64) COLLATE "C";

CREATE INDEX IF NOT EXISTS ix_accesstoken_user_id ON accesstoken (user_id);

-- Sessions a user can see and end (ours). Every access token records its
-- session (the refresh family issued with it, or an id from its digest),
-- its expiry, when it was last used (written at most once a minute, NULL
-- until then) and where the sign-in came from; refresh tokens record their
-- family's origin. Existing tokens get their session id from their digest,
-- as the strategy gives one; their expiry and origin stay unknown. Rows an
-- instance of an older version writes meanwhile leave session_id NULL,
-- which the store reads the same way. "user".ended_sessions is
-- user.Base.EndedSessions.

ALTER TABLE accesstoken ADD COLUMN IF NOT EXISTS session_id UUID;
ALTER TABLE accesstoken ADD COLUMN IF NOT EXISTS expires_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE accesstoken ADD COLUMN IF NOT EXISTS last_used_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE accesstoken ADD COLUMN IF NOT EXISTS backend TEXT NOT NULL DEFAULT '';
ALTER TABLE accesstoken ADD COLUMN IF NOT EXISTS client_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE accesstoken ADD COLUMN IF NOT EXISTS user_agent TEXT NOT NULL DEFAULT '';

UPDATE accesstoken SET session_id = CAST(substr(token, 1, 32) AS UUID)
WHERE session_id IS NULL AND token ~ '^[0-9a-f]{64}$';

CREATE INDEX IF NOT EXISTS ix_accesstoken_session_id ON accesstoken (session_id);

ALTER TABLE usersauth_refresh_token ADD COLUMN IF NOT EXISTS backend TEXT NOT NULL DEFAULT '';
ALTER TABLE usersauth_refresh_token ADD COLUMN IF NOT EXISTS client_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE usersauth_refresh_token ADD COLUMN IF NOT EXISTS user_agent TEXT NOT NULL DEFAULT '';

ALTER TABLE "user" ADD COLUMN IF NOT EXISTS ended_sessions TEXT NOT NULL DEFAULT '';

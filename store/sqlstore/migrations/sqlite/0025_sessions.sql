-- Sessions a user can see and end (ours). Every access token records its
-- session (the refresh family issued with it, or an id from its digest),
-- its expiry, when it was last used (written at most once a minute, NULL
-- until then; times in Unix microseconds) and where the sign-in came from;
-- refresh tokens record their family's origin. Existing tokens get their
-- session id from their digest, as the strategy gives one; their expiry and
-- origin stay unknown. Rows an instance of an older version writes
-- meanwhile leave session_id NULL, which the store reads the same way.
-- "user".ended_sessions is user.Base.EndedSessions.

ALTER TABLE accesstoken ADD COLUMN session_id CHAR(36);
ALTER TABLE accesstoken ADD COLUMN expires_at INTEGER;
ALTER TABLE accesstoken ADD COLUMN last_used_at INTEGER;
ALTER TABLE accesstoken ADD COLUMN backend TEXT NOT NULL DEFAULT '';
ALTER TABLE accesstoken ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE accesstoken ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';

UPDATE accesstoken
SET session_id = substr(token, 1, 8) || '-' || substr(token, 9, 4) || '-' || substr(token, 13, 4) || '-' ||
	substr(token, 17, 4) || '-' || substr(token, 21, 12)
WHERE session_id IS NULL AND length(token) = 64 AND token NOT GLOB '*[^0-9a-f]*';

CREATE INDEX IF NOT EXISTS ix_accesstoken_session_id ON accesstoken (session_id);

ALTER TABLE usersauth_refresh_token ADD COLUMN backend TEXT NOT NULL DEFAULT '';
ALTER TABLE usersauth_refresh_token ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE usersauth_refresh_token ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';

ALTER TABLE "user" ADD COLUMN ended_sessions TEXT NOT NULL DEFAULT '';

-- user.Base.KeptToken: the SHA-256 digest (hex) of the one token that
-- outlived the last ending of the user's other sessions; '' for none.

ALTER TABLE "user" ADD COLUMN kept_token TEXT NOT NULL DEFAULT '';

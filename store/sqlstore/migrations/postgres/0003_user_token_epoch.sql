-- user.Base.TokenEpoch: incremented whenever every session of the user is
-- ended; a revocable JWT is valid only while it carries the current value.

ALTER TABLE "user" ADD COLUMN IF NOT EXISTS token_epoch BIGINT NOT NULL DEFAULT 0;

-- FastAPI Users' SQLAlchemy tables (fastapi-users-db-sqlalchemy, UUID ids),
-- created only where missing, so that a database FastAPI Users made is
-- adopted as it is. A new "user" table also gets the two columns of ours,
-- email_key and extra; the Go step of this version adds them to an adopted
-- table, fills email_key and creates its unique index. email_key compares
-- byte-wise (COLLATE "C"), as SQLite does: it is a machine key, and List
-- orders by it the same way on both dialects, whatever the database locale.

CREATE TABLE IF NOT EXISTS "user" (
	id UUID NOT NULL,
	email VARCHAR(320) NOT NULL,
	hashed_password VARCHAR(1024) NOT NULL,
	is_active BOOLEAN NOT NULL,
	is_superuser BOOLEAN NOT NULL,
	is_verified BOOLEAN NOT NULL,
	email_key TEXT COLLATE "C" NOT NULL,
	extra JSONB NOT NULL DEFAULT '{}'::jsonb,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX IF NOT EXISTS ix_user_email ON "user" (email);

CREATE TABLE IF NOT EXISTS accesstoken (
	token VARCHAR(43) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	user_id UUID NOT NULL,
	PRIMARY KEY (token),
	FOREIGN KEY(user_id) REFERENCES "user" (id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS ix_accesstoken_created_at ON accesstoken (created_at);

CREATE TABLE IF NOT EXISTS oauth_account (
	id UUID NOT NULL,
	oauth_name VARCHAR(100) NOT NULL,
	access_token VARCHAR(1024) NOT NULL,
	expires_at INTEGER,
	refresh_token VARCHAR(1024),
	account_id VARCHAR(320) NOT NULL,
	account_email VARCHAR(320) NOT NULL,
	user_id UUID NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES "user" (id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS ix_oauth_account_account_id ON oauth_account (account_id);

CREATE INDEX IF NOT EXISTS ix_oauth_account_oauth_name ON oauth_account (oauth_name);

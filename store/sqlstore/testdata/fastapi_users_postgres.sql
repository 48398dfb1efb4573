-- The tables FastAPI Users creates on PostgreSQL: the SQLAlchemy models of
-- fastapi-users-db-sqlalchemy (SQLAlchemyBaseUserTableUUID,
-- SQLAlchemyBaseAccessTokenTableUUID, SQLAlchemyBaseOAuthAccountTableUUID)
-- as SQLAlchemy 1.4 compiles them for the postgresql dialect. Tests create a
-- schema from it, fill it as FastAPI Users would, and open it with sqlstore.

CREATE TABLE "user" (
	id UUID NOT NULL,
	email VARCHAR(320) NOT NULL,
	hashed_password VARCHAR(1024) NOT NULL,
	is_active BOOLEAN NOT NULL,
	is_superuser BOOLEAN NOT NULL,
	is_verified BOOLEAN NOT NULL,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_user_email ON "user" (email);

CREATE TABLE accesstoken (
	token VARCHAR(43) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	user_id UUID NOT NULL,
	PRIMARY KEY (token),
	FOREIGN KEY(user_id) REFERENCES "user" (id) ON DELETE cascade
);

CREATE INDEX ix_accesstoken_created_at ON accesstoken (created_at);

CREATE TABLE oauth_account (
	id UUID NOT NULL,
	oauth_name VARCHAR(100) NOT NULL,
	access_token VARCHAR(1024) NOT NULL,
	expires_at INTEGER,
	refresh_token VARCHAR(1024),
	account_id VARCHAR(320) NOT NULL,
	account_email VARCHAR(320) NOT NULL,
	user_id UUID NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES "user" (id) ON DELETE cascade
);

CREATE INDEX ix_oauth_account_account_id ON oauth_account (account_id);

CREATE INDEX ix_oauth_account_oauth_name ON oauth_account (oauth_name);

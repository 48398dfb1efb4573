// Package sqlstore stores users in a SQL database through database/sql, with
// two dialects: SQLite (driver "sqlite", modernc.org/sqlite, pure Go) and
// PostgreSQL (driver "pgx", github.com/jackc/pgx/v5/stdlib).
//
// The package imports neither driver, so a host links only the one it uses,
// with a blank import next to its call to Open:
//
//	import _ "modernc.org/sqlite"
//
//	db, err := sqlstore.Open(ctx, "sqlite", "users.db")
//	store := db.Users() // a user.Store[*user.User]
//
// For a SQLite file, package store/sqlite opens the same DB with the user
// lookups behind every request answered from a cache that is never stale,
// or else made directly through SQLite's C API; it imports the driver
// itself.
//
// OpenURL takes one string, a SQLite file or a postgres:// URL, as an admin
// command line does. UserStore implements user.UserLister: keyset pages by
// e-mail key, with an optional key prefix, each a range scan of the unique
// index on email_key, so a page costs the same at a thousand users as at a
// million; List and Count are the older paging of the admin command.
//
// # Schema
//
// The tables are those of FastAPI Users' SQLAlchemy adapter
// (fastapi-users-db-sqlalchemy), so a database it created can be opened as
// is: "user" (id, email, hashed_password, is_active, is_superuser,
// is_verified), accesstoken and oauth_account, with the same column types,
// indexes and ON DELETE CASCADE foreign keys. Ids are UUIDs (FastAPI Users'
// UUID tables; integer ids are not supported). The package adds five columns
// to "user":
//
//   - email_key, the address's user.EmailKey (NFKC, lower-cased), under a
//     UNIQUE index. SQL cannot compute NFKC, so Go computes it on every write;
//     uniqueness is enforced by the database, never by a read followed by a
//     write, so concurrent registrations of one address leave one row.
//   - extra, a JSON object (TEXT on SQLite, JSONB on PostgreSQL) holding the
//     host's own fields.
//   - token_epoch, user.Base.TokenEpoch (BIGINT, 0 for existing rows).
//   - kept_token, user.Base.KeptToken (TEXT, empty for existing rows).
//   - ended_sessions, user.Base.EndedSessions (TEXT, empty for existing
//     rows).
//
// Columns a host added to "user" for FastAPI Users are left alone; as the
// store does not write them, they must be nullable or have a default.
//
// # Access tokens
//
// DB.AccessTokens is the token store of backend.DatabaseStrategy, on
// FastAPI Users' accesstoken table. Unlike FastAPI Users, which stores its
// tokens as they are, the store keeps only each token's SHA-256 digest
// (auth.TokenDigest, 64 hex digits): a leaked table or backup grants no
// session. Migration 2 widens the token column from VARCHAR(43) for the
// digests and deletes the tokens FastAPI Users left there: anyone reading
// the table could use them, and they could never match a digest. Their
// users log in again; nothing else is lost. On SQLite, created_at holds
// Unix microseconds, so that times compare as instants. Version 25 adds the
// columns of a session a user can list: session_id, expires_at,
// last_used_at, and the origin (backend, client_addr, user_agent); tokens
// stored before it get their session id from their digest
// (auth.TokenSessionID).
//
// # Refresh tokens
//
// DB.RefreshTokens is a backend.RefreshStore on the table
// usersauth_refresh_token (ours: FastAPI Users has no refresh tokens):
// digests only, one row per token, with its family, user, times and a used
// flag, and its family's origin (version 25). A rotation is one transaction
// whose conditional UPDATE decides which of concurrent exchanges of one
// token wins. Rows of a deleted user go with
// it (ON DELETE CASCADE); expired ones are purged by
// backend.Refresher.Purge.
//
// # Host fields
//
// A host type (a struct embedding user.Base, used through UsersOf) is
// marshalled with encoding/json; the keys of user.Base (id, email, is_active,
// is_superuser, is_verified) are dropped, as they have columns, and the rest
// is stored in extra. On read, extra is unmarshalled into a new value and the
// columns are set on top. Fields encoding/json does not marshal (unexported,
// or tagged `json:"-"`) are therefore not stored. This keeps one schema for
// every host and needs no migration when a host adds a field; the price is
// that the database cannot index or constrain host fields. A host that needs
// that keeps such data in its own tables, keyed by the user id. An update
// keeps the keys of extra that its type does not have, so an admin tool
// working on *user.User, or an older version of the host, loses nothing.
//
// # Migrations
//
// Open and New migrate the schema: embedded, versioned steps recorded in the
// table usersauth_schema_migrations, applied in one transaction under a lock
// (PostgreSQL: pg_advisory_xact_lock; SQLite: BEGIN IMMEDIATE), so several
// processes may start at once. Opening a database made by FastAPI Users adds
// the two columns and fills email_key from the existing rows; if two existing
// addresses share a key, migration fails with an *EmailKeyConflictError
// naming them, and the database is left unchanged. (SQLite cannot add a
// constraint to an existing column, so there an adopted table's email_key
// stays nullable; the store always writes it.)
//
// # OAuth accounts
//
// UserStore also implements user.OAuthStore on FastAPI Users' oauth_account
// table. Version 20 of the schema adds a unique index on (oauth_name,
// account_id), which FastAPI Users lacks: a database where one provider
// account is linked twice fails to migrate with an
// *OAuthAccountConflictError naming the pairs, and is left unchanged. On
// PostgreSQL it also widens the token columns to TEXT and expires_at to
// BIGINT. DB.OAuthStates records the OAuth states already used, in a table
// of its own, so that several instances refuse a replayed state alike.
//
// # Second factors and challenges
//
// UserStore also implements user.TwoFactorStore and user.ChallengeStore,
// on three tables of ours (version 23 of the schema): usersauth_totp, a
// user's TOTP factor with its sealed secret and last accepted time step;
// usersauth_recovery_code, the digests of the unused recovery codes; and
// usersauth_challenge, the login tickets (digests only), shared by every
// instance on the database. All go with their user (ON DELETE CASCADE).
// Each acceptance of a code is one conditional statement, so a code works
// once however many instances race with it.
//
// # SQLite
//
// Open configures SQLite for concurrent use through modernc's DSN parameters:
// WAL journal, busy_timeout 5 s, foreign keys on, synchronous=NORMAL (see
// SQLiteDSN). An in-memory database (":memory:") is held on a single
// connection so that every query sees the same database. Writes that read
// first (Update, Migrate) take the write lock up front with BEGIN IMMEDIATE,
// which SQLite's busy timeout can wait for; a read lock upgraded later could
// fail with SQLITE_BUSY at once.
package sqlstore

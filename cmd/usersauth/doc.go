// Command usersauth administers the users of a usersauth database, SQLite or
// PostgreSQL: it migrates the schema, creates the first superuser, changes
// flags, lists and deletes users.
//
//	usersauth <command> --db <database> [flags] [arguments]
//
// The database is a SQLite file or a postgres:// (postgresql://) URL, given
// with --db (also -db, --db=<database>) or the environment variable
// USERSAUTH_DB. Flags may stand before or after the arguments. Users are
// named by e-mail address, compared by user.EmailKey, so any case or Unicode
// spelling of an address names the same user.
//
//	migrate                     create the schema or bring it to the latest version
//	create-superuser <email>    create an active, verified superuser
//	promote <email>             make a user a superuser
//	demote <email>              make a superuser a regular user
//	activate <email>            let an inactive user log in again
//	deactivate <email>          stop a user from logging in and end their sessions
//	verify <email>              mark a user's e-mail address as verified
//	unverify <email>            mark it as not verified
//	list [--limit n] [--after email] [--json]
//	                            list users ordered by e-mail
//	delete <email> [--yes]      delete a user
//	help [command]              print the usage, or a command's flags
//
// For example:
//
//	usersauth migrate --db users.db
//	usersauth create-superuser --db users.db admin@example.com
//	echo "$ADMIN_PASSWORD" | usersauth create-superuser --db "$DATABASE_URL" admin@example.com
//	USERSAUTH_DB=postgres://app:secret@db/app usersauth promote alice@example.com
//	usersauth list --db users.db --limit 50 --after alice@example.com
//	usersauth delete --db users.db --yes mallory@example.com
//
// create-superuser asks for the password twice, without echo, when stdin is
// a terminal, and otherwise reads one line of stdin (without its line
// ending; nothing else is trimmed). The library's default password policy
// applies (8 to 128 characters); a host's own rules (a ValidatePassword
// hook) are not known to the command. The password is hashed with argon2id
// and the library's default parameters. delete asks for confirmation on a terminal; when stdin is not
// a terminal it refuses to run without --yes.
//
// The flag commands (promote to unverify) and create-superuser print the
// user as "<email> id=<id> active=<bool> superuser=<bool> verified=<bool>",
// or with --json as FastAPI Users' UserRead JSON. list prints a table, the
// address last so that rows stream as pages arrive, or a JSON array with
// --json; with --limit it says on stderr how to continue. Results go to
// stdout, prompts and messages to stderr.
//
// The command is safe to run while servers use the database: opening it
// migrates under a lock, and every change is one atomic store operation
// (user.Store's Create, Update and Delete). A server reads the user on every
// request, so a promoted, deactivated or deleted user is treated as such from
// the next request on. Deactivating also ends the user's sessions, as the
// server does: the user's token epoch moves on in the same write (revocable
// JWTs die), and the database's access and refresh tokens are deleted, so
// activating the user again does not bring them back. Tokens a server keeps
// in Redis are beyond the command's reach; they are refused while the user
// is inactive and expire with their lifetime. A SQLite file is created only by migrate and
// create-superuser: for the other commands a missing file is a mistyped path.
//
// Exit status: 0 on success, 1 when the command failed (unknown user,
// address taken, invalid address, refused password, database error), 2 for
// a usage error, 130 when interrupted. Errors are one line on stderr; they
// never show a password, a hash or a token.
package main

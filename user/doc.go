// Package user is the domain of usersauth: the user, the rules that apply
// to it, and the interfaces of the storage it needs. It has no HTTP in it;
// the root package's routes, the admin command and a host's own jobs call
// the same Manager.
//
//   - The user: Base holds the fields every user has, with FastAPI Users'
//     JSON names; a host embeds it in a struct of its own (or uses User)
//     and the library works on a pointer to that struct (Model). Schema
//     reads the host's own fields and their tags.
//   - Storage: Store is the persistence of users, OAuthStore that of the
//     accounts linked at identity providers. Each interface states its
//     error contract, copy semantics and concurrency; the adapters live in
//     store/... and pass store/storetest.
//   - The rules: Manager registers, authenticates, updates and deletes
//     users, runs the password-reset and e-mail verification flows and the
//     OAuth sign-in, and calls the host's Hooks. CheckSignIn is the one
//     rule of who may be given a session; every way in applies it. Ending
//     a user's sessions (a new password, deactivation, deletion, "log out
//     everywhere", all but the current one, one device) is decided here
//     too, over a SessionStore, as is listing them and the users
//     (UserLister).
//   - Addresses and passwords: NormalizeEmail validates the addresses
//     users type, NormalizeProviderEmail those identity providers vouch
//     for, EmailKey makes the key stores compare; PasswordPolicy is the
//     default password check, with an opt-in blocklist of common
//     passwords and of ones built from the e-mail (RejectCommon; the list
//     is package user/commonpw, which this package does not import).
//   - Hashing: the Manager hashes and verifies through a PasswordHasher;
//     a SlotHasher (*auth.PasswordHasher) lets a login take its hashing
//     slot before it reads the store, so a refused login costs nothing.
//
// Expected failures are the sentinel errors of errors.go and typed errors
// such as *InvalidPasswordError, for errors.Is and errors.As.
package user

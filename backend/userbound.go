package backend

import "github.com/usersauth/usersauth/user"

// UserBound is implemented by strategies whose tokens are also checked
// against the stored user: usersauth calls CheckUser on every request,
// after ReadToken accepted the token and the user was loaded, and treats
// the token as invalid when it returns false. JWTStrategy is one: with
// JWTConfig.Revocable it compares the token's epoch with the user's
// TokenEpoch. CheckUser must be cheap and safe for concurrent use.
type UserBound interface {
	CheckUser(token string, u *user.Base) bool
}

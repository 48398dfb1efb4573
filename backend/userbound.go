package backend

import "github.com/usersauth/usersauth/user"

// UserBound is implemented by strategies whose tokens are also checked
// against the stored user: usersauth calls CheckUser on every request,
// after ReadToken accepted the token and the user was loaded, and treats
// the token as invalid when it returns false. JWTStrategy is one: unless
// JWTConfig.Irrevocable, it checks the token against what the user's
// record says of its sessions (TokenInfo.Allows). A strategy that is also a
// SessionReader is checked through TokenInfo.Allows instead, which spares a
// second reading of the token. CheckUser must be cheap and safe for
// concurrent use.
type UserBound interface {
	CheckUser(token string, u *user.Base) bool
}

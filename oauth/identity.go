package oauth

import (
	"context"
	"encoding/json"
	"fmt"
)

// userInfo is the part of an OpenID Connect userinfo answer we read (OpenID
// Connect Core 1.0 section 5.3.2).
type userInfo struct {
	Sub           string   `json:"sub"`
	Email         string   `json:"email"`
	EmailVerified flexBool `json:"email_verified"`
}

// parseUserInfo decodes a userinfo answer; sub is required.
func parseUserInfo(body []byte) (userInfo, error) {
	var ui userInfo
	if err := json.Unmarshal(body, &ui); err != nil {
		return userInfo{}, fmt.Errorf("%w: userinfo is not the expected JSON object", ErrBadResponse)
	}
	if ui.Sub == "" || len(ui.Sub) > maxSubjectLength {
		return userInfo{}, fmt.Errorf("%w: userinfo sub missing or too long", ErrBadResponse)
	}
	return ui, nil
}

// oidcIdentity reads the identity from verified ID token claims (nil without
// an Issuer) and, when they lack an e-mail, from the userinfo endpoint.
func (p *Provider) oidcIdentity(ctx context.Context, accessToken string, claims *idClaims) (Identity, error) {
	var id Identity
	if claims != nil {
		id = Identity{AccountID: claims.Subject, Email: claims.Email, EmailVerified: bool(claims.EmailVerified)}
		if id.Email != "" || p.UserInfoURL == "" {
			return id, nil
		}
	}
	body, err := getJSON(ctx, p.UserInfoURL, accessToken)
	if err != nil {
		return Identity{}, fmt.Errorf("oauth: userinfo: %w", err)
	}
	ui, err := parseUserInfo(body)
	if err != nil {
		return Identity{}, err
	}
	// The userinfo answer is only as trustworthy as the access token; its
	// sub must be the ID token's, or it may describe someone else
	// (OpenID Connect Core 1.0 section 5.3.2).
	if claims != nil && ui.Sub != claims.Subject {
		return Identity{}, fmt.Errorf("%w: userinfo sub differs from the ID token's", ErrBadResponse)
	}
	return Identity{AccountID: ui.Sub, Email: ui.Email, EmailVerified: bool(ui.EmailVerified)}, nil
}

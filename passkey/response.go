package passkey

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// MaxCredentialIDSize is the longest credential id a relying party accepts
// (WebAuthn Level 3 section 7.1, the credential id length check).
const MaxCredentialIDSize = 1023

// CredentialIDOf returns the credential id a browser's answer names (its
// "rawId", which must agree with its "id"), without verifying anything
// else: for a caller that needs to know, before the Finish method runs,
// which credential, and so which account, an attempt is for (to count it
// against the account's limit). The answer is untrusted: an id it names
// proves nothing until a Finish method verified the answer. Any answer
// that is not a JSON object with such members, or over MaxResponseSize,
// is ErrMalformedResponse.
func CredentialIDOf(response []byte) ([]byte, error) {
	if len(response) > MaxResponseSize {
		return nil, ErrMalformedResponse
	}
	var members struct {
		ID    *string `json:"id"`
		RawID *string `json:"rawId"`
	}
	dec := json.NewDecoder(bytes.NewReader(response))
	if err := dec.Decode(&members); err != nil || dec.More() || members.ID == nil || members.RawID == nil {
		return nil, ErrMalformedResponse
	}
	id, err := decodeBase64URL(*members.RawID)
	if err != nil || len(id) == 0 || len(id) > MaxCredentialIDSize {
		return nil, ErrMalformedResponse
	}
	if other, err := decodeBase64URL(*members.ID); err != nil || !bytes.Equal(other, id) {
		return nil, ErrMalformedResponse
	}
	return id, nil
}

// decodeBase64URL decodes WebAuthn's base64url, with or without padding,
// as browsers and libraries write it.
func decodeBase64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(strings.TrimRight(s, "="))
}

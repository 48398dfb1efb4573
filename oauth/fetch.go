package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxResponseBytes is the largest answer read from a provider (discovery
// document, key set, userinfo, e-mails), as golang.org/x/oauth2 limits token
// responses: a hostile or broken endpoint cannot make us buffer without
// bound (OWASP Denial of Service Cheat Sheet).
const MaxResponseBytes = 1 << 20

// getJSON GETs url, with accessToken as a bearer token when not empty, and
// returns the body of a 2xx answer, for the caller to decode as JSON. Any other status is a
// *ProviderError carrying the OAuth error the body or the WWW-Authenticate
// header gives (RFC 6750 section 3).
func getJSON(ctx context.Context, url, accessToken string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidProvider, err)
	}
	req.Header.Set("Accept", "application/json")
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	resp, err := httpClient(ctx).Do(req)
	if err != nil {
		return nil, fmt.Errorf("oauth: GET %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("oauth: GET %s: reading the answer: %w", req.URL.Redacted(), err)
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("%w: GET %s: answer over %d bytes", ErrBadResponse, req.URL.Redacted(), MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("oauth: GET %s: %w", req.URL.Redacted(), statusError(resp, body))
	}
	return body, nil
}

// statusError describes a non-2xx answer as a *ProviderError.
func statusError(resp *http.Response, body []byte) *ProviderError {
	e := &ProviderError{StatusCode: resp.StatusCode}
	var oe struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		URI         string `json:"error_uri"`
	}
	if json.Unmarshal(body, &oe) == nil && oe.Error != "" {
		e.Code, e.Description, e.URI = oe.Error, oe.Description, oe.URI
		return e
	}
	if c := bearerErrorCode(resp.Header.Get("WWW-Authenticate")); c != "" {
		e.Code = c
	}
	return e
}

// bearerErrorCode extracts error="..." from a Bearer challenge (RFC 6750
// section 3), e.g. invalid_token.
func bearerErrorCode(challenge string) string {
	const key = `error="`
	i := strings.Index(challenge, key)
	if i < 0 {
		return ""
	}
	rest := challenge[i+len(key):]
	j := strings.IndexByte(rest, '"')
	if j < 0 || j > 64 {
		return ""
	}
	return rest[:j]
}

package webauthn

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	gowebauthn "github.com/go-webauthn/webauthn/webauthn"
	"golang.org/x/net/publicsuffix"

	"github.com/usersauth/usersauth/passkey"
)

// DefaultTimeout is how long a ceremony's challenge is accepted when
// Config.Timeout is zero: 5 minutes, the default WebAuthn Level 3 section
// 5.4 gives for ceremonies that may verify the user.
const DefaultTimeout = 5 * time.Minute

// MinTimeout and MaxTimeout bound Config.Timeout: the range WebAuthn Level
// 3 section 5.4 recommends, from the lower end for user verification
// discouraged (30 s) to the upper end for required or preferred (10 min).
// A longer-lived challenge only widens the window for a phished one.
const (
	MinTimeout = 30 * time.Second
	MaxTimeout = 10 * time.Minute
)

// UserVerification is the relying party's requirement for user
// verification (a PIN or biometric on the authenticator): WebAuthn's
// UserVerificationRequirement.
type UserVerification string

// The requirements. The zero value of Config.UserVerification is
// UserVerificationPreferred.
const (
	// UserVerificationPreferred asks for verification where the
	// authenticator can do it and accepts an answer without it: WebAuthn's
	// default, which every passkey provider satisfies with verification
	// and which keeps security keys without a PIN usable. Assertion and
	// Credential report whether the user was verified.
	UserVerificationPreferred UserVerification = "preferred"
	// UserVerificationRequired refuses an answer without verification
	// (ErrUserVerification).
	UserVerificationRequired UserVerification = "required"
	// UserVerificationDiscouraged asks the authenticator not to verify,
	// for a passkey used only as a second factor after a password.
	UserVerificationDiscouraged UserVerification = "discouraged"
)

// Config is what a relying party decides. It is plain data, read once by
// New; every field is the host's configuration, never anything read from
// a request (SECURITY.md; WebAuthn Level 3 section 13.4.9 on origin
// validation).
type Config struct {
	// RPID is the relying party id, the domain passkeys are scoped to:
	// "example.com" lets pages of example.com and of its subdomains use
	// them. It must be a registrable domain suffix of (or equal to) the
	// host of every origin in Origins, and not a public suffix ("com",
	// "github.io") (HTML Standard, "is a registrable domain suffix of or
	// is equal to"). "localhost" for development. Lower-cased by New.
	// Required.
	RPID string

	// RPName is the name of the service an authenticator shows the user
	// ("Camelot"). Required.
	RPName string

	// Origins are the exact origins (scheme://host[:port], no path) the
	// pages calling navigator.credentials live on: "https://example.com",
	// "https://login.example.com". Each must be https, or http on
	// localhost (a secure context for browsers), and its host within RPID.
	// A response from any other origin is refused (ErrOrigin), as is one
	// made in a cross-origin frame. Required.
	Origins []string

	// Timeout is how long a challenge is accepted after Begin: sent to the
	// browser as the ceremony's timeout, and enforced by the Finish
	// methods (ErrExpired). Zero means DefaultTimeout; otherwise it must be
	// within [MinTimeout, MaxTimeout].
	Timeout time.Duration

	// UserVerification is the requirement for user verification, in
	// registration and sign-in alike. Zero means UserVerificationPreferred.
	UserVerification UserVerification

	// Now gives the current time, by which challenges expire; nil means
	// time.Now.
	Now func() time.Time

	// Rand is the source of challenges; nil means crypto/rand.Reader.
	Rand io.Reader
}

// RelyingParty runs WebAuthn registration and authentication ceremonies for
// one Config: it is a passkey.RelyingParty. It keeps no state between
// calls: a Begin method returns the session data the matching Finish method
// needs, which the caller keeps meanwhile. It is safe for concurrent use.
type RelyingParty struct {
	rpID     string
	rpIDHash [sha256.Size]byte
	origins  []string
	timeout  time.Duration
	uv       protocol.UserVerificationRequirement
	now      func() time.Time
	rand     io.Reader
	wa       *gowebauthn.WebAuthn
}

var _ passkey.RelyingParty = (*RelyingParty)(nil)

// New validates cfg and returns its RelyingParty. An invalid Config is an
// error wrapping passkey.ErrInvalidConfig that names the field.
func New(cfg Config) (*RelyingParty, error) {
	rpID := strings.ToLower(cfg.RPID)
	if err := checkDomain(rpID); err != nil {
		return nil, fmt.Errorf("%w: RPID %q: %v", passkey.ErrInvalidConfig, cfg.RPID, err)
	}
	if strings.TrimSpace(cfg.RPName) == "" {
		return nil, fmt.Errorf("%w: RPName is required", passkey.ErrInvalidConfig)
	}
	if len(cfg.Origins) == 0 {
		return nil, fmt.Errorf("%w: Origins is required", passkey.ErrInvalidConfig)
	}
	origins := make([]string, 0, len(cfg.Origins))
	for _, raw := range cfg.Origins {
		origin, host, err := normalizeOrigin(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: origin %q: %v", passkey.ErrInvalidConfig, raw, err)
		}
		if !isRegistrableSuffix(rpID, host) {
			return nil, fmt.Errorf("%w: origin %q: RPID %q is not its host or a registrable suffix of it", passkey.ErrInvalidConfig, raw, rpID)
		}
		origins = append(origins, origin)
	}
	timeout := cfg.Timeout
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < MinTimeout || timeout > MaxTimeout:
		return nil, fmt.Errorf("%w: Timeout %v is outside [%v, %v]", passkey.ErrInvalidConfig, timeout, MinTimeout, MaxTimeout)
	}
	var uv protocol.UserVerificationRequirement
	switch cfg.UserVerification {
	case "", UserVerificationPreferred:
		uv = protocol.VerificationPreferred
	case UserVerificationRequired:
		uv = protocol.VerificationRequired
	case UserVerificationDiscouraged:
		uv = protocol.VerificationDiscouraged
	default:
		return nil, fmt.Errorf("%w: UserVerification %q is not preferred, required or discouraged", passkey.ErrInvalidConfig, cfg.UserVerification)
	}
	rp := &RelyingParty{
		rpID:     rpID,
		rpIDHash: sha256.Sum256([]byte(rpID)),
		origins:  origins,
		timeout:  timeout,
		uv:       uv,
		now:      cfg.Now,
		rand:     cfg.Rand,
	}
	if rp.now == nil {
		rp.now = time.Now
	}
	if rp.rand == nil {
		rp.rand = rand.Reader
	}
	wa, err := gowebauthn.New(&gowebauthn.Config{
		RPID:          rpID,
		RPDisplayName: cfg.RPName,
		RPOrigins:     origins,
		// Attestation "none": the package keeps no metadata of authenticator
		// models to judge attestation with, and asking for it would only
		// expose more about the user's device (WebAuthn Level 3 section
		// 14.4.1, attestation privacy).
		AttestationPreference: protocol.PreferNoAttestation,
		// Discoverable credentials: passwordless sign-in needs the
		// authenticator to find them without an allow list.
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			RequireResidentKey: protocol.ResidentKeyRequired(),
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			UserVerification:   uv,
		},
		// No extension is requested and no output is used, so outputs a
		// client adds unasked are ignored: Safari always returns
		// {"appid": false}, which the library would otherwise refuse
		// (WebAuthn Level 3 section 7.2, client extension outputs, leaves this to the
		// relying party's policy).
		ExtensionsUnsolicitedOutputPolicy: protocol.UnsolicitedOutputPolicyIgnore,
		// Sent to the browser only; expiry is enforced with rp.now on our
		// own envelope, so the library's wall-clock check stays off.
		Timeouts: gowebauthn.TimeoutsConfig{
			Login:        gowebauthn.TimeoutConfig{Timeout: timeout, TimeoutUVD: timeout},
			Registration: gowebauthn.TimeoutConfig{Timeout: timeout, TimeoutUVD: timeout},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", passkey.ErrInvalidConfig, err)
	}
	rp.wa = wa
	return rp, nil
}

// RPID returns the relying party id, lower-cased.
func (rp *RelyingParty) RPID() string { return rp.rpID }

// Origins returns the allowed origins in the form browsers serialize them
// (lower-case, without a default port).
func (rp *RelyingParty) Origins() []string { return append([]string(nil), rp.origins...) }

// Timeout returns how long a challenge is accepted.
func (rp *RelyingParty) Timeout() time.Duration { return rp.timeout }

// checkDomain accepts an ASCII domain name of letter-digit-hyphen labels,
// lower-case, and refuses IP addresses, which cannot be relying party ids
// (WebAuthn Level 3 section 5.1.3: a valid domain string).
// Internationalised names are given in their A-label (xn--) form, as
// browsers serialize origins.
func checkDomain(d string) error {
	if d == "" {
		return fmt.Errorf("empty")
	}
	if len(d) > 253 {
		return fmt.Errorf("longer than 253 bytes")
	}
	allDigits := true
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("not a domain name (an empty label or one over 63 bytes)")
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("a label begins or ends with a hyphen")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c == '-':
				allDigits = false
			case c >= '0' && c <= '9':
			default:
				return fmt.Errorf("not a domain name of ASCII letters, digits and hyphens (use the xn-- form of an international name)")
			}
		}
	}
	if allDigits {
		return fmt.Errorf("an IP address cannot be a relying party id")
	}
	return nil
}

// normalizeOrigin checks an allowed origin and returns it as browsers
// serialize an origin (HTML Standard, "serialization of an origin"):
// lower-case scheme and host, no default port. It returns the host too.
func normalizeOrigin(raw string) (origin, host string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("not a URL")
	}
	if u.Opaque != "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", "", fmt.Errorf("an origin is scheme://host[:port], nothing more")
	}
	host = strings.ToLower(u.Hostname())
	if err := checkDomain(host); err != nil {
		return "", "", fmt.Errorf("host: %v", err)
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("invalid port")
		}
		port = strconv.Itoa(n)
	}
	switch u.Scheme {
	case "https":
		if port == "443" {
			port = ""
		}
	case "http":
		// Browsers treat http://localhost as a secure context, where
		// WebAuthn works; any other http page is not one.
		if host != "localhost" && !strings.HasSuffix(host, ".localhost") {
			return "", "", fmt.Errorf("http is allowed on localhost only; use https")
		}
		if port == "80" {
			port = ""
		}
	default:
		return "", "", fmt.Errorf("the scheme must be https (or http on localhost)")
	}
	origin = u.Scheme + "://" + host
	if port != "" {
		origin += ":" + port
	}
	return origin, host, nil
}

// isRegistrableSuffix implements the HTML Standard's "is a registrable
// domain suffix of or is equal to" for a relying party id and an origin's
// host, both lower-case domains: the browser refuses a ceremony whose rp.id
// fails it (WebAuthn Level 3 section 5.1.3).
func isRegistrableSuffix(rpID, host string) bool {
	if rpID == host {
		return true
	}
	if !strings.HasSuffix(host, "."+rpID) {
		return false
	}
	if ps, _ := publicsuffix.PublicSuffix(rpID); ps == rpID {
		return false
	}
	hostSuffix, _ := publicsuffix.PublicSuffix(host)
	return hostSuffix != rpID && !strings.HasSuffix(hostSuffix, "."+rpID)
}

package devprovider

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults of Config's zero durations.
const (
	// DefaultCodeLifetime: RFC 6749 section 4.1.2 asks for a short-lived
	// code, ten minutes at most.
	DefaultCodeLifetime  = time.Minute
	DefaultTokenLifetime = time.Hour
)

// Client is a registered client application.
type Client struct {
	// ID is the client_id.
	ID string
	// Secret is the client_secret, sent with client_secret_basic or
	// client_secret_post; empty makes a public client, which sends its id
	// alone and relies on PKCE.
	Secret string
	// RedirectURIs are the exact redirect URIs the client may use: no
	// prefix, pattern or port wildcard (RFC 9700 section 4.1.3).
	RedirectURIs []string
}

// Config configures a Server.
type Config struct {
	// Issuer is the URL the server is reached at, without trailing slash:
	// http://127.0.0.1:9000, or with a path, http://127.0.0.1:9000/dev, in
	// which case the server expects requests under that path. It is the
	// iss of every ID token. Required.
	Issuer string
	// Clients are the registered clients. At least one.
	Clients []Client
	// Algorithm signs ID tokens: "ES256" (the default) or "RS256".
	Algorithm string
	// CodeLifetime is how long an authorization code can be redeemed;
	// zero means DefaultCodeLifetime.
	CodeLifetime time.Duration
	// TokenLifetime is the lifetime of access and ID tokens; zero means
	// DefaultTokenLifetime.
	TokenLifetime time.Duration
	// Now gives the current time; nil means time.Now.
	Now func() time.Time
	// Rand is the source of codes and tokens; nil means crypto/rand.
	Rand io.Reader
}

// Server is the development provider, an http.Handler. It is safe for
// concurrent use.
type Server struct {
	cfg     Config
	clients map[string]Client
	base    string // path prefix of every route, from the issuer
	mux     *http.ServeMux

	mu      sync.Mutex
	keys    []*signingKey // current key last; the previous one stays published
	codes   map[string]*grant
	access  map[string]*session
	refresh map[string]*session
}

// New returns a Server for cfg, with a fresh signing key.
func New(cfg Config) (*Server, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(cfg.Issuer, "/") {
		return nil, errors.New("devprovider: Issuer must be an http(s) URL without query, fragment or trailing slash")
	}
	switch cfg.Algorithm {
	case "":
		cfg.Algorithm = "ES256"
	case "ES256", "RS256":
	default:
		return nil, fmt.Errorf("devprovider: unsupported algorithm %q (ES256 or RS256)", cfg.Algorithm)
	}
	if len(cfg.Clients) == 0 {
		return nil, errors.New("devprovider: no client registered")
	}
	if cfg.CodeLifetime < 0 || cfg.TokenLifetime < 0 {
		return nil, errors.New("devprovider: negative lifetime")
	}
	if cfg.CodeLifetime == 0 {
		cfg.CodeLifetime = DefaultCodeLifetime
	}
	if cfg.TokenLifetime == 0 {
		cfg.TokenLifetime = DefaultTokenLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	s := &Server{
		cfg:     cfg,
		clients: make(map[string]Client, len(cfg.Clients)),
		base:    u.Path,
		codes:   make(map[string]*grant),
		access:  make(map[string]*session),
		refresh: make(map[string]*session),
	}
	for _, c := range cfg.Clients {
		if c.ID == "" || len(c.RedirectURIs) == 0 {
			return nil, errors.New("devprovider: a client needs an id and at least one redirect URI")
		}
		if _, dup := s.clients[c.ID]; dup {
			return nil, fmt.Errorf("devprovider: client %q registered twice", c.ID)
		}
		c.RedirectURIs = append([]string(nil), c.RedirectURIs...)
		s.clients[c.ID] = c
	}
	if err := s.RotateKey(); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET "+s.base+"/.well-known/openid-configuration", s.handleDiscovery)
	s.mux.HandleFunc("GET "+s.base+"/authorize", s.handleAuthorize)
	s.mux.HandleFunc("POST "+s.base+"/authorize", s.handleAuthorize)
	s.mux.HandleFunc("POST "+s.base+"/token", s.handleToken)
	s.mux.HandleFunc("GET "+s.base+"/jwks", s.handleJWKS)
	s.mux.HandleFunc("GET "+s.base+"/userinfo", s.handleUserInfo)
	s.mux.HandleFunc("POST "+s.base+"/userinfo", s.handleUserInfo)
	return s, nil
}

// ServeHTTP serves the provider's endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Issuer returns the issuer URL the server was configured with.
func (s *Server) Issuer() string { return s.cfg.Issuer }

// RotateKey generates a new signing key, which signs every ID token from now
// on. The JWKS publishes it with the key it replaces, so tokens signed just
// before still verify; older keys are dropped.
func (s *Server) RotateKey() error {
	k, err := newSigningKey(s.cfg.Algorithm)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	if len(s.keys) > 2 {
		s.keys = s.keys[len(s.keys)-2:]
	}
	return nil
}

// endpoint returns the absolute URL of a route.
func (s *Server) endpoint(path string) string { return s.cfg.Issuer + path }

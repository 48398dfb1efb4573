package usersauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/user"
)

// withDefaultLimits turns throttling on, as a host gets it, over the test
// harness that keeps it off.
func withDefaultLimits(o *Options[*user.User]) { o.Limits = nil }

// from makes a request come from addr.
func from(r *req, addr string) *req {
	r.With("X-Test-Remote-Addr", addr)
	return r
}

// remoteAddrs is a handler that sets RemoteAddr from a test header, as a
// listener would, so one test process can be many clients; "unix" gives
// the RemoteAddr of a request over a Unix socket, which names no address.
func remoteAddrs(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("X-Test-Remote-Addr"); a == "unix" {
			r.RemoteAddr = "@"
			r.Header.Del("X-Test-Remote-Addr")
		} else if a != "" {
			r.RemoteAddr = a + ":4711"
			r.Header.Del("X-Test-Remote-Addr")
		}
		h.ServeHTTP(w, r)
	})
}

func wantThrottled(t *testing.T, res response) {
	t.Helper()
	if res.Status != http.StatusTooManyRequests || !sameJSON(t, res.Body, `{"detail":"TOO_MANY_REQUESTS"}`) {
		t.Fatalf("%d %s, want 429 TOO_MANY_REQUESTS", res.Status, res.Body)
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q, want whole seconds, at least 1", res.Header.Get("Retry-After"))
	}
}

// TestLoginThrottled: 300 wrong passwords for one account from one address
// are throttled within the first ten; the right password is then 429 too;
// a throttled attempt costs no hash and no store read; another account from
// another address is unaffected.
func TestLoginThrottled(t *testing.T) {
	store := &countingStore{Store: nil}
	ta := newUserApp(t, func(o *Options[*user.User]) {
		withDefaultLimits(o)
		store.Store = o.Store
		o.Store = store
	})
	ta.handler = remoteAddrs(ta.handler)
	ta.register("king.arthur@camelot.bt", "guinevere")
	ta.register("lancelot@camelot.bt", "guinevere")
	login := func(addr, email, password string) response {
		return ta.do(from(newReq("POST", "/auth/jwt/login").Form("username", email, "password", password), addr))
	}
	var failed, throttled int
	for i := range 300 {
		res := login("198.51.100.7", "king.arthur@camelot.bt", fmt.Sprintf("wrong-%d", i))
		switch res.Status {
		case http.StatusBadRequest:
			if throttled > 0 {
				t.Fatalf("attempt %d: a failure answered after throttling began", i)
			}
			failed++
		case http.StatusTooManyRequests:
			wantThrottled(t, res)
			throttled++
		default:
			t.Fatalf("attempt %d: %d %s", i, res.Status, res.Body)
		}
	}
	if failed >= 10 {
		t.Fatalf("%d wrong passwords were checked, want throttling within the first ten", failed)
	}
	hashes, reads := ta.hasher.Total(), store.emailReads.Load()
	wantThrottled(t, login("198.51.100.7", "king.arthur@camelot.bt", "guinevere"))
	// Another address: the account's own limit still holds.
	wantThrottled(t, login("203.0.113.9", "king.arthur@camelot.bt", "guinevere"))
	if n := ta.hasher.Total() - hashes; n != 0 {
		t.Fatalf("throttled attempts hashed %d times", n)
	}
	if n := store.emailReads.Load() - reads; n != 0 {
		t.Fatalf("throttled attempts read the store %d times", n)
	}
	if res := login("203.0.113.9", "lancelot@camelot.bt", "guinevere"); res.Status != http.StatusOK {
		t.Fatalf("another account from another address: %d %s", res.Status, res.Body)
	}
	if !strings.Contains(ta.logText(), "throttled: limit reached") {
		t.Error("the lockout is not logged")
	}
}

// TestLoginThrottleCounts: failures count per account and per address; a
// success clears the account's failures and costs the address nothing; an
// unknown account counts like a known one (a lockout reveals nothing).
func TestLoginThrottleCounts(t *testing.T) {
	limits := DefaultLimits()
	limits.LoginPerAccount = throttle.Rule{Limit: 3, Window: time.Hour}
	limits.LoginPerAddress = throttle.Rule{Limit: 6, Window: time.Hour}
	newTA := func(t *testing.T) *testApp[*user.User] {
		ta := newUserApp(t, func(o *Options[*user.User]) { o.Limits = &limits })
		ta.handler = remoteAddrs(ta.handler)
		ta.register("king.arthur@camelot.bt", "guinevere")
		return ta
	}
	login := func(ta *testApp[*user.User], addr, email, password string) int {
		return ta.do(from(newReq("POST", "/auth/jwt/login").Form("username", email, "password", password), addr)).Status
	}
	t.Run("SuccessClearsTheAccount", func(t *testing.T) {
		ta := newTA(t)
		for range 2 {
			login(ta, "198.51.100.1", "king.arthur@camelot.bt", "wrong")
		}
		if s := login(ta, "198.51.100.1", "king.arthur@camelot.bt", "guinevere"); s != http.StatusOK {
			t.Fatalf("right password after two failures: %d", s)
		}
		for i := range 3 {
			if s := login(ta, "198.51.100.2", "King.Arthur@camelot.bt", "wrong"); s != http.StatusBadRequest {
				t.Fatalf("failure %d after a success: %d, want the count cleared", i, s)
			}
		}
		if s := login(ta, "198.51.100.3", "KING.ARTHUR@camelot.bt", "wrong"); s != http.StatusTooManyRequests {
			t.Fatalf("fourth failure in any spelling: %d, want 429", s)
		}
	})
	t.Run("UnknownAccountsCountAlike", func(t *testing.T) {
		ta := newTA(t)
		for i := range 3 {
			if s := login(ta, "198.51.100.1", "nobody@camelot.bt", "wrong"); s != http.StatusBadRequest {
				t.Fatalf("failure %d: %d", i, s)
			}
		}
		if s := login(ta, "198.51.100.4", "nobody@camelot.bt", "wrong"); s != http.StatusTooManyRequests {
			t.Fatalf("an unknown account is not locked like a known one: %d", s)
		}
	})
	t.Run("PerAddress", func(t *testing.T) {
		ta := newTA(t)
		for i := range 6 {
			if s := login(ta, "198.51.100.9", fmt.Sprintf("user%d@camelot.bt", i), "wrong"); s != http.StatusBadRequest {
				t.Fatalf("failure %d: %d", i, s)
			}
		}
		if s := login(ta, "198.51.100.9", "king.arthur@camelot.bt", "guinevere"); s != http.StatusTooManyRequests {
			t.Fatalf("an address past its limit: %d, want 429", s)
		}
		if s := login(ta, "198.51.100.10", "king.arthur@camelot.bt", "guinevere"); s != http.StatusOK {
			t.Fatalf("the account from another address: %d", s)
		}
		// An IPv6 client counts by its /64.
		for i := range 6 {
			login(ta, fmt.Sprintf("[2001:db8:1:2::%x]", i+1), fmt.Sprintf("v6user%d@camelot.bt", i), "wrong")
		}
		if s := login(ta, "[2001:db8:1:2:ffff::1]", "king.arthur@camelot.bt", "guinevere"); s != http.StatusTooManyRequests {
			t.Fatalf("another address of the same /64: %d, want 429", s)
		}
	})
	t.Run("SuccessesDoNotCountPerAddress", func(t *testing.T) {
		ta := newTA(t)
		for i := range 20 {
			if s := login(ta, "198.51.100.11", "king.arthur@camelot.bt", "guinevere"); s != http.StatusOK {
				t.Fatalf("login %d: %d", i, s)
			}
		}
	})
}

// TestTrustedProxies: behind a trusted proxy, X-Forwarded-For tells the
// clients apart; from anywhere else the header is ignored, so a script
// cannot spread its attempts over made-up addresses.
func TestTrustedProxies(t *testing.T) {
	limits := Limits{LoginPerAddress: throttle.Rule{Limit: 2, Window: time.Hour}}
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.Limits = &limits
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	ta.handler = remoteAddrs(ta.handler)
	login := func(remote, xff, email string) int {
		r := from(newReq("POST", "/auth/jwt/login").Form("username", email, "password", "wrong"), remote)
		if xff != "" {
			r.With("X-Forwarded-For", xff)
		}
		return ta.do(r).Status
	}
	for i := range 2 {
		login("10.1.2.3", "198.51.100.1", fmt.Sprintf("a%d@camelot.bt", i))
	}
	if s := login("10.1.2.3", "198.51.100.1", "a9@camelot.bt"); s != http.StatusTooManyRequests {
		t.Fatalf("the client behind the proxy past its limit: %d", s)
	}
	if s := login("10.1.2.3", "198.51.100.2", "b@camelot.bt"); s != http.StatusBadRequest {
		t.Fatalf("another client behind the same proxy: %d", s)
	}
	// Not from a trusted proxy: the header is the client's own invention.
	for i := range 2 {
		login("203.0.113.5", fmt.Sprintf("198.51.100.%d", 50+i), fmt.Sprintf("c%d@camelot.bt", i))
	}
	if s := login("203.0.113.5", "198.51.100.99", "c9@camelot.bt"); s != http.StatusTooManyRequests {
		t.Fatalf("an untrusted client's X-Forwarded-For was believed: %d", s)
	}
}

// TestRoutesThrottledPerAddress: register, forgot-password,
// request-verify-token, reset-password and verify count every request per
// client address; past the limit they are 429 and do nothing.
func TestRoutesThrottledPerAddress(t *testing.T) {
	rule := throttle.Rule{Limit: 2, Window: time.Hour}
	for _, c := range []struct {
		name   string
		limits Limits
		req    func(i int) *req
	}{
		{"register", Limits{Register: rule}, func(i int) *req {
			return newReq("POST", "/auth/register").JSON(fmt.Sprintf(`{"email":"u%d@camelot.bt","password":"guinevere"}`, i))
		}},
		{"forgot-password", Limits{ForgotPassword: rule}, func(int) *req {
			return newReq("POST", "/auth/forgot-password").JSON(`{"email":"king.arthur@camelot.bt"}`)
		}},
		{"request-verify-token", Limits{RequestVerify: rule}, func(int) *req {
			return newReq("POST", "/auth/request-verify-token").JSON(`{"email":"king.arthur@camelot.bt"}`)
		}},
		{"reset-password", Limits{ResetPassword: rule}, func(int) *req {
			return newReq("POST", "/auth/reset-password").JSON(`{"token":"x","password":"excalibur"}`)
		}},
		{"verify", Limits{Verify: rule}, func(int) *req { return newReq("POST", "/auth/verify").JSON(`{"token":"x"}`) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mails atomic.Int64
			ta := newUserApp(t, func(o *Options[*user.User]) {
				o.Limits = &c.limits
				o.Hooks.AfterForgotPassword = func(context.Context, *user.User, string) error { mails.Add(1); return nil }
				o.Hooks.AfterRequestVerify = func(context.Context, *user.User, string) error { mails.Add(1); return nil }
			})
			ta.handler = remoteAddrs(ta.handler)
			ta.register("king.arthur@camelot.bt", "guinevere")
			for i := range 2 {
				if s := ta.do(from(c.req(i), "198.51.100.1")).Status; s == http.StatusTooManyRequests {
					t.Fatalf("request %d throttled", i)
				}
			}
			ta.ua.Shutdown(context.Background())
			before, hashes := mails.Load(), ta.hasher.Total()
			wantThrottled(t, ta.do(from(c.req(9), "198.51.100.1")))
			ta.ua.Shutdown(context.Background())
			if mails.Load() != before || ta.hasher.Total() != hashes {
				t.Fatal("a throttled request did work")
			}
			if s := ta.do(from(c.req(10), "198.51.100.2")).Status; s == http.StatusTooManyRequests {
				t.Fatal("another address is throttled")
			}
			// Clients whose address cannot be told count under none,
			// rather than all in one count that any of them exhausts.
			for i := range 3 {
				if s := ta.do(from(c.req(20+i), "unix")).Status; s == http.StatusTooManyRequests {
					t.Fatalf("request %d over a Unix socket throttled", i)
				}
			}
		})
	}
}

// TestOneMailPerAccount: 300 requests in a row for one address, from many
// addresses, send one mail; the other users' mail is not lost.
func TestOneMailPerAccount(t *testing.T) {
	var mu sync.Mutex
	mails := map[string]int{}
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.Limits = &Limits{MailPerAccount: throttle.Rule{Limit: 1, Window: 5 * time.Minute}}
		o.Hooks.AfterForgotPassword = func(_ context.Context, u *user.User, _ string) error {
			mu.Lock()
			mails[u.Email]++
			mu.Unlock()
			return nil
		}
	})
	ta.handler = remoteAddrs(ta.handler)
	ta.register("king.arthur@camelot.bt", "guinevere")
	for i := range 20 {
		ta.register(fmt.Sprintf("knight%d@camelot.bt", i), "guinevere")
	}
	for i := range 300 {
		res := ta.do(from(newReq("POST", "/auth/forgot-password").JSON(`{"email":"king.arthur@camelot.bt"}`), fmt.Sprintf("198.51.%d.%d", i/250, i%250+1)))
		if res.Status != http.StatusAccepted {
			t.Fatalf("request %d: %d %s", i, res.Status, res.Body)
		}
		if i%15 == 0 {
			ta.do(newReq("POST", "/auth/forgot-password").JSON(fmt.Sprintf(`{"email":"knight%d@camelot.bt"}`, i/15)))
		}
	}
	ta.ua.Shutdown(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if mails["king.arthur@camelot.bt"] != 1 {
		t.Fatalf("%d mails to one address, want 1", mails["king.arthur@camelot.bt"])
	}
	for i := range 20 {
		if mails[fmt.Sprintf("knight%d@camelot.bt", i)] != 1 {
			t.Fatalf("knight%d got %d mails, want 1", i, mails[fmt.Sprintf("knight%d@camelot.bt", i)])
		}
	}
}

// TestNoAcceptedMailIsLost: when the hooks are slow, the work waits in the
// queue instead of being dropped; once the queue is full the answer is 503
// with Retry-After, never a 202 whose mail is lost. Every 202 ends in a mail.
func TestNoAcceptedMailIsLost(t *testing.T) {
	release := make(chan struct{})
	var mails atomic.Int64
	ta := newUserApp(t, func(o *Options[*user.User]) {
		o.Hooks.AfterForgotPassword = func(context.Context, *user.User, string) error {
			<-release
			mails.Add(1)
			return nil
		}
	})
	var ids []uuid.UUID
	for i := range 8 {
		ids = append(ids, ta.register(fmt.Sprintf("knight%d@camelot.bt", i), "guinevere"))
	}
	var accepted, refused int
	for i := 0; refused == 0 && i < 4*backgroundQueue; i++ {
		res := ta.do(newReq("POST", "/auth/forgot-password").JSON(fmt.Sprintf(`{"email":"knight%d@camelot.bt"}`, i%len(ids))))
		switch res.Status {
		case http.StatusAccepted:
			accepted++
		case http.StatusServiceUnavailable:
			refused++
			if res.Header.Get("Retry-After") == "" || !sameJSON(t, res.Body, `{"detail":"Service Unavailable"}`) {
				t.Fatalf("503 %v %s", res.Header, res.Body)
			}
		default:
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	}
	if refused == 0 || accepted < backgroundQueue {
		t.Fatalf("%d accepted, %d refused: want the queue filled, then 503", accepted, refused)
	}
	close(release)
	if err := ta.ua.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if int(mails.Load()) != accepted {
		t.Fatalf("%d mails for %d requests answered 202", mails.Load(), accepted)
	}
}

// failingThrottle is a throttle store that cannot answer, as Redis down.
type failingThrottle struct{}

func (failingThrottle) Take(context.Context, string, throttle.Rule) (throttle.Decision, error) {
	return throttle.Decision{}, fmt.Errorf("redis: %w", throttle.ErrUnavailable)
}
func (failingThrottle) Peek(context.Context, string, throttle.Rule) (throttle.Decision, error) {
	return throttle.Decision{}, fmt.Errorf("redis: %w", throttle.ErrUnavailable)
}
func (failingThrottle) Refund(context.Context, string, throttle.Rule) error { return nil }
func (failingThrottle) Reset(context.Context, string) error                 { return nil }

// TestThrottleStoreOutage: by default a throttle store that cannot answer
// stops logins with 503 (an outage must not lift the limits); with
// ThrottleFailOpen they go through, uncounted, and the outage is logged.
func TestThrottleStoreOutage(t *testing.T) {
	for _, open := range []bool{false, true} {
		t.Run(fmt.Sprint("FailOpen=", open), func(t *testing.T) {
			ta := newUserApp(t, func(o *Options[*user.User]) {
				withDefaultLimits(o)
				o.Throttle = failingThrottle{}
				o.ThrottleFailOpen = open
			})
			if _, err := ta.ua.Manager().Register(context.Background(), &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, "guinevere"); err != nil {
				t.Fatal(err)
			}
			res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
			want := http.StatusServiceUnavailable
			if open {
				want = http.StatusOK
			}
			if res.Status != want {
				t.Fatalf("%d %s, want %d", res.Status, res.Body, want)
			}
			if !open && (res.Header.Get("Retry-After") == "" || !sameJSON(t, res.Body, `{"detail":"Service Unavailable"}`)) {
				t.Fatalf("503 %v %s", res.Header, res.Body)
			}
			if !strings.Contains(ta.logText(), "throttle store failed") {
				t.Error("the outage is not logged")
			}
		})
	}
}

// countingStore counts the e-mail lookups of a user store, and fails them
// all while down is set, as a database that went away.
type countingStore struct {
	user.Store[*user.User]
	emailReads atomic.Int64
	down       atomic.Bool
}

func (s *countingStore) GetByEmail(ctx context.Context, email string) (*user.User, error) {
	s.emailReads.Add(1)
	if s.down.Load() {
		return nil, fmt.Errorf("sqlstore: get by email: %w: %w", user.ErrUnavailable, errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"))
	}
	return s.Store.GetByEmail(ctx, email)
}

// TestStoreOutageIs503: a store that cannot be reached answers 503 with
// Retry-After in the contract's format, with no internal text, and the
// routes work again once it is back.
func TestStoreOutageIs503(t *testing.T) {
	store := &countingStore{}
	ta := newUserApp(t, func(o *Options[*user.User]) {
		store.Store = o.Store
		o.Store = store
	})
	ta.register("king.arthur@camelot.bt", "guinevere")
	store.down.Store(true)
	res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere"))
	if res.Status != http.StatusServiceUnavailable || !sameJSON(t, res.Body, `{"detail":"Service Unavailable"}`) || res.Header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", res.Status, res.Header, res.Body)
	}
	if strings.Contains(string(res.Body), "5432") {
		t.Fatal("the answer shows the cause")
	}
	store.down.Store(false)
	if res := ta.do(newReq("POST", "/auth/jwt/login").Form("username", "king.arthur@camelot.bt", "password", "guinevere")); res.Status != http.StatusOK {
		t.Fatalf("once the store is back: %d %s", res.Status, res.Body)
	}
}

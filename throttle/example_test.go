package throttle_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/usersauth/usersauth/throttle"
)

// A login counts failures per account and per client address. It takes an
// event from both before checking the password, so that concurrent guesses
// cannot slip past the limit, and gives them back when the password is
// right: a person who signs in is not counted, a guessing script is.
func Example() {
	ctx := context.Background()
	now := time.Date(2030, time.January, 1, 9, 0, 0, 0, time.UTC) // a clock the example moves
	store := throttle.NewMemoryStore(throttle.MemoryConfig{Now: func() time.Time { return now }})
	perAccount := throttle.Rule{Limit: 5, Window: 15 * time.Minute} // one more every 3 minutes
	perAddress := throttle.Rule{Limit: 20, Window: 15 * time.Minute}
	proxies := throttle.Proxies{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}

	login := func(r *http.Request, username, password string) string {
		addr, err := proxies.ClientAddr(r)
		if err != nil {
			return err.Error()
		}
		account := "login:account:" + username
		address := "login:address:" + throttle.AddrKey(addr)
		a, err := store.Take(ctx, account, perAccount)
		if err != nil {
			return err.Error()
		}
		if !a.Allowed {
			return fmt.Sprintf("429 Retry-After: %d", a.RetryAfterSeconds())
		}
		b, err := store.Take(ctx, address, perAddress)
		if err != nil {
			return err.Error()
		}
		if !b.Allowed {
			_ = store.Refund(ctx, account, perAccount) // this attempt did nothing
			return fmt.Sprintf("429 Retry-After: %d", b.RetryAfterSeconds())
		}
		if password != "guinevere" {
			return "400 LOGIN_BAD_CREDENTIALS"
		}
		_ = store.Reset(ctx, account)              // a success clears the account's count
		_ = store.Refund(ctx, address, perAddress) // and is not counted per address
		return "200"
	}

	// Behind the load balancer at 10.0.0.1, from 203.0.113.7.
	r := &http.Request{RemoteAddr: "10.0.0.1:4711", Header: http.Header{"X-Forwarded-For": {"203.0.113.7"}}}
	for range 5 {
		fmt.Println(login(r, "king.arthur@camelot.bt", "excalibur"))
	}
	fmt.Println(login(r, "king.arthur@camelot.bt", "guinevere")) // the right password, too late
	now = now.Add(3 * time.Minute)
	fmt.Println(login(r, "king.arthur@camelot.bt", "guinevere")) // one try came back
	fmt.Println(login(r, "king.arthur@camelot.bt", "excalibur")) // the count starts over
	// Output:
	// 400 LOGIN_BAD_CREDENTIALS
	// 400 LOGIN_BAD_CREDENTIALS
	// 400 LOGIN_BAD_CREDENTIALS
	// 400 LOGIN_BAD_CREDENTIALS
	// 400 LOGIN_BAD_CREDENTIALS
	// 429 Retry-After: 180
	// 200
	// 400 LOGIN_BAD_CREDENTIALS
}

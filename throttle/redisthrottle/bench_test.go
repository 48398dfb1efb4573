package redisthrottle_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/usersauth/usersauth/throttle"
	"github.com/usersauth/usersauth/throttle/redisthrottle"
)

// BenchmarkTake is the limiter's cost per counted request against a real
// Redis on the loopback: one EVALSHA. A hot key (an account under attack,
// refused; a generous limit, allowed) and distinct keys, serial and from
// parallel requests.
func BenchmarkTake(b *testing.B) {
	c := newClient(b)
	s := newStore(b, c, redisthrottle.Config{})
	generous := throttle.Rule{Limit: 1 << 30, Window: time.Hour}
	keys := make([]string, 1<<12)
	for i := range keys {
		keys[i] = fmt.Sprintf("login:address:203.0.%d.%d", i>>8, i&255)
	}
	for _, bc := range []struct {
		name     string
		rule     throttle.Rule
		distinct bool
	}{
		{"hot-refused", throttle.Rule{Limit: 5, Window: time.Minute}, false},
		{"hot-allowed", generous, false},
		{"distinct", generous, true},
	} {
		key := func(i int) string {
			if bc.distinct {
				return keys[i&(len(keys)-1)]
			}
			return "login:account:king.arthur@camelot.bt:" + bc.name
		}
		b.Run(bc.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Take(b.Context(), key(i), bc.rule); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := s.Take(b.Context(), key(i), bc.rule); err != nil {
						b.Error(err)
						return
					}
					i += 7
				}
			})
		})
	}
}

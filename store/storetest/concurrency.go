package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// contenders is how many goroutines race in the concurrency cases.
const contenders = 50

// testConcurrentCreateOneEmail races contenders registrations of one address
// in several spellings: uniqueness must be enforced atomically, so exactly
// one wins and the others get ErrAlreadyExists.
func testConcurrentCreateOneEmail[U user.Model](t *testing.T, k kind[U]) {
	s := k.open(t)
	spellings := []string{arthur, arthurLower, arthurUpper, arthurFullwidth, "ｋｉｎｇ.arthur@CAMELOT.bt"}
	ids := make([]uuid.UUID, contenders)
	errs := make([]error, contenders)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range contenders {
		ids[i] = uuid.New()
		u := k.sample(ids[i], spellings[i%len(spellings)], i+1)
		wg.Go(func() {
			<-start
			errs[i] = s.Create(t.Context(), u)
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("Create succeeded twice for one e-mail key: %q and %q", spellings[winner%len(spellings)], spellings[i%len(spellings)])
			}
			winner = i
		case !errors.Is(err, user.ErrAlreadyExists):
			t.Errorf("Create %d returned %v, want nil or %v", i, err, user.ErrAlreadyExists)
		}
	}
	if winner < 0 {
		t.Fatal("no concurrent Create succeeded")
	}
	for i, id := range ids {
		_, err := s.Get(t.Context(), id)
		switch {
		case i == winner && err != nil:
			t.Errorf("Get of the winner: %v", err)
		case i != winner && !errors.Is(err, user.ErrNotFound):
			t.Errorf("Get of refused user %d returned %v, want %v", i, err, user.ErrNotFound)
		}
	}
	wantByEmail(t, k, s, arthur, k.sample(ids[winner], spellings[winner%len(spellings)], winner+1))
}

// testConcurrentUpdatesLoseNothing has contenders goroutines each add one
// visit: Update must serialise read, mutate and write, so every increment
// lands and each caller sees a distinct count.
func testConcurrentUpdatesLoseNothing(t *testing.T, k kind[*Member]) {
	s := k.open(t)
	id := uuid.New()
	mustCreate(t, s, &Member{Base: sampleBase(id, arthur, 1)})
	seen := make([]int, contenders)
	errs := make([]error, contenders)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range contenders {
		wg.Go(func() {
			<-start
			m, err := s.Update(t.Context(), id, func(m *Member) error {
				m.Visits++
				return nil
			})
			errs[i] = err
			if err == nil {
				seen[i] = m.Visits
			}
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Update failed: %v", err)
	}
	got, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Visits != contenders {
		t.Fatalf("Visits = %d after %d concurrent increments: updates were lost", got.Visits, contenders)
	}
	slices.Sort(seen)
	for i, v := range seen {
		if v != i+1 {
			t.Fatalf("Update returned the counts %v, want each of 1..%d once", seen, contenders)
		}
	}
}

// testConcurrentGetDuringUpdate reads a user while writers update it: every
// value read must be one that some Update wrote whole, never a mix.
func testConcurrentGetDuringUpdate[U user.Model](t *testing.T, k kind[U]) {
	const writers, updatesEach, readers = 4, 10, 4
	s := k.open(t)
	id := uuid.New()
	first := k.sample(id, arthur, 0)
	k.stamp(first, 0)
	mustCreate(t, s, first)

	done := make(chan struct{})
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		failure error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		failure = errors.Join(failure, err)
	}
	for w := range writers {
		wg.Go(func() {
			for i := range updatesEach {
				n := 1 + w*updatesEach + i
				if _, err := s.Update(t.Context(), id, func(u U) error { k.stamp(u, n); return nil }); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	var rg sync.WaitGroup
	for r := range readers {
		rg.Go(func() {
			// Read at least once after the writers are done, so that
			// the final state is checked too.
			for finished := false; !finished; {
				select {
				case <-done:
					finished = true
				default:
				}
				var u U
				var err error
				if r%2 == 0 {
					u, err = s.Get(t.Context(), id)
				} else {
					u, err = s.GetByEmail(t.Context(), arthurLower)
				}
				if err != nil {
					fail(err)
					return
				}
				if _, ok := k.stamped(u); !ok {
					fail(errors.New("read a torn user: fields from different updates"))
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	rg.Wait()
	if failure != nil {
		t.Fatal(failure)
	}
}

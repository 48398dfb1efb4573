package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// The test binary, run again with writerFile set, is the writer process of
// TestWriterProcessNeverStale.
const (
	writerFile   = "USERSAUTH_SQLITE_TEST_WRITER_FILE"
	writerUser   = "USERSAUTH_SQLITE_TEST_WRITER_USER"
	writerRounds = "USERSAUTH_SQLITE_TEST_WRITER_ROUNDS"
)

func TestMain(m *testing.M) {
	if file := os.Getenv(writerFile); file != "" {
		os.Exit(runWriter(file, os.Getenv(writerUser), os.Getenv(writerRounds)))
	}
	os.Exit(m.Run())
}

// runWriter opens the file through database/sql, as the admin CLI does,
// and updates the user rounds times: round i sets the epoch to i and the
// address to roundEmail(i), and prints i once its commit returned.
func runWriter(file, userID, roundsArg string) int {
	id, err := uuid.Parse(userID)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 2
	}
	rounds, err := strconv.Atoi(roundsArg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 2
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite", file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 1
	}
	defer db.Close()
	out := bufio.NewWriter(os.Stdout)
	for i := int64(1); i <= int64(rounds); i++ {
		if _, err := db.Users().Update(ctx, id, func(u *user.User) error {
			u.TokenEpoch, u.Email = i, roundEmail(i)
			return nil
		}); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			return 1
		}
		fmt.Fprintln(out, i)
		if err := out.Flush(); err != nil {
			return 1
		}
	}
	return 0
}

func roundEmail(i int64) string { return fmt.Sprintf("round%d@camelot.bt", i) }

// TestWriterProcessNeverStale runs a writer in another process while
// readers in this one look the user up as fast as they can, mostly from
// the cache: once the writer reports round i committed, no lookup that
// starts afterwards gives an older round, by id or by e-mail.
func TestWriterProcessNeverStale(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a second process")
	}
	const rounds, readers = 300, 4
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "users.db")
	db, r, err := open(ctx, file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := db.Users()
	u := newTestUser(roundEmail(0))
	if err := s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerFile+"="+file, writerUser+"="+u.ID.String(), fmt.Sprintf("%s=%d", writerRounds, rounds))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	missesBefore := r.cache.misses.Load()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var (
		committed atomic.Int64 // the last round the writer reported
		lookups   atomic.Int64
		wg        sync.WaitGroup
		stop      = make(chan struct{})
		mu        sync.Mutex
		stale     []string
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		stale = append(stale, fmt.Sprintf(format, args...))
	}
	for i := range readers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := committed.Load()
				var got *user.User
				var err error
				if i%2 == 0 {
					got, err = s.Get(ctx, u.ID)
				} else if got, err = s.GetByEmail(ctx, roundEmail(floor)); errors.Is(err, user.ErrNotFound) {
					// The writer moved past round floor since: the user
					// must show a later round now.
					got, err = s.Get(ctx, u.ID)
					if err == nil && got.TokenEpoch <= floor {
						report("round %d's address unknown, but Get gives round %d", floor, got.TokenEpoch)
						return
					}
				}
				lookups.Add(1)
				if err != nil || got.TokenEpoch < floor || got.Email != roundEmail(got.TokenEpoch) {
					report("after round %d committed: %+v, %v", floor, got, err)
					return
				}
			}
		})
	}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		n, err := strconv.ParseInt(lines.Text(), 10, 64)
		if err != nil {
			t.Errorf("writer printed %q", lines.Text())
			break
		}
		committed.Store(n)
	}
	werr := cmd.Wait()
	close(stop)
	wg.Wait()
	if werr != nil {
		t.Fatalf("writer: %v\n%s", werr, stderr.String())
	}
	for _, s := range stale {
		t.Error(s)
	}
	if committed.Load() != rounds {
		t.Fatalf("writer reported %d of %d rounds", committed.Load(), rounds)
	}
	got, err := s.Get(ctx, u.ID)
	if err != nil || got.TokenEpoch != rounds || got.Email != roundEmail(rounds) {
		t.Fatalf("after the writer: %+v, %v", got, err)
	}
	n, misses := lookups.Load(), r.cache.misses.Load()-missesBefore
	t.Logf("%d lookups during %d commits of another process, %d read from the file", n, rounds, misses)
	if misses >= uint64(n) {
		t.Errorf("none of %d lookups was answered from the cache: the test did not exercise it", n)
	}
}

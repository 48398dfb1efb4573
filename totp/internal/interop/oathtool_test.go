package interop_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usersauth/usersauth/internal/testenv"
	"github.com/usersauth/usersauth/totp"
)

// oathtool returns the path of Debian's oathtool, or skips t without it
// (fails it in CI, which installs the package).
func oathtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("oathtool")
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("oathtool not found (%v): CI must install Debian's oathtool package", err)
		}
		t.Skip("oathtool not installed (apt-get install -y oathtool): skipping the interoperability test")
	}
	return path
}

// run returns oathtool's code for the base32 secret, at the given Unix time
// when now is not nil.
func run(t *testing.T, path, secret string, now *int64) string {
	t.Helper()
	args := []string{"--totp", "-b", secret}
	if now != nil {
		args = append(args, "--now", "@"+strconv.FormatInt(*now, 10))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("oathtool %v: %v: %s", args[:2], err, exit.Stderr)
		}
		t.Fatalf("oathtool: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestOathtoolCodesAreAccepted: codes oathtool computes for secrets NewKey
// made are accepted by Verify, at fixed times (RFC 6238's T values among
// them) and now, and report the step of the time they were made for.
func TestOathtoolCodesAreAccepted(t *testing.T) {
	path := oathtool(t)
	times := []int64{59, 1111111109, 1234567890, 2000000000, 1767225599}
	for i := range 3 {
		key, err := totp.NewKey(rand.Reader, "Camelot", "king.arthur@camelot.bt")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("key "+strconv.Itoa(i), func(t *testing.T) {
			for _, unix := range times {
				t.Run(strconv.FormatInt(unix, 10), func(t *testing.T) {
					code := run(t, path, key.Secret, &unix)
					at := time.Unix(unix, 0)
					step, err := totp.Verify(key.Secret, code, at)
					if err != nil || step != totp.Step(at) {
						t.Fatalf("Verify(oathtool's %s) = %d, %v; want step %d", code, step, err, totp.Step(at))
					}
					if ours, _ := totp.Code(key.Secret, at); ours != code {
						t.Errorf("Code = %s, oathtool says %s", ours, code)
					}
				})
			}
			t.Run("now", func(t *testing.T) {
				code := run(t, path, key.Secret, nil)
				// oathtool read its clock just before ours: at most one step
				// apart, which the allowed drift covers.
				if _, err := totp.Verify(key.Secret, code, time.Now()); err != nil {
					t.Fatalf("Verify(oathtool's current code) = %v", err)
				}
			})
		})
	}
}

// TestOathtoolDrift: oathtool's code for one step before is accepted, for
// two steps before it is not. The secret is fixed (RFC 6238's SHA-1 seed),
// so the refusal cannot be a chance collision of two steps' codes.
func TestOathtoolDrift(t *testing.T) {
	path := oathtool(t)
	key := totp.Key{Secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}
	const now = int64(1234567890)
	tests := []struct {
		name    string
		back    int64
		wantErr error
	}{
		{"one step late", 30, nil},
		{"two steps late", 60, totp.ErrWrongCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			made := now - tt.back
			code := run(t, path, key.Secret, &made)
			if _, err := totp.Verify(key.Secret, code, time.Unix(now, 0)); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

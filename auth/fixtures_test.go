package auth_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/usersauth/usersauth/auth"
)

// hashRow is one row of testdata/hashes.json: a hash made by FastAPI Users
// (pwdlib, argon2-cffi, pyca/bcrypt) and what FastAPI Users made of it.
type hashRow struct {
	ID            string `json:"id"`
	Scheme        string `json:"scheme"`
	PasswordHex   string `json:"password_utf8_hex"`
	PasswordLen   int    `json:"password_utf8_len"`
	Hash          string `json:"hash"`
	ShouldVerify  bool   `json:"should_verify"`
	NeedsRehashFU *bool  `json:"needs_rehash_under_fastapi_users_defaults"`
	Check         struct {
		RawLibraryVerify bool `json:"raw_library_verify"`
	} `json:"check"`

	password string
}

func loadHashes(t testing.TB) []hashRow {
	t.Helper()
	b, err := os.ReadFile("testdata/hashes.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Hashes []hashRow `json:"hashes"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Hashes) == 0 {
		t.Fatal("no rows in testdata/hashes.json")
	}
	for i := range f.Hashes {
		r := &f.Hashes[i]
		pw, err := hex.DecodeString(r.PasswordHex)
		if err != nil || len(pw) != r.PasswordLen {
			t.Fatalf("%s: bad password_utf8_hex", r.ID)
		}
		r.password = string(pw)
	}
	return f.Hashes
}

func fixtureHash(t testing.TB, id string) hashRow {
	t.Helper()
	for _, r := range loadHashes(t) {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no fixture row %q", id)
	return hashRow{}
}

// TestVerifyFastAPIUsersHashes runs every FastAPI Users hash through a
// hasher configured as FastAPI Users is. We agree with FastAPI Users except
// where we deliberately do better: argon2i hashes verify (FastAPI Users fails
// with a 500), argon2d is malformed (Go has no argon2d), and a password over
// 72 bytes never matches a bcrypt hash (FastAPI Users compares 72 bytes).
func TestVerifyFastAPIUsersHashes(t *testing.T) {
	h, err := auth.NewPasswordHasher(auth.HasherOptions{Params: auth.FastAPIUsersArgon2Params()})
	if err != nil {
		t.Fatal(err)
	}
	// Under the race detector a cost-12 bcrypt takes seconds; one row per
	// prefix and one long password keep the bcrypt path raced, and the
	// ordinary run covers every row.
	raced := map[string]bool{"bcrypt-2a-ascii": true, "bcrypt-2b-ascii": true, "bcrypt-2y-ascii": true, "bcrypt-2b-73-bytes": true}
	for _, row := range loadHashes(t) {
		t.Run(row.ID, func(t *testing.T) {
			if raceEnabled && row.Scheme == "bcrypt" && !raced[row.ID] {
				t.Skip("slow under the race detector; run without -race")
			}
			t.Parallel()
			wantOK, wantErr := row.ShouldVerify, error(nil)
			switch {
			case row.Scheme == "argon2i":
				wantOK = row.Check.RawLibraryVerify
			case row.Scheme == "argon2d":
				wantOK, wantErr = false, auth.ErrMalformedHash
			case row.Scheme == "bcrypt" && len(row.password) > 72:
				wantOK = false
			}

			ok, rehash, err := h.Verify(context.Background(), row.password, row.Hash)
			if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
				t.Fatalf("Verify error = %v, want %v", err, wantErr)
			}
			if ok != wantOK {
				t.Errorf("Verify ok = %v, want %v", ok, wantOK)
			}
			if err == nil && row.NeedsRehashFU != nil && rehash != *row.NeedsRehashFU {
				t.Errorf("needsRehash = %v, want %v (FastAPI Users' rule)", rehash, *row.NeedsRehashFU)
			}
			if err == nil && row.Scheme == "argon2i" && !rehash {
				t.Error("an argon2i hash must need a rehash")
			}
		})
	}
}

// TestNeedsRehashUnderDefaults: under OWASP parameters, FastAPI Users'
// hashes are upgraded on login and OWASP ones are kept.
func TestNeedsRehashUnderDefaults(t *testing.T) {
	h, err := auth.NewPasswordHasher(auth.HasherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		row        string
		wantRehash bool
	}{
		{"argon2id-fu-default-ascii", true},
		{"argon2id-fu-default-ascii-wrong-case", true},
		{"argon2id-owasp-ascii", false},
		{"argon2id-owasp-unicode", false},
		{"argon2id-owasp-ascii-wrong", false},
		{"argon2i-ascii", true},
		{"bcrypt-2b-ascii", true},
	}
	for _, tt := range tests {
		t.Run(tt.row, func(t *testing.T) {
			t.Parallel()
			row := fixtureHash(t, tt.row)
			ok, rehash, err := h.Verify(context.Background(), row.password, row.Hash)
			if err != nil {
				t.Fatal(err)
			}
			wantOK := row.ShouldVerify || row.Check.RawLibraryVerify
			if ok != wantOK {
				t.Errorf("ok = %v, want %v", ok, wantOK)
			}
			if rehash != tt.wantRehash {
				t.Errorf("needsRehash = %v, want %v", rehash, tt.wantRehash)
			}
		})
	}
}

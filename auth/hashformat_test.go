package auth

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParseHash: parsing never panics, refuses with ErrMalformedHash only,
// and what parses re-encodes to the very same string (so no two spellings
// of one hash are accepted).
func FuzzParseHash(f *testing.F) {
	b, err := os.ReadFile("testdata/hashes.json")
	if err != nil {
		f.Fatal(err)
	}
	var fixtures struct {
		Hashes []struct {
			Hash string `json:"hash"`
		} `json:"hashes"`
	}
	if err := json.Unmarshal(b, &fixtures); err != nil {
		f.Fatal(err)
	}
	for _, h := range fixtures.Hashes {
		f.Add(h.Hash)
	}
	for _, s := range []string{
		"", "$", "$2", "$argon2", "$argon2id$", "$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAA",
		"$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA=$AAAAAA", "$2b$04$" + strings.Repeat(".", 53),
		"$2x$04$" + strings.Repeat(".", 53), "$argon2id$v=19$m=4194304,t=1,p=1$AAAAAAAAAAA$AAAAAA",
	} {
		f.Add(s)
	}
	limits := []Limits{DefaultLimits(), {MaxMemory: 64, MaxIterations: 2, MaxParallelism: 2, MaxSaltLength: 8, MaxKeyLength: 8, MaxBcryptCost: 4}}
	f.Fuzz(func(t *testing.T, encoded string) {
		for _, l := range limits {
			h, err := parseHash(encoded, l)
			if err != nil {
				if !errors.Is(err, ErrMalformedHash) || h != nil {
					t.Fatalf("parseHash = %v, %v: want nil and ErrMalformedHash", h, err)
				}
				if len(encoded) > 8 && strings.Contains(err.Error(), encoded) {
					t.Fatal("the error repeats the hash")
				}
				continue
			}
			if got := h.String(); got != encoded {
				t.Fatalf("parse(%q).String() = %q", encoded, got)
			}
			if err := l.admits(h.params); h.scheme != schemeBcrypt && err != nil {
				t.Fatalf("parsed parameters outside the limits: %v", err)
			}
			if h.scheme == schemeBcrypt && (h.cost < minBcryptCost || h.cost > l.MaxBcryptCost) {
				t.Fatalf("parsed bcrypt cost %d outside the limits", h.cost)
			}
		}
	})
}

func TestParseHashCanonical(t *testing.T) {
	tests := []string{
		"$argon2id$v=19$m=19456,t=2,p=1$wILCLnFcRp8Y6tOSCrFdYA$lpx/fq4ymfp3VePL6sLtpI58zIY+ERZR7tCbWWp7MzQ",
		"$argon2i$v=19$m=65536,t=3,p=4$TH5egn3Xt4GJvXK3iR2Uww$u1yqMatNZaz9KK8bggVUiutJTcATftCicgVswdJvrEo",
		"$2a$12$8z6KL5S5oSWh8d2qp6YStOExOcat4xBY26FhQuGUl9U1xPwEHAMlm",
		"$2y$04$" + strings.Repeat(".", 53),
	}
	for _, encoded := range tests {
		h, err := parseHash(encoded, DefaultLimits())
		if err != nil {
			t.Errorf("parseHash(%q): %v", encoded, err)
			continue
		}
		if got := h.String(); got != encoded {
			t.Errorf("String() = %q, want %q", got, encoded)
		}
	}
}

package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// scheme is the algorithm of a stored hash.
type scheme uint8

const (
	schemeArgon2id scheme = iota + 1
	schemeArgon2i
	schemeBcrypt
)

// storedHash is a parsed password hash: an argon2 PHC string or a bcrypt
// modular-crypt string. Its String is the canonical encoding, which equals
// the input of a successful parseHash byte for byte.
type storedHash struct {
	scheme scheme

	// argon2: params.SaltLength and params.KeyLength are len(salt), len(key).
	params    Argon2Params
	salt, key []byte

	// bcrypt: the minor version ('a', 'b' or 'y'), the cost and the salt and
	// hash in bcrypt's base64, kept as read (they are checked canonical).
	minor      byte
	cost       int
	bcryptSalt string
	bcryptHash string
}

// argon2Version is the only version Go's argon2 implements (1.3, v=19), and
// the only one argon2-cffi writes.
const argon2Version = "v=19"

// Lengths of the parts of a bcrypt string: "$2b$12$" + 22 salt + 31 hash.
const (
	bcryptLength     = 60
	bcryptSaltLength = 22
	bcryptHashLength = 31
)

func malformed(reason string) error { return fmt.Errorf("%w: %s", ErrMalformedHash, reason) }

// parseHash parses encoded strictly: exact field order, canonical decimal
// numbers and base64, parameters inside l. It does no hashing and allocates
// only what the result holds, so a hostile string costs nothing.
func parseHash(encoded string, l Limits) (*storedHash, error) {
	switch {
	case strings.HasPrefix(encoded, "$argon2"):
		return parseArgon2(encoded, l)
	case strings.HasPrefix(encoded, "$2"):
		return parseBcrypt(encoded, l)
	case encoded == "":
		return nil, malformed("empty")
	}
	return nil, malformed("unknown scheme")
}

// parseArgon2 reads "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>", salt and
// key in unpadded standard base64, as argon2-cffi writes it.
func parseArgon2(encoded string, l Limits) (*storedHash, error) {
	// Longest acceptable string under l; anything longer is refused before
	// it is split.
	maxLen := 64 + base64Len(l.MaxSaltLength) + base64Len(l.MaxKeyLength)
	if uint64(len(encoded)) > maxLen {
		return nil, malformed("too long")
	}
	rest := encoded[1:] // drop the leading '$'
	variant, rest, _ := strings.Cut(rest, "$")
	version, rest, _ := strings.Cut(rest, "$")
	params, rest, _ := strings.Cut(rest, "$")
	salt, key, ok := strings.Cut(rest, "$")
	if !ok || strings.Contains(key, "$") {
		return nil, malformed("argon2: wrong number of fields")
	}

	h := &storedHash{}
	switch variant {
	case "argon2id":
		h.scheme = schemeArgon2id
	case "argon2i":
		h.scheme = schemeArgon2i
	case "argon2d":
		return nil, malformed("argon2d is not supported")
	default:
		return nil, malformed("unknown argon2 variant")
	}
	if version != argon2Version {
		return nil, malformed("argon2: unsupported version")
	}

	m, rest, _ := strings.Cut(params, ",")
	t, p, ok := strings.Cut(rest, ",")
	mv, okm := decimalField(m, "m=")
	tv, okt := decimalField(t, "t=")
	pv, okp := decimalField(p, "p=")
	if !ok || !okm || !okt || !okp {
		return nil, malformed("argon2: parameters are not m=<n>,t=<n>,p=<n>")
	}
	// The limits are in the messages so that a log says why an imported
	// hash is refused; parameters are no secret.
	switch {
	case pv < 1:
		return nil, malformed("argon2: parallelism out of bounds")
	case pv > uint64(l.MaxParallelism):
		return nil, malformed(fmt.Sprintf("argon2: parallelism out of bounds (p=%d above Limits.MaxParallelism %d)", pv, l.MaxParallelism))
	case tv < 1:
		return nil, malformed("argon2: iterations out of bounds")
	case tv > uint64(l.MaxIterations):
		return nil, malformed(fmt.Sprintf("argon2: iterations out of bounds (t=%d above Limits.MaxIterations %d)", tv, l.MaxIterations))
	case mv < 8*pv:
		// RFC 9106 section 3.1: m >= 8*p.
		return nil, malformed("argon2: memory out of bounds (below 8 KiB per lane)")
	case mv > uint64(l.MaxMemory):
		return nil, malformed(fmt.Sprintf("argon2: memory out of bounds (m=%d KiB above Limits.MaxMemory %d)", mv, l.MaxMemory))
	case mv*tv > l.MaxWork:
		return nil, malformed(fmt.Sprintf("argon2: work out of bounds (m*t=%d above Limits.MaxWork %d)", mv*tv, l.MaxWork))
	}
	h.params = Argon2Params{Memory: uint32(mv), Iterations: uint32(tv), Parallelism: uint8(pv)}

	var err error
	if h.salt, err = canonicalBase64(salt, minArgon2SaltLength, l.MaxSaltLength); err != nil {
		return nil, malformed("argon2: salt: " + err.Error())
	}
	if h.key, err = canonicalBase64(key, minArgon2KeyLength, l.MaxKeyLength); err != nil {
		return nil, malformed("argon2: hash: " + err.Error())
	}
	h.params.SaltLength = uint32(len(h.salt))
	h.params.KeyLength = uint32(len(h.key))
	return h, nil
}

// base64Len is the length of n bytes in unpadded base64.
func base64Len(n uint32) uint64 { return (uint64(n)*8 + 5) / 6 }

// decimalField parses "<prefix><n>" where n is a canonical decimal (no sign,
// no leading zero, at most ten digits).
func decimalField(s, prefix string) (uint64, bool) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok || digits == "" || len(digits) > 10 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// canonicalBase64 decodes unpadded standard base64 whose decoded length is
// within [minLen, maxLen], refusing any spelling but the canonical one (the
// decoder alone would skip newlines and, unless strict, ignore trailing bits).
func canonicalBase64(s string, minLen, maxLen uint32) ([]byte, error) {
	enc := base64.RawStdEncoding
	if n := uint64(len(s)) * 6 / 8; n < uint64(minLen) || n > uint64(maxLen) {
		return nil, errors.New("length out of bounds")
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil || enc.EncodeToString(b) != s {
		return nil, errors.New("not canonical unpadded base64")
	}
	return b, nil
}

// parseBcrypt reads "$2b$12$<22 salt chars><31 hash chars>". $2a$, $2b$ and
// $2y$ are one algorithm for every password this package verifies; $2x$
// marks hashes made by a buggy implementation and is refused.
func parseBcrypt(encoded string, l Limits) (*storedHash, error) {
	if len(encoded) != bcryptLength {
		return nil, malformed("bcrypt: wrong length")
	}
	h := &storedHash{scheme: schemeBcrypt, minor: encoded[2]}
	switch h.minor {
	case 'a', 'b', 'y':
	case 'x':
		return nil, malformed("bcrypt $2x$ is not supported")
	default:
		return nil, malformed("bcrypt: unknown version")
	}
	if encoded[3] != '$' || encoded[6] != '$' {
		return nil, malformed("bcrypt: wrong layout")
	}
	c1, c2 := encoded[4], encoded[5]
	if c1 < '0' || c1 > '9' || c2 < '0' || c2 > '9' {
		return nil, malformed("bcrypt: cost is not two digits")
	}
	h.cost = int(c1-'0')*10 + int(c2-'0')
	if h.cost < minBcryptCost {
		return nil, malformed("bcrypt: cost out of bounds")
	}
	if h.cost > l.MaxBcryptCost {
		return nil, malformed(fmt.Sprintf("bcrypt: cost out of bounds (%d above Limits.MaxBcryptCost %d)", h.cost, l.MaxBcryptCost))
	}
	h.bcryptSalt = encoded[7 : 7+bcryptSaltLength]
	h.bcryptHash = encoded[7+bcryptSaltLength:]
	// 22 characters carry 16 bytes and 4 spare bits; 31 carry 23 bytes and
	// 2 spare bits. Canonical strings have the spare bits zero.
	if !bcryptBase64Canonical(h.bcryptSalt, 4) {
		return nil, malformed("bcrypt: salt is not canonical")
	}
	if !bcryptBase64Canonical(h.bcryptHash, 2) {
		return nil, malformed("bcrypt: hash is not canonical")
	}
	return h, nil
}

// bcryptAlphabet is bcrypt's base64 alphabet (not RFC 4648's order).
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// bcryptBase64Canonical reports whether s is made of bcrypt base64
// characters and its last character has its spareBits low bits zero.
func bcryptBase64Canonical(s string, spareBits uint) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(bcryptAlphabet, s[i]) < 0 {
			return false
		}
	}
	last := strings.IndexByte(bcryptAlphabet, s[len(s)-1])
	return last&(1<<spareBits-1) == 0
}

// String returns the canonical encoding of h.
func (h *storedHash) String() string {
	if h.scheme == schemeBcrypt {
		return "$2" + string(h.minor) + "$" + strconv.Itoa(h.cost/10) + strconv.Itoa(h.cost%10) + "$" + h.bcryptSalt + h.bcryptHash
	}
	return encodeArgon2(h.scheme, h.params, h.salt, h.key)
}

// encodeArgon2 writes the PHC string argon2-cffi writes:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func encodeArgon2(s scheme, p Argon2Params, salt, key []byte) string {
	b := make([]byte, 0, 48+base64.RawStdEncoding.EncodedLen(len(salt))+base64.RawStdEncoding.EncodedLen(len(key)))
	if s == schemeArgon2i {
		b = append(b, "$argon2i$"...)
	} else {
		b = append(b, "$argon2id$"...)
	}
	b = append(b, argon2Version+"$m="...)
	b = strconv.AppendUint(b, uint64(p.Memory), 10)
	b = append(b, ",t="...)
	b = strconv.AppendUint(b, uint64(p.Iterations), 10)
	b = append(b, ",p="...)
	b = strconv.AppendUint(b, uint64(p.Parallelism), 10)
	b = append(b, '$')
	b = base64.RawStdEncoding.AppendEncode(b, salt)
	b = append(b, '$')
	b = base64.RawStdEncoding.AppendEncode(b, key)
	return string(b)
}

package passkeytest

import "encoding/binary"

// The few CBOR items (RFC 8949) an authenticator writes: unsigned and
// negative integers, byte and text strings, maps. Maps are written in the
// order given, which callers keep canonical (CTAP2 canonical CBOR: shorter
// keys first, then bytewise).

// cborHead appends the head of an item of the major type with argument n.
func cborHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xff:
		return append(b, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

// cborInt appends an integer.
func cborInt(b []byte, v int64) []byte {
	if v >= 0 {
		return cborHead(b, 0, uint64(v))
	}
	return cborHead(b, 1, uint64(-1-v))
}

// cborBytes appends a byte string.
func cborBytes(b, v []byte) []byte { return append(cborHead(b, 2, uint64(len(v))), v...) }

// cborText appends a text string.
func cborText(b []byte, v string) []byte { return append(cborHead(b, 3, uint64(len(v))), v...) }

// cborMap appends the head of a map of n pairs; the pairs follow.
func cborMap(b []byte, n int) []byte { return cborHead(b, 5, uint64(n)) }

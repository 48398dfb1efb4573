// Package commonpw is a blocklist of commonly used passwords for
// user.PasswordPolicy.RejectCommon (NIST SP 800-63B rev. 4, section
// 3.1.1.2: verifiers compare a new password against passwords known to be
// commonly used, expected or compromised). A host turns it on by importing
// this package:
//
//	opts.PasswordPolicy.RejectCommon = commonpw.New()
//
// Package user does not import it, so a host that does not costs nothing.
//
// The list is the 47,023 passwords of data/passwords.txt in
// github.com/trustelem/zxcvbn v1.0.1, the Go port of Dropbox's zxcvbn,
// which counts how often each occurs among leaked passwords; its MIT
// licence is LICENSE.zxcvbn.txt beside this file. It is embedded,
// lower-cased and sorted (passwords.txt, written by gen.go; a test checks
// it against the module) rather than read from the module's frequency
// package, which links all six of zxcvbn's dictionaries (2.2 MB of binary,
// 1.5 MB of heap from the start) and, as zxcvbn keeps each word in one
// dictionary only, lacks some 8,000 of the 30,000 most common passwords,
// "michael" and "jennifer" among them, which it files under names.
//
// Cost: 368,255 bytes of the binary's read-only data (a binary that
// imports the package grows by some 380 KB) and no heap but the 16-byte
// List: New copies nothing and builds no index. Contains is a binary
// search over the sorted lines, about 16 comparisons: 0.3 to 0.5 µs, with
// no allocation unless the password has upper-case letters to fold
// (BenchmarkContains).
package commonpw

import (
	_ "embed"
	"strings"
)

//go:generate go run gen.go

// passwords holds the list: sorted bytewise, lower-case, one per line,
// each line ending in '\n'.
//
//go:embed passwords.txt
var passwords string

// List is the list of common passwords. It is immutable and safe for
// concurrent use; every List shares the one embedded copy. The zero List
// contains nothing.
type List struct {
	lines string
}

// New returns the list of common passwords.
func New() *List { return &List{lines: passwords} }

// Contains reports whether password is on the list, ignoring case: the
// list is lower-case and password is compared lower-cased
// (strings.ToLower). It implements user.PasswordList.
func (l *List) Contains(password string) bool {
	if l == nil || password == "" {
		return false
	}
	key := strings.ToLower(password)
	// [lo, hi) is always a run of whole lines: lo starts one, hi starts
	// one or is the end.
	data := l.lines
	lo, hi := 0, len(data)
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := lo + strings.LastIndexByte(data[lo:mid], '\n') + 1
		end := start + strings.IndexByte(data[start:hi], '\n')
		switch c := strings.Compare(key, data[start:end]); {
		case c == 0:
			return true
		case c < 0:
			hi = start
		default:
			lo = end + 1
		}
	}
	return false
}

// Len returns the number of passwords on the list. It counts the lines.
func (l *List) Len() int {
	if l == nil {
		return 0
	}
	return strings.Count(l.lines, "\n")
}

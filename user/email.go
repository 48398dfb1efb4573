package user

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Length limits of an e-mail address, in bytes of UTF-8.
const (
	// maxEmailLength is the longest address NormalizeEmail returns
	// (RFC 3696 errata 1690: the SMTP path limit leaves 254 octets).
	maxEmailLength = 254
	// maxLocalLength bounds the part before the @-sign (RFC 5321 4.5.3.1.1).
	maxLocalLength = 64
	// maxLabelLength bounds one label of the domain (RFC 1035 2.3.1).
	maxLabelLength = 63
	// maxInputLength bounds the raw input, display name included, so that
	// a hostile value costs little before it is refused.
	maxInputLength = 1024
	// maxListedRunes bounds how many offending characters a reason names.
	maxListedRunes = 5
)

// InvalidEmailError reports an e-mail address NormalizeEmail refused.
// Reason is a short English sentence for the end user; it completes the
// sentence "value is not a valid email address: <Reason>" and names at most
// the offending characters or domain, never the whole input.
type InvalidEmailError struct {
	Reason string
}

func (e *InvalidEmailError) Error() string { return "user: invalid email address: " + e.Reason }

func invalidEmail(format string, args ...any) error {
	return &InvalidEmailError{Reason: fmt.Sprintf(format, args...)}
}

// NormalizeEmail validates addr as the registration and PATCH routes must, and
// returns its canonical form. Failures are *InvalidEmailError.
//
// Surrounding spaces are stripped and a display name ("Name <addr>" or
// "\"Quoted Name\" <addr>") is dropped. The local part keeps its case, is
// put in Unicode NFC (RFC 6532 3.1) and must be a dot-atom: RFC 5322 atext
// plus the internationalised letters, digits, punctuation and symbols
// SMTPUTF8 allows (RFC 6531 3.3); quoted local parts are refused. The domain
// is mapped, lower-cased and converted to its ASCII form with the IDNA2008
// lookup rules (RFC 5891 5, UTS #46 non-transitional), so bücher.de comes back
// as xn--bcher-kva.de. It must have a dot, a top-level domain that is not all
// digits, no IP literal, and must not be a special-use name (localhost, or
// anything under .local, .test, .invalid, .onion, .arpa).
//
// Control characters, format characters (zero-width and bidi controls among
// them) and other invisible code points are refused anywhere in addr, even at
// its ends: a line break is never silently repaired (OWASP Input Validation
// Cheat Sheet). The result is at most 254 bytes.
//
// NormalizeEmail is idempotent: its output normalises to itself. It is not
// the lookup key; see EmailKey.
func NormalizeEmail(addr string) (string, error) {
	if len(addr) > maxInputLength {
		return "", invalidEmail("The email address is too long.")
	}
	if !utf8.ValidString(addr) {
		return "", invalidEmail("The email address contains an invalid character.")
	}
	if bad := collect(addr, isUnsafeAnywhere); len(bad) > 0 {
		return "", invalidEmail("The email address contains unsafe characters: %s.", describe(bad))
	}
	s := strings.TrimFunc(addr, isSpace)
	address, err := stripDisplayName(s)
	if err != nil {
		return "", err
	}
	at := strings.LastIndexByte(address, '@')
	if at < 0 {
		return "", invalidEmail("An email address must have an @-sign.")
	}
	local, err := normalizeLocalPart(address[:at])
	if err != nil {
		return "", err
	}
	domain, err := normalizeDomain(address[at+1:])
	if err != nil {
		return "", err
	}
	out := local + "@" + domain
	if n := len(out) - maxEmailLength; n > 0 {
		return "", invalidEmail("The email address is too long %s.", tooMany(out, n))
	}
	return out, nil
}

// maxProviderEmailLength is the longest address a provider may give: the
// width of FastAPI Users' email and account_email columns.
const maxProviderEmailLength = 320

// NormalizeProviderEmail checks an address an identity provider vouches for
// and returns it as FastAPI Users takes it, unchanged: a provider's
// directory may hold addresses on special-use domains (user@corp.local from
// an Active Directory), which registration would refuse. Refused, with an
// *InvalidEmailError, are only what no address holds: invalid UTF-8, control
// and invisible characters (as NormalizeEmail refuses them), no @-sign, and
// more than 320 bytes.
func NormalizeProviderEmail(addr string) (string, error) {
	switch {
	case len(addr) > maxProviderEmailLength:
		return "", invalidEmail("The email address is too long.")
	case !utf8.ValidString(addr):
		return "", invalidEmail("The email address contains an invalid character.")
	}
	if bad := collect(addr, isUnsafeAnywhere); len(bad) > 0 {
		return "", invalidEmail("The email address contains unsafe characters: %s.", describe(bad))
	}
	if at := strings.LastIndexByte(addr, '@'); at <= 0 || at == len(addr)-1 {
		return "", invalidEmail("An email address must have an @-sign.")
	}
	return addr, nil
}

// stripDisplayName returns the address inside "Name <addr>" or
// "\"Quoted Name\" <addr>", or s itself when it has no angle brackets.
func stripDisplayName(s string) (string, error) {
	if !strings.HasSuffix(s, ">") {
		return s, nil
	}
	var name, rest string
	if strings.HasPrefix(s, `"`) {
		end := closingQuote(s)
		if end < 0 {
			return "", invalidEmail("The display name has an unclosed quotation mark.")
		}
		rest = strings.TrimLeftFunc(s[end+1:], isSpace)
		if !strings.HasPrefix(rest, "<") {
			return "", invalidEmail("A quoted display name must be followed by the email address in angle brackets.")
		}
	} else {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			return s, nil // a stray '>' is reported with the part it belongs to
		}
		name, rest = s[:lt], s[lt:]
	}
	if bad := collect(name, isDisplayNameSpecial); len(bad) > 0 {
		return "", invalidEmail("The display name contains invalid characters: %s.", describe(bad))
	}
	return rest[1 : len(rest)-1], nil
}

// closingQuote returns the index of the quote that closes the quoted string
// opening s, honouring backslash escapes (RFC 5322 3.2.4), or -1.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// normalizeLocalPart checks the part before the @-sign and returns it in NFC.
func normalizeLocalPart(local string) (string, error) {
	if local == "" {
		return "", invalidEmail("There must be something before the @-sign.")
	}
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		return "", invalidEmail("Quoting the part before the @-sign is not allowed here.")
	}
	local = norm.NFC.String(local)
	if n := len(local) - maxLocalLength; n > 0 {
		return "", invalidEmail("The email address is too long before the @-sign %s.", tooMany(local, n))
	}
	if bad := collect(local, func(r rune) bool { return r < utf8.RuneSelf && !isAtext(r) && r != '.' }); len(bad) > 0 {
		return "", invalidEmail("The email address contains invalid characters before the @-sign: %s.", describe(bad))
	}
	if bad := unsafeInPart(local); len(bad) > 0 {
		return "", invalidEmail("The email address contains unsafe characters: %s.", describe(bad))
	}
	switch {
	case strings.HasPrefix(local, "."):
		return "", invalidEmail("An email address cannot start with a period.")
	case strings.HasSuffix(local, "."):
		return "", invalidEmail("An email address cannot have a period immediately before the @-sign.")
	case strings.Contains(local, ".."):
		return "", invalidEmail("An email address cannot have two periods in a row.")
	}
	return local, nil
}

// normalizeDomain checks the part after the @-sign and returns its
// lower-case ASCII (A-label) form.
func normalizeDomain(domain string) (string, error) {
	if domain == "" {
		return "", invalidEmail("There must be something after the @-sign.")
	}
	if domain[0] == '[' {
		return "", invalidEmail("A bracketed IP address after the @-sign is not allowed here.")
	}
	if bad := collect(domain, func(r rune) bool { return r < utf8.RuneSelf && !isLDH(r) && r != '.' }); len(bad) > 0 {
		return "", invalidEmail("The part after the @-sign contains invalid characters: %s.", describe(bad))
	}
	if bad := unsafeInPart(domain); len(bad) > 0 {
		return "", invalidEmail("The email address contains unsafe characters: %s.", describe(bad))
	}

	// Dots and hyphens are judged after the UTS #46 mapping, which turns
	// fullwidth and ideographic stops into '.', so that the reason is
	// precise; the lookup conversion below would only say "invalid".
	mapped, _ := idna.New(idna.MapForLookup(), idna.Transitional(false), idna.ValidateLabels(false)).ToUnicode(domain)
	if err := checkDomainPunctuation(mapped); err != nil {
		return "", err
	}
	ascii, err := idna.New(idna.MapForLookup(), idna.Transitional(false), idna.BidiRule()).ToASCII(domain)
	if err != nil {
		return "", invalidEmail("The part after the @-sign is not a valid internationalized domain name.")
	}
	for label := range strings.SplitSeq(ascii, ".") {
		if n := len(label) - maxLabelLength; n > 0 {
			return "", invalidEmail("After the @-sign, periods cannot be separated by so many characters %s.", tooMany(label, n))
		}
		if !isHostLabel(label) { // the conversion above should prevent it
			return "", invalidEmail("The part after the @-sign is not a valid internationalized domain name.")
		}
	}
	tld := ascii[strings.LastIndexByte(ascii, '.')+1:]
	if isSpecialUse(tld) {
		return "", invalidEmail("The domain name %s is a special-use or reserved name that cannot be used with email.", ascii)
	}
	if tld == ascii {
		return "", invalidEmail("The part after the @-sign is not valid. It should have a period.")
	}
	if strings.IndexFunc(tld, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return "", invalidEmail("The part after the @-sign is not valid. It is not within a valid top-level domain.")
	}
	return ascii, nil
}

// isSpecialUse reports whether a domain under the top-level domain tld is a
// special-use name that is never globally deliverable (RFC 6761, RFC 6762,
// RFC 7686, RFC 3172). The example domains are deliberately absent, as in
// email-validator: RFC 6761 asks applications not to treat them specially.
func isSpecialUse(tld string) bool {
	switch tld {
	case "arpa", "invalid", "local", "localhost", "onion", "test":
		return true
	}
	return false
}

// checkDomainPunctuation enforces the placement of dots and hyphens in a
// mapped domain (RFC 952, RFC 1123 2.1, RFC 5891 4.2.3.1).
func checkDomainPunctuation(d string) error {
	switch {
	case strings.HasSuffix(d, "."):
		return invalidEmail("An email address cannot end with a period.")
	case strings.HasPrefix(d, "."):
		return invalidEmail("An email address cannot have a period immediately after the @-sign.")
	case strings.Contains(d, ".."):
		return invalidEmail("An email address cannot have two periods in a row.")
	case strings.HasSuffix(d, "-"):
		return invalidEmail("An email address cannot end with a hyphen.")
	case strings.HasPrefix(d, "-"):
		return invalidEmail("An email address cannot have a hyphen immediately after the @-sign.")
	case strings.Contains(d, ".-") || strings.Contains(d, "-."):
		return invalidEmail("An email address cannot have a period and a hyphen next to each other.")
	}
	for label := range strings.SplitSeq(d, ".") {
		// Only Punycode may use "--" in the third and fourth places.
		if len(label) >= 4 && label[2:4] == "--" && !strings.HasPrefix(label, "xn") {
			return invalidEmail("An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.")
		}
	}
	return nil
}

// isUnsafeAnywhere reports the code points refused everywhere in an address,
// display name included: controls (Cc), format characters such as zero-width
// spaces, joiners and bidi controls (Cf), line and paragraph separators,
// private-use and unassigned code points, variation selectors, the other
// default-ignorable code points (Hangul fillers, the combining grapheme
// joiner) and U+FFFD, the mark of an earlier decoding failure. Each can make
// an address render as another one (Unicode TR #36, UTS #39).
func isUnsafeAnywhere(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	return r == utf8.RuneError ||
		!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs) ||
		unicode.In(r, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// unsafeInPart returns the non-ASCII code points an address part may not
// hold although a display name may: spaces, and a combining mark in first
// place, which would combine with whatever precedes the part.
func unsafeInPart(part string) []rune {
	first, _ := utf8.DecodeRuneInString(part)
	bad := collect(part, func(r rune) bool { return r >= utf8.RuneSelf && unicode.Is(unicode.Zs, r) })
	if unicode.Is(unicode.M, first) && !slices.Contains(bad, first) {
		bad = append(bad, first)
		slices.Sort(bad)
	}
	return bad
}

// isDisplayNameSpecial reports the characters an unquoted display name may
// not hold: RFC 5322 3.2.3 specials, except '.' (obs-phrase).
func isDisplayNameSpecial(r rune) bool { return strings.ContainsRune(`()<>[]:;@\,"`, r) }

// isAtext reports whether the ASCII rune r is RFC 5322 3.2.3 atext.
func isAtext(r rune) bool {
	return isAlnum(r) || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}

// isLDH reports whether the ASCII rune r may appear in a host name label
// (RFC 952, RFC 1123 2.1).
func isLDH(r rune) bool { return isAlnum(r) || r == '-' }

// isHostLabel reports whether label is a lower-case LDH label: letters,
// digits and inner hyphens (RFC 952, RFC 1123 2.1).
func isHostLabel(label string) bool {
	return label != "" && label[0] != '-' && label[len(label)-1] != '-' &&
		strings.IndexFunc(label, func(r rune) bool { return !isLDH(r) || 'A' <= r && r <= 'Z' }) < 0
}

func isAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// isSpace reports the spaces stripped around an address: Unicode Zs only,
// since every other white space is a control character and refused.
func isSpace(r rune) bool { return unicode.Is(unicode.Zs, r) }

// collect returns the distinct runes of s for which bad reports true, sorted.
func collect(s string, bad func(rune) bool) []rune {
	var out []rune
	for _, r := range s {
		if bad(r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// describe lists runes for a reason: visible ones quoted, others as U+XXXX,
// at most maxListedRunes of them.
func describe(rs []rune) string {
	parts := make([]string, 0, min(len(rs), maxListedRunes)+1)
	for i, r := range rs {
		if i == maxListedRunes {
			parts = append(parts, "...")
			break
		}
		switch {
		case r == ' ':
			parts = append(parts, "SPACE")
		case r == '\'':
			parts = append(parts, `"'"`)
		case !isUnsafeAnywhere(r) && unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
			parts = append(parts, "'"+string(r)+"'")
		default:
			parts = append(parts, fmt.Sprintf("U+%04X", r))
		}
	}
	return strings.Join(parts, ", ")
}

// tooMany words the excess length n of s the way email-validator does. The
// limits count bytes, which are characters only when s is ASCII.
func tooMany(s string, n int) string {
	unit := "character"
	if strings.IndexFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0 {
		unit = "byte"
	}
	if n > 1 {
		unit += "s"
	}
	return fmt.Sprintf("(%d %s too many)", n, unit)
}

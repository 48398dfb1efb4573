package user

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// Addresses at the length limits: a 64-byte local part, 63-byte labels and
// a 254-byte whole.
var (
	local64   = strings.Repeat("l", 64)
	domain189 = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 58) + ".bt"
	max254    = local64 + "@" + domain189
)

var acceptedEmails = []struct {
	name, in, want string
}{
	{"plain", "king.arthur@camelot.bt", "king.arthur@camelot.bt"},
	{"local part keeps its case", "King.Arthur@camelot.bt", "King.Arthur@camelot.bt"},
	{"domain lower-cased", "King.Arthur@CaMeLoT.BT", "King.Arthur@camelot.bt"},
	{"example.com is fine", "arthur@example.com", "arthur@example.com"},
	{"subdomain", "arthur@mail.camelot.bt", "arthur@mail.camelot.bt"},
	{"surrounding spaces stripped", "  king.arthur@camelot.bt   ", "king.arthur@camelot.bt"},
	{"surrounding no-break and ideographic spaces stripped", "\u00a0\u3000king.arthur@camelot.bt\u3000", "king.arthur@camelot.bt"},
	{"display name", "King Arthur <king.arthur@camelot.bt>", "king.arthur@camelot.bt"},
	{"display name without space", "Arthur<king.arthur@camelot.bt>", "king.arthur@camelot.bt"},
	{"display name with a dot", "Dr. Merlin <merlin@camelot.bt>", "merlin@camelot.bt"},
	{"quoted display name", `"Arthur, King of the Britons" <king.arthur@camelot.bt>`, "king.arthur@camelot.bt"},
	{"quoted display name with @ and escaped quote", `"arthur@home \"the king\"" <king.arthur@camelot.bt>`, "king.arthur@camelot.bt"},
	{"empty display name", "<king.arthur@camelot.bt>", "king.arthur@camelot.bt"},
	{"display name and surrounding spaces", "  Arthur   <King.Arthur@Camelot.BT>  ", "King.Arthur@camelot.bt"},
	{"every atext character", "!#$%&'*+-/=?^_`{|}~09azAZ@camelot.bt", "!#$%&'*+-/=?^_`{|}~09azAZ@camelot.bt"},
	{"plus tag", "arthur+grail@camelot.bt", "arthur+grail@camelot.bt"},
	{"internationalised local part", "артур@camelot.bt", "артур@camelot.bt"},
	{"local part put in NFC", "arthu\u0301r@camelot.bt", "arth\u00far@camelot.bt"},
	{"fullwidth local part kept", "ｋｉｎｇ@camelot.bt", "ｋｉｎｇ@camelot.bt"},
	{"IDN domain encoded", "user@bücher.de", "user@xn--bcher-kva.de"},
	{"IDN domain upper case", "user@BÜCHER.DE", "user@xn--bcher-kva.de"},
	{"A-label domain kept", "user@xn--bcher-kva.de", "user@xn--bcher-kva.de"},
	{"A-label upper case", "user@XN--BCHER-KVA.DE", "user@xn--bcher-kva.de"},
	{"eszett is not transitional", "user@faß.de", "user@xn--fa-hia.de"},
	{"fullwidth domain and stops", "user@ｃａｍｅｌｏｔ．ｂｔ", "user@camelot.bt"},
	{"ideographic full stop", "user@camelot。bt", "user@camelot.bt"},
	{"all internationalised", "用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"},
	{"right-to-left domain", "user@مثال.com", "user@xn--mgbh0fb.com"},
	{"hyphen inside a label", "user@camel-ot.bt", "user@camel-ot.bt"},
	{"digits in a label", "user@camelot2.bt", "user@camelot2.bt"},
	{"TLD with a digit", "user@camelot.b2", "user@camelot.b2"},
	{"local part of 64 bytes", local64 + "@camelot.bt", local64 + "@camelot.bt"},
	{"label of 63 bytes", "user@" + strings.Repeat("a", 63) + ".bt", "user@" + strings.Repeat("a", 63) + ".bt"},
	{"254 bytes", max254, max254},
}

func TestNormalizeEmailAccepts(t *testing.T) {
	for _, tc := range acceptedEmails {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeEmail(tc.in)
			if err != nil {
				t.Fatalf("NormalizeEmail(%q) failed: %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("NormalizeEmail(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizeEmailRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, in, reason string
	}{
		// Structure.
		{"empty", "", "An email address must have an @-sign."},
		{"only spaces", "   ", "An email address must have an @-sign."},
		{"no @-sign", "king.arthur.camelot.bt", "An email address must have an @-sign."},
		{"two @-signs", "king@arthur@camelot.bt", "The email address contains invalid characters before the @-sign: '@'."},
		{"nothing before @", "@camelot.bt", "There must be something before the @-sign."},
		{"nothing after @", "arthur@", "There must be something after the @-sign."},
		{"input over 1 KiB", strings.Repeat("a", 1020) + "@b.bt", "The email address is too long."},
		{"invalid UTF-8", "arthur\xff@camelot.bt", "The email address contains an invalid character."},

		// Display names.
		{"unclosed quoted display name", `"Arthur <king.arthur@camelot.bt>`, "The display name has an unclosed quotation mark."},
		{"text after quoted display name", `"Arthur" Pendragon <king.arthur@camelot.bt>`, "A quoted display name must be followed by the email address in angle brackets."},
		{"special in display name", "Arthur, King <king.arthur@camelot.bt>", "The display name contains invalid characters: ','."},
		{"@ in unquoted display name", "arthur@home <king.arthur@camelot.bt>", "The display name contains invalid characters: '@'."},
		{"unopened angle bracket", "king.arthur@camelot.bt>", "The part after the @-sign contains invalid characters: '>'."},
		{"unclosed angle bracket", "Arthur <king.arthur@camelot.bt", "The email address contains invalid characters before the @-sign: SPACE, '<'."},
		{"text after angle brackets", "<king.arthur@camelot.bt> Arthur", "The email address contains invalid characters before the @-sign: '<'."},
		{"spaces inside angle brackets", "Arthur < king.arthur@camelot.bt >", "The email address contains invalid characters before the @-sign: SPACE."},
		{"empty angle brackets", "Arthur <>", "An email address must have an @-sign."},

		// Local part.
		{"quoted local part", `"king arthur"@camelot.bt`, "Quoting the part before the @-sign is not allowed here."},
		{"quoted local part with @", `"king@arthur"@camelot.bt`, "Quoting the part before the @-sign is not allowed here."},
		{"space in local part", "king arthur@camelot.bt", "The email address contains invalid characters before the @-sign: SPACE."},
		{"specials in local part", "king(arthur)[1]@camelot.bt", "The email address contains invalid characters before the @-sign: '(', ')', '[', ']'."},
		{"backslash and quote in local part", `ki"ng\arthur@camelot.bt`, `The email address contains invalid characters before the @-sign: '"', '\'.`},
		{"many invalid characters listed briefly", "a(b)c<d>e[f]g@camelot.bt", "The email address contains invalid characters before the @-sign: '(', ')', '<', '>', '[', ...."},
		{"leading dot", ".arthur@camelot.bt", "An email address cannot start with a period."},
		{"trailing dot", "arthur.@camelot.bt", "An email address cannot have a period immediately before the @-sign."},
		{"double dot", "king..arthur@camelot.bt", "An email address cannot have two periods in a row."},
		{"local part of 65 bytes", local64 + "l@camelot.bt", "The email address is too long before the @-sign (1 character too many)."},
		{"local part of 66 bytes", local64 + "ll@camelot.bt", "The email address is too long before the @-sign (2 characters too many)."},
		{"internationalised local part over 64 bytes", strings.Repeat("é", 33) + "@camelot.bt", "The email address is too long before the @-sign (2 bytes too many)."},
		{"no-break space in local part", "king\u00a0arthur@camelot.bt", "The email address contains unsafe characters: U+00A0."},
		{"combining mark first in local part", "\u0301arthur@camelot.bt", "The email address contains unsafe characters: U+0301."},

		// Control and invisible characters, anywhere.
		{"CR LF inside", "king.arthur@camelot.bt\r\nBcc: merlin@camelot.bt", "The email address contains unsafe characters: U+000A, U+000D."},
		{"trailing LF", "king.arthur@camelot.bt\n", "The email address contains unsafe characters: U+000A."},
		{"leading tab", "\tking.arthur@camelot.bt", "The email address contains unsafe characters: U+0009."},
		{"NUL", "king\x00arthur@camelot.bt", "The email address contains unsafe characters: U+0000."},
		{"DEL", "king\x7farthur@camelot.bt", "The email address contains unsafe characters: U+007F."},
		{"C1 control", "king\u0085arthur@camelot.bt", "The email address contains unsafe characters: U+0085."},
		{"zero-width space", "king\u200barthur@camelot.bt", "The email address contains unsafe characters: U+200B."},
		{"zero-width non-joiner", "king\u200carthur@camelot.bt", "The email address contains unsafe characters: U+200C."},
		{"zero-width joiner in domain", "arthur@came\u200dlot.bt", "The email address contains unsafe characters: U+200D."},
		{"word joiner", "king\u2060arthur@camelot.bt", "The email address contains unsafe characters: U+2060."},
		{"byte order mark", "\ufeffking.arthur@camelot.bt", "The email address contains unsafe characters: U+FEFF."},
		{"left-to-right mark", "king.arthur@camelot.bt\u200e", "The email address contains unsafe characters: U+200E."},
		{"right-to-left mark", "king\u200farthur@camelot.bt", "The email address contains unsafe characters: U+200F."},
		{"right-to-left override", "arthur@camelot.\u202etb", "The email address contains unsafe characters: U+202E."},
		{"bidi embedding", "\u202aking.arthur@camelot.bt", "The email address contains unsafe characters: U+202A."},
		{"bidi isolates", "\u2066king\u2069@camelot.bt", "The email address contains unsafe characters: U+2066, U+2069."},
		{"soft hyphen", "king\u00adarthur@camelot.bt", "The email address contains unsafe characters: U+00AD."},
		{"Mongolian vowel separator", "king\u180earthur@camelot.bt", "The email address contains unsafe characters: U+180E."},
		{"Hangul filler", "king\u3164@camelot.bt", "The email address contains unsafe characters: U+3164."},
		{"combining grapheme joiner", "king\u034farthur@camelot.bt", "The email address contains unsafe characters: U+034F."},
		{"variation selector", "king\ufe0farthur@camelot.bt", "The email address contains unsafe characters: U+FE0F."},
		{"tag character", "king\U000e0041@camelot.bt", "The email address contains unsafe characters: U+E0041."},
		{"line separator", "king\u2028arthur@camelot.bt", "The email address contains unsafe characters: U+2028."},
		{"private use", "king\ue000@camelot.bt", "The email address contains unsafe characters: U+E000."},
		{"noncharacter", "king\ufffe@camelot.bt", "The email address contains unsafe characters: U+FFFE."},
		{"replacement character", "king\ufffd@camelot.bt", "The email address contains unsafe characters: U+FFFD."},
		{"control in display name", "Arthur\u200b <king.arthur@camelot.bt>", "The email address contains unsafe characters: U+200B."},

		// Domain.
		{"no dot", "arthur@camelot", "The part after the @-sign is not valid. It should have a period."},
		{"numeric TLD", "arthur@camelot.123", "The part after the @-sign is not valid. It is not within a valid top-level domain."},
		{"IPv4 as a name", "arthur@192.168.0.1", "The part after the @-sign is not valid. It is not within a valid top-level domain."},
		{"IPv4 literal", "arthur@[192.168.0.1]", "A bracketed IP address after the @-sign is not allowed here."},
		{"IPv6 literal", "arthur@[IPv6:::1]", "A bracketed IP address after the @-sign is not allowed here."},
		{"underscore in domain", "arthur@came_lot.bt", "The part after the @-sign contains invalid characters: '_'."},
		{"space in domain", "arthur@came lot.bt", "The part after the @-sign contains invalid characters: SPACE."},
		{"no-break space in domain", "arthur@came\u00a0lot.bt", "The email address contains unsafe characters: U+00A0."},
		{"combining mark first in domain", "arthur@\u0301camelot.bt", "The email address contains unsafe characters: U+0301."},
		{"domain starts with a dot", "arthur@.camelot.bt", "An email address cannot have a period immediately after the @-sign."},
		{"domain ends with a dot", "arthur@camelot.bt.", "An email address cannot end with a period."},
		{"domain ends with a fullwidth stop", "arthur@camelot.bt．", "An email address cannot end with a period."},
		{"double dot in domain", "arthur@camelot..bt", "An email address cannot have two periods in a row."},
		{"domain starts with a hyphen", "arthur@-camelot.bt", "An email address cannot have a hyphen immediately after the @-sign."},
		{"domain ends with a hyphen", "arthur@camelot.bt-", "An email address cannot end with a hyphen."},
		{"label ends with a hyphen", "arthur@camelot-.bt", "An email address cannot have a period and a hyphen next to each other."},
		{"label starts with a hyphen", "arthur@mail.-camelot.bt", "An email address cannot have a period and a hyphen next to each other."},
		{"reserved LDH label", "arthur@ab--camelot.bt", "An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode."},
		{"bad Punycode", "arthur@xn--zz.bt", "The part after the @-sign is not a valid internationalized domain name."},
		{"Punycode of ASCII", "arthur@xn--camelot-.bt", "The part after the @-sign is not a valid internationalized domain name."},
		{"disallowed code point", "arthur@⒈.bt", "The part after the @-sign is not a valid internationalized domain name."},
		{"bidi rule", "arthur@aم.com", "The part after the @-sign is not a valid internationalized domain name."},
		{"label of 64 bytes", "arthur@" + strings.Repeat("a", 64) + ".bt", "After the @-sign, periods cannot be separated by so many characters (1 character too many)."},
		{"255 bytes", local64 + "@" + strings.Replace(domain189, ".bt", "c.bt", 1), "The email address is too long (1 character too many)."},

		// Special-use domains.
		{"localhost", "arthur@localhost", "The domain name localhost is a special-use or reserved name that cannot be used with email."},
		{"LOCALHOST", "arthur@LOCALHOST", "The domain name localhost is a special-use or reserved name that cannot be used with email."},
		{"fullwidth localhost", "arthur@ｌｏｃａｌｈｏｓｔ", "The domain name localhost is a special-use or reserved name that cannot be used with email."},
		{"under localhost", "arthur@mail.localhost", "The domain name mail.localhost is a special-use or reserved name that cannot be used with email."},
		{"local", "arthur@camelot.local", "The domain name camelot.local is a special-use or reserved name that cannot be used with email."},
		{"test", "arthur@camelot.test", "The domain name camelot.test is a special-use or reserved name that cannot be used with email."},
		{"invalid", "arthur@camelot.invalid", "The domain name camelot.invalid is a special-use or reserved name that cannot be used with email."},
		{"onion", "arthur@camelot.onion", "The domain name camelot.onion is a special-use or reserved name that cannot be used with email."},
		{"arpa", "arthur@1.0.168.192.in-addr.arpa", "The domain name 1.0.168.192.in-addr.arpa is a special-use or reserved name that cannot be used with email."},
		{"bare TLD test", "arthur@test", "The domain name test is a special-use or reserved name that cannot be used with email."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeEmail(tc.in)
			if err == nil {
				t.Fatalf("NormalizeEmail(%q) = %q, want an error", tc.in, got)
			}
			var ie *InvalidEmailError
			if !errors.As(err, &ie) {
				t.Fatalf("NormalizeEmail(%q) error %T is not *InvalidEmailError", tc.in, err)
			}
			if ie.Reason != tc.reason {
				t.Fatalf("NormalizeEmail(%q) reason\n got %q\nwant %q", tc.in, ie.Reason, tc.reason)
			}
			if got != "" {
				t.Fatalf("NormalizeEmail(%q) returned %q with an error", tc.in, got)
			}
		})
	}
}

func TestNormalizeEmailIsIdempotent(t *testing.T) {
	for _, tc := range acceptedEmails {
		t.Run(tc.name, func(t *testing.T) {
			again, err := NormalizeEmail(tc.want)
			if err != nil {
				t.Fatalf("NormalizeEmail(%q), its own output, failed: %v", tc.want, err)
			}
			if again != tc.want {
				t.Fatalf("NormalizeEmail(%q) = %q, not idempotent", tc.want, again)
			}
		})
	}
}

func TestInvalidEmailErrorEchoesOnlyTheOffendingPart(t *testing.T) {
	const secret = "hunter2hunter2"
	for _, tc := range []struct{ name, in string }{
		{"bad character", secret + "<@camelot.bt"},
		{"unsafe character", secret + "\u200b@camelot.bt"},
		{"too long", strings.Repeat(secret, 5) + "@camelot.bt"},
		{"special-use domain", secret + "@localhost"},
		{"display name", secret + ", x <a@camelot.bt>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NormalizeEmail(tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error %q echoes the input", err)
			}
			if !strings.HasPrefix(err.Error(), "user: invalid email address: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
		})
	}
}

// isInvisible reports the characters the output must never hold.
func isInvisible(r rune) bool { return isUnsafeAnywhere(r) || isSpace(r) }

func FuzzNormalizeEmail(f *testing.F) {
	for _, tc := range acceptedEmails {
		f.Add(tc.in)
	}
	for _, s := range []string{
		"", "@", "a@b", "a@b.c\r\n", `"a"@b.c`, "a <b@c.d", `"\" <a@b.c>`, "a@xn--.bt", "a@xn--zca.xn--zca",
		"a@[::1]", "a@1.2.3.4", "a@۱.com", "a@ß.com", "\u0301@b.c", "a@b\u3002\u3002c", "a@ǅ.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeEmail(in)
		if err != nil {
			var ie *InvalidEmailError
			if !errors.As(err, &ie) || ie.Reason == "" {
				t.Fatalf("NormalizeEmail(%q): error %v is not an *InvalidEmailError with a reason", in, err)
			}
			return
		}
		if len(out) > 254 {
			t.Fatalf("NormalizeEmail(%q) = %q: %d bytes", in, out, len(out))
		}
		if !utf8.ValidString(out) {
			t.Fatalf("NormalizeEmail(%q) = %q: invalid UTF-8", in, out)
		}
		if i := strings.IndexFunc(out, isInvisible); i >= 0 {
			t.Fatalf("NormalizeEmail(%q) = %q: invisible character at %d", in, out, i)
		}
		if strings.Count(out, "@") != 1 {
			t.Fatalf("NormalizeEmail(%q) = %q: not exactly one @-sign", in, out)
		}
		again, err := NormalizeEmail(out)
		if err != nil {
			t.Fatalf("NormalizeEmail(%q) = %q, which is refused: %v", in, out, err)
		}
		if again != out {
			t.Fatalf("NormalizeEmail(%q) = %q, which normalises to %q", in, out, again)
		}
	})
}

func BenchmarkNormalizeEmail(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"ASCII", "King.Arthur@Camelot.BT"},
		{"IDN", "user@bücher.de"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NormalizeEmail(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

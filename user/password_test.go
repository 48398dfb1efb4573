package user_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/usersauth/usersauth/user"
)

// listOf is a PasswordList of the given lower-case passwords; the real
// list lives in user/commonpw, which package user and its tests must not
// import (a host that does not turn it on pays nothing for it).
type listOf map[string]bool

func (l listOf) Contains(password string) bool { return l[strings.ToLower(password)] }

var common = listOf{"password1": true, "iloveyou": true, "trustno1": true}

const (
	reasonCommon    = "Password should not be a commonly used password"
	reasonFromEmail = "Password should not be built from the e-mail address"
)

func TestPasswordPolicyRejectCommon(t *testing.T) {
	on := user.PasswordPolicy{RejectCommon: common}
	const email = "King.Arthur@camelot.bt"
	tests := []struct {
		name     string
		policy   user.PasswordPolicy
		password string
		emails   []string
		reason   string // "" means accepted
	}{
		{"common", on, "password1", []string{email}, reasonCommon},
		{"common in another case", on, "PassWord1", []string{email}, reasonCommon},
		{"common, without e-mail", on, "iloveyou", nil, reasonCommon},
		{"length comes first", on, "pass", nil, "Password should be at least 8 characters"},
		{"not common", on, "correct horse battery staple", []string{email}, ""},
		{"a common one with more", on, "password12", []string{email}, ""},
		{"off by default", user.PasswordPolicy{}, "password1", []string{email}, ""},
		{"e-mail rule off by default", user.PasswordPolicy{}, "king.arthur2024", []string{email}, ""},

		{"local part", on, "king.arthur", []string{email}, reasonFromEmail},
		{"local part, other case", on, "KING.ARTHUR", []string{email}, reasonFromEmail},
		{"digits appended", on, "King.Arthur2024", []string{email}, reasonFromEmail},
		{"punctuation appended", on, "king.arthur!!", []string{email}, reasonFromEmail},
		{"digits and punctuation around", on, "1!King.Arthur99?", []string{email}, reasonFromEmail},
		{"other separators", on, "King_Arthur#1", []string{email}, reasonFromEmail},
		{"no separators", on, "kingarthur99", []string{email}, reasonFromEmail},
		{"the address", on, "king.arthur@camelot.bt", []string{email}, reasonFromEmail},
		{"the address, other case, digits", on, "KING.ARTHUR@CAMELOT.BT1", []string{email}, reasonFromEmail},
		{"containing the address", on, "my king.arthur@camelot.bt login", []string{email}, reasonFromEmail},
		{"tag dropped", on, "King.Arthur1!", []string{"king.arthur+news@camelot.bt"}, reasonFromEmail},
		{"digits of the local part", on, "arthur1987", []string{"arthur1987@camelot.bt"}, reasonFromEmail},
		{"other digits than the local part's", on, "arthur2024!", []string{"arthur1987@camelot.bt"}, reasonFromEmail},
		{"all-digit local part", on, "12345678!", []string{"12345678@camelot.bt"}, reasonFromEmail},
		{"the new address on a change", on, "lancelot99", []string{email, "lancelot@camelot.bt"}, reasonFromEmail},
		{"without the address, no e-mail rule", on, "king.arthur2024", nil, ""},

		{"a word of the local part", on, "arthur2024", []string{email}, ""},
		{"more letters", on, "kingarthurs", []string{email}, ""},
		{"letters between digits", on, "king1arthur", []string{email}, ""},
		{"unrelated", on, "excalibur-in-the-lake", []string{email}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.CheckFor(tt.password, tt.emails...)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("CheckFor(%q) = %v, want accepted", tt.password, err)
				}
				return
			}
			var ipe *user.InvalidPasswordError
			if !errors.As(err, &ipe) || ipe.Reason != tt.reason {
				t.Fatalf("CheckFor(%q) = %v, want reason %q", tt.password, err, tt.reason)
			}
			if strings.Contains(ipe.Reason, tt.password) {
				t.Errorf("the reason %q quotes the password", ipe.Reason)
			}
		})
	}
}

// TestPasswordPolicyCheckHasNoEmailRule: Check knows no e-mail, so it
// applies the list only.
func TestPasswordPolicyCheckHasNoEmailRule(t *testing.T) {
	p := user.PasswordPolicy{RejectCommon: common}
	if err := p.Check("trustno1"); err == nil {
		t.Error("Check accepted a common password")
	}
	if err := p.Check("king.arthur2024"); err != nil {
		t.Errorf("Check = %v, want accepted", err)
	}
}

// knownReason matches every reason PasswordPolicy gives.
var knownReason = regexp.MustCompile(`^(Password should be (at least|at most) \d+ (characters|bytes)|Password should be valid UTF-8|` +
	regexp.QuoteMeta(reasonCommon) + "|" + regexp.QuoteMeta(reasonFromEmail) + ")$")

// FuzzPasswordPolicy: any password and address are checked without panic;
// a refusal is one of the policy's fixed reasons, so it never quotes the
// password; case never matters to an ASCII password; and the address's
// local part with digits or punctuation around is always refused.
func FuzzPasswordPolicy(f *testing.F) {
	f.Add("King.Arthur2024!", "king.arthur@camelot.bt", "2024!")
	f.Add("password1", "merlin@camelot.bt", "")
	f.Add("", "", "1")
	f.Add("\xff\xfe", "\xff@\xfe", ".")
	f.Add("ǅemal", "ǆemal@camelot.bt", "99")
	p := user.PasswordPolicy{RejectCommon: common}
	f.Fuzz(func(t *testing.T, password, email, suffix string) {
		err := p.CheckFor(password, email)
		if err != nil {
			var ipe *user.InvalidPasswordError
			if !errors.As(err, &ipe) || !knownReason.MatchString(ipe.Reason) {
				t.Fatalf("CheckFor = %v: not one of the policy's reasons", err)
			}
		}
		if isASCII(password) {
			if swapped := swapCase(password); (p.CheckFor(swapped, email) == nil) != (err == nil) {
				t.Fatalf("CheckFor(%q) and CheckFor(%q) disagree", password, swapped)
			}
		}
		local := email
		if at := strings.LastIndexByte(email, '@'); at >= 0 {
			local = email[:at]
		}
		local, _, _ = strings.Cut(local, "+")
		if !isASCII(local) || !isASCII(suffix) || strings.ContainsFunc(suffix, isLetter) || !strings.ContainsFunc(local, isLetter) {
			return
		}
		built := suffix + local + suffix
		if n := utf8.RuneCountInString(built); n < 8 || n > 128 {
			return
		}
		if err := p.CheckFor(built, strings.ToUpper(email)); err == nil {
			t.Fatalf("CheckFor(%q, %q) accepted a password built from the e-mail", built, email)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

package user

import "testing"

type member struct {
	Base
	Nickname string
}

func TestCloneIsIndependent(t *testing.T) {
	orig := &member{Base: Base{Email: "a@camelot.bt", IsActive: true}, Nickname: "art"}
	c := Clone(orig)
	c.Email = "b@camelot.bt"
	c.Nickname = "lance"
	if orig.Email != "a@camelot.bt" || orig.Nickname != "art" {
		t.Fatalf("clone shares storage with the original: %+v", orig)
	}
	if !c.IsActive {
		t.Fatal("clone lost a field")
	}
}

// TestCloneUser: the ready-made type, copied without reflection, is as
// independent, with every field.
func TestCloneUser(t *testing.T) {
	orig := &User{Base: Base{Email: "a@camelot.bt", IsActive: true, TokenEpoch: 3, EndedSessions: "x"}}
	c := Clone(orig)
	if c == orig || *c != *orig {
		t.Fatalf("Clone = %p %+v, of %p %+v", c, c, orig, orig)
	}
	c.Email = "b@camelot.bt"
	if orig.Email != "a@camelot.bt" {
		t.Fatalf("clone shares storage with the original: %+v", orig)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Clone(orig) }); n != 1 {
		t.Fatalf("Clone of a *User allocates %v times, want 1 (the copy)", n)
	}
}

func TestNewIsZero(t *testing.T) {
	u := New[*member]()
	if u == nil || u.Email != "" || u.Nickname != "" {
		t.Fatalf("New returned %+v", u)
	}
}

func TestEmailKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"King.Arthur@camelot.bt", "king.arthur@camelot.bt"},
		{"ｋｉｎｇ.arthur@camelot.bt", "king.arthur@camelot.bt"},
		{"king.arthur@CAMELOT.BT", "king.arthur@camelot.bt"},
	} {
		if got := EmailKey(tc.in); got != tc.want {
			t.Errorf("EmailKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

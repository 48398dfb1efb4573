package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

var bufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// AppendUser appends u's public JSON (UserRead) to dst. A user type without
// fields of its own is written by hand: this runs on every GET /users/me, and
// reflection there would cost more than the rest of the request. Other types
// go through encoding/json, which flattens the embedded Base.
func AppendUser[U user.Model](dst []byte, schema *user.Schema, u U) ([]byte, error) {
	if len(schema.Fields) == 0 {
		return AppendBase(dst, u.UserBase()), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(u); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

// WriteUser answers u's public JSON with status, through a pooled buffer.
func WriteUser[U user.Model](w http.ResponseWriter, status int, schema *user.Schema, u U) error {
	bp := bufferPool.Get().(*[]byte)
	buf, err := AppendUser((*bp)[:0], schema, u)
	if err == nil {
		WriteJSON(w, status, buf)
	}
	*bp = buf[:0]
	bufferPool.Put(bp)
	return err
}

// WriteUserWithAccounts answers u's public JSON with "oauth_accounts": each
// account's id, provider, account id, e-mail and expiry, never its tokens.
func WriteUserWithAccounts[U user.Model](w http.ResponseWriter, status int, schema *user.Schema, u U, accs []user.OAuthAccount) error {
	buf, err := AppendUser(nil, schema, u)
	if err != nil {
		return err
	}
	if len(buf) == 0 || buf[len(buf)-1] != '}' {
		return errors.New("wire: user JSON is not an object")
	}
	buf = append(buf[:len(buf)-1], `,"oauth_accounts":[`...)
	for i, acc := range accs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"id":"`...)
		buf = AppendUUID(buf, acc.ID)
		buf = append(buf, `","oauth_name":`...)
		buf = AppendString(buf, acc.OAuthName)
		buf = append(buf, `,"account_id":`...)
		buf = AppendString(buf, acc.AccountID)
		buf = append(buf, `,"account_email":`...)
		buf = AppendString(buf, acc.AccountEmail)
		buf = append(buf, `,"expires_at":`...)
		if acc.ExpiresAt == nil {
			buf = append(buf, "null"...)
		} else {
			buf = strconv.AppendInt(buf, *acc.ExpiresAt, 10)
		}
		buf = append(buf, '}')
	}
	WriteJSON(w, status, append(buf, "]}"...))
	return nil
}

// AppendBase appends the JSON of the fields every user has.
func AppendBase(dst []byte, b *user.Base) []byte {
	dst = append(dst, `{"id":"`...)
	dst = AppendUUID(dst, b.ID)
	dst = append(dst, `","email":`...)
	dst = AppendString(dst, b.Email)
	dst = append(dst, `,"is_active":`...)
	dst = strconv.AppendBool(dst, b.IsActive)
	dst = append(dst, `,"is_superuser":`...)
	dst = strconv.AppendBool(dst, b.IsSuperuser)
	dst = append(dst, `,"is_verified":`...)
	dst = strconv.AppendBool(dst, b.IsVerified)
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// AppendUUID appends id in its canonical lower-case dashed form.
func AppendUUID(dst []byte, id uuid.UUID) []byte {
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// AppendString appends s as a JSON string, escaping what RFC 8259 requires
// plus U+2028 and U+2029, and replacing invalid UTF-8 like encoding/json.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

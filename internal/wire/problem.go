package wire

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Problem is an HTTP error answer in the contract's format: {"detail": X}
// with X a code string or reason phrase, a {"code","reason"} object, or a
// list of validation errors. It is an error, so readers return it and
// handlers pass it on to the one error mapping unchanged.
type Problem struct {
	Status int
	// Detail is the "detail" member: a string, a CodeReason, or a
	// []ValidationError.
	Detail any
	// RetryAfter is sent as Retry-After, in whole seconds (at least one),
	// with 429 and 503 answers.
	RetryAfter time.Duration
}

func (p *Problem) Error() string { return http.StatusText(p.Status) }

// NewProblem is the answer with status and its reason phrase as detail, as
// FastAPI gives it when there is no code.
func NewProblem(status int) *Problem {
	return &Problem{Status: status, Detail: http.StatusText(status)}
}

// Code is a 400 answer whose detail is a contract code such as
// LOGIN_BAD_CREDENTIALS.
func Code(code string) *Problem { return &Problem{Status: http.StatusBadRequest, Detail: code} }

// Busy is a 503 or 429 answer telling the client when to come back.
func Busy(status int, retryAfter time.Duration) *Problem {
	p := NewProblem(status)
	p.RetryAfter = retryAfter
	return p
}

// CodeReason is the detail of a password-policy failure.
type CodeReason struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// WriteProblem answers p.
func WriteProblem(w http.ResponseWriter, p *Problem) {
	if p.Status == http.StatusServiceUnavailable || p.Status == http.StatusTooManyRequests {
		secs := int((p.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	body, err := json.Marshal(struct {
		Detail any `json:"detail"`
	}{p.Detail})
	status := p.Status
	if err != nil {
		body = []byte(`{"detail":"Internal Server Error"}`)
		status = http.StatusInternalServerError
	}
	WriteJSON(w, status, body)
}

var jsonContentType = []string{"application/json"}

// WriteJSON writes a complete JSON answer. Assigning the shared header slice
// instead of calling Header().Set saves an allocation per response; the
// slice is never modified.
func WriteJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = jsonContentType
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	w.Write(body)
}

// WriteValue answers v encoded as JSON with status.
func WriteValue(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	WriteJSON(w, status, body)
	return nil
}

// WriteNull answers the four bytes null, the contract's empty JSON body.
func WriteNull(w http.ResponseWriter, status int) { WriteJSON(w, status, []byte("null")) }

// WriteNoContent answers 204 with no body and no content type.
func WriteNoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Errors a Handler returns to choose the response status. Wrap them with
// context (fmt.Errorf("...: %w", ErrBadRequest)): the wrapped text becomes
// the error message of the envelope. statusOf maps every error to a status
// in one place.
var (
	// ErrBadRequest answers 400: the query is well formed but cannot be
	// answered as asked (a resource of the wrong kind, say).
	ErrBadRequest = errors.New("bad request")
	// ErrMaintenance answers 503 with status "maintenance": the call's
	// backend is being rebuilt or is not loaded yet.
	ErrMaintenance = errors.New("data call under maintenance")
	// ErrUnavailable answers 503 with status "error": the backend cannot
	// answer now (storage closed, say) but is not under maintenance.
	ErrUnavailable = errors.New("data temporarily unavailable")
)

// ParamError is a parameter that is missing or cannot be parsed. It
// answers 400 and its message names the parameter.
type ParamError struct {
	// Param is the query parameter's name.
	Param string
	// Value is the value as received (empty when the parameter is
	// missing).
	Value string
	// Reason says what is wrong, without the parameter's name.
	Reason string
	// Err is the underlying parse error, if any.
	Err error
}

// missing reports whether e is a missing required parameter.
func (e *ParamError) missing() bool { return e.Reason == "" && e.Value == "" && e.Err == nil }

// Error returns RIPEstat's wording for a missing parameter ("The
// parameter 'resource' is required.") and otherwise names the parameter,
// quotes its value (shortened) and says why it was refused.
func (e *ParamError) Error() string {
	if e.missing() {
		return fmt.Sprintf("The parameter '%s' is required.", e.Param)
	}
	reason := e.Reason
	if reason == "" && e.Err != nil {
		reason = e.Err.Error()
	}
	return fmt.Sprintf("Invalid value %s for parameter '%s': %s.", quote(e.Value), e.Param, strings.TrimSuffix(reason, "."))
}

// Unwrap returns the underlying parse error.
func (e *ParamError) Unwrap() error { return e.Err }

// BadParam returns a ParamError for a value a Handler refuses after the
// framework parsed it (a /0 where the call wants something narrower, a
// resource the data source does not know the kind of).
func BadParam(param, value, reason string) error {
	return &ParamError{Param: param, Value: value, Reason: reason}
}

// maxQuoted bounds how much of a refused value an error message repeats.
const maxQuoted = 80

// quote returns s as a Go-quoted string, cut to maxQuoted bytes (on a
// rune boundary) with "..." appended when it was longer. Invalid UTF-8
// and control characters come out as escapes, so the message stays
// printable.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", s[:cut])
}

// httpError is an error the framework itself answers with: an unknown
// call, a method other than GET, a query string too long, too many
// concurrent requests.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

// statusOf maps an error to the HTTP status, the envelope's status and
// the message shown to the client. internal is true for errors that are
// bugs or backend failures: their text is logged, not shown.
func statusOf(err error) (code int, status, msg string, internal bool) {
	var pe *ParamError
	var he *httpError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest, "error", pe.Error(), false
	case errors.As(err, &he):
		return he.code, "error", he.msg, false
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest, "error", err.Error(), false
	case errors.Is(err, ErrMaintenance):
		return http.StatusServiceUnavailable, "maintenance", err.Error(), false
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, "error", err.Error(), false
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "error", "The query took too long and was stopped; narrow the time window or the resource.", false
	default:
		return http.StatusInternalServerError, "error", "Internal server error; the query id identifies it in the server log.", true
	}
}

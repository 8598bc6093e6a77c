// Package apperr is Stratum's one error vocabulary. Domain code returns these
// typed errors; the GraphQL error presenter maps them, in one place, to
// extensions.code. Anything else reaching the presenter is INTERNAL and its
// text is never shown to clients.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the machine-readable error class clients see in extensions.code.
type Code string

// The codes clients may see.
const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	BadUserInput    Code = "BAD_USER_INPUT"
	Conflict        Code = "CONFLICT"
	Throttled       Code = "THROTTLED"
	FeatureDisabled Code = "FEATURE_DISABLED"
	Internal        Code = "INTERNAL"
)

// Error is a typed, client-safe error.
type Error struct {
	Code Code
	// Field is the input path the error is about (e.g. ["input", "email"]), if any.
	Field []string
	// Message is safe to show to clients.
	Message string
	// Err is the cause, for logs only.
	Err error
	// Extensions are extra client-visible fields (e.g. retryAfterSeconds).
	Extensions map[string]any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of code with a client-safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input on field (a dotted or slash-free path such as "input.email").
func Invalid(field []string, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf reports a missing (or invisible) object.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Forbiddenf reports a principal lacking a permission.
func Forbiddenf(format string, args ...any) *Error { return New(Forbidden, format, args...) }

// Unauthenticatedf reports a missing or invalid credential.
func Unauthenticatedf(format string, args ...any) *Error {
	return New(Unauthenticated, format, args...)
}

// Conflictf reports a write that conflicts with current state.
func Conflictf(format string, args ...any) *Error { return New(Conflict, format, args...) }

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// CodeOf returns err's code, or Internal for untyped errors.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

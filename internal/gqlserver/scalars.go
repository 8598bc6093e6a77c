package gqlserver

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// The schema's String, ID and Time scalars (gqlgen.yml binds them here).
// Their unmarshalers refuse what PostgreSQL would refuse later, deep in a
// resolver, as an error with SQL text: a NUL byte in text, a time outside
// timestamptz's calendar. They return an *InputError, which the error
// presenter reports as BAD_USER_INPUT with the value's input path.

// InputError is a malformed scalar value sent by a client.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

// MinYear and MaxYear bound Time values: PostgreSQL's timestamptz reaches
// from 4713 BC to 294276 AD, but years outside 1..9999 have no RFC 3339
// spelling and are mistakes in practice.
const (
	MinYear = 1
	MaxYear = 9999
)

// MarshalString is gqlgen's String marshaler.
func MarshalString(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalString is gqlgen's String unmarshaler, refusing NUL bytes
// (PostgreSQL text cannot hold them).
func UnmarshalString(v any) (string, error) {
	s, err := graphql.UnmarshalString(v)
	if err != nil {
		return "", &InputError{Message: fmt.Sprintf("expected a string, got %s", kind(v))}
	}
	return s, noNUL(s)
}

// MarshalID is gqlgen's ID marshaler.
func MarshalID(s string) graphql.Marshaler { return graphql.MarshalID(s) }

// UnmarshalID is gqlgen's ID unmarshaler, refusing NUL bytes.
func UnmarshalID(v any) (string, error) {
	s, err := graphql.UnmarshalID(v)
	if err != nil {
		return "", &InputError{Message: fmt.Sprintf("expected an ID, got %s", kind(v))}
	}
	return s, noNUL(s)
}

func noNUL(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return &InputError{Message: "text must not contain NUL bytes (\\u0000)"}
	}
	return nil
}

// MarshalTime writes RFC 3339 with nanoseconds (null for the zero time).
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, `"`+t.Format(time.RFC3339Nano)+`"`)
	})
}

// UnmarshalTime reads an RFC 3339 time with an offset (fractional seconds
// optional) in years MinYear..MaxYear.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &InputError{Message: fmt.Sprintf("expected an RFC 3339 time string such as \"2025-01-31T15:04:05Z\", got %s", kind(v))}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			// e.g. a month 13: say what is wrong, not just the expected shape.
			return time.Time{}, &InputError{Message: fmt.Sprintf("%q is not a valid time:%s", clip(s), pe.Message)}
		}
		return time.Time{}, &InputError{Message: fmt.Sprintf("%q is not an RFC 3339 time such as \"2025-01-31T15:04:05Z\"", clip(s))}
	}
	if y := t.UTC().Year(); y < MinYear || y > MaxYear {
		return time.Time{}, &InputError{Message: fmt.Sprintf("%q is outside the years %d to %d", clip(s), MinYear, MaxYear)}
	}
	return t, nil
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	}
	return "a number"
}

// clip shortens a client's value for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return strings.ToValidUTF8(s, "")
}

// MarshalJSONObject writes the JSON scalar (a JSON object).
func MarshalJSONObject(m map[string]any) graphql.Marshaler {
	if m == nil {
		return graphql.Null
	}
	return graphql.MarshalMap(m)
}

// UnmarshalJSONObject reads the JSON scalar: a JSON object (its members
// are checked by the field that takes it). Anything else is refused
// without echoing it.
func UnmarshalJSONObject(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &InputError{Message: fmt.Sprintf("expected a JSON object, got %s", kind(v))}
	}
	return m, nil
}

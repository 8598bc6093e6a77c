package cdp

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/apperr"
)

// A profile timeline cursor is refused (BAD_USER_INPUT at after) when its
// time is outside PostgreSQL's years or its message id is not one
// ingestion could have stored — both go into the SQL text, where they
// failed as INTERNAL.
func TestForgedEventCursorsAreRefused(t *testing.T) {
	t.Parallel()
	src := uuid.New().String()
	forge := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	good := eventCursor{At: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), SourceID: uuid.New(), MessageID: "m-1"}
	got, err := parseEventCursor(good.String())
	require.NoError(t, err, "positive control")
	require.Equal(t, good, got)
	for _, s := range []string{
		forge("-9000000000000000000:" + src + ":m"),
		forge("253402300800000000:" + src + ":m"),
		forge("0:" + src + ":a\xffb"),
		forge("0:" + src + ":a\x00b"),
		forge("0:" + src + ":" + strings.Repeat("m", 513)),
	} {
		_, err := parseEventCursor(s)
		e, ok := apperr.As(err)
		require.True(t, ok, s)
		require.Equal(t, apperr.BadUserInput, e.Code)
		require.Equal(t, []string{"after"}, e.Field)
	}
}

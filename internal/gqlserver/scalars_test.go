package gqlserver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/gqlserver"
)

func TestUnmarshalTime(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"2025-01-31T15:04:05Z", "2025-01-31T15:04:05.999999999-07:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"} {
		got, err := gqlserver.UnmarshalTime(ok)
		require.NoError(t, err, ok)
		want, _ := time.Parse(time.RFC3339Nano, ok)
		require.True(t, want.Equal(got), ok)
	}
	for _, bad := range []any{"yesterday", "", "99999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
		"2025-02-30T00:00:00Z", "2025-01-31", 1738335845, nil, map[string]any{}} {
		_, err := gqlserver.UnmarshalTime(bad)
		var ie *gqlserver.InputError
		require.ErrorAs(t, err, &ie, "%v", bad)
	}
}

func TestUnmarshalStringRefusesNUL(t *testing.T) {
	t.Parallel()
	for _, f := range []func(any) (string, error){gqlserver.UnmarshalString, gqlserver.UnmarshalID} {
		s, err := f("plain ✓ text")
		require.NoError(t, err)
		require.Equal(t, "plain ✓ text", s)
		_, err = f("a\x00b")
		var ie *gqlserver.InputError
		require.ErrorAs(t, err, &ie)
		_, err = f([]any{"x"})
		require.ErrorAs(t, err, &ie)
	}
}

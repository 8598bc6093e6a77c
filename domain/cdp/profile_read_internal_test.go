package cdp

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestSearchHashesNormaliseEmailsAndPhones(t *testing.T) {
	require.ElementsMatch(t, []string{IdentifierHash("Ann@Example.com"), IdentifierHash("ann@example.com")}, searchHashes("Ann@Example.com", "US"))
	// Already normalised: one hash.
	require.Equal(t, []string{IdentifierHash("ann@example.com")}, searchHashes("ann@example.com", "US"))
	require.Contains(t, searchHashes("(650) 253-0000", "US"), IdentifierHash("+16502530000"))
	// Anything else matches only as given.
	require.Equal(t, []string{IdentifierHash("a-dan")}, searchHashes("a-dan", "US"))
}

func TestEventCursorRoundTrip(t *testing.T) {
	c := eventCursor{At: time.Date(2026, 12, 2, 10, 0, 0, 123000, time.UTC), SourceID: uuid.New(), MessageID: "m:with:colons"}
	got, err := parseEventCursor(c.String())
	require.NoError(t, err)
	require.Equal(t, c, got)
	for _, bad := range []string{"", "!!", "MTIz", "MTIzOm5vdC1hLXV1aWQ6bQ"} {
		_, err := parseEventCursor(bad)
		require.Error(t, err, bad)
	}
}

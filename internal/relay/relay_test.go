package relay

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/apperr"
)

func TestGlobalIDRoundTrip(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	typ, got, err := ParseGlobalID(GlobalID("Campaign", id))
	require.NoError(t, err)
	require.Equal(t, "Campaign", typ)
	require.Equal(t, id, got)
	_, err = ParseTypedID(GlobalID("Campaign", id), "Incident")
	require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
	for _, bad := range []string{"", "!!", GlobalID("", id), "Tm90ZTp4"} {
		_, _, err := ParseGlobalID(bad)
		require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err), bad)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := Cursor{At: time.Date(2026, 11, 25, 10, 0, 0, 123456000, time.UTC), ID: uuid.New()}
	got, err := parseCursor("after", c.String())
	require.NoError(t, err)
	require.Equal(t, c, got)
}

func TestComplexity(t *testing.T) {
	t.Parallel()
	ten, big := 10, 1000
	require.Equal(t, 1+3*DefaultPageSize, Complexity(3, nil, nil))
	require.Equal(t, 31, Complexity(3, &ten, nil))
	require.Equal(t, 1+3*MaxPageSize, Complexity(3, nil, &big))
}

// FuzzParseGlobalID: IDs come from clients; parsing never panics, and
// whatever parses re-encodes to an ID naming the same object.
func FuzzParseGlobalID(f *testing.F) {
	f.Add(GlobalID("Campaign", uuid.New()))
	f.Add("")
	f.Add("Tm90ZTo=")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, s string) {
		typ, id, err := ParseGlobalID(s)
		if err != nil {
			if apperr.CodeOf(err) != apperr.BadUserInput {
				t.Fatalf("error %v is not BAD_USER_INPUT", err)
			}
			return
		}
		typ2, id2, err := ParseGlobalID(GlobalID(typ, id))
		if err != nil || typ2 != typ || id2 != id {
			t.Fatalf("re-encoding %q/%s failed: %v", typ, id, err)
		}
	})
}

// FuzzParseCursor: cursors come from clients; parsing never panics.
func FuzzParseCursor(f *testing.F) {
	f.Add(Cursor{At: time.Now(), ID: uuid.New()}.String())
	f.Add("")
	f.Add("MTow")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor("after", s)
		if err != nil {
			if apperr.CodeOf(err) != apperr.BadUserInput {
				t.Fatalf("error %v is not BAD_USER_INPUT", err)
			}
			return
		}
		if _, err := parseCursor("after", c.String()); err != nil {
			t.Fatalf("re-encoded cursor does not parse: %v", err)
		}
	})
}

package relay

import (
	"encoding/base64"
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

// A cursor a client forged is BAD_USER_INPUT, never a time PostgreSQL
// cannot hold (the time goes into the SQL text: a year outside 1–9999 made
// its statement fail, which reached the client as INTERNAL).
func TestForgedCursorsAreRefused(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	forge := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		forge("-9000000000000000000:" + id.String()),
		forge("9000000000000000000:" + id.String()),
		forge("253402300800000000:" + id.String()), // 10000-01-01
		forge("-62135596800000001:" + id.String()), // just before year 1
		forge("12:not-a-uuid"), "!!",
	} {
		_, err := parseCursor("after", s)
		require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err), s)
	}
	for _, ok := range []string{forge("0:" + id.String()), forge("253402300799999999:" + id.String()), forge("-62135596800000000:" + id.String())} {
		_, err := parseCursor("after", ok)
		require.NoError(t, err, "positive control: %s", ok)
	}
}

package cdp

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/apperr"
)

var fuzzT0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// parse runs a request's body through envelope and validate as Ingest does.
func parse(endpoint string, body []byte) ([]Event, error) {
	req := Request{Endpoint: endpoint, Body: body, ReceivedAt: fuzzT0}
	_, b, single, err := envelope(req)
	if err != nil {
		return nil, err
	}
	evs, _, err := validate(req, b, single, uuid.Nil)
	return evs, err
}

// FuzzIngestParser: no input panics the parser; a refusal is always
// BAD_USER_INPUT naming a field; what it accepts is what the tables and
// the downstream work rely on.
func FuzzIngestParser(f *testing.F) {
	f.Add("batch", []byte(`{"batch":[{"type":"track","userId":"u","event":"E","messageId":"m","properties":{"a":1}}],"sentAt":"2026-12-02T10:00:00Z"}`))
	f.Add("track", []byte(`{"userId":7,"event":"E","timestamp":"2026-12-02T09:00:00.123Z","sentAt":"2026-12-02T09:00:01Z"}`))
	f.Add("identify", []byte(`{"anonymousId":"a","traits":{"email":"x@y.z"},"context":{"ip":"1.2.3.4"}}`))
	f.Add("alias", []byte(`{"userId":"u","previousId":"a"}`))
	f.Add("group", []byte(`{"userId":"u","groupId":null}`))
	f.Add("import", []byte(`{"batch":[]}`))
	f.Add("page", []byte(`{"anonymousId":"a","properties":[1,2]}`))
	f.Add("screen", []byte(`{"anonymousId":"a","properties":{"x":"\u0000"}}`))
	f.Fuzz(func(t *testing.T, endpoint string, body []byte) {
		if !slices.Contains(Endpoints, endpoint) {
			endpoint = "batch"
		}
		evs, err := parse(endpoint, body)
		if err != nil {
			e, ok := apperr.As(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, apperr.BadUserInput, e.Code)
			require.NotEmpty(t, e.Field)
			require.Empty(t, evs)
			return
		}
		require.NotEmpty(t, evs)
		for _, e := range evs {
			require.Contains(t, Types, e.Type)
			require.NotEmpty(t, e.MessageID)
			require.LessOrEqual(t, e.Size, MaxEventBytes)
			require.True(t, e.UserID != "" || e.AnonymousID != "")
			for _, obj := range [][]byte{e.Properties, e.Traits, e.Context, e.Integrations} {
				if obj != nil {
					var m map[string]any
					require.NoError(t, json.Unmarshal(obj, &m), "%s", obj)
				}
			}
			require.False(t, e.Timestamp.IsZero())
		}
	})
}

func TestIngestParserNamesTheOffendingField(t *testing.T) {
	for _, c := range []struct {
		endpoint, body, field string
	}{
		{"batch", `{"batch":[{"type":"track","userId":"u","event":"E"},{"type":"teleport","userId":"u"}]}`, "batch[1].type"},
		{"batch", `{"batch":[{"type":"alias","userId":"u"}]}`, "batch[0].previousId"},
		{"batch", `{"batch":[{"type":"group","userId":"u"}]}`, "batch[0].groupId"},
		{"batch", `{"batch":[{"type":"identify","userId":{"id":1}}]}`, "batch[0].userId"},
		{"batch", `{"batch":[{"type":"page","anonymousId":"a","context":[]}]}`, "batch[0].context"},
		{"batch", `{"batch":[], "sentAt":"now"}`, "batch"},
		{"batch", `{"sentAt":"now","batch":[{"type":"identify","userId":"u"}]}`, "sentAt"},
		{"batch", `[1,2]`, "body"},
		{"track", `{"userId":"u","event":"E","originalTimestamp":"2026-13-01T00:00:00Z"}`, "originalTimestamp"},
		{"identify", `{"userId":"u","traits":"x"}`, "traits"},
		{"screen", `not json`, "body"},
	} {
		_, err := parse(c.endpoint, []byte(c.body))
		e, ok := apperr.As(err)
		require.True(t, ok, "%s: %v", c.body, err)
		require.Equal(t, []string{c.field}, e.Field, c.body)
	}
	// Positive control: each of those calls made valid is accepted.
	evs, err := parse("batch", []byte(`{"batch":[{"type":"track","userId":"u","event":"E"},{"type":"alias","userId":"u","previousId":"a"},
		{"type":"group","userId":"u","groupId":"g"},{"type":"identify","userId":1.5e3},{"type":"page","anonymousId":"a","context":{}}]}`))
	require.NoError(t, err)
	require.Len(t, evs, 5)
	require.Equal(t, "1.5e3", evs[3].UserID)
}

func TestRateLimiterBucket(t *testing.T) {
	var l limiter
	src := uuid.New()
	_, ok := l.take(src, 10, 25, fuzzT0) // a full bucket lets a big batch through, into debt
	require.True(t, ok)
	wait, ok := l.take(src, 10, 1, fuzzT0.Add(time.Second))
	require.False(t, ok) // -15 + 10 = -5: not yet
	require.Equal(t, 600*time.Millisecond, wait)
	_, ok = l.take(src, 10, 1, fuzzT0.Add(1600*time.Millisecond))
	require.True(t, ok)
	_, ok = l.take(uuid.New(), 10, 1, fuzzT0) // another source has its own bucket
	require.True(t, ok)

	// A lowered limit holds at once: the bucket filled under 1,000 a second
	// keeps no more than the new second's worth.
	low := uuid.New()
	_, ok = l.take(low, 1000, 10, fuzzT0)
	require.True(t, ok) // 990 left under the old limit
	_, ok = l.take(low, 3, 5, fuzzT0)
	require.True(t, ok, "a full bucket of the new limit lets the batch through, into debt")
	_, ok = l.take(low, 3, 5, fuzzT0)
	require.False(t, ok, "the next batch waits (the old limit's 985 events are gone)")
}

func TestIngestParserMakesObjectsStorable(t *testing.T) {
	evs, err := parse("track", []byte(`{"userId":"u","event":"E","properties":{"lone":"\ud800","pair":"\ud83d\ude00","n":12345678901234567890}}`))
	require.NoError(t, err)
	require.JSONEq(t, `{"lone":"\ufffd","pair":"😀","n":12345678901234567890}`, string(evs[0].Properties))
	_, err = parse("track", []byte(`{"userId":"u","event":"E","properties":{"nul":"a\u0000b"}}`))
	e, ok := apperr.As(err)
	require.True(t, ok)
	require.Equal(t, []string{"properties"}, e.Field)
	_, err = parse("track", []byte("{\"userId\":\"u\",\"event\":\"E\",\"properties\":{\"x\":\"\xff\"}}"))
	e, ok = apperr.As(err)
	require.True(t, ok)
	require.Equal(t, []string{"body"}, e.Field)
}

package cdp

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// FuzzFastBatch: wherever the fast batch parser takes a body, encoding/json
// takes it too and validate makes the same events (or the same refusal)
// from either reading; the fast path gives up on what it does not take,
// never refusing anything itself.
func FuzzFastBatch(f *testing.F) {
	f.Add(true, []byte(`{"batch":[{"type":"track","userId":"u","event":"E","messageId":"m","properties":{"a":1}}],"sentAt":"2026-12-02T10:00:00Z"}`))
	f.Add(true, []byte(`{"writeKey":"k","batch":[{"type":"identify","userId":7,"traits":{"email":"x@y.z"},"timestamp":"2026-12-02T09:00:00.123Z"}],"context":{"ip":"1.2.3.4"}}`))
	f.Add(true, []byte(`{"batch":[{"type":"alias","userId":"u","previousId":"a","messageId":"m\u0031"},{"type":"group","userId":"u","groupId":null}]}`))
	f.Add(true, []byte(`{"Batch":[{"type":"track","userId":"u","event":"E"}]}`))
	f.Add(true, []byte(`{"batch":[{"TYPE":"track","userId":"u","event":"E"}]}`))
	f.Add(true, []byte(`{"batch":[{"type":"track","userId":"u","event":"E","messageId":"a"}],"batch":null}`))
	f.Add(true, []byte(` {"batch":[{"type":"page","anonymousId":"a","properties":[1,2]}] } `))
	f.Add(true, []byte(`{"batch":[{"type":"screen","anonymousId":"a","properties":{"x":"\u0000"}}]}`))
	f.Add(true, []byte(`{"batch":[{"type":"track","userId":"u","event":"E","sentAt":"2026-12-02T10:00:00+02:00","timestamp":"x"}]}`))
	f.Add(false, []byte(`{"userId":"u","event":"E","writeKey":"k","timestamp":"2026-12-02T09:00:00Z"}`))
	f.Add(false, []byte(`{"userId":"u","event":"E","writeKey":5}`))
	f.Fuzz(func(t *testing.T, batch bool, body []byte) {
		req := Request{Endpoint: "track", Body: body, ReceivedAt: fuzzT0}
		src := uuid.New()
		if batch {
			req.Endpoint = "batch"
			fast, ok := fastBatch(body)
			if !ok {
				return
			}
			slow := new(wireBatch)
			require.NoError(t, json.Unmarshal(body, slow), "the fast path took what encoding/json refuses")
			require.Equal(t, slow.WriteKey, fast.WriteKey)
			require.Equal(t, len(slow.Batch), len(fast.Batch))
			for i := range slow.Batch {
				require.Equal(t, []byte(slow.Batch[i]), []byte(fast.Batch[i]))
			}
			fe, ferr := validateCopy(req, fast, nil, src)
			se, serr := validateCopy(req, slow, nil, src)
			requireSame(t, fe, ferr, se, serr)
			return
		}
		fw, ok := fastEvent(body)
		if !ok {
			return
		}
		sw := new(wireEvent)
		require.NoError(t, json.Unmarshal(body, sw), "the fast path took what encoding/json refuses")
		require.Equal(t, sw.WriteKey, fw.WriteKey)
		fe, ferr := validateCopy(req, nil, &fw, src)
		se, serr := validateCopy(req, nil, sw, src)
		requireSame(t, fe, ferr, se, serr)
	})
}

// validateCopy validates a copy of the batch (validate sets defaults in it).
func validateCopy(req Request, b *wireBatch, single *wireEvent, src uuid.UUID) ([]Event, error) {
	if b != nil {
		c := *b
		b = &c
	}
	evs, _, err := validate(req, b, single, src)
	return evs, err
}

// requireSame compares two validations; generated messageIds differ by
// nature and are compared by their presence only.
func requireSame(t *testing.T, fe []Event, ferr error, se []Event, serr error) {
	t.Helper()
	require.Equal(t, serr, ferr)
	require.Equal(t, len(se), len(fe))
	for i := range se {
		if _, err := uuid.Parse(se[i].MessageID); err == nil && se[i].MessageID != fe[i].MessageID {
			_, ferr := uuid.Parse(fe[i].MessageID)
			require.NoError(t, ferr)
			se[i].MessageID = fe[i].MessageID
		}
		require.Equal(t, normalised(se[i]), normalised(fe[i]))
	}
}

// normalised is e with empty JSON objects as nil (a null value and an
// absent one are the same to the tables).
func normalised(e Event) Event {
	for _, p := range []*[]byte{&e.Properties, &e.Traits, &e.Context, &e.Integrations, &e.Raw} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	return e
}

func TestFastBatchTakesTheSDKsBodies(t *testing.T) {
	// Positive control for FuzzFastBatch: what the SDKs send takes the
	// fast path (else the fuzz test compares nothing).
	body := []byte(`{"batch":[{"type":"track","userId":"u","event":"E","messageId":"m","properties":{"a":1},
		"context":{"library":{"name":"analytics-node"}},"timestamp":"2026-12-02T10:00:00.000Z","_metadata":{"x":1}}],
		"sentAt":"2026-12-02T10:00:01.000Z","writeKey":"k"}`)
	b, ok := fastBatch(body)
	require.True(t, ok)
	require.Equal(t, "k", b.WriteKey)
	require.Len(t, b.events, 1)
	_, ok = fastEvent([]byte(`{"userId":"u","event":"E"}`))
	require.True(t, ok)
	// And what it leaves to encoding/json: a name matching only by case.
	_, ok = fastBatch([]byte(`{"Batch":[]}`))
	require.False(t, ok)
	evs, err := parse("batch", body)
	require.NoError(t, err)
	require.Equal(t, "m", evs[0].MessageID)
	require.JSONEq(t, `{"a":1}`, string(evs[0].Properties))
}

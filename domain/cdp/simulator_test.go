package cdp

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// The simulated stream is deterministic per tenant (and minute), bounded,
// valid for the tracking API, and holds what the screens need: identify
// calls with e-mails and phones, aliases, orders with revenue, and the
// junk ids the identity resolver refuses.
func TestSimulatedEventsAreDeterministicValidAndBounded(t *testing.T) {
	t.Parallel()
	tenant, other := uuid.MustParse("00000000-0000-4000-8000-00000000de70"), uuid.New()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	bf := simBackfill(tenant, now, SimulatedPeople)
	require.Equal(t, bf, simBackfill(tenant, now, SimulatedPeople), "the same tenant gets the same backfill")
	require.NotEqual(t, bf, simBackfill(other, now, SimulatedPeople), "another tenant gets other people")
	require.LessOrEqual(t, len(bf), MaxSimulatedBackfill)
	require.Greater(t, len(bf), 1000)

	seen := map[string]int{}
	ids := map[string]bool{}
	for _, raw := range bf {
		evs, _, err := validate(Request{Endpoint: "batch", ReceivedAt: now}, &wireBatch{Batch: []json.RawMessage{raw}}, nil, uuid.Nil)
		require.NoError(t, err, "%s", raw)
		e := evs[0]
		require.False(t, ids[e.MessageID], "messageIds are unique")
		ids[e.MessageID] = true
		require.True(t, e.Timestamp.Before(now) && e.Timestamp.After(now.AddDate(0, 0, -SimulatedBackfillDays-1)), "%s", e.Timestamp)
		require.Contains(t, string(e.Context), `"stratum-simulator"`, "every payload names the simulator")
		var traits map[string]any
		_ = json.Unmarshal(e.Traits, &traits)
		switch {
		case e.Type == "identify" && traits["email"] == "test@test.com":
			seen["junk email"]++
		case e.Type == "identify" && traits["phone"] != nil:
			seen["identify with phone"]++
		case e.Type == "identify":
			seen["identify"]++
		case e.UserID == "undefined":
			seen["junk user id"]++
		case e.Type == "track":
			seen[e.Name]++
		default:
			seen[e.Type]++
		}
	}
	for _, k := range []string{"page", "Product Viewed", "Product Added", OrderCompleted, "identify", "identify with phone", "alias", "junk email", "junk user id"} {
		require.Positive(t, seen[k], "%s in %v", k, seen)
	}

	// The live stream: the same minute makes the same events; every tenth
	// minute one invalid call, every seventh a resent event.
	m := time.Date(2026, 12, 2, 10, 5, 0, 0, time.UTC) // minute ≡ 5 (mod 10)
	good, bad := simMinute(tenant, m, SimulatedPeople)
	good2, bad2 := simMinute(tenant, m, SimulatedPeople)
	require.Equal(t, good, good2)
	require.Equal(t, bad, bad2)
	require.NotEmpty(t, good)
	_, _, err := validate(Request{Endpoint: "batch", ReceivedAt: m}, &wireBatch{Batch: good}, nil, uuid.Nil)
	require.NoError(t, err)
	require.NotNil(t, bad)
	_, _, err = validate(Request{Endpoint: "batch", ReceivedAt: m}, &wireBatch{Batch: []json.RawMessage{bad}}, nil, uuid.Nil)
	require.ErrorContains(t, err, "event")
	_, bad = simMinute(tenant, m.Add(time.Minute), SimulatedPeople)
	require.Nil(t, bad, "positive control: other minutes send no invalid call")

	for k := range 14 {
		minute := m.Add(time.Duration(k) * time.Minute)
		good, _ := simMinute(tenant, minute, SimulatedPeople)
		msgs := map[string]int{}
		for _, raw := range good {
			var w struct{ MessageID string }
			require.NoError(t, json.Unmarshal(raw, &w))
			msgs[w.MessageID]++
		}
		dups := len(good) - len(msgs)
		if minute.Unix()/60%7 == 3 {
			require.Equal(t, 1, dups, "minute %d resends one event", minute.Unix()/60)
		} else {
			require.Zero(t, dups)
		}
	}
}

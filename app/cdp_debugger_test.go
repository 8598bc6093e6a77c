package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
)

const debuggerQuery = `subscription($s: ID!) { eventReceived(sourceId: $s) { receivedAt status messageId type name payload truncated error { field message limit } } }`

// debuggerEntry is one eventReceived message.
type debuggerEntry struct {
	Status    string  `json:"status"`
	MessageID *string `json:"messageId"`
	Type      *string `json:"type"`
	Name      *string `json:"name"`
	Payload   string  `json:"payload"`
	Truncated bool    `json:"truncated"`
	Error     *struct {
		Field   *string `json:"field"`
		Message string  `json:"message"`
		Limit   *string `json:"limit"`
	} `json:"error"`
}

// debuggerSocket is one websocket of tenant with debugger subscriptions.
type debuggerSocket struct {
	t  *testing.T
	ws *wstest.Conn
}

// openDebugger connects as tenant's owner and subscribes id to each source
// ("1", "2", …), waiting until the hub holds them all.
func (e *ingestEnv) openDebugger(t *testing.T, tenant uuid.UUID, sources ...uuid.UUID) *debuggerSocket {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	want := e.srv.App.Hub.Subscribers() + len(sources)
	ws := wstest.Dial(t, ctx, e.srv.URL+"/graphql", wstest.TransportWS, nil)
	ws.Init(map[string]any{"tenant": tenant.String()})
	for i, s := range sources {
		ws.Subscribe(fmt.Sprint(i+1), debuggerQuery, map[string]any{"s": relay.GlobalID(relay.TypeSource, s)})
	}
	require.Eventually(t, func() bool { return e.srv.App.Hub.Subscribers() >= want }, 10*time.Second, 10*time.Millisecond)
	return &debuggerSocket{t: t, ws: ws}
}

// until reads entries until stop says so (it sees each in turn), failing
// after 15 s; it returns the entries read, by subscription id.
func (d *debuggerSocket) until(stop func(id string, e debuggerEntry) bool) map[string][]debuggerEntry {
	d.t.Helper()
	out := map[string][]debuggerEntry{}
	deadline := time.Now().Add(15 * time.Second)
	for {
		m, err := d.ws.Read(time.Until(deadline))
		require.NoError(d.t, err, "waiting for debugger entries; got %v", out)
		require.Equal(d.t, "next", m.Type, "%s", m.Payload)
		var doc struct {
			Data struct {
				EventReceived debuggerEntry `json:"eventReceived"`
			} `json:"data"`
			Errors []any `json:"errors"`
		}
		require.NoError(d.t, json.Unmarshal(m.Payload, &doc))
		require.Empty(d.t, doc.Errors, "%s", m.Payload)
		out[m.ID] = append(out[m.ID], doc.Data.EventReceived)
		if stop(m.ID, doc.Data.EventReceived) {
			return out
		}
	}
}

func messageIs(id string) func(string, debuggerEntry) bool {
	return func(_ string, e debuggerEntry) bool { return e.MessageID != nil && *e.MessageID == id }
}

// An accepted event arrives with its payload (the write key sent in the
// body redacted); a 33 KB one arrives as REJECTED naming its largest field.
func TestDebuggerShowsAcceptedAndRejectedEvents(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	d := e.openDebugger(t, e.tenant, e.source.ID)

	body := track("dbg-1", map[string]any{"total": 42})
	body["writeKey"] = e.key
	ok200(t, e.send(t, "track", "", body))
	got := d.until(messageIs("dbg-1"))["1"]
	require.Len(t, got, 1)
	ev := got[0]
	require.Equal(t, "ACCEPTED", ev.Status)
	require.Equal(t, "track", *ev.Type)
	require.Equal(t, "Order Completed", *ev.Name)
	require.Contains(t, ev.Payload, `"total":42`)
	require.NotContains(t, ev.Payload, e.key, "the write key is never shown")
	require.Contains(t, ev.Payload, `[redacted]`)
	require.False(t, ev.Truncated)
	require.Nil(t, ev.Error)

	big := track("dbg-big", map[string]any{"blob": strings.Repeat("x", 33*1024)})
	r := e.send(t, "track", e.key, big)
	require.Equal(t, http.StatusBadRequest, r.Status, "%v", r.Body)
	got = d.until(messageIs("dbg-big"))["1"]
	ev = got[len(got)-1]
	require.Equal(t, "REJECTED", ev.Status)
	require.NotNil(t, ev.Error)
	require.Equal(t, "properties", *ev.Error.Field)
	require.Contains(t, ev.Error.Message, "32 KB")
	require.True(t, ev.Truncated)
	require.LessOrEqual(t, len(ev.Payload), cdp.DebuggerPayloadBytes)
	require.True(t, strings.HasPrefix(ev.Payload, "{"), ev.Payload[:20])
}

// A batch of 100 events shows at most DebuggerPerCommit of them (at least
// one); the marker sent afterwards commits later, so when it arrives every
// entry of the batch has arrived.
func TestDebuggerSamplesACommit(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	d := e.openDebugger(t, e.tenant, e.source.ID)
	batch := make([]any, 100)
	for i := range batch {
		batch[i] = track(fmt.Sprintf("b-%03d", i), nil)
	}
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": batch}))
	ok200(t, e.send(t, "track", e.key, track("marker", nil)))
	got := d.until(messageIs("marker"))["1"]
	n := len(got) - 1
	require.GreaterOrEqual(t, n, 1)
	require.LessOrEqual(t, n, cdp.DebuggerPerCommit)
	for _, ev := range got[:n] {
		require.True(t, strings.HasPrefix(*ev.MessageID, "b-"), *ev.MessageID)
	}
}

// Tenant B subscribing with A's source id receives nothing of A's events;
// B's subscription to its own source (on the same socket) receives B's
// event, committed after A's, so B's silence on A's id is not a slow hub.
// A receives its own (positive control).
func TestDebuggerIsolatesTenants(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	other := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{Plan: "professional"})
	srcB, keyB := e.newSource(t, other, "B site")
	a := e.openDebugger(t, e.tenant, e.source.ID)
	b := e.openDebugger(t, other, e.source.ID, srcB.ID)

	ok200(t, e.send(t, "track", e.key, track("a-secret-event", nil)))
	require.Len(t, a.until(messageIs("a-secret-event"))["1"], 1)
	r := e.send(t, "track", e.key, map[string]any{"type": "track", "messageId": "a-rejected"})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "REJECTED", a.until(messageIs("a-rejected"))["1"][0].Status)

	ok200(t, e.send(t, "track", keyB, track("b-own", nil)))
	got := b.until(messageIs("b-own"))
	require.Empty(t, got["1"], "tenant B received A's events through A's source id")
	require.Len(t, got["2"], 1)
}

// A repeated messageId shows as DUPLICATE (sent again after the first
// copy's batch was stored, or twice in one request), never more than DebuggerPerCommit per commit; a request
// over the source's rate limit or the plan's monthly events limit shows as
// THROTTLED naming the limit; one with an unknown write key (401) names no
// source and shows nowhere.
func TestDebuggerShowsDuplicatesAndThrottledRequests(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	ctx := context.Background()
	five := 5
	slow, slowKey, err := e.cdp().CreateSource(ctx, e.tenant, cdp.CreateSourceInput{Name: "Slow", RateLimit: &five})
	require.NoError(t, err)
	d := e.openDebugger(t, e.tenant, e.source.ID, slow.ID)

	ok200(t, e.send(t, "track", e.key, track("dup-1", nil)))
	require.Equal(t, "ACCEPTED", d.until(messageIs("dup-1"))["1"][0].Status)
	// The first copy's batch job has stored it (ADR 0026: the lookup sees
	// stored events, not ones still staged).
	require.NoError(t, e.cdp().MaterialiseStaged(ctx, e.tenant))
	ok200(t, e.send(t, "track", e.key, track("dup-1", nil))) // an SDK retry
	got := d.until(messageIs("dup-1"))["1"]
	require.Equal(t, "DUPLICATE", got[len(got)-1].Status)
	require.Nil(t, got[len(got)-1].Error)
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{track("dup-2", nil), track("dup-2", nil), track("after-dup-2", nil)}}))
	got = d.until(messageIs("after-dup-2"))["1"]
	statuses := []string{}
	for _, ev := range got {
		statuses = append(statuses, ev.Status+" "+*ev.MessageID)
	}
	require.Equal(t, []string{"ACCEPTED dup-2", "DUPLICATE dup-2", "ACCEPTED after-dup-2"}, statuses, "first copy stored, second dropped")

	// A whole batch sent again: every entry DUPLICATE, at most DebuggerPerCommit.
	batch := make([]any, 50)
	for i := range batch {
		batch[i] = track(fmt.Sprintf("again-%02d", i), nil)
	}
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": batch}))
	ok200(t, e.send(t, "track", e.key, track("marker-1", nil)))
	d.until(messageIs("marker-1"))
	require.NoError(t, e.cdp().MaterialiseStaged(ctx, e.tenant)) // stored by the batch job
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": batch}))
	ok200(t, e.send(t, "track", e.key, track("marker-2", nil)))
	got = d.until(messageIs("marker-2"))["1"]
	require.GreaterOrEqual(t, len(got)-1, 1)
	require.LessOrEqual(t, len(got)-1, cdp.DebuggerPerCommit)
	for _, ev := range got[:len(got)-1] {
		require.Equal(t, "DUPLICATE", ev.Status, *ev.MessageID)
	}

	// The rate limit: the bucket (5) is spent, the clock stands still.
	ok200(t, e.send(t, "batch", slowKey, map[string]any{"batch": []any{track("s-1", nil), track("s-2", nil), track("s-3", nil), track("s-4", nil), track("s-5", nil)}}))
	r := e.send(t, "batch", slowKey, map[string]any{"batch": []any{track("s-6", nil), track("s-7", nil)}})
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	got = d.until(messageIs("s-6"))["2"]
	ev := got[len(got)-1]
	require.Equal(t, "THROTTLED", ev.Status)
	require.Equal(t, cdp.LimitSourceRate, *ev.Error.Limit)
	require.Contains(t, ev.Error.Message, "this source accepts 5 events a second")
	require.Contains(t, ev.Error.Message, "a request of 2 events")
	require.Contains(t, ev.Payload, `"s-6"`)

	// The plan's monthly events: one left, a batch of two is refused. The
	// staged batches are stored first: storing one releases the reservation
	// of the duplicates it drops, which would otherwise free room after the
	// usage is read.
	require.NoError(t, e.cdp().MaterialiseStaged(ctx, e.tenant))
	max := billing.Limits()[1].Of(billing.Professional)
	require.NoError(t, e.tdb.DB.InTenant(ctx, e.tenant, func(ctx context.Context, tx bun.Tx) error {
		us, err := e.srv.App.Services.Billing.UsageTx(ctx, tx, e.tenant)
		if err != nil {
			return err
		}
		var used int64
		for _, u := range us {
			if u.Key == billing.MonthlyEvents {
				used = u.Used
			}
		}
		return e.srv.App.Services.Billing.ReserveTx(ctx, tx, e.tenant, billing.MonthlyEvents, max-1-used)
	}))
	r = e.send(t, "batch", e.key, map[string]any{"batch": []any{track("m-1", nil), track("m-2", nil)}})
	require.Equal(t, http.StatusTooManyRequests, r.Status, "%v", r.Body)
	got = d.until(messageIs("m-1"))["1"]
	ev = got[len(got)-1]
	require.Equal(t, "THROTTLED", ev.Status)
	require.Equal(t, "monthly_ingested_events", *ev.Error.Limit)

	// 401: no source to show it for. The marker after it arrives; the 401 never does.
	require.Equal(t, http.StatusUnauthorized, e.send(t, "track", "stw_unknownkeyunknownkeyunknownkey00", track("x-401", nil)).Status)
	ok200(t, e.send(t, "track", e.key, track("m-3", nil)))
	for _, ev := range d.until(messageIs("m-3"))["1"] {
		require.NotEqual(t, "x-401", *ev.MessageID)
	}
}

// Refused requests (400 and 429 alike) show at most
// DebuggerRejectedPerSecond per source and second; the next second shows
// again.
func TestDebuggerBoundsRefusedEntries(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	ctx := context.Background()
	one := 1
	slow, slowKey, err := e.cdp().CreateSource(ctx, e.tenant, cdp.CreateSourceInput{Name: "Slow", RateLimit: &one})
	require.NoError(t, err)
	d := e.openDebugger(t, e.tenant, slow.ID)
	ok200(t, e.send(t, "track", slowKey, track("first", nil)))
	for i := range 2 * cdp.DebuggerRejectedPerSecond {
		if i%2 == 0 {
			require.Equal(t, http.StatusTooManyRequests, e.send(t, "track", slowKey, track(fmt.Sprintf("t-%02d", i), nil)).Status)
		} else {
			require.Equal(t, http.StatusBadRequest, e.send(t, "track", slowKey, map[string]any{"type": "track", "messageId": fmt.Sprintf("r-%02d", i)}).Status)
		}
	}
	e.clock.Advance(1100 * time.Millisecond) // the next second (and a token)
	require.Equal(t, http.StatusBadRequest, e.send(t, "track", slowKey, map[string]any{"type": "track", "messageId": "next-second"}).Status)
	got := d.until(messageIs("next-second"))["1"]
	refused := 0
	for _, ev := range got[:len(got)-1] {
		if ev.Status == "THROTTLED" || ev.Status == "REJECTED" {
			refused++
		}
	}
	require.Equal(t, cdp.DebuggerRejectedPerSecond, refused, "the first second's ten, no more")
}

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

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
)

const debuggerQuery = `subscription($s: ID!) { eventReceived(sourceId: $s) { receivedAt status messageId type name payload truncated error { field message } } }`

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

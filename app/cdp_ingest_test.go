package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// cdpT0 is the Manual clock's start in the ingestion tests.
var cdpT0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// ingestEnv is a server with a Manual database clock and one tenant on
// Professional (which has the cdp flag) with one source.
type ingestEnv struct {
	srv    *apptest.Server
	tdb    *testdb.DB
	clock  *clock.Manual
	tenant uuid.UUID
	source *cdp.Source
	key    string
}

func setupIngest(t *testing.T) *ingestEnv {
	t.Helper()
	tdb := testdb.New(t)
	c := clock.NewManual(cdpT0)
	srv := apptest.Start(t, apptest.Config(t, tdb, nil), func(a *app.App) {
		a.Resolver.Auth = roleAuth{}
		a.DB.Clock = c
	})
	e := &ingestEnv{srv: srv, tdb: tdb, clock: c}
	e.tenant = testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	e.source, e.key = e.newSource(t, e.tenant, "Website")
	return e
}

func (e *ingestEnv) cdp() *cdp.Service { return e.srv.App.Services.CDP }

func (e *ingestEnv) newSource(t *testing.T, tenant uuid.UUID, name string) (*cdp.Source, string) {
	t.Helper()
	src, key, err := e.cdp().CreateSource(context.Background(), tenant, cdp.CreateSourceInput{Name: name})
	require.NoError(t, err)
	return src, key
}

// trackRes is a tracking API answer.
type trackRes struct {
	Status int
	Body   map[string]any
	Header http.Header
}

// send posts body (JSON-encoded unless []byte) to /v1/call with key as the
// HTTP Basic username ("" for none) and extra headers.
func (e *ingestEnv) send(t *testing.T, call, key string, body any, header ...string) trackRes {
	t.Helper()
	r, err := e.trySend(call, key, body, header...)
	require.NoError(t, err)
	return r
}

func (e *ingestEnv) trySend(call, key string, body any, header ...string) (trackRes, error) {
	b, ok := body.([]byte)
	if !ok {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/"+call, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return trackRes{}, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := trackRes{Status: res.StatusCode, Header: res.Header}
	if err := json.Unmarshal(raw, &out.Body); err != nil {
		return out, fmt.Errorf("not JSON (%d): %s", res.StatusCode, raw)
	}
	return out, nil
}

func ok200(t *testing.T, r trackRes) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, "%v", r.Body)
	require.Equal(t, map[string]any{"success": true}, r.Body)
}

// storedEvent is a row of cdp_events as the tests read it.
type storedEvent struct {
	SourceID          uuid.UUID  `bun:"source_id"`
	MessageID         string     `bun:"message_id"`
	Type              string     `bun:"type"`
	Event             *string    `bun:"event"`
	AnonymousID       *string    `bun:"anonymous_id"`
	UserID            *string    `bun:"user_id"`
	GroupID           *string    `bun:"group_id"`
	PreviousID        *string    `bun:"previous_id"`
	OriginalTimestamp *time.Time `bun:"original_timestamp"`
	SentAt            *time.Time `bun:"sent_at"`
	ReceivedAt        time.Time  `bun:"received_at"`
	Timestamp         time.Time  `bun:"timestamp"`
	Properties        *string    `bun:"properties"`
	Traits            *string    `bun:"traits"`
	Context           *string    `bun:"context"`
	BatchID           uuid.UUID  `bun:"batch_id"`
}

// events reads tenant's stored events (through RLS, in its transaction).
func (e *ingestEnv) events(t *testing.T, tenant uuid.UUID) []storedEvent {
	t.Helper()
	// Acknowledged events are rows once their batch job has materialised
	// them (ADR 0026); the ones still staged are materialised here.
	require.NoError(t, e.cdp().MaterialiseStaged(context.Background(), tenant))
	var out []storedEvent
	require.NoError(t, e.tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT source_id, message_id, type, event, anonymous_id, user_id, group_id, previous_id, original_timestamp,
			sent_at, received_at, "timestamp", properties::text, traits::text, context::text, batch_id FROM cdp_events ORDER BY "timestamp", message_id`).Scan(ctx, &out)
	}))
	return out
}

func (e *ingestEnv) byMessage(t *testing.T, tenant uuid.UUID) map[string]storedEvent {
	t.Helper()
	out := map[string]storedEvent{}
	for _, ev := range e.events(t, tenant) {
		_, dup := out[ev.MessageID]
		require.False(t, dup, "messageId %s stored twice", ev.MessageID)
		out[ev.MessageID] = ev
	}
	return out
}

func track(id string, props map[string]any) map[string]any {
	return map[string]any{"type": "track", "messageId": id, "userId": "u-1", "event": "Order Completed", "properties": props}
}

func TestTrackingAPIEveryCall(t *testing.T) {
	e := setupIngest(t)
	calls := map[string]map[string]any{
		"track":    {"messageId": "m-track", "anonymousId": "a-1", "event": "Signed Up", "properties": map[string]any{"plan": "pro"}},
		"identify": {"messageId": "m-identify", "userId": "u-1", "traits": map[string]any{"email": "Ann@Example.com"}},
		"page":     {"messageId": "m-page", "anonymousId": "a-1", "name": "Pricing", "properties": map[string]any{"url": "https://x.test/pricing"}},
		"screen":   {"messageId": "m-screen", "userId": 42, "name": "Home"},
		"group":    {"messageId": "m-group", "userId": "u-1", "groupId": "g-1", "traits": map[string]any{"name": "Acme"}},
		"alias":    {"messageId": "m-alias", "userId": "u-1", "previousId": "a-1"},
	}
	for call, body := range calls {
		ok200(t, e.send(t, call, e.key, body))
	}
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{track("m-batch-1", nil), track("m-batch-2", nil)}}))
	ok200(t, e.send(t, "import", e.key, map[string]any{"batch": []any{
		map[string]any{"type": "identify", "messageId": "m-import", "userId": "u-2", "timestamp": "2024-03-01T12:00:00.000Z"}}}))

	got := e.byMessage(t, e.tenant)
	require.Len(t, got, 9)
	for call := range calls {
		require.Equal(t, call, got["m-"+call].Type)
		require.Equal(t, e.source.ID, got["m-"+call].SourceID)
	}
	require.Equal(t, "Signed Up", *got["m-track"].Event)
	require.JSONEq(t, `{"plan":"pro"}`, *got["m-track"].Properties)
	require.Equal(t, "Pricing", *got["m-page"].Event)
	require.Equal(t, "42", *got["m-screen"].UserID) // a numeric userId is kept as text
	require.Equal(t, "g-1", *got["m-group"].GroupID)
	require.Equal(t, "a-1", *got["m-alias"].PreviousID)
	require.JSONEq(t, `{"email":"Ann@Example.com"}`, *got["m-identify"].Traits)
	require.Equal(t, "track", got["m-batch-2"].Type)
	// An import keeps its historical timestamp (no sentAt: no skew to remove).
	require.Equal(t, time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), got["m-import"].Timestamp.UTC())
	require.Equal(t, cdpT0, got["m-import"].ReceivedAt.UTC())
}

func gz(t *testing.T, v any) []byte {
	t.Helper()
	raw, _ := json.Marshal(v)
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write(raw)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func TestTrackingAPIGzip(t *testing.T) {
	e := setupIngest(t)
	ok200(t, e.send(t, "batch", e.key, gz(t, map[string]any{"batch": []any{track("gz-1", nil), track("gz-2", nil)}}), "Content-Encoding", "gzip"))
	ok200(t, e.send(t, "track", e.key, gz(t, track("gz-3", nil)), "Content-Encoding", "gzip"))
	require.Len(t, e.byMessage(t, e.tenant), 3)

	// Not gzip data under the gzip header: 400, nothing stored.
	r := e.send(t, "track", e.key, []byte(`{"type":"track"}`), "Content-Encoding", "gzip")
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "body", r.Body["field"])
	// A small gzip body that inflates past 500 KB is cut at the bound.
	bomb := map[string]any{"batch": []any{track("bomb", map[string]any{"pad": strings.Repeat("a", 600*1024)})}}
	r = e.send(t, "batch", e.key, gz(t, bomb), "Content-Encoding", "gzip")
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Contains(t, r.Body["message"], "500 KB")
	require.Len(t, e.byMessage(t, e.tenant), 3)
}

func TestTrackingAPILimitsRefuseTheWholeBatch(t *testing.T) {
	e := setupIngest(t)
	batch := func(pad int) map[string]any {
		var evs []any
		for i := range 5 {
			props := map[string]any{"i": i}
			if i == 3 {
				props["pad"] = strings.Repeat("x", pad)
			}
			evs = append(evs, track(fmt.Sprintf("lim-%d-%d", pad, i), props))
		}
		return map[string]any{"batch": evs}
	}
	// batch[3] is 33 KB: 400 naming it and its largest field; nothing of
	// the batch is written, and it counts as rejected.
	r := e.send(t, "batch", e.key, batch(33*1024))
	require.Equal(t, http.StatusBadRequest, r.Status, "%v", r.Body)
	require.Equal(t, "BAD_USER_INPUT", r.Body["code"])
	require.Equal(t, "batch[3].properties", r.Body["field"])
	require.EqualValues(t, 3, r.Body["index"])
	require.Empty(t, e.events(t, e.tenant))
	src, err := e.cdp().Source(context.Background(), e.tenant, e.source.ID)
	require.NoError(t, err)
	require.EqualValues(t, 5, src.Rejected)

	// Positive control: the same batch with a small batch[3] writes all five.
	ok200(t, e.send(t, "batch", e.key, batch(100)))
	require.Len(t, e.events(t, e.tenant), 5)

	// A single call over 32 KB, a batch over 500 KB, an invalid event.
	r = e.send(t, "track", e.key, track("big", map[string]any{"pad": strings.Repeat("x", 33*1024)}))
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "properties", r.Body["field"])
	var many []any
	for i := range 20 {
		many = append(many, track(fmt.Sprintf("many-%d", i), map[string]any{"pad": strings.Repeat("y", 30*1024)}))
	}
	r = e.send(t, "batch", e.key, map[string]any{"batch": many})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "body", r.Body["field"])
	r = e.send(t, "batch", e.key, map[string]any{"batch": []any{track("ok-0", nil), map[string]any{"type": "track", "userId": "u", "messageId": "no-name"}}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "batch[1].event", r.Body["field"])
	r = e.send(t, "identify", e.key, map[string]any{"traits": map[string]any{"a": 1}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "userId", r.Body["field"])
	r = e.send(t, "track", e.key, map[string]any{"userId": "u", "event": "E", "timestamp": "yesterday"})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "timestamp", r.Body["field"])
	require.Len(t, e.events(t, e.tenant), 5)
}

func TestTrackingAPIDeduplicatesByMessageID(t *testing.T) {
	e := setupIngest(t)
	ok200(t, e.send(t, "track", e.key, track("dup-1", map[string]any{"n": 1})))
	// A retry with the same messageId is acknowledged and not stored again
	// (the first copy stays); within one batch too.
	ok200(t, e.send(t, "track", e.key, track("dup-1", map[string]any{"n": 2})))
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{track("dup-2", nil), track("dup-2", nil), track("dup-1", nil)}}))
	got := e.byMessage(t, e.tenant)
	require.Len(t, got, 2)
	require.JSONEq(t, `{"n":1}`, *got["dup-1"].Properties)
	// Only stored events count against the plan.
	u, err := e.srv.App.Services.Billing.Usage(context.Background(), e.tenant)
	require.NoError(t, err)
	for _, x := range u {
		if x.Key == billing.MonthlyEvents {
			require.EqualValues(t, 2, x.Used)
		}
	}
	// The same messageId from another source is another event.
	_, key2 := e.newSource(t, e.tenant, "App")
	ok200(t, e.send(t, "track", key2, track("dup-1", nil)))
	require.Len(t, e.events(t, e.tenant), 3)
	// Without a messageId the server makes one: two such calls are two events.
	ok200(t, e.send(t, "track", e.key, map[string]any{"userId": "u", "event": "No Id"}))
	ok200(t, e.send(t, "track", e.key, map[string]any{"userId": "u", "event": "No Id"}))
	require.Len(t, e.events(t, e.tenant), 5)
}

func TestTrackingAPICorrectsClockSkew(t *testing.T) {
	e := setupIngest(t)
	// The client's clock is 10 minutes fast: it says it sent at T0+10m an
	// event it saw at T0+9m; received at T0 the event happened at T0-1m.
	ok200(t, e.send(t, "batch", e.key, map[string]any{"sentAt": "2026-12-02T10:10:00.000Z", "batch": []any{
		map[string]any{"type": "track", "messageId": "skew", "userId": "u", "event": "E", "timestamp": "2026-12-02T10:09:00.000Z"},
		// An event's own sentAt wins over the batch's; originalTimestamp over timestamp.
		map[string]any{"type": "track", "messageId": "own", "userId": "u", "event": "E", "originalTimestamp": "2026-12-02T09:00:00Z",
			"timestamp": "2000-01-01T00:00:00Z", "sentAt": "2026-12-02T09:30:00Z"},
		map[string]any{"type": "track", "messageId": "none", "userId": "u", "event": "E"},
	}}))
	got := e.byMessage(t, e.tenant)
	require.Equal(t, cdpT0.Add(-time.Minute), got["skew"].Timestamp.UTC())
	require.Equal(t, time.Date(2026, 12, 2, 10, 9, 0, 0, time.UTC), got["skew"].OriginalTimestamp.UTC())
	require.Equal(t, time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC), got["skew"].SentAt.UTC())
	require.Equal(t, cdpT0, got["skew"].ReceivedAt.UTC())
	require.Equal(t, time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC), got["own"].Timestamp.UTC()) // 09:00 + (10:00 - 09:30)
	require.Equal(t, cdpT0, got["none"].Timestamp.UTC())                                        // no time given: when received
	require.Nil(t, got["none"].OriginalTimestamp)
}

func TestTrackingAPIWriteKeys(t *testing.T) {
	e := setupIngest(t)
	ev := track("k-1", nil)
	r := e.send(t, "track", "", ev)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r = e.send(t, "track", "stw_unknown", ev)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Empty(t, e.events(t, e.tenant))
	// Positive controls: the key as Basic username, and as the body's writeKey.
	ok200(t, e.send(t, "track", e.key, ev))
	ok200(t, e.send(t, "track", "", map[string]any{"writeKey": e.key, "type": "track", "messageId": "k-2", "userId": "u", "event": "E"}))
	ok200(t, e.send(t, "batch", "", map[string]any{"writeKey": e.key, "batch": []any{track("k-3", nil)}}))
	require.Len(t, e.events(t, e.tenant), 3)

	ctx := context.Background()
	_, err := e.cdp().SetSourceEnabled(ctx, e.tenant, e.source.ID, false)
	require.NoError(t, err)
	r = e.send(t, "track", e.key, track("k-4", nil))
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Equal(t, "FORBIDDEN", r.Body["code"])
	_, err = e.cdp().SetSourceEnabled(ctx, e.tenant, e.source.ID, true)
	require.NoError(t, err)
	ok200(t, e.send(t, "track", e.key, track("k-4", nil)))

	// Rotation: the old key is refused at once, the new one works.
	_, newKey, err := e.cdp().RotateSourceWriteKey(ctx, e.tenant, e.source.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, e.send(t, "track", e.key, track("k-5", nil)).Status)
	ok200(t, e.send(t, "track", newKey, track("k-5", nil)))
	require.Len(t, e.events(t, e.tenant), 5)
}

func TestTrackingAPIRateLimit(t *testing.T) {
	e := setupIngest(t)
	_, err := e.cdp().SetSourceRateLimit(context.Background(), e.tenant, e.source.ID, 2)
	require.NoError(t, err)
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{track("r-1", nil), track("r-2", nil)}}))
	r := e.send(t, "track", e.key, track("r-3", nil))
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	require.Equal(t, "1", r.Header.Get("Retry-After"))
	require.Equal(t, "THROTTLED", r.Body["code"])
	require.Len(t, e.events(t, e.tenant), 2)
	// Positive control: a second later the bucket has refilled.
	e.clock.Advance(time.Second)
	ok200(t, e.send(t, "track", e.key, track("r-3", nil)))
	require.Len(t, e.events(t, e.tenant), 3)
}

func TestTrackingAPIRequiresTheCDPFlag(t *testing.T) {
	e := setupIngest(t)
	starter := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{Plan: "starter"})
	_, key := e.newSource(t, starter, "Website")
	r := e.send(t, "track", key, track("f-1", nil))
	require.Equal(t, http.StatusForbidden, r.Status, "%v", r.Body)
	require.Equal(t, "FEATURE_DISABLED", r.Body["code"])
	require.Equal(t, "cdp", r.Body["feature"])
	require.Empty(t, e.events(t, starter))
	// Positive control: the Professional tenant's source.
	ok200(t, e.send(t, "track", e.key, track("f-1", nil)))
	require.Len(t, e.events(t, e.tenant), 1)
}

func TestTrackingAPIMonthlyEventsLimit(t *testing.T) {
	e := setupIngest(t)
	max := billing.Limits()[1].Of(billing.Professional)
	require.NoError(t, e.tdb.DB.InTenant(context.Background(), e.tenant, func(ctx context.Context, tx bun.Tx) error {
		return e.srv.App.Services.Billing.ReserveTx(ctx, tx, e.tenant, billing.MonthlyEvents, max-1)
	}))
	r := e.send(t, "batch", e.key, map[string]any{"batch": []any{track("l-1", nil), track("l-2", nil)}})
	require.Equal(t, http.StatusTooManyRequests, r.Status, "%v", r.Body)
	require.Equal(t, "monthly_ingested_events", r.Body["limit"])
	require.Empty(t, e.events(t, e.tenant))
	// Positive control: the one event left fits.
	ok200(t, e.send(t, "track", e.key, track("l-1", nil)))
	require.Len(t, e.events(t, e.tenant), 1)
}

func TestTrackingAPICreatesAMissingPartition(t *testing.T) {
	e := setupIngest(t)
	// Years after the partitions the migration made: the write creates its month's.
	e.clock.Set(time.Date(2031, 5, 17, 8, 0, 0, 0, time.UTC))
	ok200(t, e.send(t, "track", e.key, track("p-1", nil)))
	got := e.events(t, e.tenant)
	require.Len(t, got, 1)
	require.Equal(t, 2031, got[0].ReceivedAt.Year())
}

// TestTrackingAPIConcurrentRequestsShareCommits holds the tenant's usage row
// while requests arrive, so they all wait in the group committer; released,
// they commit in at most two transactions, and every acknowledged
// messageId is stored exactly once with one job per batch, run once.
func TestTrackingAPIConcurrentRequestsShareCommits(t *testing.T) {
	e := setupIngest(t)
	ok200(t, e.send(t, "track", e.key, track("first", nil))) // the usage row exists
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, e.tdb.OwnerURL)
	require.NoError(t, err)
	defer owner.Close(ctx)
	lock, err := owner.Begin(ctx)
	require.NoError(t, err)
	_, err = lock.Exec(ctx, "SELECT 1 FROM tenant_usage WHERE tenant_id = $1 FOR UPDATE", e.tenant)
	require.NoError(t, err)

	const clients, perBatch = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var evs []any
			for i := range perBatch {
				evs = append(evs, track(fmt.Sprintf("c%d-e%d", c, i), map[string]any{"i": i}))
			}
			res, err := e.trySend("batch", e.key, map[string]any{"batch": evs})
			if err == nil && res.Status != http.StatusOK {
				err = fmt.Errorf("status %d: %v", res.Status, res.Body)
			}
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return e.cdp().Waiting() == clients }, 20*time.Second, 5*time.Millisecond)
	require.NoError(t, lock.Rollback(ctx))
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got := e.byMessage(t, e.tenant) // fails on a messageId stored twice
	require.Len(t, got, 1+clients*perBatch)
	batches := map[uuid.UUID]int{}
	for _, ev := range got {
		batches[ev.BatchID]++
	}
	// "first" had its own batch; the eight waiting requests at most three:
	// the group each of the two writers took before the lock, and the rest.
	require.LessOrEqual(t, len(batches), 4)

	// One cdp.process_batch job per batch, and each ran once: the source's
	// received counter is exactly the events stored.
	require.Eventually(t, func() bool {
		var n int
		err := owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'cdp.process_batch' AND state = 'completed'`).Scan(&n)
		return err == nil && n == len(batches)
	}, 20*time.Second, 10*time.Millisecond)
	var jobs, distinct int
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*), count(DISTINCT args->>'batch_id') FROM river_job WHERE kind = 'cdp.process_batch'`).Scan(&jobs, &distinct))
	require.Equal(t, len(batches), jobs)
	require.Equal(t, jobs, distinct)
	src, err := e.cdp().Source(ctx, e.tenant, e.source.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1+clients*perBatch, src.Received)
	require.Equal(t, cdpT0, src.LastEventAt.UTC())
	// A repeated job does nothing.
	for b := range batches {
		done, err := e.cdp().ProcessBatch(ctx, e.tenant, b)
		require.NoError(t, err)
		require.False(t, done)
	}
	src, err = e.cdp().Source(ctx, e.tenant, e.source.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1+clients*perBatch, src.Received)
	// The batches' jobs, run concurrently, resolved every event to u-1's
	// one profile and counted each once (every event is an Order Completed).
	require.Equal(t, 1, e.liveProfiles(t, e.tenant))
	p := e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "u-1"})
	require.EqualValues(t, 1+clients*perBatch, p.Events)
	require.EqualValues(t, 1+clients*perBatch, p.Purchases)
}

// Browser SDKs post from any site: the preflight is answered and the
// answer is readable cross-origin.
func TestTrackingAPIAllowsBrowsers(t *testing.T) {
	e := setupIngest(t)
	req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+"/v1/batch", nil)
	req.Header.Set("Origin", "https://shop.example.test")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	require.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, res.Header.Get("Access-Control-Allow-Headers"), "Authorization")
	r := e.send(t, "track", e.key, track("cors-1", nil), "Origin", "https://shop.example.test")
	ok200(t, r)
	require.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))
}

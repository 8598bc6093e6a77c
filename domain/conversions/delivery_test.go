package conversions_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/observability"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/secretbox"
	"github.com/stratumhq/stratum/internal/testdb"
)

// fakeSender stands for a platform in these tests: it records every
// request and, like the platforms, deduplicates by EventID (a second copy
// of an event is received but not accepted again). answer, when set,
// decides each request's result.
type fakeSender struct {
	mu       sync.Mutex
	maxBatch int
	maxAge   time.Duration
	requests [][]conversions.Event
	dests    []conversions.Destination
	received map[string]int
	accepted map[string]int
	answer   func(n int, events []conversions.Event) (conversions.Result, error)
	// inflight is the requests being sent now; peak the most at once.
	inflight, peak atomic.Int32
}

func newFakeSender() *fakeSender {
	return &fakeSender{maxBatch: 1000, maxAge: 7 * 24 * time.Hour, received: map[string]int{}, accepted: map[string]int{}}
}

func (f *fakeSender) Platform() string      { return "META" }
func (f *fakeSender) MaxBatch() int         { return f.maxBatch }
func (f *fakeSender) MaxAge() time.Duration { return f.maxAge }
func (f *fakeSender) Check(e conversions.Event, now time.Time) string {
	if e.EventID == "" {
		return "event_id is required"
	}
	return ""
}

func (f *fakeSender) Send(_ context.Context, d conversions.Destination, events []conversions.Event) (conversions.Result, error) {
	n := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(events) > f.maxBatch {
		return conversions.Result{}, fmt.Errorf("batch of %d over the limit", len(events))
	}
	n = int32(len(f.requests))
	f.requests = append(f.requests, events)
	f.dests = append(f.dests, d)
	for _, e := range events {
		f.received[e.EventID]++
	}
	var res conversions.Result
	var err error
	if f.answer != nil {
		res, err = f.answer(int(n), events)
	} else {
		for _, e := range events {
			res.Outcomes = append(res.Outcomes, conversions.Outcome{Key: e.Key, Status: conversions.StatusSent})
		}
		res.Summary, res.HTTPStatus = fmt.Sprintf("200 events_received=%d", len(events)), 200
	}
	if err == nil {
		byKey := make(map[string]string, len(events))
		for _, e := range events {
			byKey[e.Key] = e.EventID
		}
		for _, o := range res.Outcomes {
			if id, ok := byKey[o.Key]; ok && o.Status == conversions.StatusSent && f.accepted[id] == 0 {
				f.accepted[id]++ // a copy already accepted is deduplicated
			}
		}
	}
	return res, err
}

func (f *fakeSender) counts(id string) (received, accepted int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.received[id], f.accepted[id]
}

func (f *fakeSender) sentIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		for _, e := range r {
			out = append(out, e.EventID)
		}
	}
	return out
}

var start = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// fixture is a tenant with a source, two profiles (Ann granted ADS
// consent; Bob decided nothing) and a META destination.
type fixture struct {
	tdb      *testdb.DB
	clock    *clock.Manual
	tenant   uuid.UUID
	source   uuid.UUID
	box      *secretbox.Keyring
	cdp      *cdp.Service
	del      *conversions.Deliveries
	sender   *fakeSender
	dest     uuid.UUID
	enqueued []time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	tdb := testdb.New(t)
	c := clock.NewManual(start)
	tdb.Clock = c
	box, err := auth.NewBox(config.DevEncryptionKey)
	require.NoError(t, err)
	f := &fixture{tdb: tdb, clock: c, tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{}), source: uuid.New(), box: box,
		sender: newFakeSender()}
	f.del = &conversions.Deliveries{DB: tdb.DB, Box: box, Senders: map[string]conversions.Sender{"META": f.sender},
		Config: conversions.DeliveryConfig{ReclaimAfter: 2 * time.Minute}, Metrics: observability.NewMetrics()}
	f.del.Enqueue = func(_ context.Context, _ bun.Tx, tenant, dest uuid.UUID, at time.Time) error {
		f.enqueued = append(f.enqueued, at)
		return nil
	}
	f.cdp = &cdp.Service{DB: tdb.DB, Identity: cdp.NewIdentity(tdb.DB), BatchHook: f.del}
	_, err = f.cdp.EnsurePartitions(ctx)
	require.NoError(t, err)
	ann, _, err := f.cdp.Identity.Resolve(ctx, f.tenant, []cdp.Identifier{{Type: cdp.IdentifierUserID, Value: "u-ann"}}, c.Now())
	require.NoError(t, err)
	_, err = f.cdp.Identity.SetConsent(ctx, f.tenant, ann, cdp.PurposeAds, true)
	require.NoError(t, err)
	f.dest = f.insertDestination(t, false)
	return f
}

// insertDestination inserts an enabled META destination with sealed
// credentials, as the destinations service stores them.
func (f *fixture) insertDestination(t *testing.T, legitimateInterest bool) uuid.UUID {
	t.Helper()
	creds, err := json.Marshal(map[string]string{"pixelId": "1234567890", "accessToken": "EAAB-secret-token-value"})
	require.NoError(t, err)
	sealed, err := f.box.Seal(creds)
	require.NoError(t, err)
	id := uuid.New()
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys,
				legitimate_interest, enabled, created_at, updated_at)
			VALUES (?, ?, 'META', 'Pixel', ?, ARRAY['pixelId', 'accessToken'], ?, true, ?, ?)`,
			f.tenant, id, sealed, legitimateInterest, f.clock.Now(), f.clock.Now())
		return err
	}))
	return id
}

// event is one CDP event of a batch.
type event struct {
	id, user, name string
	at             time.Time
}

// batch stores events as one committed batch and processes it (the batch
// job's work: identity, then the hook in the batch's transaction).
func (f *fixture) batch(t *testing.T, evs ...event) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	batch := uuid.New()
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, '[]', ?)`,
			f.tenant, batch, len(evs), f.clock.Now()); err != nil {
			return err
		}
		for _, e := range evs {
			at := e.at
			if at.IsZero() {
				at = f.clock.Now()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, "timestamp", properties, payload_size) VALUES (?, ?, ?, ?, ?, 'track', ?, ?, ?, '{"revenue": 10, "currency": "EUR"}', 10)`,
				f.tenant, f.source, e.id, f.clock.Now(), batch, e.name, e.user, at); err != nil {
				return err
			}
		}
		return nil
	}))
	done, err := f.cdp.ProcessBatch(ctx, f.tenant, batch)
	require.NoError(t, err)
	require.True(t, done)
	return batch
}

func (f *fixture) flush(t *testing.T, dest uuid.UUID) conversions.FlushResult {
	t.Helper()
	res, err := f.del.Flush(context.Background(), f.tenant, dest, nil)
	require.NoError(t, err)
	return res
}

// row is a delivery's state.
type row struct {
	Status     string     `bun:"status"`
	Attempts   int        `bun:"attempts"`
	Response   *string    `bun:"response"`
	ErrorCode  *string    `bun:"error_code"`
	LegalBasis *string    `bun:"legal_basis"`
	Next       *time.Time `bun:"next_attempt_at"`
	SentAt     *time.Time `bun:"sent_at"`
	Summary    *string    `bun:"request_summary"`
}

func (f *fixture) row(t *testing.T, dest uuid.UUID, msg string) row {
	t.Helper()
	var r row
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT status, attempts, response, error_code, legal_basis, next_attempt_at, sent_at, request_summary
			FROM conversion_delivery_log WHERE destination_id = ? AND message_id = ?`, dest, msg).Scan(ctx, &r)
	}))
	return r
}

func (f *fixture) rows(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM conversion_delivery_log`).Scan(ctx, &n)
	}))
	return n
}

// queued is the destination batches waiting for their first send, and
// the attempts of the first one's claims.
func (f *fixture) queued(t *testing.T) (n, attempts int) {
	t.Helper()
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*), coalesce(max(attempts), 0) FROM conversion_delivery_batches`).Scan(ctx, &n, &attempts)
	}))
	return n, attempts
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Only profiles with ADS consent are forwarded: Bob's purchase is
// SKIPPED with the reason and never sent, Ann's (the positive control,
// same event, same path) is sent once. A destination forwarding on
// legitimate interest sends Bob's too, recorded as such. An event no
// mapping applies to gets no row at all. The batch is queued once per
// destination and decided at its first send.
func TestOnlyConsentingProfilesAreForwarded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	li := f.insertDestination(t, true)
	f.batch(t, event{id: "m-ann", user: "u-ann", name: "Order Completed"}, event{id: "m-bob", user: "u-bob", name: "Order Completed"},
		event{id: "m-view", user: "u-ann", name: "Coupon Hovered"})

	require.Zero(t, f.rows(t), "nothing is decided before the batch's first send")
	queued, _ := f.queued(t)
	require.Equal(t, 2, queued, "the batch is queued once per destination")
	require.Len(t, f.enqueued, 2, "one flush per destination")
	require.Equal(t, start.Add(conversions.DefaultFlushAge), f.enqueued[0], "flushed by age")

	res := f.flush(t, f.dest)
	require.Equal(t, 1, res.Sent)
	require.Equal(t, []string{"m-ann"}, f.sender.sentIDs())
	ann, bob := f.row(t, f.dest, "m-ann"), f.row(t, f.dest, "m-bob")
	require.Equal(t, "SENT", ann.Status)
	require.Equal(t, 1, ann.Attempts)
	require.Equal(t, conversions.BasisConsent, str(ann.LegalBasis))
	require.Equal(t, "SKIPPED", bob.Status)
	require.Equal(t, conversions.ReasonNoConsent, str(bob.Response))
	// The destination's credentials reached the sender opened.
	require.Equal(t, "1234567890", f.sender.dests[0].Credentials["pixelId"])

	f.flush(t, li)
	require.ElementsMatch(t, []string{"m-ann", "m-ann", "m-bob"}, f.sender.sentIDs())
	require.Equal(t, "SENT", f.row(t, li, "m-bob").Status)
	require.Equal(t, conversions.BasisLegitimateInterest, str(f.row(t, li, "m-bob").LegalBasis))
	require.Equal(t, 4, f.rows(t), "two purchases for two destinations; an event no platform maps has none")
	queued, _ = f.queued(t)
	require.Zero(t, queued)
	require.Zero(t, f.flush(t, f.dest).Claimed, "nothing is sent twice")
}

// The hook records nothing twice: the batch's transaction re-run on the
// same batch inserts no second queue row and enqueues no second flush, and
// the batch job run again on a processed batch does nothing; the event is
// sent and recorded once.
func TestDeliveriesAreRecordedOncePerEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	batch := f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"})
	refs := []cdp.BatchEventRef{{SourceID: f.source, MessageID: "m-1"}}
	require.NoError(t, f.tdb.DB.InTenantConn(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx, raw db.PgxConn) error {
		return f.del.BatchProcessedTx(ctx, tx, raw, f.tenant, batch, refs)
	}))
	queued, _ := f.queued(t)
	require.Equal(t, 1, queued)
	require.Len(t, f.enqueued, 1)
	done, err := f.cdp.ProcessBatch(context.Background(), f.tenant, batch)
	require.NoError(t, err)
	require.False(t, done, "a processed batch is not processed again")
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	require.Zero(t, f.flush(t, f.dest).Claimed)
	require.Equal(t, 1, f.rows(t))
	require.Equal(t, []string{"m-1"}, f.sender.sentIDs())
}

// An event older than the platform accepts is FAILED with the reason
// before any batch is built; a fresh one in the same batch is sent.
func TestTooOldEventsAreDiverted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.batch(t, event{id: "m-old", user: "u-ann", name: "Order Completed", at: start.Add(-8 * 24 * time.Hour)},
		event{id: "m-new", user: "u-ann", name: "Order Completed"})
	res := f.flush(t, f.dest)
	require.Equal(t, 1, res.Sent)
	require.Equal(t, 1, res.Failed)
	old := f.row(t, f.dest, "m-old")
	require.Equal(t, "FAILED", old.Status)
	require.Contains(t, str(old.Response), "older than META accepts (7 days)")
	require.Equal(t, []string{"m-new"}, f.sender.sentIDs())
}

// A 429 with Retry-After: every event of the request is RETRY, due no
// sooner than the platform asked; a flush before then sends nothing; the
// next one sends it under the same event id, and it is SENT.
func TestThrottledRequestIsRetriedAfterRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.answer = func(n int, events []conversions.Event) (conversions.Result, error) {
		if n == 0 {
			return conversions.Result{RetryAfter: 30 * time.Second, HTTPStatus: 429}, errors.New("429 Too Many Requests")
		}
		return conversions.Result{Outcomes: []conversions.Outcome{{Key: events[0].Key, Status: conversions.StatusSent}}}, nil
	}
	f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"})
	var next []time.Time
	follow := func(_ context.Context, _ bun.Tx, at time.Time) error { next = append(next, at); return nil }
	_, err := f.del.Flush(context.Background(), f.tenant, f.dest, follow)
	require.NoError(t, err)
	r := f.row(t, f.dest, "m-1")
	require.Equal(t, "RETRY", r.Status)
	require.Equal(t, "429 Too Many Requests", str(r.Response))
	require.WithinDuration(t, start.Add(30*time.Second), *r.Next, 0, "Retry-After (30 s) beats the first backoff (5 s)")
	require.Len(t, next, 1)
	require.WithinDuration(t, start.Add(30*time.Second), next[0], 0, "the next flush is scheduled for then")

	f.clock.Advance(29 * time.Second)
	require.Zero(t, f.flush(t, f.dest).Claimed, "not due yet")
	f.clock.Advance(time.Second)
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	r = f.row(t, f.dest, "m-1")
	require.Equal(t, "SENT", r.Status)
	require.Equal(t, 2, r.Attempts)
	require.Equal(t, []string{"m-1", "m-1"}, f.sender.sentIDs())
}

// A flush draining a backlog stops at a request the platform throttled
// (429 with Retry-After): the groups it had prepared are not sent but go
// back to the queue, unclaimed; no flush claims anything before the
// platform said — not even a batch queued meanwhile — and the next flush
// is due then.
func TestAThrottledRequestStopsTheBacklogUntilRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.maxBatch = 1
	f.sender.answer = func(n int, events []conversions.Event) (conversions.Result, error) {
		if n == 0 {
			return conversions.Result{RetryAfter: 30 * time.Second, HTTPStatus: 429}, errors.New("429 Too Many Requests")
		}
		return conversions.Result{Outcomes: []conversions.Outcome{{Key: events[0].Key, Status: conversions.StatusSent}}}, nil
	}
	for i := range 3 {
		f.batch(t, event{id: fmt.Sprintf("m-%d", i), user: "u-ann", name: "Order Completed"})
	}
	prepared := make(chan struct{}, conversions.PipelineGroups)
	f.del.TestAfterPrepare = func(context.Context, uuid.UUID) { prepared <- struct{}{} }
	f.del.TestAfterSend = func(context.Context, uuid.UUID, []conversions.Event) {
		if len(f.sender.requests) == 1 {
			<-prepared // a group waits, claimed and decided, when the 429 comes
		}
	}
	var next []time.Time
	follow := func(_ context.Context, _ bun.Tx, at time.Time) error { next = append(next, at); return nil }
	_, err := f.del.Flush(context.Background(), f.tenant, f.dest, follow)
	require.NoError(t, err)
	require.Len(t, f.sender.requests, 1, "nothing more is sent after the 429")
	var rows []struct {
		Claimed bool `bun:"claimed"`
	}
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT claimed_at IS NOT NULL AS claimed FROM conversion_delivery_batches`).Scan(ctx, &rows)
	}))
	require.Len(t, rows, 2, "the batches not sent stay queued")
	for _, r := range rows {
		require.False(t, r.Claimed, "and unclaimed (not left to the reclaim delay)")
	}
	require.Equal(t, []time.Time{start.Add(30 * time.Second)}, next, "the next flush when the platform said")

	// A batch queued meanwhile, and its flush job, wait too.
	f.clock.Advance(10 * time.Second)
	f.batch(t, event{id: "m-3", user: "u-ann", name: "Order Completed"})
	res, err := f.del.Flush(context.Background(), f.tenant, f.dest, follow)
	require.NoError(t, err)
	require.Zero(t, res.Claimed, "nothing is claimed during the platform's pause")
	require.Len(t, f.sender.requests, 1)
	require.Equal(t, start.Add(30*time.Second), next[len(next)-1], "the flush is due again when the pause ends")

	f.clock.Advance(20 * time.Second)
	for f.flush(t, f.dest).Claimed > 0 {
	}
	require.ElementsMatch(t, []string{"m-0", "m-1", "m-2", "m-3"}, f.sender.sentIDs()[1:], "then every event once more")
}

// A platform's per-event refusal is FAILED with its code and its words and
// never retried; the other event of the request is SENT.
func TestRefusedEventFailsWithThePlatformsWords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.answer = func(_ int, events []conversions.Event) (conversions.Result, error) {
		var res conversions.Result
		for _, e := range events {
			o := conversions.Outcome{Key: e.Key, Status: conversions.StatusSent}
			if e.EventID == "m-bad" {
				o = conversions.Outcome{Key: e.Key, Status: conversions.StatusFailed, Code: "2804019",
					Message: "Invalid parameter: event_time is too far in the future (token EAAB-secret-token-value)"}
			}
			res.Outcomes = append(res.Outcomes, o)
		}
		return res, nil
	}
	f.batch(t, event{id: "m-bad", user: "u-ann", name: "Order Completed"}, event{id: "m-good", user: "u-ann", name: "Order Completed"})
	res := f.flush(t, f.dest)
	require.Equal(t, 1, res.Sent)
	require.Equal(t, 1, res.Failed)
	bad := f.row(t, f.dest, "m-bad")
	require.Equal(t, "FAILED", bad.Status)
	require.Equal(t, "2804019", str(bad.ErrorCode))
	require.Equal(t, "Invalid parameter: event_time is too far in the future (token [redacted])", str(bad.Response),
		"the platform's words, without the credential it echoed")
	require.Equal(t, "SENT", f.row(t, f.dest, "m-good").Status)
	f.clock.Advance(time.Hour)
	require.Zero(t, f.flush(t, f.dest).Claimed, "a refusal is not retried")
	require.Len(t, f.sender.requests, 1)
	require.Equal(t, map[string]float64{"stratum_conversions_sent_total META SENT": 1, "stratum_conversions_sent_total META FAILED": 1,
		"stratum_conversions_delivery_duration_seconds META": 1}, conversionMetrics(t, f.del.Metrics))
}

// A crash between sending and recording leaves the batch claimed and its
// events unrecorded: they are not taken again while the claim could still
// be live, then reclaimed and sent again under the same event id — the
// platform (here the fake, deduplicating by event id like Meta) accepts
// the event once.
func TestCrashAfterSendIsReclaimedUnderTheSameEventID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	crashed := false
	f.del.TestAfterSend = func(context.Context, uuid.UUID, []conversions.Event) {
		if !crashed {
			crashed = true
			panic("worker died after the platform answered")
		}
	}
	f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"})
	require.Panics(t, func() { _, _ = f.del.Flush(context.Background(), f.tenant, f.dest, nil) })
	require.Zero(t, f.rows(t))
	queued, attempts := f.queued(t)
	require.Equal(t, 1, queued)
	require.Equal(t, 1, attempts, "claimed once")

	var next []time.Time
	follow := func(_ context.Context, _ bun.Tx, at time.Time) error { next = append(next, at); return nil }
	res, err := f.del.Flush(context.Background(), f.tenant, f.dest, follow)
	require.NoError(t, err)
	require.Zero(t, res.Claimed, "a claim younger than ReclaimAfter may still be live")
	require.Len(t, next, 1)
	require.WithinDuration(t, start.Add(2*time.Minute), next[0], 0, "the next flush is due when it can be reclaimed")

	f.clock.Advance(2 * time.Minute)
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	r := f.row(t, f.dest, "m-1")
	require.Equal(t, "SENT", r.Status)
	require.Equal(t, 2, r.Attempts)
	received, accepted := f.sender.counts("m-1")
	require.Equal(t, 2, received, "sent twice, both times as m-1")
	require.Equal(t, 1, accepted, "accepted once")
	require.Equal(t, f.sender.requests[0][0].Key, f.sender.requests[1][0].Key)
}

// Transient failures are retried with growing backoff until MaxAttempts,
// then DEAD; replay moves the DEAD and FAILED ones back, once, and they
// are sent.
func TestDeadAndFailedDeliveriesAreReplayed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.del.Config.MaxAttempts = 2
	down := firstAttemptFails(t, f, "m-1")
	f.clock.Advance(5 * time.Second)
	require.Equal(t, 1, f.flush(t, f.dest).Dead)
	require.Equal(t, "DEAD", f.row(t, f.dest, "m-1").Status)

	ctx := context.Background()
	_, err := f.del.Replay(ctx, f.tenant, conversions.ReplayInput{Destination: f.dest, Status: conversions.StatusSent})
	require.Error(t, err, "only FAILED or DEAD")
	other := testdb.MustInsertTenant(t, f.tdb.DB, testdb.Tenant{})
	_, err = f.del.Replay(ctx, other, conversions.ReplayInput{Destination: f.dest})
	require.Error(t, err, "another tenant's destination is not found")
	require.Equal(t, "DEAD", f.row(t, f.dest, "m-1").Status, "refused replays change nothing")

	n, err := f.del.Replay(ctx, f.tenant, conversions.ReplayInput{Destination: f.dest})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = f.del.Replay(ctx, f.tenant, conversions.ReplayInput{Destination: f.dest})
	require.NoError(t, err)
	require.Zero(t, n, "idempotent")
	require.Equal(t, "PENDING", f.row(t, f.dest, "m-1").Status)
	*down = false
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	require.Equal(t, "SENT", f.row(t, f.dest, "m-1").Status)
	require.Equal(t, []string{"m-1", "m-1", "m-1"}, f.sender.sentIDs())
}

// firstAttemptFails batches Ann's event id and flushes it while the
// platform answers 503: it is a RETRY due 5 s later (at start). The
// platform stays down while the returned flag is set.
func firstAttemptFails(t *testing.T, f *fixture, id string) *bool {
	t.Helper()
	down := true
	f.sender.answer = unavailableWhile(&down)
	f.batch(t, event{id: id, user: "u-ann", name: "Order Completed"})
	f.flush(t, f.dest)
	r := f.row(t, f.dest, id)
	require.Equal(t, "RETRY", r.Status)
	require.WithinDuration(t, start.Add(5*time.Second), *r.Next, 0)
	return &down
}

// unavailableWhile answers every request 503 while *down, else accepts
// every event.
func unavailableWhile(down *bool) func(int, []conversions.Event) (conversions.Result, error) {
	return func(_ int, events []conversions.Event) (conversions.Result, error) {
		var res conversions.Result
		if *down {
			return res, errors.New("503 Service Unavailable")
		}
		for _, e := range events {
			res.Outcomes = append(res.Outcomes, conversions.Outcome{Key: e.Key, Status: conversions.StatusSent})
		}
		return res, nil
	}
}

// The delivery log pages a destination's deliveries newest first and
// filters them by status and event name; another tenant's destination is
// not found.
func TestDeliveryLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.batch(t, event{id: "m-ann", user: "u-ann", name: "Order Completed"}, event{id: "m-bob", user: "u-bob", name: "Order Completed"})
	f.flush(t, f.dest)
	ctx := context.Background()
	page, err := f.del.List(ctx, f.tenant, conversions.DeliveryFilter{Destination: f.dest}, relay.Args{})
	require.NoError(t, err)
	require.Equal(t, 2, page.TotalCount)
	page, err = f.del.List(ctx, f.tenant, conversions.DeliveryFilter{Destination: f.dest, Status: conversions.StatusSkipped}, relay.Args{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	require.Equal(t, "m-bob", page.Items[0].MessageID)
	page, err = f.del.List(ctx, f.tenant, conversions.DeliveryFilter{Destination: f.dest, EventName: "Purchase"}, relay.Args{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	page, err = f.del.List(ctx, f.tenant, conversions.DeliveryFilter{Destination: f.dest, EventName: "Lead"}, relay.Args{})
	require.NoError(t, err)
	require.Empty(t, page.Items)
	_, err = f.del.List(ctx, f.tenant, conversions.DeliveryFilter{Destination: f.dest, Status: "BOGUS"}, relay.Args{})
	require.Error(t, err)
	other := testdb.MustInsertTenant(t, f.tdb.DB, testdb.Tenant{})
	_, err = f.del.List(ctx, other, conversions.DeliveryFilter{Destination: f.dest}, relay.Args{})
	require.Error(t, err)
}

// Credentials that cannot be opened (a key rotated away) send nothing:
// the events are RETRY with a reason that names no secret.
func TestUnopenableCredentialsAreRetriedWithoutSending(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	require.NoError(t, f.tdb.DB.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE conversion_destinations SET credentials = '\x0102'::bytea WHERE id = ?`, f.dest)
		return err
	}))
	f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"})
	f.flush(t, f.dest)
	r := f.row(t, f.dest, "m-1")
	require.Equal(t, "RETRY", r.Status)
	require.Contains(t, str(r.Response), "cannot decrypt")
	require.Empty(t, f.sender.requests)
}

// The sweep's list: a destination whose pending delivery is overdue by
// more than SweepAfter (its flush job was lost) is listed; before then,
// once flushed, or when disabled it is not.
func TestStalledDestinationsAreSwept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"})
	stalled, err := f.del.Stalled(ctx)
	require.NoError(t, err)
	require.Empty(t, stalled, "due in a second: not stalled")
	f.clock.Advance(conversions.DefaultFlushAge + conversions.SweepAfter + time.Second)
	stalled, err = f.del.Stalled(ctx)
	require.NoError(t, err)
	require.Equal(t, [][2]uuid.UUID{{f.tenant, f.dest}}, stalled)

	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE conversion_destinations SET enabled = false WHERE id = ?`, f.dest)
		return err
	}))
	stalled, err = f.del.Stalled(ctx)
	require.NoError(t, err)
	require.Empty(t, stalled, "disabled")
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE conversion_destinations SET enabled = true WHERE id = ?`, f.dest)
		return err
	}))
	f.flush(t, f.dest)
	stalled, err = f.del.Stalled(ctx)
	require.NoError(t, err)
	require.Empty(t, stalled, "sent")
}

// conversionMetrics reads the conversion metrics of m: counters by name
// and labels, histograms as their sample counts.
func conversionMetrics(t *testing.T, m *observability.Metrics) map[string]float64 {
	t.Helper()
	fams, err := m.Registry.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, fam := range fams {
		if !strings.HasPrefix(fam.GetName(), "stratum_conversions_") {
			continue
		}
		for _, x := range fam.GetMetric() {
			key := fam.GetName()
			for _, l := range x.GetLabel() {
				key += " " + l.GetValue()
			}
			if h := x.GetHistogram(); h != nil {
				out[key] = float64(h.GetSampleCount())
			} else {
				out[key] = x.GetCounter().GetValue()
			}
		}
	}
	return out
}

// Deleting a destination deletes its delivery log and its queued batches
// (no foreign key cascades to the log since migration 0069); the other
// destination's log and queue, the positive control, stay.
func TestDeletingADestinationDeletesItsDeliveries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other := f.insertDestination(t, false)
	f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"})
	f.flush(t, f.dest)
	f.flush(t, other)
	f.batch(t, event{id: "m-2", user: "u-ann", name: "Order Completed"})
	require.Equal(t, 2, f.rows(t))
	queued, _ := f.queued(t)
	require.Equal(t, 2, queued)

	require.NoError(t, (&conversions.Destinations{DB: f.tdb.DB, Box: f.box}).Delete(context.Background(), f.tenant, f.dest))
	require.Equal(t, 1, f.rows(t))
	require.Equal(t, "SENT", f.row(t, other, "m-1").Status)
	queued, _ = f.queued(t)
	require.Equal(t, 1, queued)
	require.Equal(t, 1, f.flush(t, other).Sent, "the other destination still sends its queue")
	require.Zero(t, f.flush(t, f.dest).Claimed)
}

// qualityLog records what the flush hands the quality recorder.
type qualityLog struct{ ids []string }

func (q *qualityLog) RecordTx(_ context.Context, _ bun.Tx, _, _ uuid.UUID, _ string, events []conversions.Event, _ time.Time) error {
	for _, e := range events {
		q.ids = append(q.ids, e.EventID)
	}
	return nil
}

// The match quality of a batch's first send counts the events the
// platform accepted, once: not the SKIPPED one, not again when a crashed
// flush's batch is reclaimed and sent again.
func TestQualityCountsEachAcceptedEventOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	q := &qualityLog{}
	f.del.Quality = q
	crashed := false
	f.del.TestAfterSend = func(context.Context, uuid.UUID, []conversions.Event) {
		if !crashed {
			crashed = true
			panic("worker died after the platform answered")
		}
	}
	f.batch(t, event{id: "m-ann", user: "u-ann", name: "Order Completed"}, event{id: "m-bob", user: "u-bob", name: "Order Completed"})
	require.Panics(t, func() { _, _ = f.del.Flush(context.Background(), f.tenant, f.dest, nil) })
	require.Empty(t, q.ids, "nothing recorded by the flush that died")
	f.clock.Advance(2 * time.Minute)
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	require.Equal(t, []string{"m-ann"}, q.ids)
	require.Zero(t, f.flush(t, f.dest).Claimed)
	require.Equal(t, []string{"m-ann"}, q.ids)
}

// A flush takes queued batches oldest due first, as many as fit one
// request (at least one), and sends a batch larger than a request in
// several requests of at most MaxBatch events; while batches are queued it
// takes the next request's worth, up to PipelineGroups.
func TestQueuedBatchesFillRequestsUpToTheirLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.maxBatch = 2
	f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"})
	f.batch(t, event{id: "m-2", user: "u-ann", name: "Order Completed"})
	f.batch(t, event{id: "m-3", user: "u-ann", name: "Order Completed"}, event{id: "m-4", user: "u-ann", name: "Order Completed"},
		event{id: "m-5", user: "u-ann", name: "Order Completed"})
	require.Equal(t, start, f.enqueued[2], "the batch that fills a request is due at once")

	res := f.flush(t, f.dest)
	require.Equal(t, 5, res.Sent, "one flush takes request after request while batches are queued")
	require.Len(t, f.sender.requests, 3)
	var first []string
	for _, r := range f.sender.requests[:2] {
		for _, e := range r {
			first = append(first, e.EventID)
		}
	}
	require.ElementsMatch(t, []string{"m-3", "m-4", "m-5"}, first, "the batch due first is sent first, whole, in requests of at most two")
	require.Len(t, f.sender.requests[2], 2, "two one-event batches share a request")
	for _, r := range f.sender.requests {
		require.LessOrEqual(t, len(r), 2)
	}
	require.True(t, res.Next.IsZero(), "nothing left")
	require.ElementsMatch(t, []string{"m-1", "m-2", "m-3", "m-4", "m-5"}, f.sender.sentIDs())
	require.Equal(t, 5, f.rows(t))
}

// While batches are queued a flush takes one request's worth after
// another — each claimed, sent and recorded on its own, the next claimed
// while one is in flight — never more than one request in flight and at
// most PipelineGroups of them; what is left is due at once.
func TestAFlushTakesQueuedRequestsOneAfterAnother(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.maxBatch = 1
	var want []string
	for i := range conversions.PipelineGroups + 2 {
		id := fmt.Sprintf("m-%02d", i)
		want = append(want, id)
		f.batch(t, event{id: id, user: "u-ann", name: "Order Completed"})
	}
	res := f.flush(t, f.dest)
	require.Equal(t, conversions.PipelineGroups, res.Sent, "one flush takes at most PipelineGroups requests")
	require.Equal(t, start, res.Next, "the rest is due at once")
	require.Equal(t, conversions.PipelineGroups, f.rows(t), "each request's events are recorded")
	n, attempts := f.queued(t)
	require.Equal(t, 2, n, "the batches not taken stay queued")
	require.Zero(t, attempts, "unclaimed")
	res = f.flush(t, f.dest)
	require.Equal(t, 2, res.Sent)
	require.True(t, res.Next.IsZero(), "nothing left")
	require.ElementsMatch(t, want, f.sender.sentIDs(), "each once")
	require.Len(t, f.sender.requests, conversions.PipelineGroups+2)
	require.Equal(t, int32(1), f.sender.peak.Load(), "one request in flight at a time")
	require.Equal(t, conversions.PipelineGroups+2, f.rows(t))
}

// A destination deleted while a flush works its backlog gets nothing more
// than the request in flight: the group claimed and decided before the
// deletion is not sent (its claim went with the destination's batches),
// and nothing is recorded.
func TestADeletedDestinationGetsNoPreparedRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.maxBatch = 1
	for i := range 3 {
		f.batch(t, event{id: fmt.Sprintf("m-%d", i), user: "u-ann", name: "Order Completed"})
	}
	prepared := make(chan struct{}, conversions.PipelineGroups)
	f.del.TestAfterPrepare = func(context.Context, uuid.UUID) { prepared <- struct{}{} }
	deleted := false
	f.del.TestAfterSend = func(ctx context.Context, dest uuid.UUID, _ []conversions.Event) {
		if deleted {
			return
		}
		deleted = true
		<-prepared // the next request's worth is claimed and decided
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM conversion_destinations WHERE id = ?`, dest)
			return err
		}))
	}
	res := f.flush(t, f.dest)
	require.Len(t, f.sender.requests, 1, "only the request in flight when the destination was deleted")
	require.Zero(t, f.rows(t), "nothing recorded for a deleted destination")
	require.True(t, res.Next.IsZero(), "nothing left to flush")
}

// Erasing a person removes their events from the batches queued for a
// first send (the others stay and are sent); a flush that had claimed
// the batch and read the person's event before the erasure records
// nothing of it afterwards, and the rest of the batch is reclaimed and
// sent again under the same event ids.
func TestErasureReachesQueuedBatches(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var ann uuid.UUID
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT profile_id FROM cdp_identifiers WHERE value = 'u-ann'`).Scan(ctx, &ann)
	}))
	erase := func() {
		t.Helper()
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			return f.del.EraseProfilesTx(ctx, tx, f.tenant, []uuid.UUID{ann})
		}))
	}
	messages := func() []string {
		t.Helper()
		var out []string
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT coalesce(array_agg(m ORDER BY m), '{}') FROM conversion_delivery_batches, unnest(message_ids) m`).
				Scan(ctx, pgdialect.Array(&out))
		}))
		return out
	}

	// Queued, unclaimed: Ann's event goes, Bob's (legitimate interest) stays.
	li := f.insertDestination(t, true)
	f.batch(t, event{id: "m-ann", user: "u-ann", name: "Order Completed"}, event{id: "m-bob", user: "u-bob", name: "Order Completed"})
	require.Equal(t, []string{"m-ann", "m-ann", "m-bob", "m-bob"}, messages())
	erase()
	require.Equal(t, []string{"m-bob", "m-bob"}, messages())
	require.Equal(t, 1, f.flush(t, li).Sent)
	require.Equal(t, []string{"m-bob"}, f.sender.sentIDs())
	_, attempts := f.queued(t)
	require.Zero(t, attempts, "an unclaimed batch is not counted as claimed")

	// Claimed and in flight: the flush read Ann's event, the erasure runs
	// before it records; it records nothing of the batch, whose rest
	// (Bob's) is reclaimed and sent again, and recorded, later.
	f2 := newFixture(t)
	var ann2 uuid.UUID
	require.NoError(t, f2.tdb.DB.InTenant(ctx, f2.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT profile_id FROM cdp_identifiers WHERE value = 'u-ann'`).Scan(ctx, &ann2)
	}))
	li2 := f2.insertDestination(t, true)
	f2.batch(t, event{id: "m-ann", user: "u-ann", name: "Order Completed"}, event{id: "m-bob", user: "u-bob", name: "Order Completed"})
	erased := false
	f2.del.TestAfterSend = func(context.Context, uuid.UUID, []conversions.Event) {
		if !erased {
			erased = true
			require.NoError(t, f2.tdb.DB.InTenant(ctx, f2.tenant, func(ctx context.Context, tx bun.Tx) error {
				return f2.del.EraseProfilesTx(ctx, tx, f2.tenant, []uuid.UUID{ann2})
			}))
		}
	}
	require.Equal(t, 2, f2.flush(t, li2).Sent, "both were sent before the erasure")
	require.Zero(t, f2.rows(t), "nothing recorded after the erasure")
	f2.clock.Advance(2 * time.Minute)
	require.Equal(t, 1, f2.flush(t, li2).Sent)
	require.Equal(t, []string{"m-ann", "m-bob", "m-bob"}, f2.sender.sentIDs())
	r := f2.row(t, li2, "m-bob")
	require.Equal(t, "SENT", r.Status)
	require.Equal(t, 3, r.Attempts, "claimed twice, and moved on once by the erasure")
	require.Equal(t, 1, f2.rows(t), "Ann's event is not recorded")
}

// A delivery due for its retry is sent before batches queued after it
// came due: under steady traffic a queued batch is always waiting, and
// retries must not wait behind every new one. A batch due before the
// retry (the positive control) is still sent first.
func TestRetriesAreNotStarvedByQueuedBatches(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	*firstAttemptFails(t, f, "m-1") = false

	f.clock.Advance(3 * time.Second)
	f.batch(t, event{id: "m-2", user: "u-ann", name: "Order Completed"}) // due at 4 s, before the retry
	f.clock.Advance(3 * time.Second)
	f.batch(t, event{id: "m-3", user: "u-ann", name: "Order Completed"}) // due at 7 s, after it

	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	require.Equal(t, []string{"m-1", "m-2", "m-1", "m-3"}, f.sender.sentIDs(), "the batch due first, then the retry, then the later batch")
	for _, id := range []string{"m-1", "m-2", "m-3"} {
		require.Equal(t, "SENT", f.row(t, f.dest, id).Status, id)
	}
}

// The log pages one order over both kinds of rows: a request's SENT
// events (one conversion_sent_requests row each) and the per-event rows
// (here Bob's SKIPPED ones), forward and backward, a page of one at a
// time giving the same sequence as one page of all, the filters and
// totalCount counting both.
func TestTheLogPagesSentRequestsAndSingleDeliveries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.maxBatch = 2
	ctx := context.Background()
	f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"}, event{id: "m-2", user: "u-ann", name: "Order Completed"},
		event{id: "m-3", user: "u-ann", name: "Order Completed"}, event{id: "m-b1", user: "u-bob", name: "Order Completed"})
	require.Equal(t, 3, f.flush(t, f.dest).Sent)
	f.clock.Advance(time.Second)
	f.batch(t, event{id: "m-4", user: "u-ann", name: "Order Completed"}, event{id: "m-b2", user: "u-bob", name: "Order Completed"})
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	var requests, single int
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(`SELECT count(*) FROM conversion_sent_requests`).Scan(ctx, &requests); err != nil {
			return err
		}
		return tx.NewRaw(`SELECT count(*) FROM conversion_deliveries`).Scan(ctx, &single)
	}))
	require.Equal(t, 3, requests, "three requests: two events, one, one")
	require.Equal(t, 2, single, "Bob's two skipped events")

	list := func(filter conversions.DeliveryFilter, args relay.Args) *relay.Page[conversions.Delivery] {
		t.Helper()
		filter.Destination = f.dest
		page, err := f.del.List(ctx, f.tenant, filter, args)
		require.NoError(t, err)
		return page
	}
	ids := func(items []conversions.Delivery) []string {
		out := make([]string, len(items))
		for i, x := range items {
			out[i] = x.MessageID
		}
		return out
	}
	all := list(conversions.DeliveryFilter{}, relay.Args{})
	require.Equal(t, 6, all.TotalCount)
	require.Len(t, all.Items, 6)
	require.False(t, all.Info.HasNextPage)
	seen := map[uuid.UUID]bool{}
	for i, x := range all.Items {
		require.False(t, seen[x.ID], "every event has its own id")
		seen[x.ID] = true
		if i > 0 {
			prev := relay.Cursor{At: all.Items[i-1].CreatedAt, ID: all.Items[i-1].ID}
			require.True(t, relay.Cursor{At: x.CreatedAt, ID: x.ID}.Less(prev), "newest first")
		}
	}
	require.ElementsMatch(t, []string{"m-4", "m-b2"}, ids(all.Items[:2]), "the second flush's first")
	byID := map[string]conversions.Delivery{}
	for _, x := range all.Items {
		byID[x.MessageID] = x
	}
	sent := byID["m-2"]
	require.Equal(t, conversions.StatusSent, sent.Status)
	require.Equal(t, "Purchase", sent.EventName)
	require.Equal(t, "Order Completed", sent.SourceEvent)
	require.Equal(t, 1, sent.Attempts)
	require.Equal(t, "200 events_received=2", *sent.Response)
	require.NotNil(t, sent.SentAt)
	require.Equal(t, conversions.BasisConsent, *sent.LegalBasis)
	require.Equal(t, conversions.StatusSkipped, byID["m-b1"].Status)

	// One at a time, forward then backward.
	var forward []string
	var after *string
	for {
		page := list(conversions.DeliveryFilter{}, relay.Args{First: intp(1), After: after, SkipCount: true})
		forward = append(forward, ids(page.Items)...)
		if !page.Info.HasNextPage {
			break
		}
		after = page.Info.EndCursor
		require.Less(t, len(forward), 7, "the pages end")
	}
	require.Equal(t, ids(all.Items), forward)
	var backward []string
	last := list(conversions.DeliveryFilter{}, relay.Args{Last: intp(2)})
	require.True(t, last.Info.HasPreviousPage)
	backward = append(ids(last.Items), backward...)
	for before := last.Info.StartCursor; ; {
		page := list(conversions.DeliveryFilter{}, relay.Args{Last: intp(1), Before: before})
		backward = append(ids(page.Items), backward...)
		if !page.Info.HasPreviousPage {
			break
		}
		before = page.Info.StartCursor
		require.Less(t, len(backward), 7, "the pages end")
	}
	require.Equal(t, ids(all.Items), backward)

	onlySent := list(conversions.DeliveryFilter{Status: conversions.StatusSent}, relay.Args{})
	require.Equal(t, 4, onlySent.TotalCount)
	require.ElementsMatch(t, []string{"m-1", "m-2", "m-3", "m-4"}, ids(onlySent.Items))
	skipped := list(conversions.DeliveryFilter{Status: conversions.StatusSkipped}, relay.Args{})
	require.Equal(t, 2, skipped.TotalCount)
	require.ElementsMatch(t, []string{"m-b1", "m-b2"}, ids(skipped.Items))
	require.Equal(t, 6, list(conversions.DeliveryFilter{EventName: "Purchase"}, relay.Args{}).TotalCount)
	require.Equal(t, 6, list(conversions.DeliveryFilter{EventName: "Order Completed"}, relay.Args{}).TotalCount)
	lead := list(conversions.DeliveryFilter{EventName: "Lead"}, relay.Args{})
	require.Zero(t, lead.TotalCount)
	require.Empty(t, lead.Items)
	firstTwoSent := list(conversions.DeliveryFilter{Status: conversions.StatusSent, EventName: "Purchase"}, relay.Args{First: intp(2)})
	require.Equal(t, 4, firstTwoSent.TotalCount)
	require.Equal(t, ids(onlySent.Items[:2]), ids(firstTwoSent.Items))
	require.True(t, firstTwoSent.Info.HasNextPage)
}

// An erasure takes a person's events out of the sent requests they went
// in — the rest of the request stays in the log — and deletes a request
// left with none; deleting the destination deletes its requests.
func TestErasureReachesSentRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	profile := func(user string) uuid.UUID {
		var id uuid.UUID
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT profile_id FROM cdp_identifiers WHERE value = ?`, user).Scan(ctx, &id)
		}))
		return id
	}
	erase := func(p uuid.UUID) {
		t.Helper()
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			return f.del.EraseProfilesTx(ctx, tx, f.tenant, []uuid.UUID{p})
		}))
	}
	stored := func() (messages []string, profiles []string) {
		t.Helper()
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT coalesce(array_agg(m ORDER BY m), '{}'), coalesce(array_agg(p::text ORDER BY m), '{}')
				FROM conversion_sent_requests, unnest(message_ids, profile_ids) AS u(m, p)`).
				Scan(ctx, pgdialect.Array(&messages), pgdialect.Array(&profiles))
		}))
		return messages, profiles
	}
	li := f.insertDestination(t, true)
	f.batch(t, event{id: "m-ann", user: "u-ann", name: "Order Completed"}, event{id: "m-bob", user: "u-bob", name: "Order Completed"},
		event{id: "m-ann-2", user: "u-ann", name: "Order Completed"})
	ann, bob := profile("u-ann"), profile("u-bob")
	require.Equal(t, 3, f.flush(t, li).Sent)
	messages, profiles := stored()
	require.Equal(t, []string{"m-ann", "m-ann-2", "m-bob"}, messages, "the positive control: all three in one request")
	require.Equal(t, []string{ann.String(), ann.String(), bob.String()}, profiles)

	erase(ann)
	messages, profiles = stored()
	require.Equal(t, []string{"m-bob"}, messages)
	require.Equal(t, []string{bob.String()}, profiles)
	page, err := f.del.List(ctx, f.tenant, conversions.DeliveryFilter{Destination: li}, relay.Args{})
	require.NoError(t, err)
	require.Equal(t, 1, page.TotalCount)
	require.Equal(t, "m-bob", page.Items[0].MessageID)
	require.Equal(t, conversions.BasisLegitimateInterest, *page.Items[0].LegalBasis)

	erase(bob)
	messages, _ = stored()
	require.Empty(t, messages)
	var n int
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM conversion_sent_requests`).Scan(ctx, &n)
	}))
	require.Zero(t, n, "a request left with no event is deleted")

	// The destination's deletion takes its requests with it.
	f.batch(t, event{id: "m-bob-2", user: "u-bob", name: "Order Completed"})
	require.Equal(t, 1, f.flush(t, li).Sent)
	messages, _ = stored()
	require.Equal(t, []string{"m-bob-2"}, messages)
	require.NoError(t, (&conversions.Destinations{DB: f.tdb.DB, Box: f.box}).Delete(ctx, f.tenant, li))
	messages, _ = stored()
	require.Empty(t, messages)
}

func intp(n int) *int { return &n }

// The log keeps an ended delivery for LogRetention: past it, the sent
// requests and the ended per-event rows go; a delivery still to be sent
// stays whatever its age, as does everything younger.
func TestTheLogIsPrunedAfterItsRetention(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.del.Config.LogRetention = 24 * time.Hour // the default's 90 days would outrun the events' partitions
	ctx := context.Background()
	f.batch(t, event{id: "m-old-sent", user: "u-ann", name: "Order Completed"}, event{id: "m-old-skipped", user: "u-bob", name: "Order Completed"})
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		now := f.clock.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_deliveries (tenant_id, destination_id, message_id, batch_id, source_id,
				received_at, source_event, event_name, event_time, status, attempts, next_attempt_at, created_at, updated_at)
			VALUES (?, ?, 'm-old-retry', ?, ?, ?, 'Order Completed', 'Purchase', ?, 'RETRY', 3, ?, ?, ?)`,
			f.tenant, f.dest, uuid.New(), f.source, now, now, now.Add(200*time.Hour), now, now)
		return err
	}))
	f.clock.Advance(25 * time.Hour)
	f.batch(t, event{id: "m-new-sent", user: "u-ann", name: "Order Completed"}, event{id: "m-new-skipped", user: "u-bob", name: "Order Completed"})
	require.Equal(t, 1, f.flush(t, f.dest).Sent)
	logged := func() []string {
		t.Helper()
		var out []string
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT coalesce(array_agg(message_id ORDER BY message_id), '{}') FROM conversion_delivery_log`).
				Scan(ctx, pgdialect.Array(&out))
		}))
		return out
	}
	require.Equal(t, []string{"m-new-sent", "m-new-skipped", "m-old-retry", "m-old-sent", "m-old-skipped"}, logged())

	n, more, err := f.del.PruneLog(ctx)
	require.NoError(t, err)
	require.False(t, more)
	require.Equal(t, 2, n, "the old request row and the old skipped row")
	require.Equal(t, []string{"m-new-sent", "m-new-skipped", "m-old-retry"}, logged())
	n, _, err = f.del.PruneLog(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing more is old enough")
}

// A sent request's events were last changed when sent: the log's
// updatedAt is their sentAt, not the time the flush decided them (here a
// second earlier: the group prepared ahead of the request in flight).
func TestASentEventWasLastUpdatedWhenSent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.maxBatch = 1
	f.batch(t, event{id: "m-1", user: "u-ann", name: "Order Completed"})
	f.batch(t, event{id: "m-2", user: "u-ann", name: "Order Completed"})
	// The second group is decided while the first is in flight; the clock
	// moves on once the first has been sent (it took its time before the
	// request) — moved as soon as the second was decided, it raced the
	// first's send and could date both a second later.
	firstSent := make(chan struct{})
	var once sync.Once
	f.del.TestAfterSend = func(context.Context, uuid.UUID, []conversions.Event) { once.Do(func() { close(firstSent) }) }
	f.del.TestAfterPrepare = func(context.Context, uuid.UUID) {
		<-firstSent
		f.clock.Advance(time.Second)
	}
	require.Equal(t, 2, f.flush(t, f.dest).Sent)
	page, err := f.del.List(context.Background(), f.tenant, conversions.DeliveryFilter{Destination: f.dest}, relay.Args{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	for _, x := range page.Items {
		require.NotNil(t, x.SentAt, x.MessageID)
		require.Equal(t, *x.SentAt, x.UpdatedAt, x.MessageID)
	}
	later := 0
	for _, x := range page.Items {
		if x.SentAt.After(x.CreatedAt) {
			later++
		}
	}
	require.Equal(t, 1, later, "the prepared group's event was decided a second before it was sent")
}

package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// dedupSender is an in-process platform that deduplicates by EventID, as
// Meta does with event_id: a copy of an accepted event is received and
// answered SENT but not accepted again.
type dedupSender struct {
	mu       sync.Mutex
	requests int
	received map[string]int
	accepted map[string]int
}

func (s *dedupSender) Platform() string                          { return "META" }
func (s *dedupSender) MaxBatch() int                             { return 2 }
func (s *dedupSender) MaxAge() time.Duration                     { return 7 * 24 * time.Hour }
func (s *dedupSender) Check(conversions.Event, time.Time) string { return "" }
func (s *dedupSender) Send(_ context.Context, _ conversions.Destination, evs []conversions.Event) (conversions.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	var res conversions.Result
	for _, e := range evs {
		s.received[e.EventID]++
		if s.accepted[e.EventID] == 0 {
			s.accepted[e.EventID]++
		}
		res.Outcomes = append(res.Outcomes, conversions.Outcome{Key: e.Key, Status: conversions.StatusSent})
	}
	return res, nil
}

func (s *dedupSender) snapshot() (requests int, received, accepted map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	received, accepted = map[string]int{}, map[string]int{}
	for k, v := range s.received {
		received[k] = v
	}
	for k, v := range s.accepted {
		accepted[k] = v
	}
	return s.requests, received, accepted
}

// End to end through real River: a committed batch's job records the
// deliveries and enqueues the flush; the first flush dies after the
// platform answered (a panic between Send and recording); River retries
// the job, the claim is reclaimed after ReclaimAfter and sent again under
// the same event ids; the platform accepts every consenting event exactly
// once; the event without ADS consent is never sent; a duplicate flush
// job afterwards sends nothing.
func TestConversionsFlushExactlyOnceThroughRiver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	svc := apptest.Services(t, tdb)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	sender := &dedupSender{received: map[string]int{}, accepted: map[string]int{}}
	svc.Deliveries.Senders = map[string]conversions.Sender{"META": sender}
	svc.Deliveries.Config.ReclaimAfter = 1500 * time.Millisecond // above the 1 s job timeout below
	var once sync.Once
	svc.Deliveries.TestAfterSend = func(context.Context, uuid.UUID, []conversions.Event) {
		once.Do(func() { panic("worker died between sending and recording") })
	}
	_, err := svc.CDP.EnsurePartitions(ctx)
	require.NoError(t, err)
	now := tdb.DB.Now(ctx)
	ann, _, err := svc.CDP.Identity.Resolve(ctx, tenant, []cdp.Identifier{{Type: cdp.IdentifierUserID, Value: "u-ann"}}, now)
	require.NoError(t, err)
	_, err = svc.CDP.Identity.SetConsent(ctx, tenant, ann, cdp.PurposeAds, true)
	require.NoError(t, err)
	dest := uuid.New()
	creds, _ := json.Marshal(map[string]string{"pixelId": "1", "accessToken": "secret"})
	sealed, err := svc.Auth.Box.Seal(creds)
	require.NoError(t, err)

	client, err := jobs.NewClient(tdb.DB, jobs.Options{Log: quietLog(), Work: true, Services: svc.Jobs(), Concurrency: 2,
		Limits: jobs.Limits{MaxTimeout: time.Second, RescueAfter: 2 * time.Second}, NoRunOnStart: true})
	require.NoError(t, err)
	svc.EnqueueWith(client)
	batch, source := uuid.New(), uuid.New()
	const purchases = 5 // three requests of at most 2
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys,
				created_at, updated_at) VALUES (?, ?, 'META', 'Pixel', ?, ARRAY['pixelId', 'accessToken'], ?, ?)`, tenant, dest, sealed, now, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, '[]', ?)`,
			tenant, batch, purchases+1, now); err != nil {
			return err
		}
		for i := range purchases + 1 {
			user := "u-ann"
			if i == purchases {
				user = "u-bob" // no ADS consent
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, "timestamp", payload_size) VALUES (?, ?, ?, ?, ?, 'track', 'Order Completed', ?, ?, 10)`,
				tenant, source, fmt.Sprintf("m-%d", i), now, batch, user, now); err != nil {
				return err
			}
		}
		return jobs.CDPBatchHook(client)(ctx, tx, tenant, batch)
	}))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, client.Start(runCtx))
	defer client.Stop(context.Background())

	statuses := func() map[string]int {
		out := map[string]int{}
		require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			var rows []struct {
				Status string `bun:"status"`
				N      int    `bun:"n"`
			}
			err := tx.NewRaw(`SELECT status, count(*) AS n FROM conversion_delivery_log GROUP BY status`).Scan(ctx, &rows)
			for _, r := range rows {
				out[r.Status] = r.N
			}
			return err
		}))
		return out
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, map[string]int{"SENT": purchases, "SKIPPED": 1}, statuses())
	}, 60*time.Second, 100*time.Millisecond)

	_, received, accepted := sender.snapshot()
	for i := range purchases {
		id := fmt.Sprintf("m-%d", i)
		require.Equal(t, 1, accepted[id], "%s accepted exactly once", id)
		require.LessOrEqual(t, received[id], 2, "%s sent at most twice (once more only after the crash)", id)
	}
	require.Zero(t, received[fmt.Sprintf("m-%d", purchases)], "no ADS consent: never sent")
	resent := 0
	for _, n := range received {
		resent += n - 1
	}
	require.Positive(t, resent, "the crashed request's events were sent again")

	// A duplicate flush job (as a retried one would be) sends nothing.
	requests, _, _ := sender.snapshot()
	res, err := client.Insert(ctx, jobs.ConversionsFlushArgs{TenantID: tenant, DestinationID: dest, Slot: "duplicate"}, nil)
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var state string
		assert.NoError(c, tdb.DB.Pool.QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1`, res.Job.ID).Scan(&state))
		assert.Equal(c, "completed", state)
	}, 30*time.Second, 50*time.Millisecond)
	after, _, _ := sender.snapshot()
	require.Equal(t, requests, after)
}

// The sweep finds a destination whose pending delivery is overdue (its
// flush job was lost: here none was ever enqueued) and enqueues a flush
// that sends it.
func TestConversionsSweepFlushesStalledDestinations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	svc := apptest.Services(t, tdb)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	sender := &dedupSender{received: map[string]int{}, accepted: map[string]int{}}
	svc.Deliveries.Senders = map[string]conversions.Sender{"META": sender}
	_, err := svc.CDP.EnsurePartitions(ctx)
	require.NoError(t, err)
	now := tdb.DB.Now(ctx)
	past := now.Add(-time.Minute)
	ancient := now.Add(-conversions.DefaultLogRetention - time.Hour)
	dest, batch, source := uuid.New(), uuid.New(), uuid.New()
	sealed, err := svc.Auth.Box.Seal([]byte(`{"pixelId": "1", "accessToken": "secret"}`))
	require.NoError(t, err)
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys, created_at, updated_at)
				VALUES (?, ?, 'META', 'Pixel', ?, ARRAY['pixelId'], ?, ?)`, []any{tenant, dest, sealed, past, past}},
			{`INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event, user_id, "timestamp", payload_size)
				VALUES (?, ?, 'm-lost', ?, ?, 'track', 'Order Completed', 'u-1', ?, 10)`, []any{tenant, source, past, batch, past}},
			{`INSERT INTO conversion_deliveries (tenant_id, destination_id, message_id, batch_id, source_id, received_at, source_event,
				event_name, event_time, status, next_attempt_at, legal_basis, created_at, updated_at)
				VALUES (?, ?, 'm-lost', ?, ?, ?, 'Order Completed', 'Purchase', ?, 'PENDING', ?, 'CONSENT', ?, ?)`,
				[]any{tenant, dest, batch, source, past, past, past, past, past}},
			// A refused event past the log's retention: the sweep deletes it.
			{`INSERT INTO conversion_deliveries (tenant_id, destination_id, message_id, batch_id, source_id, received_at, source_event,
				event_name, event_time, status, response, created_at, updated_at)
				VALUES (?, ?, 'm-ancient', ?, ?, ?, 'Order Completed', 'Purchase', ?, 'FAILED', 'refused', ?, ?)`,
				[]any{tenant, dest, batch, source, ancient, ancient, ancient, ancient}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}))
	client, err := jobs.NewClient(tdb.DB, jobs.Options{Log: quietLog(), Work: true, Services: svc.Jobs(), Concurrency: 2, NoRunOnStart: true})
	require.NoError(t, err)
	svc.EnqueueWith(client)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, client.Start(runCtx))
	defer client.Stop(context.Background())
	_, err = client.Insert(ctx, jobs.ConversionsSweepArgs{}, nil)
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		_, _, accepted := sender.snapshot()
		assert.Equal(c, 1, accepted["m-lost"])
	}, 30*time.Second, 50*time.Millisecond)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var logged []string
		assert.NoError(c, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT coalesce(array_agg(message_id ORDER BY message_id), '{}') FROM conversion_delivery_log`).
				Scan(ctx, pgdialect.Array(&logged))
		}))
		assert.Equal(c, []string{"m-lost"}, logged, "the ancient row pruned, the recent one kept")
	}, 30*time.Second, 50*time.Millisecond)
}

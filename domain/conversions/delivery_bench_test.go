package conversions_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/testdb"
)

// benchBatch is the events of one committed CDP batch in the benchmark.
const benchBatch = 1000

// BenchmarkForwarding measures forwarding end to end from committed CDP
// events: the batch job (identity resolution, then the hook recording one
// delivery per event in the batch's transaction) and the flushes that
// claim, rebuild, send and record them, until every event is SENT. The
// baseline, in the same run, is the sender's raw acceptance rate (Send
// called with the same events, nothing else). flush_events/s is the
// flushes alone (the batch job's identity resolution, which runs whether
// or not anything is forwarded, left out). The sender here is the
// in-process fake (bench: benchSender); the HTTP fake Meta server plugs in
// by replacing it (docs/adr/0022).
func BenchmarkForwarding(b *testing.B) {
	ctx := context.Background()
	tdb := testdb.New(b)
	box, err := auth.NewBox(config.DevEncryptionKey)
	require.NoError(b, err)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{})
	sender := newFakeSender()
	del := &conversions.Deliveries{DB: tdb.DB, Box: box, Senders: map[string]conversions.Sender{"META": sender}}
	svc := &cdp.Service{DB: tdb.DB, Identity: cdp.NewIdentity(tdb.DB), BatchHook: del}
	_, err = svc.EnsurePartitions(ctx)
	require.NoError(b, err)
	now := tdb.DB.Now(ctx)
	dest := uuid.New()
	creds, err := box.Seal([]byte(`{"pixelId": "1", "accessToken": "t"}`))
	require.NoError(b, err)
	require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_destinations (tenant_id, id, platform, name, credentials, credential_keys,
				legitimate_interest, created_at, updated_at) VALUES (?, ?, 'META', 'Bench', ?, ARRAY['pixelId'], true, ?, ?)`, tenant, dest, creds, now, now)
		return err
	}))
	source := uuid.New()
	var forward, flush, raw time.Duration
	events := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		batch := uuid.New()
		require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, '[]', ?)`,
				tenant, batch, benchBatch, now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, "timestamp", properties, payload_size)
				SELECT ?, ?, ? || '-' || g, ?, ?, 'track', 'Order Completed', 'u-' || (g % 100), ?, '{"revenue": 10}', 10
				FROM generate_series(1, ?) g`, tenant, source, fmt.Sprint(i), now, batch, now, benchBatch)
			return err
		}))
		b.StartTimer()
		began := time.Now()
		_, err := svc.ProcessBatch(ctx, tenant, batch)
		require.NoError(b, err)
		processed := time.Now()
		for {
			res, err := del.Flush(ctx, tenant, dest, nil)
			require.NoError(b, err)
			if res.Claimed == 0 {
				break
			}
		}
		forward += time.Since(began)
		flush += time.Since(processed)
		events += benchBatch

		// The baseline: the same number of events handed to the sender.
		evs := make([]conversions.Event, benchBatch)
		for j := range evs {
			evs[j] = conversions.Event{Key: fmt.Sprint(j), EventID: fmt.Sprintf("raw-%d-%d", i, j), Name: "Purchase", Time: now}
		}
		began = time.Now()
		_, err = sender.Send(ctx, conversions.Destination{}, evs)
		require.NoError(b, err)
		raw += time.Since(began)
	}
	fwd := float64(events) / forward.Seconds()
	base := float64(events) / raw.Seconds()
	b.ReportMetric(fwd, "events/s")
	b.ReportMetric(float64(events)/flush.Seconds(), "flush_events/s")
	b.ReportMetric(base, "baseline_events/s")
	b.ReportMetric(fwd/base, "ratio")
}

// BenchmarkBatchHookWithoutDestinations measures what the hook costs the
// batch job of a tenant with no destinations: batches of 500 events
// processed alternately without the hook (the baseline) and with it, in
// the same run.
func BenchmarkBatchHookWithoutDestinations(b *testing.B) {
	ctx := context.Background()
	tdb := testdb.New(b)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{})
	del := &conversions.Deliveries{DB: tdb.DB, Senders: map[string]conversions.Sender{"META": newFakeSender()}}
	plain := &cdp.Service{DB: tdb.DB, Identity: cdp.NewIdentity(tdb.DB)}
	hooked := &cdp.Service{DB: tdb.DB, Identity: plain.Identity, BatchHook: del}
	_, err := plain.EnsurePartitions(ctx)
	require.NoError(b, err)
	source := uuid.New()
	var with, without time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		order := []*cdp.Service{plain, hooked}
		if i%2 == 1 {
			order = []*cdp.Service{hooked, plain} // neither always runs on the other's warm caches
		}
		for _, svc := range order {
			b.StopTimer()
			batch, now := uuid.New(), tdb.DB.Now(ctx)
			require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, 500, '[]', ?)`,
					tenant, batch, now); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
						user_id, "timestamp", payload_size)
					SELECT ?, ?, ? || '-' || g, ?, ?, 'track', 'Order Completed', 'u-' || (g % 250), ?, 10 FROM generate_series(1, 500) g`,
					tenant, source, fmt.Sprintf("%d-%p", i, svc), now, batch, now)
				return err
			}))
			b.StartTimer()
			began := time.Now()
			_, err := svc.ProcessBatch(ctx, tenant, batch)
			require.NoError(b, err)
			if svc == hooked {
				with += time.Since(began)
			} else {
				without += time.Since(began)
			}
		}
		n += 500
	}
	// The hook's own call, alone, in a transaction of the tenant.
	var hook time.Duration
	const calls = 200
	for range calls {
		require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			began := time.Now()
			err := del.BatchProcessedTx(ctx, tx, tenant, uuid.New(), nil)
			hook += time.Since(began)
			return err
		}))
	}
	b.ReportMetric(float64(hook.Microseconds())/calls, "hook_µs/batch")
	b.ReportMetric(float64(n)/without.Seconds(), "baseline_events/s")
	b.ReportMetric(float64(n)/with.Seconds(), "hooked_events/s")
	b.ReportMetric(with.Seconds()/without.Seconds(), "time_ratio")
}

package cdp

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// A profile the batch resolved to is merged into an older one before the
// batch's transaction: the batch's share goes to the survivor, once.
func TestBatchProfilesFollowAMergeBeforeTheirTransaction(t *testing.T) {
	ctx := context.Background()
	tdb := testdb.New(t)
	c := clock.NewManual(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	tdb.Clock = c
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	s := &Service{DB: tdb.DB, Identity: NewIdentity(tdb.DB)}
	_, err := s.EnsurePartitions(ctx)
	require.NoError(t, err)

	// An older profile of user "old".
	older, _, err := s.Identity.Resolve(ctx, tenant, []Identifier{{IdentifierUserID, "old"}}, c.Now())
	require.NoError(t, err)
	c.Advance(time.Second)

	// A batch of two events of anonymous "late", one an order of 3.25.
	batch, source, now := uuid.New(), uuid.New(), c.Now()
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, 2, '[]', ?)`,
			tenant, batch, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
				anonymous_id, "timestamp", traits, properties, payload_size)
			VALUES (?, ?, 'e1', ?, ?, 'identify', NULL, 'late', ?, '{"plan":"pro"}', NULL, 10),
			       (?, ?, 'e2', ?, ?, 'track', 'Order Completed', 'late', ?, NULL, '{"total":"3.25"}', 10)`,
			tenant, source, now, batch, now, tenant, source, now, batch, now.Add(time.Minute))
		return err
	}))

	pending, evs, err := s.readBatchEvents(ctx, tenant, batch)
	require.NoError(t, err)
	require.True(t, pending)
	profiles, err := s.resolveBatchEvents(ctx, tenant, evs)
	require.NoError(t, err)
	require.Len(t, profiles, 2)
	require.Equal(t, profiles[0], profiles[1])
	require.NotEqual(t, older, profiles[0])

	// Meanwhile another event links "late" to "old": the batch's profile
	// is absorbed by the older one.
	surv, _, err := s.Identity.Resolve(ctx, tenant, []Identifier{{IdentifierUserID, "old"}, {IdentifierAnonymousID, "late"}}, c.Now())
	require.NoError(t, err)
	require.Equal(t, older, surv)

	deltas := batchDeltas(evs, profiles)
	done, err := s.processBatchTx(ctx, tenant, batch, deltas, nil)
	require.NoError(t, err)
	require.True(t, done)
	done, err = s.processBatchTx(ctx, tenant, batch, deltas, nil) // a second run of the same work
	require.NoError(t, err)
	require.False(t, done)

	p, err := s.Identity.Profile(ctx, tenant, profiles[0])
	require.NoError(t, err)
	require.Equal(t, older, p.ID)
	require.EqualValues(t, 2, p.Events)
	require.EqualValues(t, 1, p.Purchases)
	require.EqualValues(t, 3_250_000, p.RevenueMicros)
	require.Equal(t, `"pro"`, string(p.Traits["plan"]))
	require.Equal(t, now.Add(time.Minute), p.LastSeenAt.UTC())
	require.Equal(t, StageCustomer, p.LifecycleStage)
	// The absorbed profile's own row got nothing (its share went to the
	// survivor: an unmerge would not subtract what it never had).
	var absorbedEvents int64
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT event_count FROM cdp_profiles WHERE id = ?", profiles[0]).Scan(ctx, &absorbedEvents)
	}))
	require.Zero(t, absorbedEvents)
}

// BenchmarkProcessBatchWithIdentity measures the batch job on batches of
// 500 events of 250 people (identify + Order Completed each, new profiles).
func BenchmarkProcessBatchWithIdentity(b *testing.B) {
	ctx := context.Background()
	tdb := testdb.New(b)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{})
	s := &Service{DB: tdb.DB, Identity: NewIdentity(tdb.DB)}
	_, err := s.EnsurePartitions(ctx)
	require.NoError(b, err)
	const people = 250
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		batch, source, now := uuid.New(), uuid.New(), tdb.DB.Now(ctx)
		require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at) VALUES (?, ?, ?, '[]', ?)`,
				tenant, batch, 2*people, now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
					user_id, anonymous_id, "timestamp", traits, properties, payload_size)
				SELECT ?, ?, 'm' || g || k, ?, ?, CASE k WHEN 0 THEN 'identify' ELSE 'track' END,
					CASE k WHEN 1 THEN 'Order Completed' END, CASE k WHEN 0 THEN 'u-' || ? || '-' || g END,
					'a-' || ? || '-' || g, ?, CASE k WHEN 0 THEN '{"plan":"pro"}'::jsonb END,
					CASE k WHEN 1 THEN '{"revenue":9.99}'::jsonb END, 100
				FROM generate_series(1, ?) g, generate_series(0, 1) k`,
				tenant, source, now, batch, i, i, now, people)
			return err
		}))
		b.StartTimer()
		done, err := s.ProcessBatch(ctx, tenant, batch)
		require.NoError(b, err)
		require.True(b, done)
	}
	b.ReportMetric(float64(2*people*b.N)/b.Elapsed().Seconds(), "events/s")
}

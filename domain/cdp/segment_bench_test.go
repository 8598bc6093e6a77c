package cdp

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// BenchmarkSegment measures a 3-condition segment with a 30-day event
// window (docs/benchmarks.md, "CDP segments"): the full refresh, the
// compiled query alone, the preview and the batch job's incremental
// refresh of 1,000 profiles, against the baseline of a plain count(*) of
// the same 30 days of events in the same run. Scale:
// STRATUM_SEGMENT_BENCH_PROFILES profiles (default 10,000) with 10 events
// each (issue 14 asks for 1,000,000 and 10,000,000).
func BenchmarkSegment(b *testing.B) {
	ctx := context.Background()
	profiles := 10_000
	if v, err := strconv.Atoi(os.Getenv("STRATUM_SEGMENT_BENCH_PROFILES")); err == nil && v > 0 {
		profiles = v
	}
	tdb := testdb.New(b)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	tdb.Clock = clock.NewManual(now)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{})
	_, err := (&Service{DB: tdb.DB}).EnsurePartitions(ctx)
	require.NoError(b, err)
	require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_profiles (tenant_id, id, created_at, updated_at, first_seen_at, last_seen_at,
				lifecycle_stage, traits, event_count)
			SELECT ?, md5(?::text || g)::uuid, ?, ?, ?, ?, (ARRAY['ANONYMOUS','KNOWN','CUSTOMER','CHURNED'])[1 + g % 4],
				jsonb_build_object('plan', (ARRAY['pro','free','team'])[1 + g % 3]), 10
			FROM generate_series(1, ?) g`, tenant, tenant, now, now, now.AddDate(0, -3, 0), now, profiles); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_identifiers (tenant_id, type, value, value_hash, profile_id, priority, created_at)
			SELECT ?, 'USER_ID', 'u' || g, md5('u' || g) || md5('u' || g), md5(?::text || g)::uuid, 100, ?
			FROM generate_series(1, ?) g`, tenant, tenant, now, profiles); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO cdp_events (tenant_id, source_id, message_id, received_at, batch_id, type, event,
				user_id, "timestamp", properties, payload_size)
			SELECT ?, ?, 'm' || g, ?, ?, 'track', (ARRAY['Order Completed','Login','Page Viewed','Added to Cart','Signed Up'])[1 + g % 5],
				'u' || (1 + g % ?), ?::timestamptz - make_interval(hours => g % (90 * 24)), jsonb_build_object('total', g % 100), 100
			FROM generate_series(1, ?) g`, tenant, uuid.New(), now, uuid.New(), profiles, now, profiles*10)
		return err
	}))
	owner, err := pgx.Connect(ctx, tdb.OwnerURL) // ANALYZE needs the tables' owner
	require.NoError(b, err)
	_, err = owner.Exec(ctx, "ANALYZE cdp_profiles; ANALYZE cdp_identifiers; ANALYZE cdp_events")
	require.NoError(b, err)
	require.NoError(b, owner.Close(ctx))
	rules := Rule{And: []Rule{
		{Event: &EventCondition{Name: OrderCompleted, Where: []SegmentPropertyFilter{{Path: []string{"total"}, Operator: OpGreaterThan, Value: ptr("50")}},
			Window: &TimeWindow{Operator: OpWithinLast, Value: ptr("30")}}},
		{Field: FieldLifecycleStage, Operator: OpIn, Values: []string{StageKnown, StageCustomer}},
		{Trait: []string{"plan"}, Operator: OpEquals, Value: ptr("pro")},
	}}
	segs := &Segments{DB: tdb.DB, RefreshTimeout: time.Hour, PreviewTimeout: time.Hour}
	seg, err := segs.CreateSegment(ctx, tenant, SegmentInput{Name: "bench", Kind: SegmentDynamic, Rules: &rules})
	require.NoError(b, err)
	b.Logf("%d profiles, %d events, %d members", profiles, profiles*10, seg.Size)

	b.Run("baseline_count_30d", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				var n int64
				return tx.Tx.QueryRowContext(ctx, `SELECT count(*) FROM cdp_events WHERE tenant_id = $1::uuid AND "timestamp" >= $2::timestamptz`,
					tenant.String(), now.Add(-30*24*time.Hour)).Scan(&n)
			}))
		}
	})
	b.Run("query", func(b *testing.B) {
		q := compileRules(&rules, tenant, now, nil)
		for b.Loop() {
			require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				var n int64
				return tx.Tx.QueryRowContext(ctx, "SELECT count(*) FROM ("+q.sql+") m", q.args...).Scan(&n)
			}))
		}
	})
	b.Run("full_refresh", func(b *testing.B) {
		for b.Loop() {
			_, err := segs.RefreshSegment(ctx, tenant, seg.ID)
			require.NoError(b, err)
		}
	})
	b.Run("preview", func(b *testing.B) {
		var took []time.Duration
		for b.Loop() {
			began := time.Now()
			_, err := segs.PreviewSegment(ctx, tenant, &rules, []string{"rules"})
			require.NoError(b, err)
			took = append(took, time.Since(began))
		}
		slices.Sort(took)
		// p95 by the nearest-rank method: with fewer than 20 samples it is the slowest.
		b.ReportMetric(float64(took[(len(took)*95+99)/100-1].Microseconds())/1000, "p95_ms")
	})
	b.Run("incremental_1000_profiles", func(b *testing.B) {
		ids := make([]uuid.UUID, 0, 1000)
		require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT id FROM cdp_profiles WHERE tenant_id = ? ORDER BY id LIMIT 1000", tenant).Scan(ctx, &ids)
		}))
		for b.Loop() {
			require.NoError(b, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				return RefreshProfilesTx(ctx, tx, tenant, ids, now)
			}))
		}
	})
}

package cdp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// The dedup table keeps every tenant's messageIds for DedupWindow and no
// longer: pruning deletes the older ones, in batches of Config.PruneBatch,
// at most MaxPruneBatches per call, by the database clock.
func TestPruneMessageIDsDeletesWhatIsOlderThanTheWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	c := clock.NewManual(t0)
	tdb.Clock = c
	a := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	b := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	s := &Service{DB: tdb.DB, Config: Config{PruneBatch: 2}}
	day := 24 * time.Hour
	put := func(tenant uuid.UUID, id string, age time.Duration) {
		require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO cdp_message_ids (tenant_id, source_id, message_id, batch_id, received_at) VALUES (?, ?, ?, ?, ?)`,
				tenant, uuid.Nil, id, uuid.New(), t0.Add(-age))
			return err
		}))
	}
	ids := func(tenant uuid.UUID) (out []string) {
		require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT message_id FROM cdp_message_ids ORDER BY message_id").Scan(ctx, &out)
		}))
		return out
	}
	put(a, "a-40d", 40*day)
	put(a, "a-36d", 36*day)
	put(a, "a-34d", 34*day)
	put(b, "b-50d", 50*day)
	put(b, "b-35d", DedupWindow) // exactly the window: kept
	put(b, "b-1h", time.Hour)
	require.Equal(t, []string{"a-34d", "a-36d", "a-40d"}, ids(a), "positive control: all stored")

	n, more, err := s.PruneMessageIDs(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n, "both tenants' old ids, in batches of 2")
	require.False(t, more)
	require.Equal(t, []string{"a-34d"}, ids(a))
	require.Equal(t, []string{"b-1h", "b-35d"}, ids(b))

	c.Advance(day + time.Second) // a day later b-35d and a-34d are past the window
	n, _, err = s.PruneMessageIDs(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Empty(t, ids(a))
	require.Equal(t, []string{"b-1h"}, ids(b))

	// One call is bounded: MaxPruneBatches batches, then the next call goes on.
	s.Config.PruneBatch = 1
	for i := range MaxPruneBatches + 10 {
		put(a, fmt.Sprintf("old-%03d", i), 60*day)
	}
	n, more, err = s.PruneMessageIDs(ctx)
	require.NoError(t, err)
	require.Equal(t, MaxPruneBatches, n)
	require.True(t, more)
	n, more, err = s.PruneMessageIDs(ctx)
	require.NoError(t, err)
	require.Equal(t, 10, n)
	require.False(t, more)
	require.Equal(t, []string{"b-1h"}, ids(b))
}

// Segment membership changes are kept for MembershipChangeRetention: the
// prune deletes every tenant's older ones and keeps the rest.
func TestPruneMembershipChangesKeepsTheRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tdb.Clock = clock.NewManual(t0)
	s := &Service{DB: tdb.DB, Config: Config{PruneBatch: 2}}
	segs := &Segments{DB: tdb.DB}
	day := 24 * time.Hour
	type change struct {
		tenant uuid.UUID
		seg    uuid.UUID
	}
	var all []change
	for range 2 {
		tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
		seg, err := segs.CreateSegment(ctx, tenant, SegmentInput{Name: "s", Kind: SegmentStatic,
			Rules: &Rule{Field: FieldLifecycleStage, Operator: OpEquals, Value: ptr(StageKnown)}})
		require.NoError(t, err)
		all = append(all, change{tenant, seg.ID})
		require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			for _, age := range []time.Duration{400 * day, 181 * day, MembershipChangeRetention, day} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_segment_membership_changes (tenant_id, segment_id, profile_id, change, at)
					VALUES (?, ?, ?, 'ENTERED', ?)`, tenant, seg.ID, uuid.New(), t0.Add(-age)); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	ages := func(c change) (out []int) {
		require.NoError(t, tdb.DB.InTenant(ctx, c.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT (extract(epoch FROM ?::timestamptz - at) / 86400)::int FROM cdp_segment_membership_changes WHERE segment_id = ? ORDER BY at",
				t0, c.seg).Scan(ctx, &out)
		}))
		return out
	}
	require.Equal(t, []int{400, 181, 180, 1}, ages(all[0]), "positive control: all stored")
	n, more, err := s.PruneMembershipChanges(ctx)
	require.NoError(t, err)
	require.False(t, more)
	require.Equal(t, 4, n, "both tenants' two older changes, in batches of 2")
	for _, c := range all {
		require.Equal(t, []int{180, 1}, ages(c))
	}
}

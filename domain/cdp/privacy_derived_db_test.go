package cdp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
)

// Erasing Ann removes her segment memberships and their changes without
// logging an EXITED change for her; the segments she was in announce that
// they shrank with counts only, and Bob's membership stays.
func TestPrivacyEraseSegmentMembership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPrivacyFixture(t)
	segs := &Segments{DB: f.tdb.DB}
	seg, err := segs.CreateSegment(ctx, f.tenant, SegmentInput{Name: "Known users", Kind: SegmentDynamic,
		Rules: &Rule{Identifier: IdentifierUserID, Operator: OpExists}})
	require.NoError(t, err)
	require.EqualValues(t, 2, seg.Size, "Ann and Bob")
	rows := func(sql string) (n int) {
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(sql, f.ann).Scan(ctx, &n)
		}))
		return n
	}
	const members = `SELECT count(*) FROM cdp_segment_members WHERE profile_id = ?`
	const changes = `SELECT count(*) FROM cdp_segment_membership_changes WHERE profile_id = ?`
	require.Equal(t, 1, rows(members), "positive control")
	require.Equal(t, 1, rows(changes), "positive control: ENTERED")

	hub := realtime.NewHub(nil)
	hctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = hub.Run(hctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, f.tdb.AppURL) })
	}()
	t.Cleanup(func() { cancel(); <-stopped })
	<-hub.Ready()
	sub := hub.Subscribe(f.tenant, TopicSegmentMembershipChanged)
	defer sub.Close()

	del, err := f.privacy.RequestDeletion(ctx, f.tenant, f.ann)
	require.NoError(t, err)
	done, err := f.privacy.RunDeletion(ctx, f.tenant, del.ID, nil)
	require.NoError(t, err)
	require.True(t, done)
	require.Zero(t, rows(members))
	require.Zero(t, rows(changes), "no EXITED change names her")
	seg, err = segs.Segment(ctx, f.tenant, seg.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1, seg.Size, "Bob stays")
	select {
	case ev := <-sub.C():
		require.Equal(t, seg.ID.String(), ev.ID)
		require.NotContains(t, string(ev.Data), f.ann.String())
		var d MembershipDelta
		require.NoError(t, json.Unmarshal(ev.Data, &d))
		require.Equal(t, MembershipDelta{Exited: 1}, d)
	case <-time.After(10 * time.Second):
		t.Fatal("the segment announced no change")
	}
}

// A trait backfill whose cursor is Ann's profile id keeps no trace of it:
// the cursor moves back to the live profile before hers (Bob's when his id
// is smaller), else to the start; one on Bob stays.
func TestPrivacyEraseMovesTraitBackfillCursor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPrivacyFixture(t)
	onAnn, onBob := uuid.New(), uuid.New()
	require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
		for i, c := range []struct{ id, after uuid.UUID }{{onAnn, f.ann}, {onBob, f.bob}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cdp_trait_definitions (tenant_id, id, name, aggregation, event, backfill_status,
				backfill_after, created_at, updated_at) VALUES (?, ?, ?, 'COUNT', 'Viewed', 'RUNNING', ?, ?, ?)`,
				f.tenant, c.id, fmt.Sprintf("Views %d", i), c.after, f.tdb.DB.Now(ctx), f.tdb.DB.Now(ctx)); err != nil {
				return err
			}
		}
		return nil
	}))
	cursor := func(def uuid.UUID) (after *uuid.UUID) {
		require.NoError(t, f.tdb.DB.InTenant(ctx, f.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT backfill_after FROM cdp_trait_definitions WHERE id = ?`, def).Scan(ctx, &after)
		}))
		return after
	}
	require.Equal(t, f.ann, *cursor(onAnn), "positive control")
	del, err := f.privacy.RequestDeletion(ctx, f.tenant, f.ann)
	require.NoError(t, err)
	done, err := f.privacy.RunDeletion(ctx, f.tenant, del.ID, nil)
	require.NoError(t, err)
	require.True(t, done)
	if bytes.Compare(f.bob[:], f.ann[:]) < 0 {
		require.Equal(t, f.bob, *cursor(onAnn))
	} else {
		require.Nil(t, cursor(onAnn))
	}
	require.Equal(t, f.bob, *cursor(onBob))
}

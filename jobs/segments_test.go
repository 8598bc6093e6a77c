package jobs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// The periodic fan-out refreshes a tenant's dynamic segments in full: a
// profile changed outside the batch job (no incremental refresh) enters
// its segment, and the change is published. A tenant without the cdp
// flag is skipped.
func TestSegmentsPeriodicRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	svc := apptest.Services(t, tdb)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	b := &bundle{tdb: tdb, svc: svc, tenant: tenant}
	segs := &cdp.Segments{DB: tdb.DB, Billing: svc.Billing}
	seg, err := segs.CreateSegment(ctx, tenant, cdp.SegmentInput{Name: "Active", Kind: cdp.SegmentDynamic,
		Rules: &cdp.Rule{Field: cdp.FieldEventCount, Operator: cdp.OpGreaterThan, Value: ptrTo("0")}})
	require.NoError(t, err)
	require.Zero(t, seg.Size)
	p, _, err := svc.CDP.Identity.Resolve(ctx, tenant, []cdp.Identifier{{Type: cdp.IdentifierUserID, Value: "u1"}}, tdb.DB.Now(ctx))
	require.NoError(t, err)
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE cdp_profiles SET event_count = 3 WHERE tenant_id = ? AND id = ?", tenant, p)
		return err
	}))

	// A Starter tenant (no cdp flag) with the same segment is skipped.
	starter := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	worker := &jobs.CDPRefreshSegmentsWorker{Segments: segs, Billing: svc.Billing}
	require.NoError(t, worker.Work(ctx, &river.Job[jobs.CDPRefreshSegmentsArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1},
		Args: jobs.CDPRefreshSegmentsArgs{TenantID: starter}}))
	skips, err := svc.Billing.Skips(ctx, starter)
	require.NoError(t, err)
	require.Len(t, skips, 1)
	require.Equal(t, "cdp.refresh_segments", skips[0].JobKind)

	sub := subscribe(t, b, cdp.TopicSegmentMembershipChanged)
	client, err := jobs.NewClient(tdb.DB, jobs.Options{Log: quietLog(), Work: true, Services: svc.Jobs(), Concurrency: 2})
	require.NoError(t, err)
	svc.EnqueueWith(client)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, client.Start(runCtx)) // RunOnStart enqueues the fan-outs
	defer client.Stop(context.Background())

	ev := await(t, sub, cdp.TopicSegmentMembershipChanged)
	require.Equal(t, seg.ID.String(), ev.ID)
	var d cdp.MembershipDelta
	require.NoError(t, json.Unmarshal(ev.Data, &d))
	require.Equal(t, cdp.MembershipDelta{Entered: 1}, d)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		got, err := segs.Segment(ctx, tenant, seg.ID)
		assert.NoError(ct, err)
		assert.EqualValues(ct, 1, got.Size)
	}, 20*time.Second, 100*time.Millisecond)
	page, err := segs.Members(ctx, tenant, seg.ID, relay.Args{})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{p}, []uuid.UUID{page.Items[0].ProfileID})
}

func ptrTo(s string) *string { return &s }

package jobs_test

import (
	"context"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/jobs"
)

// The RFM refresh of a tenant without the cdp flag completes without
// computing and records the skip; with the flag back it computes.
func TestRFMRefreshSkipsWithoutTheFlag(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	require.NotNil(t, b.svc.CDP.RFM, "the services carry the RFM")
	worker := &jobs.RFMRefreshWorker{RFM: b.svc.CDP.RFM, Billing: b.svc.Billing}
	run := func() error {
		return worker.Work(ctx, &river.Job[jobs.RFMRefreshArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1},
			Args: jobs.RFMRefreshArgs{TenantID: b.tenant}})
	}
	op := billing.Operator{Email: "ops@example.test"}
	off := false
	_, err := b.svc.Billing.SetFlag(ctx, op, billing.FlagChange{Tenant: b.tenant, Flag: "cdp", Enabled: &off, Reason: "test"})
	require.NoError(t, err)
	require.NoError(t, run())
	rep, err := b.svc.CDP.RFM.Report(ctx, b.tenant)
	require.NoError(t, err)
	require.Nil(t, rep.ComputedAt, "nothing computed")
	skips, err := b.svc.Billing.Skips(ctx, b.tenant)
	require.NoError(t, err)
	require.Len(t, skips, 1)
	require.Equal(t, "cdp.rfm_refresh", skips[0].JobKind)

	on := true
	_, err = b.svc.Billing.SetFlag(ctx, op, billing.FlagChange{Tenant: b.tenant, Flag: "cdp", Enabled: &on, Reason: "back"})
	require.NoError(t, err)
	require.NoError(t, run())
	rep, err = b.svc.CDP.RFM.Report(ctx, b.tenant)
	require.NoError(t, err)
	require.NotNil(t, rep.ComputedAt, "the positive control computed")
}

package cdp_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
)

func (f *identityFixture) stageOf(t *testing.T, p uuid.UUID) string {
	t.Helper()
	got, err := f.id.Profile(context.Background(), f.tenant, p)
	require.NoError(t, err)
	return got.LifecycleStage
}

// Profiles not seen for the churn period are marked CHURNED, in bounded
// batches, oldest first; the others, and absorbed profiles, are left.
func TestMarkChurnedByTheTenantsPeriod(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()
	f.id.ChurnBatch = 2
	days, err := f.id.ChurnDays(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, cdp.DefaultChurnDays, days)

	old := make([]uuid.UUID, 5)
	for i := range old {
		old[i], _ = f.resolve(t, f.tenant, idtUser("old-"+string(rune('a'+i))))
	}
	absorbed, _ := f.resolve(t, f.tenant, idtAnon("old-anon"))
	f.resolve(t, f.tenant, idtUser("old-a"), idtAnon("old-anon"))
	f.clock.Advance(60 * 24 * time.Hour)
	recent, _ := f.resolve(t, f.tenant, idtUser("recent"))

	// Day 60: nothing is inactive for 90 days (positive control below).
	n, more, err := f.id.MarkChurned(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	require.False(t, more)
	require.Equal(t, cdp.StageKnown, f.stageOf(t, old[0]))

	// Day 91: the five old ones churn, two per transaction; the recent one
	// and the absorbed one (its survivor counts) do not.
	f.clock.Advance(31 * 24 * time.Hour)
	n, more, err = f.id.MarkChurned(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, 5, n)
	require.False(t, more)
	for _, p := range old {
		require.Equal(t, cdp.StageChurned, f.stageOf(t, p))
	}
	require.Equal(t, cdp.StageKnown, f.stageOf(t, recent))
	var merged string
	idtQuery(t, f, "SELECT lifecycle_stage FROM cdp_profiles WHERE id = ?", &merged, absorbed)
	require.Equal(t, cdp.StageAnonymous, merged, "an absorbed profile's row is left as it was")
	n, _, err = f.id.MarkChurned(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, 0, n, "a second run finds nothing")

	// A shorter period of the tenant's own: the recent one (31 days) churns.
	_, err = f.id.SetChurnDays(ctx, f.tenant, ptrInt(0))
	idtRequireCode(t, err, apperr.BadUserInput)
	_, err = f.id.SetChurnDays(ctx, f.tenant, ptrInt(cdp.MaxChurnDays+1))
	idtRequireCode(t, err, apperr.BadUserInput)
	got, err := f.id.SetChurnDays(ctx, f.tenant, ptrInt(30))
	require.NoError(t, err)
	require.Equal(t, 30, got)
	n, _, err = f.id.MarkChurned(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, cdp.StageChurned, f.stageOf(t, recent))
	got, err = f.id.SetChurnDays(ctx, f.tenant, nil)
	require.NoError(t, err)
	require.Equal(t, cdp.DefaultChurnDays, got)

	// More than a run's bound: the run says so.
	f.id.ChurnBatch = 1
	for i := range cdp.ChurnBatchesPerRun + 1 {
		f.resolve(t, f.tenant, idtDevice("d-"+string(rune('a'+i))))
	}
	f.clock.Advance(100 * 24 * time.Hour)
	n, more, err = f.id.MarkChurned(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, cdp.ChurnBatchesPerRun, n)
	require.True(t, more)
	n, more, err = f.id.MarkChurned(ctx, f.tenant)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.False(t, more)
}

func ptrInt(v int) *int { return &v }

func idtQuery(t *testing.T, f *identityFixture, query string, dest any, args ...any) {
	t.Helper()
	require.NoError(t, f.tdb.InTenant(context.Background(), f.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(query, args...).Scan(ctx, dest)
	}))
}

package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/platformstest"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/secretbox"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// platforms.refresh_tokens refreshes a tenant's grant that expires within
// the hour, and leaves one that does not alone.
func TestRefreshTokensJob(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	tdb.DB.Clock = clk
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	user := testdb.MustInsertUser(t, tdb.DB, testdb.User{})
	testdb.MustInsertMember(t, tdb.DB, tenant, user, "ADMIN")
	fake := &platformstest.Fake{Name: platforms.Meta, Now: clk.Now, Lifetime: 2 * time.Hour, Subject: "u1"}
	t.Cleanup(func() { require.Empty(t, fake.Violations()) })
	ps := platforms.NewService(tdb.DB, nil)
	ps.APIs[platforms.Meta] = fake
	box, err := secretbox.Parse(key(3))
	require.NoError(t, err)
	conns := &platforms.Connections{DB: tdb.DB, Platforms: ps, Box: box, PublicURL: "https://stratum.test"}

	u, err := conns.ConnectPlatform(ctx, tenant, user, platforms.ConnectInput{Platform: platforms.Meta, RedirectURI: conns.CallbackURL(platforms.Meta)})
	require.NoError(t, err)
	_, q, err := fake.Consent(u)
	require.NoError(t, err)
	_, _, err = conns.Callback(ctx, tenant, user, platforms.CallbackInput{Platform: platforms.Meta, Code: q.Get("code"), State: q.Get("state")})
	require.NoError(t, err)

	w := &jobs.RefreshTokensWorker{DB: tdb.DB, Connections: conns}
	job := &river.Job[jobs.RefreshTokensArgs]{JobRow: &rivertype.JobRow{}, Args: jobs.RefreshTokensArgs{TenantID: &tenant}}
	require.NoError(t, w.Work(ctx, job))
	_, refreshes := fake.Calls()
	require.Zero(t, refreshes, "two hours left: not yet")

	clk.Advance(70 * time.Minute) // 50 minutes left
	require.NoError(t, w.Work(ctx, job))
	_, refreshes = fake.Calls()
	require.Equal(t, 1, refreshes)
	list, err := conns.List(ctx, tenant)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, clk.Now().Add(2*time.Hour), list[0].TokenExpiresAt.UTC())
}

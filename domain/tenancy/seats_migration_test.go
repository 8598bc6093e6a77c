package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
)

// Migration 0035 starts the members counter at the members plus the
// invitations still pending (not accepted, revoked or expired), and marks
// exactly those invitations as holding a seat.
func TestMigrationBackfillsSeats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.onPlan(t, "professional")
	ctx := context.Background()
	b.join(t, "member@example.test", auth.RoleViewer) // accepted: a member
	revoked, _, err := b.tenancy.InviteMember(ctx, b.owner, "revoked@example.test", auth.RoleViewer)
	require.NoError(t, err)
	_, err = b.tenancy.RevokeInvite(ctx, b.owner, revoked.ID)
	require.NoError(t, err)
	for _, e := range []string{"pending1@example.test", "pending2@example.test", "expired@example.test"} {
		_, _, err := b.tenancy.InviteMember(ctx, b.owner, e, auth.RoleViewer)
		require.NoError(t, err)
	}
	// Expire one invitation in the past, as the real clock sees it (the
	// migration compares with the database's now()).
	require.NoError(t, b.tdb.DB.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE invites SET expires_at = '2000-01-01' WHERE email = 'expired@example.test'")
		return err
	}))

	m := db.Migrator{OwnerURL: b.tdb.OwnerURL, AppRole: testdb.AppRole, AppPassword: config.DevAppDBPassword}
	for applied := true; applied; {
		st, err := m.Status(ctx)
		require.NoError(t, err)
		applied = false
		for _, s := range st {
			if s.Version == 35 && s.AppliedAt != nil {
				applied = true
			}
		}
		if applied {
			require.NoError(t, m.Down(ctx))
		}
	}
	require.NoError(t, m.Up(ctx))

	// The owner, the member and the two pending invitations (read raw: the
	// counter as stored; Usage would discount expired holds).
	var used int64
	var holding []string
	require.NoError(t, b.tdb.DB.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT used FROM tenant_usage WHERE limit_key = 'members'").Scan(ctx, &used); err != nil {
			return err
		}
		return tx.NewRaw("SELECT email FROM invites WHERE holds_seat ORDER BY email").Scan(ctx, &holding)
	}))
	require.EqualValues(t, 4, used)
	require.Equal(t, []string{"pending1@example.test", "pending2@example.test"}, holding)
}

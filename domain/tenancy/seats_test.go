package tenancy_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/auth/authtest"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/apperr"
)

// onPlan puts the bundle's tenant on plan (its billing row, ACTIVE).
func (b *bundle) onPlan(t *testing.T, plan string) {
	t.Helper()
	require.NoError(t, b.tdb.DB.InTenant(context.Background(), b.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE tenant_billing SET plan = ?, status = 'ACTIVE' WHERE tenant_id = ?", plan, b.tenant)
		return err
	}))
}

// seats is the tenant's members usage.
func (b *bundle) seats(t *testing.T) billing.Usage {
	t.Helper()
	us, err := b.tenancy.Usage(context.Background(), b.tenant)
	require.NoError(t, err)
	for _, u := range us {
		if u.Key == billing.Members {
			return u
		}
	}
	t.Fatal("no members usage")
	return billing.Usage{}
}

func (b *bundle) pendingInvites(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, b.tdb.DB.InTenant(context.Background(), b.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM invites WHERE accepted_at IS NULL AND revoked_at IS NULL").Scan(ctx, &n)
	}))
	return n
}

// Starter allows 3 members, pending invitations included: the owner and
// two invitations fill it, the next invitation is refused naming the
// limit, its value and the plan that raises it, and writes nothing.
func TestInvitesStopAtTheMemberLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.onPlan(t, "starter")
	ctx := context.Background()
	require.EqualValues(t, 1, b.seats(t).Used, "the owner's seat")
	_, _, err := b.tenancy.InviteMember(ctx, b.owner, "one@example.test", auth.RoleViewer)
	require.NoError(t, err)
	u := b.seats(t)
	require.EqualValues(t, 2, u.Used)
	require.False(t, u.Warning(), "2 of 3 is under 80 %%")
	_, _, err = b.tenancy.InviteMember(ctx, b.owner, "two@example.test", auth.RoleViewer)
	require.NoError(t, err, "the last seat")
	u = b.seats(t)
	require.EqualValues(t, 3, u.Used)
	require.EqualValues(t, 3, u.Max)
	require.True(t, u.Warning())

	inv, token, err := b.tenancy.InviteMember(ctx, b.owner, "three@example.test", auth.RoleViewer)
	requireCode(t, err, apperr.BadUserInput, "input", "email")
	e, _ := apperr.As(err)
	require.Equal(t, "Your Starter plan allows 3 members; Professional raises it to 20.", e.Message)
	require.Equal(t, "members", e.Extensions["limit"])
	require.Nil(t, inv)
	require.Empty(t, token)
	require.Equal(t, 2, b.pendingInvites(t), "the refused invitation was not written")
	require.Len(t, b.auditActions(t, b.tenant, "invite.create"), 2)
	require.EqualValues(t, 3, b.seats(t).Used)

	b.onPlan(t, "professional")
	_, _, err = b.tenancy.InviteMember(ctx, b.owner, "three@example.test", auth.RoleViewer)
	require.NoError(t, err, "Professional raises the limit")
}

// Invitations sent at once for the last free seats: exactly as many are
// made as there were seats, however many race.
func TestConcurrentInvitesNeverOvershoot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.onPlan(t, "starter") // the owner and 2 free seats
	ctx := context.Background()
	const n = 10
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, errs[i] = b.tenancy.InviteMember(ctx, b.owner, fmt.Sprintf("racer%d@example.test", i), auth.RoleViewer)
		}()
	}
	close(start)
	wg.Wait()
	made := 0
	for _, err := range errs {
		if err == nil {
			made++
			continue
		}
		requireCode(t, err, apperr.BadUserInput, "input", "email")
	}
	require.Equal(t, 2, made, "exactly the two free seats were taken")
	require.Equal(t, 2, b.pendingInvites(t))
	require.EqualValues(t, 3, b.seats(t).Used)
}

// Seats come back when an invitation is revoked (once, however often it
// is revoked), expires, or a member is removed; accepting passes the
// invitation's seat to the member without counting it twice.
func TestSeatsComeBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("revoke", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		inv, _, err := b.tenancy.InviteMember(ctx, b.owner, "one@example.test", auth.RoleViewer)
		require.NoError(t, err)
		require.EqualValues(t, 2, b.seats(t).Used)
		_, err = b.tenancy.RevokeInvite(ctx, b.owner, inv.ID)
		require.NoError(t, err)
		require.EqualValues(t, 1, b.seats(t).Used)
		_, err = b.tenancy.RevokeInvite(ctx, b.owner, inv.ID)
		require.NoError(t, err)
		require.EqualValues(t, 1, b.seats(t).Used, "a second revocation gives nothing back")
	})

	t.Run("accept, then remove", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, _, mid := b.join(t, "joiner@example.test", auth.RoleViewer)
		require.EqualValues(t, 2, b.seats(t).Used, "the owner and the joiner, not three")
		_, err := b.tenancy.Remove(ctx, b.owner, mid)
		require.NoError(t, err)
		require.EqualValues(t, 1, b.seats(t).Used)
	})

	t.Run("expire", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.onPlan(t, "starter")
		for _, email := range []string{"one@example.test", "two@example.test"} {
			_, _, err := b.tenancy.InviteMember(ctx, b.owner, email, auth.RoleViewer)
			require.NoError(t, err)
		}
		b.clock.Advance(tenancy.InviteTTL)
		require.EqualValues(t, 3, b.seats(t).Used, "valid up to the last moment")
		_, _, err := b.tenancy.InviteMember(ctx, b.owner, "three@example.test", auth.RoleViewer)
		requireCode(t, err, apperr.BadUserInput, "input", "email")
		b.later()
		require.EqualValues(t, 1, b.seats(t).Used, "the expired invitations gave their seats back")
		_, _, err = b.tenancy.InviteMember(ctx, b.owner, "three@example.test", auth.RoleViewer)
		require.NoError(t, err)
		require.EqualValues(t, 2, b.seats(t).Used)
	})

	t.Run("two invitations for one person", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var tokens []string
		for range 2 {
			_, token, err := b.tenancy.InviteMember(ctx, b.owner, "twice@example.test", auth.RoleViewer)
			require.NoError(t, err)
			tokens = append(tokens, token)
		}
		require.EqualValues(t, 3, b.seats(t).Used)
		_, err := b.tenancy.AcceptInvite(ctx, nil, tokens[0], authtest.Password)
		require.NoError(t, err)
		require.EqualValues(t, 3, b.seats(t).Used, "the first invitation's seat passed to the member")
		sess, err := b.tenancy.AcceptInvite(ctx, nil, tokens[1], authtest.Password)
		require.NoError(t, err)
		require.NotNil(t, sess)
		require.EqualValues(t, 2, b.seats(t).Used, "the second made no member: its seat came back")
	})
}

// A signed-up tenant starts with its owner's seat, and one tenant's seats
// are not another's.
func TestSeatsArePerTenant(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, other := authtest.SignUp(t, b.auth, "other@example.test")
	_, _, err := b.tenancy.InviteMember(ctx, b.owner, "one@example.test", auth.RoleViewer)
	require.NoError(t, err)
	require.EqualValues(t, 2, b.seats(t).Used)
	us, err := b.tenancy.Usage(ctx, other.TenantID)
	require.NoError(t, err)
	for _, u := range us {
		if u.Key == billing.Members {
			require.EqualValues(t, 1, u.Used, "the other tenant counts its owner only")
		}
	}
}

// storedSeats is the members counter as stored and how many invitations
// hold a seat (read raw, beside Usage).
func (b *bundle) storedSeats(t *testing.T) (used int64, holding int) {
	t.Helper()
	require.NoError(t, b.tdb.DB.InTenant(context.Background(), b.tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT used FROM tenant_usage WHERE limit_key = 'members'").Scan(ctx, &used); err != nil {
			return err
		}
		return tx.NewRaw("SELECT count(*) FROM invites WHERE holds_seat").Scan(ctx, &holding)
	}))
	return used, holding
}

// Reading usage writes nothing: once invitations expire, Usage shows their
// seats free while the stored counter and the invitations stay as they
// were; the next invitation gives the seats back and takes one, in its own
// transaction, at a full limit.
func TestUsageReadDoesNotReleaseSeats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.onPlan(t, "starter")
	ctx := context.Background()
	for _, email := range []string{"one@example.test", "two@example.test"} {
		_, _, err := b.tenancy.InviteMember(ctx, b.owner, email, auth.RoleViewer)
		require.NoError(t, err)
	}
	used, holding := b.storedSeats(t)
	require.Equal(t, [2]int64{3, 2}, [2]int64{used, int64(holding)}, "the full limit as stored (control)")

	b.clock.Advance(tenancy.InviteTTL)
	b.later()
	for range 3 {
		require.EqualValues(t, 1, b.seats(t).Used, "the expired invitations' seats show as free")
	}
	used, holding = b.storedSeats(t)
	require.Equal(t, [2]int64{3, 2}, [2]int64{used, int64(holding)}, "reading usage wrote to the counter or the invitations")

	_, _, err := b.tenancy.InviteMember(ctx, b.owner, "three@example.test", auth.RoleViewer)
	require.NoError(t, err, "the expired invitations' seats are free for a new one")
	used, holding = b.storedSeats(t)
	require.Equal(t, [2]int64{2, 1}, [2]int64{used, int64(holding)}, "the reservation gave two seats back and took one")
	require.EqualValues(t, 2, b.seats(t).Used)
}

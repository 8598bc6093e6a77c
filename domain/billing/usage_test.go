package billing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/testdb"
)

func reserve(s *billing.Service, tn uuid.UUID, l billing.Limit, n int64) error {
	return s.DB.InTenant(context.Background(), tn, func(ctx context.Context, tx bun.Tx) error {
		return s.ReserveTx(ctx, tx, tn, l, n)
	})
}

func release(s *billing.Service, tn uuid.UUID, l billing.Limit, n int64) error {
	return s.DB.InTenant(context.Background(), tn, func(ctx context.Context, tx bun.Tx) error {
		return s.ReleaseTx(ctx, tx, tn, l, n)
	})
}

func usageOf(t *testing.T, s *billing.Service, tn uuid.UUID, l billing.Limit) billing.Usage {
	t.Helper()
	us, err := s.Usage(context.Background(), tn)
	require.NoError(t, err)
	for _, u := range us {
		if u.Key == l {
			return u
		}
	}
	t.Fatalf("no usage of %s", l)
	return billing.Usage{}
}

// N concurrent reservations against the last free slots: exactly as many
// succeed as there were slots, the rest are refused, the counter ends at
// the limit.
func TestReserveNeverOvershoots(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	tn := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{}) // Starter: 5 segments
	require.NoError(t, reserve(s, tn, billing.Segments, 3))

	for _, free := range []int{2, 1} { // the second round: one slot left after a release
		if free == 1 {
			require.NoError(t, release(s, tn, billing.Segments, 1))
		}
		const n = 12
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = reserve(s, tn, billing.Segments, 1)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err), "%v", err)
		}
		require.Equal(t, free, ok, "exactly the free slots are taken")
		require.EqualValues(t, 5, usageOf(t, s, tn, billing.Segments).Used)
	}
}

// A reservation waiting on another transaction's lock of the counter
// re-checks the limit once that transaction ends: it gets the slot when
// the other rolls back, and is refused when it commits.
func TestReserveWaitsForTheHolder(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	tn := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	require.NoError(t, reserve(s, tn, billing.Segments, 4))
	for _, commit := range []bool{false, true} {
		held, done := make(chan struct{}), make(chan struct{})
		holder := make(chan error, 1)
		go func() {
			holder <- s.DB.InTenant(context.Background(), tn, func(ctx context.Context, tx bun.Tx) error {
				if err := s.ReserveTx(ctx, tx, tn, billing.Segments, 1); err != nil {
					return err
				}
				close(held)
				<-done
				if !commit {
					return errRollback
				}
				return nil
			})
		}()
		<-held
		waiter := make(chan error, 1)
		go func() { waiter <- reserve(s, tn, billing.Segments, 1) }()
		waitForLockWaiter(t, tdb)
		close(done)
		err, holderErr := <-waiter, <-holder
		if commit {
			require.NoError(t, holderErr)
			require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err), "the committed holder took the last slot: %v", err)
		} else {
			require.ErrorIs(t, holderErr, errRollback)
			require.NoError(t, err, "the rolled-back holder left the slot free")
		}
		require.EqualValues(t, 5, usageOf(t, s, tn, billing.Segments).Used)
		if !commit {
			require.NoError(t, release(s, tn, billing.Segments, 1))
		}
	}
}

var errRollback = apperr.Conflictf("rolled back on purpose")

// waitForLockWaiter returns once some backend of the test database waits
// on a lock (the second reservation queued behind the first).
func waitForLockWaiter(t *testing.T, tdb *testdb.DB) {
	t.Helper()
	for {
		var n int
		require.NoError(t, tdb.DB.Bun.NewRaw(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(context.Background(), &n))
		if n > 0 {
			return
		}
	}
}

// The refusal names the limit, its value and the plan that raises it, and
// writes nothing.
func TestLimitErrorText(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	tn := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	require.NoError(t, reserve(s, tn, billing.Segments, 5))
	err := reserve(s, tn, billing.Segments, 1)
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.BadUserInput, e.Code)
	require.Equal(t, "Your Starter plan allows 5 segments; Professional raises it to 100.", e.Message)
	require.Equal(t, map[string]any{"limit": "segments", "max": int64(5), "plan": "starter", "raisedBy": "professional"}, e.Extensions)
	require.EqualValues(t, 5, usageOf(t, s, tn, billing.Segments).Used)

	ent := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "enterprise"})
	require.NoError(t, reserve(s, ent, billing.ConversionDestinations, 50))
	err = reserve(s, ent, billing.ConversionDestinations, 1)
	require.EqualError(t, err, "billing.Service.ReserveTx("+ent.String()+", conversion_destinations, 1): BAD_USER_INPUT: Your Enterprise plan allows 50 destinations; no plan raises it (contact us).")

	spec, _ := billing.LimitByKey("conversion_destinations")
	require.Equal(t, "Your Starter plan allows 1 destination; Professional raises it to 10.", billing.LimitError(spec, billing.Starter).Message)
	spec, _ = billing.LimitByKey("monthly_ingested_events")
	require.Equal(t, "Your Starter plan allows 100,000 events a month; Professional raises it to 5,000,000.", billing.LimitError(spec, billing.Starter).Message)
}

// The warning starts at 80 % of the limit.
func TestSoftLimitWarning(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	tn := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	require.NoError(t, reserve(s, tn, billing.Segments, 3))
	u := usageOf(t, s, tn, billing.Segments)
	require.False(t, u.Warning(), "3 of 5 is below 80 %%")
	require.EqualValues(t, 5, u.Max)
	require.Equal(t, billing.Professional, u.RaisedBy)
	require.NoError(t, reserve(s, tn, billing.Segments, 1))
	require.True(t, usageOf(t, s, tn, billing.Segments).Warning(), "4 of 5 is 80 %%")
}

// Releasing never takes a counter below zero, and frees the slot.
func TestReleaseFloorsAtZero(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	tn := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	require.NoError(t, release(s, tn, billing.Segments, 1), "releasing an absent counter is a no-op")
	require.NoError(t, reserve(s, tn, billing.Segments, 2))
	require.NoError(t, release(s, tn, billing.Segments, 5))
	require.EqualValues(t, 0, usageOf(t, s, tn, billing.Segments).Used)
	require.NoError(t, reserve(s, tn, billing.Segments, 5))
	require.Error(t, reserve(s, tn, billing.Segments, 1))
}

// The monthly events counter starts again on the first of the month (UTC).
func TestMonthlyRollover(t *testing.T) {
	t.Parallel()
	s, clk, tdb := setup(t)
	tn := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	clk.Set(time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC))
	require.NoError(t, reserve(s, tn, billing.MonthlyEvents, 100_000))
	require.Error(t, reserve(s, tn, billing.MonthlyEvents, 1), "December is used up")
	u := usageOf(t, s, tn, billing.MonthlyEvents)
	require.EqualValues(t, 100_000, u.Used)
	require.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), u.PeriodStart.UTC())

	clk.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	require.EqualValues(t, 0, usageOf(t, s, tn, billing.MonthlyEvents).Used, "January starts at zero")
	require.NoError(t, reserve(s, tn, billing.MonthlyEvents, 1))
	u = usageOf(t, s, tn, billing.MonthlyEvents)
	require.EqualValues(t, 1, u.Used)
	require.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), u.PeriodStart.UTC())
	require.Nil(t, usageOf(t, s, tn, billing.Segments).PeriodStart, "segments are not periodic")
}

// One tenant's usage is invisible to another, by the service and by RLS.
func TestUsageIsPerTenant(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	a := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	b := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	require.NoError(t, reserve(s, a, billing.Segments, 4))
	require.EqualValues(t, 4, usageOf(t, s, a, billing.Segments).Used, "A sees its own")
	require.EqualValues(t, 0, usageOf(t, s, b, billing.Segments).Used, "B does not see A's")
	for _, tc := range []struct {
		in   uuid.UUID
		want int
	}{{a, 1}, {b, 0}} {
		var n int
		require.NoError(t, tdb.DB.InTenant(context.Background(), tc.in, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT count(*) FROM tenant_usage WHERE tenant_id = ?", a).Scan(ctx, &n)
		}))
		require.Equal(t, tc.want, n)
	}
	// The usage lists every counted limit, the API cost rate not among them.
	us, err := s.Usage(context.Background(), b)
	require.NoError(t, err)
	require.Len(t, us, len(billing.Limits())-1)
}

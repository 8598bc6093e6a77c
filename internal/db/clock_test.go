package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
)

var start = time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)

// setupClock is a test database whose clock is a Manual one at start, with
// one tenant.
func setupClock(t *testing.T) (*testdb.DB, *clock.Manual, uuid.UUID) {
	t.Helper()
	tdb := newDB(t)
	tenant := insertTenant(t, tdb, "A")
	c := clock.NewManual(start)
	tdb.Clock = c
	return tdb, c, tenant
}

func TestOpenUsesTheRealClock(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	require.Equal(t, clock.Real{}, tdb.Clock)
	require.WithinDuration(t, time.Now(), tdb.Now(context.Background()), time.Minute)
	var zero db.DB
	require.WithinDuration(t, time.Now(), zero.Now(context.Background()), time.Minute, "a nil Clock is the real one")
}

func TestATransactionFixesItsTime(t *testing.T) {
	t.Parallel()
	tdb, c, tenant := setupClock(t)
	ctx := context.Background()

	t.Run("outside a transaction Now follows the clock", func(t *testing.T) {
		c.Set(start)
		require.Equal(t, start, tdb.Now(ctx))
		c.Advance(time.Hour)
		require.Equal(t, start.Add(time.Hour), tdb.Now(ctx))
		require.WithinDuration(t, time.Now(), db.TxNow(ctx), time.Minute, "TxNow without a transaction: the real clock")
	})

	for name, in := range map[string]func(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error{
		"InTenant": func(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
			return tdb.InTenant(ctx, tenant, fn)
		},
		"InGlobal": tdb.InGlobal,
	} {
		t.Run(name+": the clock's time at the start, for every call in it", func(t *testing.T) {
			c.Set(start)
			require.NoError(t, in(ctx, func(ctx context.Context, tx bun.Tx) error {
				require.Equal(t, start, tdb.Now(ctx))
				c.Advance(time.Minute) // the clock moves on; the transaction's time does not
				require.Equal(t, start, tdb.Now(ctx))
				require.Equal(t, start, db.TxNow(ctx))
				return nil
			}))
			require.NoError(t, in(ctx, func(ctx context.Context, tx bun.Tx) error {
				require.Equal(t, start.Add(time.Minute), tdb.Now(ctx), "positive control: the next transaction has the new time")
				return nil
			}))
		})
	}

	t.Run("the shared read transaction fixes its time when it begins", func(t *testing.T) {
		c.Set(start)
		sctx, end := tdb.WithSharedTx(ctx, tenant)
		read := func() (now time.Time) {
			require.NoError(t, tdb.InTenant(sctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				now = tdb.Now(ctx)
				return nil
			}))
			return now
		}
		require.Equal(t, start, read())
		c.Advance(time.Minute)
		require.Equal(t, start, read(), "the second read is in the same transaction")
		end()
		sctx, end = tdb.WithSharedTx(ctx, tenant)
		defer end()
		require.Equal(t, start.Add(time.Minute), read(), "positive control: a new shared transaction has the new time")
	})

	t.Run("another handle's transaction does not fix this handle's time", func(t *testing.T) {
		c.Set(start)
		other := &db.DB{Bun: tdb.Bun, Clock: clock.NewManual(start.Add(24 * time.Hour))}
		require.NoError(t, other.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			require.Equal(t, start.Add(24*time.Hour), other.Now(ctx))
			require.Equal(t, start, tdb.Now(ctx))
			return nil
		}))
	})
}

// A time from Now written to timestamptz reads back equal: the clock keeps
// PostgreSQL's precision.
func TestNowRoundTrips(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	for _, c := range []clock.Clock{clock.Real{}, clock.NewManual(time.Date(2026, 3, 10, 15, 30, 0, 123456789, time.UTC))} {
		tdb.Clock = c
		var now, back time.Time
		require.NoError(t, tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			now = tdb.Now(ctx)
			return tx.NewRaw("SELECT ?::timestamptz", now).Scan(ctx, &back)
		}))
		require.True(t, now.Equal(back), "%v read back as %v", now, back)
		require.Equal(t, now, back.UTC())
	}
}

package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
)

// item is a row of the test table items (newDB).
type item struct {
	bun.BaseModel `bun:"table:items,alias:it"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	ID            uuid.UUID `bun:"id,pk"`
	Body          string    `bun:"body"`
}

func TestByID(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	ctx := context.Background()
	a := insertTenant(t, tdb, "A")
	b := insertTenant(t, tdb, "B")
	id := uuid.New()
	require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&item{TenantID: a, ID: id, Body: "mine"}).Exec(ctx)
		return err
	}))

	t.Run("the tenant's row is read; a missing or foreign id is NOT_FOUND with the message", func(t *testing.T) {
		got, err := db.ByID[item](ctx, tdb.DB, a, id, "item not found")
		require.NoError(t, err)
		require.Equal(t, "mine", got.Body)
		for _, c := range []struct{ tenant, id uuid.UUID }{{a, uuid.New()}, {b, id}} {
			_, err := db.ByID[item](ctx, tdb.DB, c.tenant, c.id, "item not found")
			requireNotFound(t, err, "item not found")
		}
	})

	// rowLockedElsewhere reports whether another transaction holds a lock
	// on the row while ScanByID's transaction (taking lock) is open.
	rowLockedElsewhere := func(t *testing.T, lock db.Lock) bool {
		var locked bool
		require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			it := new(item)
			if err := db.ScanByID(ctx, tx, it, id, lock, "item not found"); err != nil {
				return err
			}
			require.Equal(t, "mine", it.Body)
			err := tdb.InTenant(context.Background(), a, func(ctx context.Context, other bun.Tx) error {
				_, err := other.ExecContext(ctx, "SELECT id FROM items WHERE id = ? FOR NO KEY UPDATE NOWAIT", id)
				return err
			})
			locked = err != nil
			if locked {
				require.ErrorContains(t, err, "55P03")
			}
			return nil
		}))
		return locked
	}

	t.Run("ScanByID takes the lock it is given, and none with NoLock", func(t *testing.T) {
		require.True(t, rowLockedElsewhere(t, db.LockNoKeyUpdate))
		require.True(t, rowLockedElsewhere(t, db.LockUpdate))
		require.False(t, rowLockedElsewhere(t, db.NoLock))
	})

	t.Run("ScanByID in a transaction: a missing row is NOT_FOUND and the model is left as it was", func(t *testing.T) {
		it := &item{Body: "untouched"}
		err := tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			return db.ScanByID(ctx, tx, it, uuid.New(), db.LockNoKeyUpdate, "item not found")
		})
		requireNotFound(t, err, "item not found")
		require.Equal(t, "untouched", it.Body)
	})
}

func requireNotFound(t *testing.T, err error, msg string) {
	t.Helper()
	e, ok := apperr.As(err)
	require.True(t, ok, "%v is not an apperr", err)
	require.Equal(t, apperr.NotFound, e.Code)
	require.Equal(t, msg, e.Message)
}

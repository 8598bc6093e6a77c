package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// PruneInBatches calls a retention function fn(before timestamptz, lim
// integer) — SECURITY DEFINER, deleting at most lim rows of every tenant
// older than before and returning how many — for what is older than keep
// (by the database clock), one batch of batch rows a transaction, at most
// maxBatches of them or until ctx ends. It returns how many rows it
// deleted and whether some may be left (the next run goes on).
func (d *DB) PruneInBatches(ctx context.Context, fn string, keep time.Duration, batch, maxBatches int) (deleted int, more bool, err error) {
	for range maxBatches {
		if err := ctx.Err(); err != nil {
			return deleted, true, err
		}
		var n int
		err := d.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT "+fn+"(?, ?)", d.Now(ctx).Add(-keep), batch).Scan(ctx, &n)
		})
		if err != nil {
			return deleted, true, err
		}
		deleted += n
		if n < batch {
			return deleted, false, nil
		}
	}
	return deleted, true, nil
}

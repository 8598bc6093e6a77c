package cdp

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
)

// Per-workspace caps on what a workspace creates and every job then works
// through.
const (
	MaxSources = 100
	MaxFunnels = 100
)

// roomForTx takes the workspace's lock for kind, so creations of kind run
// one at a time and the count holds, and refuses (BAD_USER_INPUT at input)
// when tenant already has max rows of model.
func roomForTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, kind string, model any, max int) error {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", kind+":"+tenant.String()); err != nil {
		return fmt.Errorf("lock %s: %w", kind, err)
	}
	n, err := tx.NewSelect().Model(model).Count(ctx)
	if err != nil {
		return fmt.Errorf("count %s: %w", kind, err)
	}
	if int(n) >= max {
		return apperr.Invalid([]string{"input"}, "a workspace has at most %d %s; delete one first", max, kind)
	}
	return nil
}

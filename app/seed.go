package app

import (
	"context"
	"log/slog"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// DemoTenantID is the seeded demo tenant (fixed so seeding is idempotent).
var DemoTenantID = uuid.MustParse("00000000-0000-4000-8000-00000000de70")

// DemoTenantName names the demo tenant; its platform data is simulated.
const DemoTenantName = "Demo Co (simulated)"

// Seed creates the demo tenant if it does not exist.
func Seed(ctx context.Context, a *App, log *slog.Logger) error {
	return a.DB.InTenant(ctx, DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, slug, plan, simulated)
			VALUES (?, ?, 'demo', 'professional', true) ON CONFLICT (id) DO NOTHING`, DemoTenantID, DemoTenantName)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			log.Info("seeded demo tenant", "tenant", DemoTenantID)
		}
		return nil
	})
}

package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
)

// DemoTenantID is the seeded demo tenant (fixed so seeding is idempotent).
var DemoTenantID = uuid.MustParse("00000000-0000-4000-8000-00000000de70")

// DemoTenantName names the demo tenant; its platform data is simulated.
const DemoTenantName = "Demo Co (simulated)"

// Seed creates the demo tenant and its demo owner (Cfg.DemoEmail /
// Cfg.DemoPassword) if they do not exist.
func Seed(ctx context.Context, a *App, log *slog.Logger) error {
	if err := seedTenant(ctx, a, log); err != nil {
		return err
	}
	if err := seedOwner(ctx, a, log); err != nil {
		return err
	}
	return seedTrust(ctx, a)
}

// seedTrust gives the demo tenant the simulated ad platform (campaigns and
// 30 days of history; idempotent) and a first signal-health score, so the
// trust engine shows its state from the first start.
func seedTrust(ctx context.Context, a *App) error {
	if err := a.Services.Platforms.SeedSimulator(ctx, DemoTenantID); err != nil {
		return fmt.Errorf("seed simulator: %w", err)
	}
	if _, err := a.Services.Signals.Recompute(ctx, DemoTenantID); err != nil {
		return fmt.Errorf("seed signal health: %w", err)
	}
	return nil
}

// seedOwner makes the demo user (created if missing) an OWNER of the demo tenant.
func seedOwner(ctx context.Context, a *App, log *slog.Logger) error {
	svc := a.Resolver.Svc.Auth
	email := strings.ToLower(a.Cfg.DemoEmail)
	hash := ""
	if _, err := svc.UserByEmail(ctx, email); apperr.CodeOf(err) == apperr.NotFound {
		if hash, err = svc.HashNewPassword(ctx, a.Cfg.DemoPassword); err != nil { // before the transaction
			return err
		}
	}
	return a.DB.InTenant(ctx, DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
		u, err := svc.UserByEmail(ctx, email)
		if apperr.CodeOf(err) == apperr.NotFound && hash != "" {
			if u, err = svc.CreateUser(ctx, tx, email, hash); err == nil {
				log.Info("seeded demo owner", "email", email)
			}
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO memberships (tenant_id, user_id, id, role, created_at) VALUES (?, ?, ?, 'OWNER', ?)
			ON CONFLICT (tenant_id, user_id) DO NOTHING`, DemoTenantID, u.ID, uuid.New(), a.DB.Now(ctx))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 { // the members limit counts the new owner
			if err := (&billing.Service{DB: a.DB}).ReserveTx(ctx, tx, DemoTenantID, billing.Members, 1); err != nil {
				return err
			}
		}
		// The demo owner's address is the operator's setting
		// (STRATUM_DEMO_EMAIL), not a sign-up's claim: no verification
		// e-mail is sent, and the dashboard does not ask for one.
		_, err = tx.ExecContext(ctx, `UPDATE users SET email_verified_at = ? WHERE id = ? AND email_verified_at IS NULL`, a.DB.Now(ctx), u.ID)
		return err
	})
}

func seedTenant(ctx context.Context, a *App, log *slog.Logger) error {
	return a.DB.InTenant(ctx, DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, slug, plan, simulated, created_at)
			VALUES (?, ?, 'demo', 'professional', true, ?) ON CONFLICT (id) DO NOTHING`, DemoTenantID, DemoTenantName, a.DB.Now(ctx))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			log.Info("seeded demo tenant", "tenant", DemoTenantID)
		}
		return nil
	})
}

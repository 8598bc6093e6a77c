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
	if !a.Services.Stripe.Enabled() {
		// Billing disabled: nothing is sold, so the demo shows every feature.
		if err := a.Services.Stripe.PutDemoOnEnterprise(ctx, DemoTenantID); err != nil {
			return fmt.Errorf("seed demo plan: %w", err)
		}
	}
	if err := seedTrust(ctx, a); err != nil {
		return err
	}
	return seedCDP(ctx, a, log)
}

// seedCDP gives the demo tenant its simulated event source, "Website
// (simulated)", and — the first time — a backfill of simulated visitors'
// events over the last two weeks, sent through the real ingestion path, so
// the Sources and Profiles screens have data from the first start (the
// batch jobs build the profiles as soon as a worker runs). Afterwards the
// periodic cdp.simulate_events job keeps a slow stream going.
func seedCDP(ctx context.Context, a *App, log *slog.Logger) error {
	src, sent, err := a.Services.CDP.SeedSimulatedSource(ctx, DemoTenantID)
	switch code := apperr.CodeOf(err); {
	case err == nil:
	case code == apperr.FeatureDisabled || code == apperr.Throttled || code == apperr.Forbidden:
		// An operator moved the demo to a plan without the cdp flag, its
		// monthly events are used up, or its simulated source is disabled:
		// the demo starts without the backfill (a later seed sends it).
		log.Warn("simulated events not seeded", "reason", err)
		return nil
	default:
		return fmt.Errorf("seed simulated events: %w", err)
	}
	if sent > 0 {
		log.Info("seeded simulated events", "source", src.Name, "events", sent)
	}
	return nil
}

// seedTrust gives the demo tenant the simulated ad platform (campaigns and
// 30 days of metrics; idempotent), 30 days of simulated signal-health
// history (marked simulated; later seeds only fill hours the server was
// not running) and a first signal-health score, so the trust engine and its
// history charts show their state from the first start.
func seedTrust(ctx context.Context, a *App) error {
	if err := a.Services.Platforms.SeedSimulator(ctx, DemoTenantID); err != nil {
		return fmt.Errorf("seed simulator: %w", err)
	}
	if err := a.Services.Platforms.SeedSimulatedHistory(ctx, DemoTenantID); err != nil {
		return fmt.Errorf("seed simulated history: %w", err)
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
			if err := a.Services.Billing.ReserveTx(ctx, tx, DemoTenantID, billing.Members, 1); err != nil {
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
		res, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, slug, simulated, created_at)
			VALUES (?, ?, 'demo', true, ?) ON CONFLICT (id) DO NOTHING`, DemoTenantID, DemoTenantName, a.DB.Now(ctx))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			log.Info("seeded demo tenant", "tenant", DemoTenantID)
			// A new demo tenant is on Professional; a re-seed keeps whatever
			// plan an operator or Stripe gave it since.
			return billing.SetPlanTx(ctx, tx, DemoTenantID, billing.Professional)
		}
		return nil
	})
}

package cdp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Lifecycle CHURNED (docs/adr/0017, "Churn"): a live profile not seen for
// the tenant's churn period is marked CHURNED by a periodic job
// (MarkChurned, in bounded batches); the batch job revives a churned
// profile when an event newer than the period's start arrives
// (applyDeltasTx).

// Bounds of the churn period (days) and its default.
const (
	DefaultChurnDays = 90
	MaxChurnDays     = 3650
)

// Bounds of one MarkChurned run: batches of ChurnBatch profiles (unless
// Identity.ChurnBatch says otherwise), each its own transaction, at most
// ChurnBatchesPerRun of them (the next run goes on).
const (
	ChurnBatch         = 1000
	ChurnBatchesPerRun = 20
)

func (s *Identity) churnBatch() int {
	if s.ChurnBatch > 0 {
		return s.ChurnBatch
	}
	return ChurnBatch
}

// ChurnDays is the tenant's churn period in days (DefaultChurnDays unless
// set).
func (s *Identity) ChurnDays(ctx context.Context, tenant uuid.UUID) (_ int, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.ChurnDays(%v)", tenant)
	var days int
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var e error
		days, e = churnDaysTx(ctx, tx, tenant)
		return e
	})
	return days, err
}

func churnDaysTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (int, error) {
	var days *int
	err := tx.NewRaw("SELECT churn_days FROM cdp_identity_settings WHERE tenant_id = ?", tenant).Scan(ctx, &days)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read churn period: %w", err)
	}
	if days == nil {
		return DefaultChurnDays, nil
	}
	return *days, nil
}

// churnCutoffTx is the start of the tenant's churn period ending at now: a
// profile last seen before it is inactive.
func churnCutoffTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, now time.Time) (time.Time, error) {
	days, err := churnDaysTx(ctx, tx, tenant)
	if err != nil {
		return time.Time{}, err
	}
	return now.AddDate(0, 0, -days), nil
}

// SetChurnDays sets the tenant's churn period (1–MaxChurnDays days; nil
// restores the default). It applies from the next churn run on (profiles
// already churned stay so until an event revives them). Audited.
func (s *Identity) SetChurnDays(ctx context.Context, tenant uuid.UUID, days *int) (_ int, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.SetChurnDays(%v)", tenant)
	if days != nil && (*days < 1 || *days > MaxChurnDays) {
		return 0, apperr.Invalid([]string{"input", "days"}, "the churn period is 1 to %d days", MaxChurnDays)
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cdp_identity_settings (tenant_id, churn_days, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET churn_days = EXCLUDED.churn_days, updated_at = EXCLUDED.updated_at`,
			tenant, days, s.DB.Now(ctx))
		if err != nil {
			return err
		}
		details := map[string]any{"days": nil}
		if days != nil {
			details["days"] = *days
		}
		return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "profile.set_churn_period", TargetType: relay.TypeTenant,
			TargetID: tenant, Details: details})
	})
	if err != nil {
		return 0, err
	}
	if days == nil {
		return DefaultChurnDays, nil
	}
	return *days, nil
}

// MarkChurned marks the tenant's live profiles last seen before the
// churn period (ending at the database clock's now) as CHURNED, oldest
// first, in transactions of ChurnBatch profiles (or Identity.ChurnBatch), at most
// ChurnBatchesPerRun of them; more reports that some may be left for the
// next run. Each batch announces its profiles (TopicProfileUpdated).
// Profiles locked by a concurrent change are skipped (the next run sees
// them).
func (s *Identity) MarkChurned(ctx context.Context, tenant uuid.UUID) (n int, more bool, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.MarkChurned(%v)", tenant)
	for range ChurnBatchesPerRun {
		var got int
		err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			now := s.DB.Now(ctx)
			cutoff, err := churnCutoffTx(ctx, tx, tenant, now)
			if err != nil {
				return err
			}
			var ids []uuid.UUID
			err = tx.NewRaw(`UPDATE cdp_profiles SET lifecycle_stage = ?, updated_at = ?
				WHERE tenant_id = ? AND id IN (SELECT id FROM cdp_profiles
					WHERE tenant_id = ? AND merged_into IS NULL AND lifecycle_stage <> ? AND last_seen_at < ?
					ORDER BY last_seen_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
				RETURNING id`, StageChurned, now, tenant, tenant, StageChurned, cutoff, s.churnBatch()).Scan(ctx, &ids)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("mark churned: %w", err)
			}
			var c profileChanges
			for _, id := range ids {
				c.changed(id, id)
			}
			got = len(ids)
			return c.publish(ctx, tx, tenant)
		})
		if err != nil {
			return n, false, err
		}
		n += got
		if got < s.churnBatch() {
			return n, false, nil
		}
	}
	return n, true, nil
}

package billing

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Skip is the latest time a job of a gated feature did not run for a
// tenant because the feature was off (a row of feature_skips): the tenant
// sees it beside the flag (viewer.features[].skippedJobs), so a switched-off
// feature never goes quiet without a trace.
type Skip struct {
	bun.BaseModel `bun:"table:feature_skips"`

	TenantID       uuid.UUID `bun:"tenant_id,pk"`
	JobKind        string    `bun:"job_kind,pk"`
	Flag           Flag      `bun:"flag"`
	Reason         string    `bun:"reason"`
	FirstSkippedAt time.Time `bun:"first_skipped_at"`
	LastSkippedAt  time.Time `bun:"last_skipped_at"`
	Skips          int64     `bun:"skips"`
}

// Gate is a job's check at start: whether flag is on for tenant. When it
// is off, Gate records the skip (one row per tenant and job kind, its count
// and latest time) and answers false; the job then completes without
// working. When it is on, a recorded skip of the kind is cleared: the
// feature is back.
func (s *Service) Gate(ctx context.Context, tenant uuid.UUID, jobKind string, flag Flag) (on bool, err error) {
	defer derrors.Wrap(&err, "billing.Service.Gate(%s, %s)", tenant, jobKind)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		e, err := s.EntitlementsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		if on = e.Enabled(flag); on {
			_, err = tx.NewDelete().Model((*Skip)(nil)).Where("tenant_id = ? AND job_kind = ?", tenant, jobKind).Exec(ctx)
			return err
		}
		now := db.TxNow(ctx)
		sk := &Skip{TenantID: tenant, JobKind: jobKind, Flag: flag, Reason: skipReason(e, flag),
			FirstSkippedAt: now, LastSkippedAt: now, Skips: 1}
		_, err = tx.NewInsert().Model(sk).On("CONFLICT (tenant_id, job_kind) DO UPDATE").
			Set("flag = EXCLUDED.flag, reason = EXCLUDED.reason, last_skipped_at = EXCLUDED.last_skipped_at").
			Set("skips = ?TableAlias.skips + 1").Exec(ctx)
		return err
	})
	return on, err
}

// skipReason says why flag is off for the tenant, in the words the
// dashboard shows.
func skipReason(e Entitlements, flag Flag) string {
	f := e.Feature(flag)
	switch f.Source {
	case FromOverride:
		return "switched off for this workspace by a Stratum operator"
	case FromGlobal:
		return "switched off for every workspace by this installation's configuration (STRATUM_FEATURES_FORCE)"
	}
	return "not included in the " + e.Plan.Title() + " plan; " + f.From.Title() + " unlocks it"
}

// Skips lists the tenant's recorded skips, by job kind.
func (s *Service) Skips(ctx context.Context, tenant uuid.UUID) (_ []Skip, err error) {
	defer derrors.Wrap(&err, "billing.Service.Skips(%s)", tenant)
	var out []Skip
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&out).Where("tenant_id = ?", tenant).Order("job_kind").Scan(ctx)
	})
	return out, err
}

// Usage against the plan limits: counters reserved in the transaction that
// creates the counted thing and released in the one that removes it.

package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// epoch is the period_start of a counter that is not periodic.
var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// Monthly reports whether the limit counts per calendar month (UTC).
func (l LimitSpec) Monthly() bool { return l.Key == MonthlyEvents }

// Counted reports whether usage of the limit is a counter (tenant_usage);
// APICostPerMinute is a rate, enforced by the GraphQL cost limiter.
func (l LimitSpec) Counted() bool { return l.Key != APICostPerMinute }

// PeriodStart is the start of the counting period containing now: the
// first day of now's month (UTC) for a monthly limit, the epoch otherwise.
func (l LimitSpec) PeriodStart(now time.Time) time.Time {
	if !l.Monthly() {
		return epoch
	}
	now = now.UTC()
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Usage is one limit as it stands for a tenant.
type Usage struct {
	LimitSpec
	// Used is the counter of the current period; Max the limit's value on
	// the tenant's effective plan (Plan).
	Used, Max int64
	Plan      Plan
	// RaisedBy is the cheapest dearer plan with a higher value ("" when none).
	RaisedBy Plan
	// PeriodStart is the start of the counting period (nil when the limit
	// is not periodic).
	PeriodStart *time.Time
}

// Warning reports whether usage has reached the soft limit (SoftShare of
// Max); a tenant over its limit (after a downgrade) is warned too.
func (u Usage) Warning() bool { return u.Max > 0 && float64(u.Used) >= SoftShare*float64(u.Max) }

// usageRow is a row of tenant_usage.
type usageRow struct {
	bun.BaseModel `bun:"table:tenant_usage"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	LimitKey      Limit     `bun:"limit_key,pk"`
	PeriodStart   time.Time `bun:"period_start,pk"`
	Used          int64     `bun:"used"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// ReserveTx takes n units of limit l for tenant in the caller's tenant
// transaction, before the counted thing is created in it: the counter row
// is upserted and incremented in one statement only while used+n stays
// within the effective plan's value, so concurrent reservations serialise
// on the row and never overshoot. Over the limit it returns BAD_USER_INPUT
// naming the limit, its value and the plan that raises it (LimitError),
// and changes nothing. The reservation commits or rolls back with tx.
func (s *Service) ReserveTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, l Limit, n int64) (err error) {
	defer derrors.Wrap(&err, "billing.Service.ReserveTx(%s, %s, %d)", tenant, l, n)
	e, err := s.EntitlementsTx(ctx, tx, tenant)
	if err != nil {
		return err
	}
	return reserveTx(ctx, tx, tenant, e, l, n)
}

// ReserveWithTx is ReserveTx for a caller that read the tenant's
// entitlements (EntitlementsTx) earlier in the same transaction: the hot
// path of event ingestion, which checks the cdp flag first and so saves
// reading them twice in every commit.
func (s *Service) ReserveWithTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, e Entitlements, l Limit, n int64) (err error) {
	defer derrors.Wrap(&err, "billing.Service.ReserveWithTx(%s, %s, %d)", tenant, l, n)
	return reserveTx(ctx, tx, tenant, e, l, n)
}

func reserveTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, e Entitlements, l Limit, n int64) (err error) {
	spec, ok := LimitByKey(string(l))
	if !ok || !spec.Counted() || n <= 0 {
		return fmt.Errorf("cannot reserve %d of %q", n, l)
	}
	max, now := spec.Of(e.Plan), db.TxNow(ctx)
	var used int64
	err = tx.NewRaw(`INSERT INTO tenant_usage AS u (tenant_id, limit_key, period_start, used, updated_at)
		SELECT ?, ?, ?, ?, ? WHERE ? <= ?
		ON CONFLICT (tenant_id, limit_key, period_start)
		DO UPDATE SET used = u.used + EXCLUDED.used, updated_at = EXCLUDED.updated_at
		WHERE u.used + EXCLUDED.used <= ?
		RETURNING used`,
		tenant, l, spec.PeriodStart(now), n, now, n, max, max).Scan(ctx, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return LimitError(spec, e.Plan)
	}
	return err
}

// ReleaseTx gives back n units of limit l (the counted thing was deleted in
// tx); the counter never goes below zero.
func (s *Service) ReleaseTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, l Limit, n int64) (err error) {
	defer derrors.Wrap(&err, "billing.Service.ReleaseTx(%s, %s, %d)", tenant, l, n)
	spec, ok := LimitByKey(string(l))
	if !ok || !spec.Counted() || n < 0 {
		return fmt.Errorf("cannot release %d of %q", n, l)
	}
	if n == 0 {
		return nil
	}
	now := db.TxNow(ctx)
	_, err = tx.ExecContext(ctx, `UPDATE tenant_usage SET used = greatest(used - ?, 0), updated_at = ?
		WHERE tenant_id = ? AND limit_key = ? AND period_start = ?`, n, now, tenant, l, spec.PeriodStart(now))
	return err
}

// Usage lists every counted limit with the tenant's use of it, in
// catalogue order.
func (s *Service) Usage(ctx context.Context, tenant uuid.UUID) (us []Usage, err error) {
	defer derrors.Wrap(&err, "billing.Service.Usage(%s)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		us, err = s.UsageTx(ctx, tx, tenant)
		return err
	})
	return us, err
}

// UsageTx is Usage in the caller's tenant transaction.
func (s *Service) UsageTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (_ []Usage, err error) {
	defer derrors.Wrap(&err, "billing.Service.UsageTx(%s)", tenant)
	e, err := s.EntitlementsTx(ctx, tx, tenant)
	if err != nil {
		return nil, err
	}
	now := db.TxNow(ctx)
	var rows []usageRow
	if err := tx.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).
		Where("period_start IN (?, ?)", epoch, MonthlyEvents.spec().PeriodStart(now)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]Usage, 0, len(limits))
	for _, spec := range limits {
		if !spec.Counted() {
			continue
		}
		u := Usage{LimitSpec: spec, Max: spec.Of(e.Plan), Plan: e.Plan, RaisedBy: spec.RaisedBy(e.Plan)}
		start := spec.PeriodStart(now)
		if spec.Monthly() {
			u.PeriodStart = &start
		}
		for _, r := range rows {
			if r.LimitKey == spec.Key && r.PeriodStart.Equal(start) {
				u.Used = r.Used
			}
		}
		out = append(out, u)
	}
	return out, nil
}

func (l Limit) spec() LimitSpec {
	s, _ := LimitByKey(string(l))
	return s
}

// LimitError is the refusal of a reservation over limit spec on plan p:
// BAD_USER_INPUT naming the limit, its value and the plan that raises it,
// with the same facts in extensions (limit, max, plan, raisedBy).
func LimitError(spec LimitSpec, p Plan) *apperr.Error {
	max := spec.Of(p)
	msg := fmt.Sprintf("Your %s plan allows %s %s", p.Title(), grouped(max), unit(spec.Unit, max))
	ext := map[string]any{"limit": string(spec.Key), "max": max, "plan": string(p)}
	if up := spec.RaisedBy(p); up != "" {
		msg += fmt.Sprintf("; %s raises it to %s.", up.Title(), grouped(spec.Of(up)))
		ext["raisedBy"] = string(up)
	} else {
		msg += "; no plan raises it (contact us)."
	}
	if spec.Monthly() {
		msg = strings.Replace(msg, spec.Unit, spec.Unit+" a month", 1)
	}
	return &apperr.Error{Code: apperr.BadUserInput, Message: msg, Extensions: ext}
}

// unit is the catalogue's plural unit, singular for one.
func unit(u string, n int64) string {
	if n == 1 {
		return strings.TrimSuffix(u, "s")
	}
	return u
}

// grouped writes n with thousands separators (100,000).
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

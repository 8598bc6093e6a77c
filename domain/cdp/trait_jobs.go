package cdp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
)

// The computed traits' River work (docs/adr/0019): a definition's backfill
// and the periodic maintenance (window expiry and identity
// reconciliation). Each commits in chunks, so a retried or rescued job
// goes on where the last one stopped.

// TraitChunk is how many profiles one transaction of a backfill, an
// expiry or a reconciliation handles.
const TraitChunk = 200

// reconcileSlack is how far before the last reconciliation the next looks
// for changed profiles (a transaction stamps its changes with its start
// time and may commit after a reconciliation began).
const reconcileSlack = 10 * time.Minute

// Backfill computes every live profile's value of a definition's version
// from its events, TraitChunk profiles a transaction, recording progress
// (done of total) on the definition. It stops, done, when the definition
// is gone or at another version; with ctx's end it stops with the progress
// so far committed.
func (s *Traits) Backfill(ctx context.Context, tenant, definition uuid.UUID, version int) (err error) {
	defer derrors.Wrap(&err, "cdp.Traits.Backfill(%s, %s, %d)", tenant, definition, version)
	for {
		more := false
		err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			var err error
			more, err = backfillChunkTx(ctx, tx, tenant, definition, version, s.DB.Now(ctx), s.OnMembershipChanged)
			return err
		})
		if err != nil || !more {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// backfillChunkTx does one chunk; it reports whether more remain.
func backfillChunkTx(ctx context.Context, tx bun.Tx, tenant, definition uuid.UUID, version int, now time.Time, hook MembershipHook) (bool, error) {
	if ok, err := shareTraitTenantTx(ctx, tx, tenant); err != nil || !ok {
		return false, err
	}
	d := new(TraitDefinition)
	err := tx.NewSelect().Model(d).Where("tenant_id = ? AND id = ?", tenant, definition).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (d.Version != version || d.BackfillStatus == BackfillDone)) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	d.load()
	if d.BackfillStatus == BackfillPending {
		n, err := tx.NewSelect().Table("cdp_profiles").Where("tenant_id = ? AND merged_into IS NULL", tenant).Count(ctx)
		if err != nil {
			return false, err
		}
		d.BackfillStatus, d.BackfillTotal, d.BackfillDone = BackfillRunning, int64(n), 0
	}
	q := tx.NewSelect().Table("cdp_profiles").Column("id").Where("tenant_id = ? AND merged_into IS NULL", tenant).
		OrderExpr("id").Limit(TraitChunk)
	if d.BackfillAfter != nil {
		q = q.Where("id > ?", *d.BackfillAfter)
	}
	var ids []uuid.UUID
	if err := q.Scan(ctx, &ids); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	if len(ids) == 0 {
		d.BackfillStatus = BackfillDone
		d.BackfillDone = max(d.BackfillDone, d.BackfillTotal)
	} else {
		if err := recomputeProfilesTx(ctx, tx, tenant, ids, []*TraitDefinition{d}, now); err != nil {
			return false, err
		}
		if err := refreshComputedTraitSegmentsTx(ctx, tx, tenant, ids, now, hook); err != nil {
			return false, err
		}
		d.BackfillAfter = &ids[len(ids)-1]
		d.BackfillDone += int64(len(ids))
		d.BackfillTotal = max(d.BackfillTotal, d.BackfillDone) // profiles made since the count
	}
	_, err = tx.NewUpdate().Model(d).Column("backfill_status", "backfill_total", "backfill_done", "backfill_after").WherePK().Exec(ctx)
	return len(ids) > 0, err
}

// recomputeProfilesTx locks the profiles' trait rows and recomputes defs
// for them: every definition for those whose identifiers changed since
// their traits were computed, only defs for the others.
func recomputeProfilesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []uuid.UUID, defs []*TraitDefinition, now time.Time) error {
	stale, err := lockTraitProfilesTx(ctx, tx, tenant, ids)
	if err != nil {
		return err
	}
	all, err := definitionsTx(ctx, tx, tenant)
	if err != nil {
		return err
	}
	if err := recomputeTx(ctx, tx, tenant, stale, all, now, true); err != nil {
		return err
	}
	var fresh []uuid.UUID
	for _, id := range ids {
		if !containsID(stale, id) {
			fresh = append(fresh, id)
		}
	}
	return recomputeTx(ctx, tx, tenant, fresh, defs, now, false)
}

func containsID(ids []uuid.UUID, id uuid.UUID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// MaintainResult is what one Maintain did.
type MaintainResult struct {
	// Expired counts the profile values whose expired days were dropped.
	Expired int
	// Reconciled counts the profiles recomputed after a merge, an unmerge
	// or a split (or dropped, when merged away).
	Reconciled int
}

// Maintain is the periodic job's work for one tenant: it drops the days
// that left windowed traits' windows (the values change with the clock,
// not only with events) and recomputes the profiles whose identifiers
// changed without an event of theirs being processed since (an unmerge, a
// split, a merge by the API), dropping the values of profiles merged
// away.
func (s *Traits) Maintain(ctx context.Context, tenant uuid.UUID) (_ MaintainResult, err error) {
	defer derrors.Wrap(&err, "cdp.Traits.Maintain(%s)", tenant)
	var out MaintainResult
	var defs []*TraitDefinition
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		defs, err = definitionsTx(ctx, tx, tenant)
		return err
	})
	if err != nil {
		return out, err
	}
	for _, d := range defs {
		if d.WindowDays == nil {
			continue
		}
		for {
			n := 0
			err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				var err error
				n, err = expireChunkTx(ctx, tx, tenant, d.ID, s.DB.Now(ctx), s.OnMembershipChanged)
				return err
			})
			if err != nil {
				return out, err
			}
			out.Expired += n
			if n < TraitChunk {
				break
			}
		}
	}
	n, err := s.reconcile(ctx, tenant)
	out.Reconciled = n
	return out, err
}

// expireChunkTx drops the expired days of up to TraitChunk values of a
// windowed definition; it returns how many values it changed.
func expireChunkTx(ctx context.Context, tx bun.Tx, tenant, definition uuid.UUID, now time.Time, hook MembershipHook) (int, error) {
	if ok, err := shareTraitTenantTx(ctx, tx, tenant); err != nil || !ok {
		return 0, err
	}
	d := new(TraitDefinition)
	err := tx.NewSelect().Model(d).Where("tenant_id = ? AND id = ?", tenant, definition).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	d.load()
	if d.WindowDays == nil {
		return 0, nil
	}
	var ids []uuid.UUID
	err = tx.NewRaw(`SELECT profile_id FROM cdp_computed_traits WHERE tenant_id = ? AND definition_id = ? AND oldest_day < ?::date
		ORDER BY profile_id LIMIT ?`, tenant, definition, windowStart(*d.WindowDays, now).Format(time.DateOnly), TraitChunk).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	stale, err := lockTraitProfilesTx(ctx, tx, tenant, ids)
	if err != nil {
		return 0, err
	}
	all, err := definitionsTx(ctx, tx, tenant)
	if err != nil {
		return 0, err
	}
	if err := recomputeTx(ctx, tx, tenant, stale, all, now, true); err != nil {
		return 0, err
	}
	var fresh []uuid.UUID
	for _, id := range ids {
		if !containsID(stale, id) {
			fresh = append(fresh, id)
		}
	}
	// No new events: folding nothing expires the old days.
	if err := foldTx(ctx, tx, tenant, fresh, []*TraitDefinition{d}, now, func(uuid.UUID) []*traitEvent { return nil }); err != nil {
		return 0, err
	}
	return len(ids), refreshComputedTraitSegmentsTx(ctx, tx, tenant, ids, now, hook)
}

// reconcile recomputes the profiles changed since the last reconciliation
// whose identifiers differ from those their traits were computed from,
// and drops the traits of profiles merged away.
func (s *Traits) reconcile(ctx context.Context, tenant uuid.UUID) (int, error) {
	var since *time.Time
	var start time.Time
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		start = s.DB.Now(ctx)
		err := tx.NewRaw(`SELECT reconciled_at FROM cdp_trait_tenants WHERE tenant_id = ?`, tenant).Scan(ctx, &since)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	from := time.Time{}
	if since != nil {
		from = since.Add(-reconcileSlack)
	}
	total := 0
	var after uuid.UUID
	for {
		n, last, err := s.reconcileChunk(ctx, tenant, from, after)
		if err != nil {
			return total, err
		}
		total += n
		if last == uuid.Nil {
			break
		}
		after = last
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE cdp_trait_tenants SET reconciled_at = ? WHERE tenant_id = ?`, start, tenant)
		return err
	})
	return total, err
}

// reconcileChunk handles up to TraitChunk profiles changed since from
// (after the id after); it returns how many it recomputed or dropped and
// the last id it looked at (uuid.Nil: none left).
func (s *Traits) reconcileChunk(ctx context.Context, tenant uuid.UUID, from time.Time, after uuid.UUID) (int, uuid.UUID, error) {
	n, last := 0, uuid.Nil
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		n, last = 0, uuid.Nil
		if ok, err := shareTraitTenantTx(ctx, tx, tenant); err != nil || !ok {
			return err
		}
		var rows []struct {
			ID     uuid.UUID `bun:"id"`
			Merged bool      `bun:"merged"`
			Sig    *string   `bun:"ident_sig"`
		}
		err := tx.NewRaw(`SELECT p.id, p.merged_into IS NOT NULL AS merged, t.ident_sig
			FROM cdp_profiles p LEFT JOIN cdp_trait_profiles t ON t.tenant_id = p.tenant_id AND t.profile_id = p.id
			WHERE p.tenant_id = ? AND p.id > ? AND (p.updated_at >= ? OR p.created_at >= ?)
			ORDER BY p.id LIMIT ?`, tenant, after, from, from, TraitChunk).Scan(ctx, &rows)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		last = rows[len(rows)-1].ID
		var gone, check []uuid.UUID
		for _, r := range rows {
			switch {
			case r.Merged && r.Sig != nil:
				gone = append(gone, r.ID)
			case !r.Merged:
				check = append(check, r.ID)
			}
		}
		if len(gone) > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM cdp_computed_traits WHERE tenant_id = ? AND profile_id IN (?)`, tenant, bun.In(gone)); err != nil {
				return fmt.Errorf("drop merged profiles' traits: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM cdp_trait_profiles WHERE tenant_id = ? AND profile_id IN (?)`, tenant, bun.In(gone)); err != nil {
				return fmt.Errorf("drop merged profiles' trait rows: %w", err)
			}
			n += len(gone)
		}
		if len(check) == 0 {
			return nil
		}
		stale, err := lockTraitProfilesTx(ctx, tx, tenant, check)
		if err != nil {
			return err
		}
		all, err := definitionsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		n += len(stale)
		now := s.DB.Now(ctx)
		if err := recomputeTx(ctx, tx, tenant, stale, all, now, true); err != nil {
			return err
		}
		return refreshComputedTraitSegmentsTx(ctx, tx, tenant, stale, now, s.OnMembershipChanged)
	})
	return n, last, err
}

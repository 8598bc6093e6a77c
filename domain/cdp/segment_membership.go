package cdp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Segment membership (docs/adr/0020, "Membership"). One statement per
// segment and refresh runs the compiled query and writes the difference:
// profiles it returns that are not current members enter (a new row, or
// the old row re-entered), current members it does not return exit
// (exited_at set), and every entry and exit is appended to
// cdp_segment_membership_changes. A full refresh considers every profile;
// the batch job's incremental refresh only the profiles its batch touched,
// with the profiles merged into them and those they were merged into.
//
// Locks: a full refresh (and saving or deleting a segment) takes the
// segment's row FOR UPDATE; the batch job takes its dynamic segments' rows
// FOR SHARE, so batches refresh side by side (they already queue on the
// profiles they share) while a full refresh waits for them and they for it.

// TopicSegmentMembershipChanged is the topic of membership changes: the
// event's ID is the segment's id, its data a MembershipDelta.
const TopicSegmentMembershipChanged = "cdp.segment_membership_changed"

// MembershipDelta counts one refresh's entries and exits.
type MembershipDelta struct {
	Entered int64 `json:"entered"`
	Exited  int64 `json:"exited"`
}

// MembershipHook is told of a segment's membership changes in the
// transaction that records them (audience sync enqueues its jobs there, so
// they run after the commit and only if it happens). An error rolls the
// transaction back. The services that refresh memberships (Service's batch
// job, Segments, Traits, RFM) each carry it as OnMembershipChanged; nil:
// nobody is told.
type MembershipHook func(ctx context.Context, tx bun.Tx, tenant, segment uuid.UUID) error

// applyMembershipTx refreshes seg's membership at now: of every profile
// (scope nil) or of the profiles in scope. It publishes the change when
// there is one and tells hook. The members who left are found with EXCEPT
// (a hashed or sorted set difference) rather than NOT EXISTS against the
// matched CTE: with the members table's statistics behind (a segment just
// created or grown), PostgreSQL planned that NOT EXISTS as a nested loop
// scanning the whole CTE for every member — 3.6 million comparisons for
// 2,667 members at 200,000 profiles, most of a full refresh's time.
func applyMembershipTx(ctx context.Context, tx bun.Tx, seg *Segment, now time.Time, scope []uuid.UUID, hook MembershipHook) (d MembershipDelta, err error) {
	q := compileRules(&seg.Rules, seg.TenantID, now, scope)
	args := append(slices.Clip(q.args), seg.ID.String())
	g := fmt.Sprintf("$%d::uuid", len(args))
	restrict := ""
	if scope != nil {
		restrict = " AND x.profile_id = ANY($3::uuid[])"
	}
	stmt := `WITH matched AS (` + q.sql + `),
entered AS (
  INSERT INTO cdp_segment_members AS x (tenant_id, segment_id, profile_id, entered_at)
  SELECT $1::uuid, ` + g + `, m.id, $2::timestamptz FROM matched m
  WHERE NOT EXISTS (SELECT 1 FROM cdp_segment_members c WHERE c.tenant_id = $1::uuid AND c.segment_id = ` + g + `
    AND c.profile_id = m.id AND c.exited_at IS NULL)
  ON CONFLICT (tenant_id, segment_id, profile_id) DO UPDATE SET entered_at = EXCLUDED.entered_at, exited_at = NULL
  RETURNING x.profile_id
),
gone AS (
  SELECT x.profile_id FROM cdp_segment_members x
  WHERE x.tenant_id = $1::uuid AND x.segment_id = ` + g + ` AND x.exited_at IS NULL` + restrict + `
  EXCEPT
  SELECT id FROM matched
),
exited AS (
  UPDATE cdp_segment_members x SET exited_at = $2::timestamptz
  FROM gone
  WHERE x.tenant_id = $1::uuid AND x.segment_id = ` + g + ` AND x.profile_id = gone.profile_id AND x.exited_at IS NULL
  RETURNING x.profile_id
),
logged AS (
  INSERT INTO cdp_segment_membership_changes (tenant_id, segment_id, profile_id, change, at)
  SELECT $1::uuid, ` + g + `, profile_id, 'ENTERED', $2::timestamptz FROM entered
  UNION ALL
  SELECT $1::uuid, ` + g + `, profile_id, 'EXITED', $2::timestamptz FROM exited
  RETURNING change
)
SELECT count(*) FILTER (WHERE change = 'ENTERED'), count(*) FILTER (WHERE change = 'EXITED') FROM logged`
	if err := tx.Tx.QueryRowContext(ctx, stmt, args...).Scan(&d.Entered, &d.Exited); err != nil {
		return d, fmt.Errorf("refresh segment %s: %w", seg.ID, err)
	}
	if d.Entered+d.Exited == 0 {
		return d, nil
	}
	data, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: seg.TenantID, Topic: TopicSegmentMembershipChanged, ID: seg.ID.String(), Data: data}); err != nil {
		return d, err
	}
	if hook != nil {
		return d, hook(ctx, tx, seg.TenantID, seg.ID)
	}
	return d, nil
}

// refreshTx recomputes seg's whole membership in tx (seg's row locked by
// the caller) and stamps refreshed_at.
func (s *Segments) refreshTx(ctx context.Context, tx bun.Tx, seg *Segment) (MembershipDelta, error) {
	if err := setStatementTimeout(ctx, tx, s.refreshTimeout()); err != nil {
		return MembershipDelta{}, err
	}
	now := s.DB.Now(ctx)
	d, err := applyMembershipTx(ctx, tx, seg, now, nil, s.OnMembershipChanged)
	if err != nil {
		return d, err
	}
	seg.RefreshedAt = &now
	_, err = tx.NewUpdate().Model(seg).Column("refreshed_at").WherePK().Exec(ctx)
	return d, err
}

// RefreshSegment recomputes a segment's whole membership now (a STATIC
// segment's manual refresh; any segment's).
func (s *Segments) RefreshSegment(ctx context.Context, tenant, id uuid.UUID) (_ *Segment, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.RefreshSegment(%s, %s)", tenant, id)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		seg, err := lockSegmentTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		_, err = s.refreshTx(ctx, tx, seg)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Segment(ctx, tenant, id)
}

// RefreshTenant recomputes every dynamic segment of tenant, one
// transaction each (the periodic job: time windows move on without
// events, and repairs of profiles — unmerge, split, churn — change
// profiles outside batches). It returns how many it refreshed.
func (s *Segments) RefreshTenant(ctx context.Context, tenant uuid.UUID) (n int, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.RefreshTenant(%s)", tenant)
	var ids []uuid.UUID
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT id FROM cdp_segments WHERE tenant_id = ? AND kind = ? ORDER BY id", tenant, SegmentDynamic).Scan(ctx, &ids)
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			seg, err := lockSegmentTx(ctx, tx, tenant, id)
			if err != nil {
				return err
			}
			if seg.Kind != SegmentDynamic {
				return nil
			}
			_, err = s.refreshTx(ctx, tx, seg)
			return err
		})
		if err != nil && apperr.CodeOf(err) != apperr.NotFound { // deleted meanwhile
			return n, err
		}
		n++
	}
	return n, nil
}

// refreshSegmentsForBatchTx is the batch job's incremental refresh: in its
// transaction, after the batch's profile changes, each dynamic segment's
// membership is recomputed for the profiles the batch touched (touched:
// the profiles the events resolved to, and traited: those whose computed
// traits the batch recomputed).
func (s *Service) refreshSegmentsForBatchTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, touched map[uuid.UUID]*profileDelta, traited []uuid.UUID) error {
	ids := make([]uuid.UUID, 0, len(touched)+len(traited))
	for id := range touched {
		ids = append(ids, id)
	}
	for _, id := range traited {
		if touched[id] == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return refreshProfilesWhereTx(ctx, tx, tenant, ids, s.DB.Now(ctx), nil, s.OnMembershipChanged)
}

// RefreshProfilesTx recomputes every dynamic segment's membership of the
// given profiles (and those merged into them or they into) in tx.
func RefreshProfilesTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []uuid.UUID, now time.Time) (err error) {
	defer derrors.Wrap(&err, "cdp.RefreshProfilesTx(%s, %d profiles)", tenant, len(ids))
	return refreshProfilesWhereTx(ctx, tx, tenant, ids, now, nil, nil)
}

// refreshComputedTraitSegmentsTx refreshes, for the given profiles, the
// dynamic segments with a computed-trait condition (the trait jobs: a
// backfill, an expiry, a reconciliation changed their values).
func refreshComputedTraitSegmentsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []uuid.UUID, now time.Time, hook MembershipHook) error {
	if len(ids) == 0 {
		return nil
	}
	return refreshProfilesWhereTx(ctx, tx, tenant, ids, now, func(r *Rule) bool { return r.ComputedTrait != nil }, hook)
}

// refreshProfilesWhereTx is RefreshProfilesTx for the dynamic segments
// with a condition uses holds for (nil: all).
func refreshProfilesWhereTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []uuid.UUID, now time.Time, uses func(*Rule) bool, hook MembershipHook) error {
	q := tx.NewSelect().Model((*Segment)(nil)).Where("tenant_id = ? AND kind = ?", tenant, SegmentDynamic).Order("id")
	if uses != nil {
		// Only the segments that use the kind are locked (read first, then
		// locked in id order; one saved meanwhile was refreshed in full).
		var all []Segment
		if err := tx.NewSelect().Model(&all).Where("tenant_id = ? AND kind = ?", tenant, SegmentDynamic).Scan(ctx); err != nil {
			return err
		}
		var ids []uuid.UUID
		for _, seg := range all {
			if ruleUses(&seg.Rules, uses) {
				ids = append(ids, seg.ID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		q = q.Where("id IN (?)", bun.In(ids))
	}
	var segs []Segment
	if err := q.For("SHARE").Scan(ctx, &segs); err != nil {
		return err
	}
	if len(segs) == 0 {
		return nil
	}
	scope, err := mergeFamily(ctx, tx, tenant, ids)
	if err != nil {
		return err
	}
	for i := range segs {
		if _, err := applyMembershipTx(ctx, tx, &segs[i], now, scope, hook); err != nil {
			return err
		}
	}
	return nil
}

// ruleUses reports whether a node of r meets test.
func ruleUses(r *Rule, test func(*Rule) bool) bool {
	if test(r) {
		return true
	}
	for i := range r.And {
		if ruleUses(&r.And[i], test) {
			return true
		}
	}
	for i := range r.Or {
		if ruleUses(&r.Or[i], test) {
			return true
		}
	}
	return r.Not != nil && ruleUses(r.Not, test)
}

// refreshRFMSegmentsTx recomputes in full, in tx, every dynamic segment
// with an RFM condition (the RFM refresh, which replaced every score in
// tx). Each segment's row is locked FOR UPDATE, in id order.
func refreshRFMSegmentsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, now time.Time, hook MembershipHook) error {
	var all []Segment
	if err := tx.NewSelect().Model(&all).Where("tenant_id = ? AND kind = ?", tenant, SegmentDynamic).Order("id").Scan(ctx); err != nil {
		return err
	}
	for _, seg := range all {
		if !ruleUses(&seg.Rules, func(r *Rule) bool { return r.RFM != "" }) {
			continue
		}
		locked, err := lockSegmentTx(ctx, tx, tenant, seg.ID)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if locked.Kind != SegmentDynamic {
			continue
		}
		if err := setStatementTimeout(ctx, tx, DefaultRefreshTimeout); err != nil {
			return err
		}
		if _, err := applyMembershipTx(ctx, tx, locked, now, nil, hook); err != nil {
			return err
		}
		locked.RefreshedAt = &now
		if _, err := tx.NewUpdate().Model(locked).Column("refreshed_at").WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// mergeFamily is ids with the profiles each was merged into (to the live
// one) and every profile merged into those. It walks the merges a level
// per query (chains are short; most batches find none): one recursive
// query is estimated so large that PostgreSQL JIT-compiles it, which
// costs more than the walk.
func mergeFamily(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []uuid.UUID) ([]uuid.UUID, error) {
	family := map[uuid.UUID]bool{}
	for _, id := range ids {
		family[id] = true
	}
	walk := func(query string, from []uuid.UUID) ([]uuid.UUID, error) {
		var next []uuid.UUID
		for len(from) > 0 {
			found, err := uuidsTx(ctx, tx, query, tenant.String(), pgUUIDs(from))
			if err != nil {
				return nil, err
			}
			from = from[:0:0]
			for _, id := range found {
				if !family[id] {
					family[id] = true
					from = append(from, id)
					next = append(next, id)
				}
			}
		}
		return next, nil
	}
	// Up: the profiles they were merged into, to the live ones.
	up, err := walk(`SELECT merged_into FROM cdp_profiles WHERE tenant_id = $1::uuid AND id = ANY($2::uuid[]) AND merged_into IS NOT NULL`, ids)
	if err != nil {
		return nil, err
	}
	// Down: every profile merged into any of them.
	if _, err := walk(`SELECT id FROM cdp_profiles WHERE tenant_id = $1::uuid AND merged_into = ANY($2::uuid[])`, append(slices.Clone(ids), up...)); err != nil {
		return nil, err
	}
	out := make([]uuid.UUID, 0, len(family))
	for id := range family {
		out = append(out, id)
	}
	return out, nil
}

// uuidsTx runs a query of one uuid column with driver parameters.
func uuidsTx(ctx context.Context, tx bun.Tx, query string, args ...any) ([]uuid.UUID, error) {
	rows, err := tx.Tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

package cdp

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// RunDeletion is the privacy.delete job's work for request: it deletes
// the person's events (and their dedup rows) chunk by chunk as it scans
// the tenant's events, then, in one transaction, what was computed of
// them (computed traits, RFM scores, segment memberships and their
// changes), their consents, refused links, merge history, identifiers and
// profiles, the exports made of them, and the link of audit entries to
// their profiles; the request is DONE and names no profile any more. Their identifiers stay suppressed
// (RequestDeletion). Once stop is closed it stops after the chunk at hand
// with ErrPrivacyContinue; the next run goes on from there. It reports
// whether it finished the work (false: already done, failed or gone).
func (s *Privacy) RunDeletion(ctx context.Context, tenant, request uuid.UUID, stop <-chan struct{}) (done bool, err error) {
	defer derrors.Wrap(&err, "cdp.Privacy.RunDeletion(%v, %v)", tenant, request)
	_, p, st, sc, ok, err := s.startRequest(ctx, tenant, request, PrivacyDelete)
	if err != nil || !ok {
		return false, err
	}
	if err := s.materialise(ctx, tenant); err != nil {
		return false, err
	}
	err = s.scanEvents(ctx, tenant, request, p, st, false, sc, stop, func(ctx context.Context, tx bun.Tx, hit []scannedEvent) error {
		evs := make([]keyedEvent, len(hit))
		for i := range hit {
			evs[i] = hit[i].keyedEvent
		}
		if err := deleteEventsTx(ctx, tx, tenant, evs, true); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET erased_events = erased_events + ? WHERE tenant_id = ? AND id = ?`,
			len(evs), tenant, request)
		return err
	})
	if err != nil {
		return false, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return s.eraseTx(ctx, tx, tenant, request, p)
	})
	return err == nil, err
}

// eraseTx deletes what is left of p once its events are gone.
func (s *Privacy) eraseTx(ctx context.Context, tx bun.Tx, tenant, request uuid.UUID, p *person) error {
	if _, err := lockProfilesTx(ctx, tx, tenant, p.profiles); err != nil {
		return err
	}
	profiles := p.profileArray()
	types, values := identifierArrays(mapKeys(p.ids))
	if err := lockDerivedTx(ctx, tx, tenant); err != nil {
		return err
	}
	// A trait backfill's cursor is the last profile id it did: one of theirs
	// moves back to the live profile before it (nothing in between is left
	// to do, so the backfill goes on the same), or to the start when there
	// is none.
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_trait_definitions d SET backfill_after = (SELECT p.id FROM cdp_profiles p
			WHERE p.tenant_id = d.tenant_id AND p.merged_into IS NULL AND p.id < d.backfill_after AND NOT p.id = ANY(?1::uuid[])
			ORDER BY p.id DESC LIMIT 1)
		WHERE d.tenant_id = ?0 AND d.backfill_after = ANY(?1::uuid[])`, tenant, profiles); err != nil {
		return fmt.Errorf("move trait backfill cursors: %w", err)
	}
	var left []struct {
		SegmentID uuid.UUID `bun:"segment_id"`
		N         int64     `bun:"n"`
	}
	if err := tx.NewRaw(`SELECT segment_id, count(*) AS n FROM cdp_segment_members
		WHERE tenant_id = ? AND profile_id = ANY(?::uuid[]) AND exited_at IS NULL GROUP BY segment_id ORDER BY segment_id`,
		tenant, profiles).Scan(ctx, &left); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read segment memberships: %w", err)
	}
	for _, q := range []struct{ what, sql string }{
		// What was computed of the person (docs/adr/0018, "Derived data").
		{"computed traits", `DELETE FROM cdp_computed_traits WHERE tenant_id = ?0 AND profile_id = ANY(?1::uuid[])`},
		{"trait profiles", `DELETE FROM cdp_trait_profiles WHERE tenant_id = ?0 AND profile_id = ANY(?1::uuid[])`},
		{"RFM scores", `DELETE FROM cdp_profile_rfm WHERE tenant_id = ?0 AND profile_id = ANY(?1::uuid[])`},
		{"segment membership changes", `DELETE FROM cdp_segment_membership_changes WHERE tenant_id = ?0 AND profile_id = ANY(?1::uuid[])`},
		{"segment members", `DELETE FROM cdp_segment_members WHERE tenant_id = ?0 AND profile_id = ANY(?1::uuid[])`},
		{"consent history", `DELETE FROM cdp_consent_history WHERE tenant_id = ?0 AND profile_id = ANY(?1::uuid[])`},
		{"consents", `DELETE FROM cdp_consents WHERE tenant_id = ?0 AND profile_id = ANY(?1::uuid[])`},
		{"refused links", `DELETE FROM cdp_refused_links WHERE tenant_id = ?0 AND (profile_id = ANY(?1::uuid[]) OR identifier_profile_id = ANY(?1::uuid[]))`},
		{"merges", `DELETE FROM cdp_profile_merges WHERE tenant_id = ?0 AND (survivor_id = ANY(?1::uuid[]) OR absorbed_id = ANY(?1::uuid[]))`},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, tenant, profiles); err != nil {
			return fmt.Errorf("delete %s: %w", q.what, err)
		}
	}
	// What other contexts keep of the person (conversion deliveries,
	// audience members), in the same transaction.
	for _, h := range s.EraseHooks {
		if err := h(ctx, tx, tenant, p.profiles); err != nil {
			return err
		}
	}
	// Links refused elsewhere that name one of the person's identifiers.
	if _, err := tx.ExecContext(ctx, `DELETE FROM cdp_refused_links r USING unnest(?::text[], ?::text[]) AS x(t, v)
		WHERE r.tenant_id = ? AND ((r.identifier_type = x.t AND r.identifier_value = x.v) OR (r.linked_type = x.t AND r.linked_value = x.v))`,
		pgdialect.Array(types), pgdialect.Array(values), tenant); err != nil {
		return fmt.Errorf("delete refused links: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM cdp_identifiers WHERE tenant_id = ? AND profile_id = ANY(?::uuid[])`, tenant, profiles)
	if err != nil {
		return fmt.Errorf("delete identifiers: %w", err)
	}
	nIDs, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `DELETE FROM cdp_profiles WHERE tenant_id = ? AND id = ANY(?::uuid[])`, tenant, profiles); err != nil {
		return fmt.Errorf("delete profiles: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_privacy_requests SET profile_id = NULL, export = NULL, export_bytes = NULL, expires_at = NULL
		WHERE tenant_id = ? AND profile_id = ANY(?::uuid[]) AND id <> ?`, tenant, profiles, request); err != nil {
		return fmt.Errorf("forget other requests: %w", err)
	}
	now := s.DB.Now(ctx)
	var events int64
	if err := tx.NewRaw(`UPDATE cdp_privacy_requests SET status = ?, profile_id = NULL, finished_at = ?, scan_cursor = NULL,
		erased_identifiers = ?, progress_done = progress_total WHERE tenant_id = ? AND id = ? RETURNING erased_events`,
		RequestDone, now, nIDs, tenant, request).Scan(ctx, &events); err != nil {
		return fmt.Errorf("finish request: %w", err)
	}
	if err := audit.Forget(ctx, tx, tenant, relay.TypeProfile, p.profiles); err != nil {
		return err
	}
	var c profileChanges
	for _, id := range p.profiles {
		c.changed(id, id)
	}
	if err := c.publish(ctx, tx, tenant); err != nil {
		return err
	}
	// The segments they were in shrank: a count, never their id (no
	// EXITED change is logged for them; docs/adr/0018, "Audience sync").
	for _, l := range left {
		data, err := json.Marshal(MembershipDelta{Exited: l.N})
		if err != nil {
			return err
		}
		if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicSegmentMembershipChanged,
			ID: l.SegmentID.String(), Data: data}); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, ActorType: audit.ActorSystem, Action: "privacy.profile_deleted",
		TargetType: relay.TypePrivacyRequest, TargetID: request,
		Details: map[string]any{"events": events, "identifiers": nIDs, "profiles": len(p.profiles)}})
}

// lockDerivedTx makes the writers of the data computed of profiles wait
// for the erasure (and it for them), so none of them writes a row of the
// person after it from what it read before: the tenant's trait row FOR
// UPDATE (every writer of computed traits takes it FOR SHARE before it
// reads the profiles it computes) and the tenant's segments FOR SHARE, in
// id order (a full refresh holds its segment FOR UPDATE). Both are taken
// after the person's profiles, in the batch job's order.
func lockDerivedTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM cdp_trait_tenants WHERE tenant_id = ? FOR UPDATE`, tenant); err != nil {
		return fmt.Errorf("lock traits: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM cdp_segments WHERE tenant_id = ? ORDER BY id FOR SHARE`, tenant); err != nil {
		return fmt.Errorf("lock segments: %w", err)
	}
	return nil
}

func mapKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

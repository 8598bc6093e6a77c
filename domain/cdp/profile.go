package cdp

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// This file reads profiles (following merges) and repairs a wrong merge
// (Unmerge), docs/adr/0017.

const profileNotFound = "profile not found"

// Canonical returns the live profile id names: id itself, or the profile
// it was merged into (merges keep every absorbed profile pointing at its
// final survivor; the chain is followed anyway).
func (s *Identity) Canonical(ctx context.Context, tenant, id uuid.UUID) (_ uuid.UUID, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Canonical(%v, %v)", tenant, id)
	var out uuid.UUID
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var e error
		out, e = canonicalTx(ctx, tx, tenant, id)
		return e
	})
	return out, err
}

// canonicalTx follows id's merged_into chain to the live profile.
func canonicalTx(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) (uuid.UUID, error) {
	cur := id
	for hop := 0; hop < maxMergeHops; hop++ {
		var into *uuid.UUID
		err := tx.NewRaw("SELECT merged_into FROM cdp_profiles WHERE tenant_id = ? AND id = ?", tenant, cur).Scan(ctx, &into)
		if err != nil {
			return uuid.Nil, db.NotFound(err, profileNotFound)
		}
		if into == nil {
			return cur, nil
		}
		cur = *into
	}
	return uuid.Nil, fmt.Errorf("merge chain of %v longer than %d", id, maxMergeHops)
}

// Profile returns the live profile id names (Canonical) with its
// identifiers, strongest first.
func (s *Identity) Profile(ctx context.Context, tenant, id uuid.UUID) (_ *Profile, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Profile(%v, %v)", tenant, id)
	var p *Profile
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		live, err := canonicalTx(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		p = new(Profile)
		if err := db.ScanByID(ctx, tx, p, live, db.NoLock, profileNotFound); err != nil {
			return err
		}
		err = tx.NewRaw("SELECT type, value FROM cdp_identifiers WHERE tenant_id = ? AND profile_id = ?", tenant, live).
			Scan(ctx, &p.Identifiers)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read identifiers: %w", err)
		}
		slices.SortFunc(p.Identifiers, compareIdentifiers)
		return nil
	})
	return p, err
}

// Lookup returns the live profile of an identifier (raw, normalised with
// the tenant's settings); NOT_FOUND when no profile has it.
func (s *Identity) Lookup(ctx context.Context, tenant uuid.UUID, id Identifier) (_ uuid.UUID, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Lookup(%v, %v)", tenant, id.Type)
	var out uuid.UUID
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		st, err := s.settingsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		v, err := NormalizeIdentifier(id.Type, id.Value, st.region)
		if err != nil {
			return apperr.Invalid([]string{"identifier", "value"}, "%s", err.Error())
		}
		err = tx.NewRaw("SELECT profile_id FROM cdp_identifiers WHERE tenant_id = ? AND type = ? AND value = ?", tenant, id.Type, v).Scan(ctx, &out)
		return db.NotFound(err, profileNotFound)
	})
	return out, err
}

// Merge is one entry of a profile's merge history.
type Merge struct {
	ID         uuid.UUID `bun:"id"`
	SurvivorID uuid.UUID `bun:"survivor_id"`
	AbsorbedID uuid.UUID `bun:"absorbed_id"`
	Reason     string    `bun:"reason"`
	// Link are the identifiers of the call that linked the two profiles.
	Link []Identifier `bun:"link,type:jsonb"`
	// Identifiers are those the absorbed profile brought.
	Identifiers []Identifier `bun:"identifiers,type:jsonb"`
	MergedAt    time.Time    `bun:"merged_at"`
	UndoneAt    *time.Time   `bun:"undone_at"`
}

// Merges lists the merges into or of profile id (not following it to its
// survivor), newest first.
func (s *Identity) Merges(ctx context.Context, tenant, id uuid.UUID) (_ []Merge, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Merges(%v, %v)", tenant, id)
	var out []Merge
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`SELECT id, survivor_id, absorbed_id, reason, link, identifiers, merged_at, undone_at
			FROM cdp_profile_merges WHERE tenant_id = ? AND (survivor_id = ? OR absorbed_id = ?)
			ORDER BY merged_at DESC, id DESC`, tenant, id, id).Scan(ctx, &out)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return out, err
}

// Unmerge is an operator's repair of a wrong merge: the absorbed profile
// comes back to life with the identifiers it brought to its last merge
// (those still on the profile they went to; identifiers added since stay
// there), its own traits and counters as they were when it was absorbed
// (subtracted from the survivor's counters; the survivor keeps the traits
// it took), and the profiles that had been merged into it — directly or
// through one another, by merges not undone — point at it again. The merge
// is marked undone in the history. Links refused meanwhile are not
// replayed, and the next event linking both identifiers again merges them
// again (add a junk value or fix the source first).
//
// The unmerge is written to the audit log and announced on
// TopicProfileUpdated (both profiles, and the profiles that resolve to
// them), in its transaction.
func (s *Identity) Unmerge(ctx context.Context, tenant, absorbed uuid.UUID) (_ Unmerged, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Unmerge(%v, %v)", tenant, absorbed)
	var out Unmerged
	err = s.retry(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var e error
		out, e = s.unmergeTx(ctx, tx, tenant, absorbed)
		return e
	})
	return out, err
}

// Unmerged is the outcome of an Unmerge: the profile brought back to life
// and the live profile it was taken out of.
type Unmerged struct {
	Revived, Survivor uuid.UUID
}

func (s *Identity) unmergeTx(ctx context.Context, tx bun.Tx, tenant, absorbed uuid.UUID) (Unmerged, error) {
	var out Unmerged
	err := s.unmergeStepsTx(ctx, tx, tenant, absorbed, &out)
	return out, err
}

func (s *Identity) unmergeStepsTx(ctx context.Context, tx bun.Tx, tenant, absorbed uuid.UUID, out *Unmerged) error {
	m, err := mergeInForceTx(ctx, tx, tenant, absorbed)
	if err != nil {
		return err
	}
	// Lock the absorbed profile and the live one its identifiers are on,
	// in id order; if that one was merged away meanwhile, lock its
	// survivor too. The merge is read again under the lock: while this
	// waited, another unmerge may have undone it and a new link merged the
	// profile elsewhere (TestUnmergeUndoesTheMergeInForceWhenItHoldsTheLock).
	var a, cur *Profile
	for round := 0; cur == nil; round++ {
		if round == maxLockRounds {
			return fmt.Errorf("survivor of %v kept moving", absorbed)
		}
		live, err := canonicalTx(ctx, tx, tenant, m.SurvivorID)
		if err != nil {
			return err
		}
		got, err := lockProfilesTx(ctx, tx, tenant, []uuid.UUID{absorbed, live})
		if err != nil {
			return err
		}
		a = got[absorbed]
		held, err := mergeInForceTx(ctx, tx, tenant, absorbed)
		if err != nil {
			return err
		}
		if held.ID != m.ID {
			m = held
			continue
		}
		if p := got[live]; p != nil && p.MergedInto == nil {
			cur = p
		}
	}
	if a.MergedInto == nil {
		return apperr.Invalid([]string{"input", "profileId"}, "the profile is not merged into another")
	}
	now := s.DB.Now(ctx)
	if len(m.Identifiers) > 0 {
		types := make([]string, len(m.Identifiers))
		values := make([]string, len(m.Identifiers))
		for i, id := range m.Identifiers {
			types[i], values[i] = string(id.Type), id.Value
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cdp_identifiers i SET profile_id = ?
			FROM unnest(?::text[], ?::text[]) AS x(t, v)
			WHERE i.tenant_id = ? AND i.profile_id = ? AND i.type = x.t AND i.value = x.v`,
			a.ID, pgdialect.Array(types), pgdialect.Array(values), tenant, cur.ID); err != nil {
			return fmt.Errorf("move identifiers back: %w", err)
		}
	}
	// Every profile under the revived one through merges in force — those
	// merged into it, and those merged into them — points at it again
	// (TestUnmergeTakesBackWhatItsAbsorbedProfilesAbsorbed). A survivor is
	// always older than what it absorbed, so the merges in force have no
	// cycle. merged_into IS NOT NULL is checked on the row as it is when
	// locked: a profile revived meanwhile is left alive.
	var repointed []uuid.UUID
	if err := tx.NewRaw(`WITH RECURSIVE under (id) AS (
			SELECT absorbed_id FROM cdp_profile_merges WHERE tenant_id = ? AND survivor_id = ? AND undone_at IS NULL
			UNION
			SELECT m.absorbed_id FROM cdp_profile_merges m JOIN under u ON m.survivor_id = u.id
			WHERE m.tenant_id = ? AND m.undone_at IS NULL)
		UPDATE cdp_profiles SET merged_into = ?, updated_at = ?
		WHERE tenant_id = ? AND id IN (SELECT id FROM under) AND merged_into IS NOT NULL RETURNING id`,
		tenant, a.ID, tenant, a.ID, now, tenant).
		Scan(ctx, &repointed); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("repoint profiles absorbed by the unmerged one: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_profiles SET merged_into = NULL, merged_at = NULL, updated_at = ?
		WHERE tenant_id = ? AND id = ?`, now, tenant, a.ID); err != nil {
		return fmt.Errorf("revive profile: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_profiles SET updated_at = ?,
			event_count = greatest(event_count - ?, 0), session_count = greatest(session_count - ?, 0),
			purchase_count = greatest(purchase_count - ?, 0), revenue_micros = revenue_micros - ?,
			merge_count = greatest(merge_count - ?, 0)
		WHERE tenant_id = ? AND id = ?`, now, a.Events, a.Sessions, a.Purchases, a.RevenueMicros, a.MergeCount+1,
		tenant, cur.ID); err != nil {
		return fmt.Errorf("subtract from survivor: %w", err)
	}
	for _, id := range []uuid.UUID{a.ID, cur.ID} {
		if err := refreshStageTx(ctx, tx, tenant, id); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE cdp_profile_merges SET undone_at = ? WHERE tenant_id = ? AND id = ?`, now, tenant, m.ID)
	if err != nil {
		return fmt.Errorf("mark merge undone: %w", err)
	}
	*out = Unmerged{Revived: a.ID, Survivor: cur.ID}
	var c profileChanges
	c.changed(cur.ID, cur.ID)
	c.changed(a.ID, a.ID)
	for _, id := range repointed {
		c.changed(id, a.ID)
	}
	if err := c.publish(ctx, tx, tenant); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "profile.unmerge", TargetType: relay.TypeProfile, TargetID: a.ID,
		Details: map[string]any{"survivorId": relay.GlobalID(relay.TypeProfile, cur.ID), "identifiers": len(m.Identifiers)}})
}

// mergeInForceTx is the last merge of absorbed that is not undone; a
// profile without one is not merged (BAD_USER_INPUT), or not found.
func mergeInForceTx(ctx context.Context, tx bun.Tx, tenant, absorbed uuid.UUID) (Merge, error) {
	var m Merge
	err := tx.NewRaw(`SELECT id, survivor_id, absorbed_id, reason, link, identifiers, merged_at, undone_at
		FROM cdp_profile_merges WHERE tenant_id = ? AND absorbed_id = ? AND undone_at IS NULL
		ORDER BY merged_at DESC, id DESC LIMIT 1`, tenant, absorbed).Scan(ctx, &m)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := canonicalTx(ctx, tx, tenant, absorbed); err != nil {
			return Merge{}, err
		}
		return Merge{}, apperr.Invalid([]string{"input", "profileId"}, "the profile is not merged into another")
	}
	if err != nil {
		return Merge{}, fmt.Errorf("read merge: %w", err)
	}
	return m, nil
}

// refreshStageTx recomputes a profile's lifecycle stage from its
// identifiers and purchases (lifecycleStage in SQL).
func refreshStageTx(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) error {
	known := []string{}
	for _, t := range IdentifierTypes {
		if t.known() {
			known = append(known, string(t))
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE cdp_profiles p SET lifecycle_stage = CASE
			WHEN p.lifecycle_stage = ? THEN p.lifecycle_stage
			WHEN p.purchase_count > 0 THEN ?
			WHEN EXISTS (SELECT 1 FROM cdp_identifiers i WHERE i.tenant_id = p.tenant_id AND i.profile_id = p.id
				AND i.type = ANY(?::text[])) THEN ?
			ELSE ? END
		WHERE p.tenant_id = ? AND p.id = ?`, StageChurned, StageCustomer, pgdialect.Array(known), StageKnown, StageAnonymous, tenant, id)
	if err != nil {
		return fmt.Errorf("refresh lifecycle stage: %w", err)
	}
	return nil
}

// marshalIdentifiers is the JSON of ids for the merge history (never null).
func marshalIdentifiers(ids []Identifier) (string, error) {
	if ids == nil {
		ids = []Identifier{}
	}
	b, err := json.Marshal(ids)
	return string(b), err
}

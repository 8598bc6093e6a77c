package cdp

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// This file is what audience sync (domain/audiences) reads of a segment:
// its membership changes after a cursor, its current members by profile
// id, and per profile whether it is a member, its ADS consent and its
// email addresses and phone numbers. Audience sync never reads the cdp
// tables itself.

// MaxAudienceCandidates bounds the profile ids of one AudienceCandidates
// call (the consent read's bound).
const MaxAudienceCandidates = MaxConsentProfiles

// MembershipChange is one entry of a segment's membership log.
type MembershipChange struct {
	// ID orders the log (ids are assigned when written, so a transaction
	// that commits late can add an id below ones already read: consumers
	// that need every change also reconcile against the members).
	ID        int64     `bun:"id"`
	ProfileID uuid.UUID `bun:"profile_id"`
	// Change is ENTERED or EXITED.
	Change string `bun:"change"`
}

// AudienceCandidate is one profile as audience sync sees it.
type AudienceCandidate struct {
	ProfileID uuid.UUID
	// Member: a current member of the segment.
	Member bool
	// AdsConsent: the person's latest ADS decision was a grant (denied
	// without one, DefaultAdsConsent).
	AdsConsent bool
	// Emails (trimmed, lower-cased) and Phones (E.164) of the profile and
	// the profiles merged into it, highest priority first.
	Emails, Phones []string
}

// LatestMembershipChange returns the id of the segment's latest
// membership change (0 without any).
func (s *Segments) LatestMembershipChange(ctx context.Context, tenant, segment uuid.UUID) (id int64, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.LatestMembershipChange(%s, %s)", tenant, segment)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT coalesce(max(id), 0) FROM cdp_segment_membership_changes WHERE tenant_id = ? AND segment_id = ?`,
			tenant, segment).Scan(ctx, &id)
	})
	return id, err
}

// MembershipChangesAfter returns up to limit (1–10,000) of the segment's
// membership changes with an id above after, in id order, and how many
// there are in all after it.
func (s *Segments) MembershipChangesAfter(ctx context.Context, tenant, segment uuid.UUID, after int64, limit int) (_ []MembershipChange, pending int64, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.MembershipChangesAfter(%s, %s, %d)", tenant, segment, after)
	if limit < 1 || limit > 10000 {
		return nil, 0, apperr.Invalid([]string{"limit"}, "limit is 1 to 10000")
	}
	var out []MembershipChange
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`SELECT id, profile_id, change FROM cdp_segment_membership_changes
			WHERE tenant_id = ? AND segment_id = ? AND id > ? ORDER BY id LIMIT ?`, tenant, segment, after, limit).Scan(ctx, &out)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return tx.NewRaw(`SELECT count(*) FROM cdp_segment_membership_changes WHERE tenant_id = ? AND segment_id = ? AND id > ?`,
			tenant, segment, after).Scan(ctx, &pending)
	})
	return out, pending, err
}

// MemberIDsAfter returns up to limit (1–10,000) current members of the
// segment with a profile id above after, in id order, and the segment's
// current size.
func (s *Segments) MemberIDsAfter(ctx context.Context, tenant, segment, after uuid.UUID, limit int) (_ []uuid.UUID, size int64, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.MemberIDsAfter(%s, %s)", tenant, segment)
	if limit < 1 || limit > 10000 {
		return nil, 0, apperr.Invalid([]string{"limit"}, "limit is 1 to 10000")
	}
	var out []uuid.UUID
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw(`SELECT profile_id FROM cdp_segment_members
			WHERE tenant_id = ? AND segment_id = ? AND exited_at IS NULL AND profile_id > ? ORDER BY profile_id LIMIT ?`,
			tenant, segment, after, limit).Scan(ctx, &out)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return tx.NewRaw(`SELECT count(*) FROM cdp_segment_members WHERE tenant_id = ? AND segment_id = ? AND exited_at IS NULL`,
			tenant, segment).Scan(ctx, &size)
	})
	return out, size, err
}

// AudienceCandidates reads, in one transaction, for each profile id (at
// most MaxAudienceCandidates) whether it is a current member of the
// segment, its ADS consent and its emails and phone numbers. Ids of
// profiles that no longer exist answer a non-member without identifiers.
func (s *Segments) AudienceCandidates(ctx context.Context, tenant, segment uuid.UUID, ids []uuid.UUID) (_ []AudienceCandidate, err error) {
	defer derrors.Wrap(&err, "cdp.Segments.AudienceCandidates(%s, %s, %d ids)", tenant, segment, len(ids))
	if len(ids) > MaxAudienceCandidates {
		return nil, apperr.Invalid([]string{"profileIds"}, "at most %d profiles per call", MaxAudienceCandidates)
	}
	out := make([]AudienceCandidate, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		arr := pgdialect.Array(pgUUIDs(ids))
		var members []uuid.UUID
		err := tx.NewRaw(`SELECT profile_id FROM cdp_segment_members WHERE tenant_id = ? AND segment_id = ? AND exited_at IS NULL
			AND profile_id = ANY(?::uuid[])`, tenant, segment, arr).Scan(ctx, &members)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		consent := make(map[uuid.UUID]bool, len(ids))
		if err := adsConsentTx(ctx, tx, tenant, ids, consent); err != nil {
			return err
		}
		var idents []struct {
			ID    uuid.UUID      `bun:"id"`
			Type  IdentifierType `bun:"type"`
			Value string         `bun:"value"`
		}
		err = tx.NewRaw(`SELECT q.id, i.type, i.value FROM unnest(?::uuid[]) AS q(id)
			JOIN cdp_profiles p ON p.tenant_id = ? AND coalesce(p.merged_into, p.id) = q.id
			JOIN cdp_identifiers i ON i.tenant_id = p.tenant_id AND i.profile_id = p.id AND i.type IN (?, ?)
			ORDER BY q.id, i.priority DESC, i.created_at, i.value`, arr, tenant, IdentifierEmail, IdentifierPhone).Scan(ctx, &idents)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		at := make(map[uuid.UUID]int, len(ids))
		for i, id := range ids {
			out[i] = AudienceCandidate{ProfileID: id, AdsConsent: consent[id]}
			at[id] = i
		}
		for _, m := range members {
			out[at[m]].Member = true
		}
		for _, x := range idents {
			c := &out[at[x.ID]]
			if x.Type == IdentifierEmail {
				c.Emails = append(c.Emails, x.Value)
			} else {
				c.Phones = append(c.Phones, x.Value)
			}
		}
		return nil
	})
	return out, err
}

package cdp

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// This file applies the consent events carry (Segment's
// context.consent.categoryPreferences, a map of category to bool) to
// their profiles in the batch job's transaction (docs/adr/0018).

// eventIdentifierColumns are the columns of cdp_events that
// batchEvent.identifiers reads (the batch job's own read, batch_profiles.go,
// also reads the purchase columns).
const eventIdentifierColumns = `type, event, anonymous_id, user_id, previous_id, "timestamp",
	CASE WHEN type = 'identify' THEN traits::text END AS traits,
	(context->'traits'->'email')::text AS ctx_email, (context->'traits'->'phone')::text AS ctx_phone,
	(context->'device'->'id')::text AS device_id, (context->'externalIds')::text AS external_ids`

// consentEvent is an event of a batch that carries consent preferences.
type consentEvent struct {
	batchEvent
	Prefs string `bun:"prefs"`
}

// consentKey is a person's purpose.
type consentKey struct {
	profile uuid.UUID
	purpose Purpose
}

// applyBatchConsentsTx records the consent decisions of batch's events on
// the live profiles their identifiers resolved to (the batch job calls it
// after applying the batch's profile data, with those profiles locked).
// Decisions apply in event time order; one older than the person's current
// decision, or equal to it, changes nothing. Within one event, two
// categories of the same purpose that disagree count as a denial.
func (s *Service) applyBatchConsentsTx(ctx context.Context, tx bun.Tx, tenant, batch uuid.UUID, now time.Time) error {
	if s.Identity == nil {
		return nil
	}
	var evs []consentEvent
	err := tx.NewRaw(`SELECT `+eventIdentifierColumns+`, (context->'consent'->'categoryPreferences')::text AS prefs
		FROM cdp_events WHERE tenant_id = ? AND batch_id = ?
			AND jsonb_typeof(context->'consent'->'categoryPreferences') = 'object'
		ORDER BY "timestamp", source_id, message_id`, tenant, batch).Scan(ctx, &evs)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read consent events: %w", err)
	}
	if len(evs) == 0 {
		return nil
	}
	st, err := s.Identity.settingsTx(ctx, tx, tenant)
	if err != nil {
		return err
	}
	per := make([][]Identifier, len(evs))
	var all []Identifier
	for i := range evs {
		per[i], _ = cleanIdentifiers(evs[i].identifiers(), st)
		all = append(all, per[i]...)
	}
	owner, err := liveOwnersTx(ctx, tx, tenant, all)
	if err != nil {
		return err
	}
	lives := map[uuid.UUID]bool{}
	for _, p := range owner {
		lives[p] = true
	}
	cur, err := currentConsentsTx(ctx, tx, tenant, lives)
	if err != nil {
		return err
	}
	for i := range evs {
		profile := uuid.Nil
		for _, id := range per[i] {
			if p, ok := owner[id]; ok {
				profile = p
				break
			}
		}
		if profile == uuid.Nil {
			continue
		}
		for purpose, granted := range eventDecisions(evs[i].Prefs) {
			k := consentKey{profile, purpose}
			c, ok := cur[k]
			if ok && (evs[i].Timestamp.Before(c.DecidedAt) || c.Granted == granted) {
				continue
			}
			c = Consent{ProfileID: profile, Purpose: purpose, Granted: granted, Source: ConsentFromEvent, DecidedAt: evs[i].Timestamp}
			if err := writeConsentTx(ctx, tx, tenant, c, nil, now); err != nil {
				return err
			}
			cur[k] = c
		}
	}
	return nil
}

// eventDecisions reads a categoryPreferences object: the purposes its
// known categories decide (non-boolean values are ignored).
func eventDecisions(prefs string) map[Purpose]bool {
	var m map[string]any
	if json.Unmarshal([]byte(prefs), &m) != nil {
		return nil
	}
	out := map[Purpose]bool{}
	for cat, v := range m {
		b, ok := v.(bool)
		if !ok {
			continue
		}
		p, ok := PurposeOfCategory(cat)
		if !ok {
			continue
		}
		if prev, seen := out[p]; seen {
			b = prev && b
		}
		out[p] = b
	}
	return out
}

// liveOwnersTx maps the stored identifiers among ids to their live
// profiles.
func liveOwnersTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []Identifier) (map[Identifier]uuid.UUID, error) {
	out := map[Identifier]uuid.UUID{}
	if len(ids) == 0 {
		return out, nil
	}
	types := make([]string, len(ids))
	values := make([]string, len(ids))
	for i, id := range ids {
		types[i], values[i] = string(id.Type), id.Value
	}
	var rows []struct {
		Type  IdentifierType `bun:"type"`
		Value string         `bun:"value"`
		Live  uuid.UUID      `bun:"live"`
	}
	err := tx.NewRaw(`SELECT i.type, i.value, coalesce(p.merged_into, p.id) AS live FROM cdp_identifiers i
		JOIN unnest(?::text[], ?::text[]) AS x(t, v) ON i.type = x.t AND i.value = x.v
		JOIN cdp_profiles p ON p.tenant_id = i.tenant_id AND p.id = i.profile_id
		WHERE i.tenant_id = ?`, pgdialect.Array(types), pgdialect.Array(values), tenant).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read identifiers: %w", err)
	}
	for _, r := range rows {
		out[Identifier{Type: r.Type, Value: r.Value}] = r.Live
	}
	return out, nil
}

// currentConsentsTx reads the current decisions of the people lives
// names (live profile ids).
func currentConsentsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, lives map[uuid.UUID]bool) (map[consentKey]Consent, error) {
	out := map[consentKey]Consent{}
	if len(lives) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(lives))
	for id := range lives {
		ids = append(ids, id.String())
	}
	var rows []Consent
	err := tx.NewRaw(`SELECT DISTINCT ON (coalesce(p.merged_into, p.id), c.purpose)
			coalesce(p.merged_into, p.id) AS profile_id, c.purpose, c.granted, c.source, c.decided_at
		FROM cdp_consents c JOIN cdp_profiles p ON p.tenant_id = c.tenant_id AND p.id = c.profile_id
		WHERE c.tenant_id = ? AND coalesce(p.merged_into, p.id) = ANY(?::uuid[])
		ORDER BY coalesce(p.merged_into, p.id), c.purpose, c.decided_at DESC, c.updated_at DESC`,
		tenant, pgdialect.Array(ids)).Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read consents: %w", err)
	}
	for _, r := range rows {
		out[consentKey{r.ProfileID, r.Purpose}] = r
	}
	return out, nil
}

package cdp

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// MaxSplitIdentifiers bounds the identifiers one Split moves.
const MaxSplitIdentifiers = 50

// SplitResult is the outcome of a Split: the profile the identifiers left and
// the new profile they went to.
type SplitResult struct {
	Original, New uuid.UUID
}

// Split is an operator's repair of a profile holding identifiers of more
// than one person when no single merge is to blame (docs/adr/0017,
// "Split"): ids (raw, normalised with the tenant's settings) move from the
// live profile id names to a new profile. Events are attributed to a
// profile through its user and anonymous ids, so the events that carried
// the moved ones show on the new profile's timeline from then on (an event
// that also carried an identifier that stays shows on both). Counters and
// traits are not divided (no event says which share was whose): they stay
// with the original; the new profile starts with none, seen from its
// identifiers' first to last event (the split's time when it has none).
// Refused: an empty or too long list, an identifier not on the profile (at
// its index), one listed twice, and moving every identifier (the original
// would be left with nothing: nothing is wrong with the profile as a
// whole). The next event linking a moved identifier with one that stayed
// merges them again (the newer profile into the original) — fix the
// source or add a junk value first. Audited and announced like Unmerge.
func (s *Identity) Split(ctx context.Context, tenant, id uuid.UUID, ids []Identifier) (_ SplitResult, err error) {
	defer derrors.Wrap(&err, "cdp.Identity.Split(%v, %v)", tenant, id)
	if len(ids) == 0 || len(ids) > MaxSplitIdentifiers {
		return SplitResult{}, apperr.Invalid([]string{"input", "identifiers"}, "list 1 to %d identifiers to split off", MaxSplitIdentifiers)
	}
	var out SplitResult
	err = s.retry(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var e error
		out, e = s.splitTx(ctx, tx, tenant, id, ids)
		return e
	})
	return out, err
}

// splitPath is the input path of the i-th identifier of a split.
func splitPath(i int, field ...string) []string {
	return append([]string{"input", "identifiers", strconv.Itoa(i)}, field...)
}

// normalizeSplit normalises a split's identifiers, refusing invalid and
// repeated ones at their index.
func normalizeSplit(ids []Identifier, region string) ([]Identifier, error) {
	out := make([]Identifier, len(ids))
	at := map[Identifier]int{}
	for i, x := range ids {
		if !x.Type.Valid() {
			return nil, apperr.Invalid(splitPath(i, "type"), "unknown identifier type")
		}
		v, err := NormalizeIdentifier(x.Type, x.Value, region)
		if err != nil {
			return nil, apperr.Invalid(splitPath(i, "value"), "%s", err.Error())
		}
		n := Identifier{Type: x.Type, Value: v}
		if j, dup := at[n]; dup {
			return nil, apperr.Invalid(splitPath(i), "the same identifier as at index %d", j)
		}
		at[n], out[i] = i, n
	}
	return out, nil
}

// lockLiveTx locks the live profile id names, following a merge that
// happens meanwhile.
func lockLiveTx(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID) (*Profile, error) {
	for round := 0; round < maxLockRounds; round++ {
		live, err := canonicalTx(ctx, tx, tenant, id)
		if err != nil {
			return nil, err
		}
		got, err := lockProfilesTx(ctx, tx, tenant, []uuid.UUID{live})
		if err != nil {
			return nil, err
		}
		if p := got[live]; p != nil && p.MergedInto == nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("profile %v kept moving", id)
}

func (s *Identity) splitTx(ctx context.Context, tx bun.Tx, tenant, id uuid.UUID, raw []Identifier) (SplitResult, error) {
	st, err := s.settingsTx(ctx, tx, tenant)
	if err != nil {
		return SplitResult{}, err
	}
	ids, err := normalizeSplit(raw, st.region)
	if err != nil {
		return SplitResult{}, err
	}
	orig, err := lockLiveTx(ctx, tx, tenant, id)
	if err != nil {
		return SplitResult{}, err
	}
	var have []Identifier
	err = tx.NewRaw("SELECT type, value FROM cdp_identifiers WHERE tenant_id = ? AND profile_id = ?", tenant, orig.ID).Scan(ctx, &have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return SplitResult{}, fmt.Errorf("read identifiers: %w", err)
	}
	on := make(map[Identifier]bool, len(have))
	for _, x := range have {
		on[x] = true
	}
	for i, x := range ids {
		if !on[x] {
			return SplitResult{}, apperr.Invalid(splitPath(i), "not an identifier of this profile")
		}
	}
	if len(ids) == len(have) {
		return SplitResult{}, apperr.Invalid([]string{"input", "identifiers"}, "that is every identifier of the profile: keep at least one on it")
	}
	now := s.DB.Now(ctx)
	first, last, err := seenThroughTx(ctx, tx, tenant, ids)
	if err != nil {
		return SplitResult{}, err
	}
	if first.IsZero() {
		first, last = now, now
	}
	np := &Profile{TenantID: tenant, ID: uuid.New(), CreatedAt: now, UpdatedAt: now, FirstSeenAt: first, LastSeenAt: last,
		LifecycleStage: StageAnonymous, Traits: map[string]json.RawMessage{}}
	if _, err := tx.NewInsert().Model(np).Exec(ctx); err != nil {
		return SplitResult{}, fmt.Errorf("insert profile: %w", err)
	}
	types, values := identifierArrays(ids)
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_identifiers i SET profile_id = ?
		FROM unnest(?::text[], ?::text[]) AS x(t, v)
		WHERE i.tenant_id = ? AND i.profile_id = ? AND i.type = x.t AND i.value = x.v`,
		np.ID, pgdialect.Array(types), pgdialect.Array(values), tenant, orig.ID); err != nil {
		return SplitResult{}, fmt.Errorf("move identifiers: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cdp_profiles SET updated_at = ? WHERE tenant_id = ? AND id = ?`, now, tenant, orig.ID); err != nil {
		return SplitResult{}, fmt.Errorf("touch profile: %w", err)
	}
	for _, p := range []uuid.UUID{orig.ID, np.ID} {
		if err := refreshStageTx(ctx, tx, tenant, p); err != nil {
			return SplitResult{}, err
		}
	}
	var c profileChanges
	c.changed(orig.ID, orig.ID)
	c.changed(np.ID, np.ID)
	if err := c.publish(ctx, tx, tenant); err != nil {
		return SplitResult{}, err
	}
	kinds := map[string]int{}
	for _, x := range ids {
		kinds[string(x.Type)]++
	}
	err = audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "profile.split", TargetType: relay.TypeProfile, TargetID: orig.ID,
		Details: map[string]any{"newProfileId": relay.GlobalID(relay.TypeProfile, np.ID), "identifiers": kinds}})
	if err != nil {
		return SplitResult{}, err
	}
	return SplitResult{Original: orig.ID, New: np.ID}, nil
}

// identifierArrays are ids' types and values as parallel arrays.
func identifierArrays(ids []Identifier) (types, values []string) {
	types, values = make([]string, len(ids)), make([]string, len(ids))
	for i, x := range ids {
		types[i], values[i] = string(x.Type), x.Value
	}
	return types, values
}

// seenThroughTx is the time of the first and the last event carrying one
// of ids' user or anonymous ids (zero when none does).
func seenThroughTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, ids []Identifier) (time.Time, time.Time, error) {
	users, anons := []string{}, []string{}
	for _, x := range ids {
		switch x.Type {
		case IdentifierUserID:
			users = append(users, x.Value)
		case IdentifierAnonymousID:
			anons = append(anons, x.Value)
		}
	}
	if len(users)+len(anons) == 0 {
		return time.Time{}, time.Time{}, nil
	}
	var row struct {
		First *time.Time `bun:"first"`
		Last  *time.Time `bun:"last"`
	}
	err := tx.NewRaw(`SELECT min("timestamp") AS first, max("timestamp") AS last FROM cdp_events
		WHERE tenant_id = ? AND (user_id = ANY(?::text[]) OR anonymous_id = ANY(?::text[]))`,
		tenant, pgdialect.Array(users), pgdialect.Array(anons)).Scan(ctx, &row)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("read seen times: %w", err)
	}
	if row.First == nil || row.Last == nil {
		return time.Time{}, time.Time{}, nil
	}
	return row.First.UTC(), row.Last.UTC(), nil
}

package cdp

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// ComputedTrait is a profile's current value of a computed trait.
type ComputedTrait struct {
	DefinitionID uuid.UUID `bun:"definition_id"`
	Name         string    `bun:"name"`
	// Value is JSON text: a number, a string or a boolean.
	Value      string    `bun:"value"`
	ComputedAt time.Time `bun:"computed_at"`
	// Definition is the trait's definition.
	Definition *TraitDefinition `bun:"-"`
}

// ComputedTraits reads a profile's computed traits (the live profile's,
// for an absorbed one), by name. A trait without a row has no matching
// event in its window and is not listed. At most MaxTraitDefinitions.
func (s *Traits) ComputedTraits(ctx context.Context, tenant, profile uuid.UUID) (_ []ComputedTrait, err error) {
	defer derrors.Wrap(&err, "cdp.Traits.ComputedTraits(%s, %s)", tenant, profile)
	var out []ComputedTrait
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := canonicalTx(ctx, tx, tenant, profile); err != nil {
			return err // NOT_FOUND for an id the tenant has no profile under
		}
		m, err := computedTraitsTx(ctx, tx, tenant, []uuid.UUID{profile})
		out = m[profile]
		return err
	})
	return out, err
}

// ComputedTraitsOf is ComputedTraits of many profiles in one transaction
// (the dataloader of Profile.computedTraits): every id's traits, an empty
// list for an id without any and for one the tenant has no profile under.
func (s *Traits) ComputedTraitsOf(ctx context.Context, tenant uuid.UUID, profiles []uuid.UUID) (_ map[uuid.UUID][]ComputedTrait, err error) {
	defer derrors.Wrap(&err, "cdp.Traits.ComputedTraitsOf(%s, %d profiles)", tenant, len(profiles))
	var out map[uuid.UUID][]ComputedTrait
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = computedTraitsTx(ctx, tx, tenant, profiles)
		return err
	})
	return out, err
}

// computedTraitsTx reads the computed traits of profiles (each the live
// profile's: listed profiles are live, so one query finds those; an
// absorbed id follows its merge chain), by name, with their definitions.
func computedTraitsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, profiles []uuid.UUID) (map[uuid.UUID][]ComputedTrait, error) {
	var live []uuid.UUID
	if err := tx.NewRaw("SELECT id FROM cdp_profiles WHERE tenant_id = ? AND id = ANY(?) AND merged_into IS NULL",
		tenant, pgdialect.Array(profiles)).Scan(ctx, &live); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	liveOf := make(map[uuid.UUID]uuid.UUID, len(profiles))
	for _, id := range live {
		liveOf[id] = id
	}
	for _, id := range profiles {
		if _, ok := liveOf[id]; ok {
			continue
		}
		l, err := canonicalTx(ctx, tx, tenant, id)
		if err != nil {
			var e *apperr.Error
			if errors.As(err, &e) && e.Code == apperr.NotFound {
				continue
			}
			return nil, err
		}
		liveOf[id] = l
	}
	targets := make([]uuid.UUID, 0, len(liveOf))
	for _, l := range liveOf {
		targets = append(targets, l)
	}
	var rows []struct {
		ProfileID    uuid.UUID `bun:"profile_id"`
		DefinitionID uuid.UUID `bun:"definition_id"`
		Name         string    `bun:"name"`
		Value        string    `bun:"value"`
		ComputedAt   time.Time `bun:"computed_at"`
	}
	if len(targets) > 0 {
		err := tx.NewRaw(`SELECT c.profile_id, c.definition_id, d.name, c.value::text AS value, c.computed_at
			FROM cdp_computed_traits c JOIN cdp_trait_definitions d ON d.tenant_id = c.tenant_id AND d.id = c.definition_id
			WHERE c.tenant_id = ? AND c.profile_id = ANY(?) AND c.value IS NOT NULL ORDER BY c.profile_id, d.name`,
			tenant, pgdialect.Array(targets)).Scan(ctx, &rows)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	defs, err := definitionsTx(ctx, tx, tenant)
	if err != nil {
		return nil, err
	}
	defOf := make(map[uuid.UUID]*TraitDefinition, len(defs))
	for _, d := range defs {
		defOf[d.ID] = d
	}
	byLive := map[uuid.UUID][]ComputedTrait{}
	for _, r := range rows {
		c := ComputedTrait{DefinitionID: r.DefinitionID, Name: r.Name, Value: r.Value, ComputedAt: r.ComputedAt, Definition: defOf[r.DefinitionID]}
		byLive[r.ProfileID] = append(byLive[r.ProfileID], c)
	}
	out := make(map[uuid.UUID][]ComputedTrait, len(profiles))
	for _, id := range profiles {
		list := byLive[liveOf[id]]
		if list == nil {
			list = []ComputedTrait{}
		}
		out[id] = list
	}
	return out, nil
}

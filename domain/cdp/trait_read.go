package cdp

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

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
	out := []ComputedTrait{}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		live, err := canonicalTx(ctx, tx, tenant, profile)
		if err != nil {
			return err
		}
		err = tx.NewRaw(`SELECT c.definition_id, d.name, c.value::text AS value, c.computed_at
			FROM cdp_computed_traits c JOIN cdp_trait_definitions d ON d.tenant_id = c.tenant_id AND d.id = c.definition_id
			WHERE c.tenant_id = ? AND c.profile_id = ? AND c.value IS NOT NULL ORDER BY d.name LIMIT ?`,
			tenant, live, MaxTraitDefinitions).Scan(ctx, &out)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		defs, err := definitionsTx(ctx, tx, tenant)
		if err != nil {
			return err
		}
		for i := range out {
			for _, d := range defs {
				if d.ID == out[i].DefinitionID {
					out[i].Definition = d
				}
			}
		}
		return nil
	})
	return out, err
}
